#!/usr/bin/env python3
#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

"""Where one server's time goes: the steps of ``GET /servers/{id}``, timed.

::

    tox -e nova --notest    # or any virtualenv with nova==34.0.0
    .tox/nova/bin/python benchmarks/server_timeline.py --count 600

On the data of :mod:`nova_bench` (Nova 34's schema, 200 servers, the
fake Neutron served by this process), the standalone API runs in a
child process, as ``nova_bench.py --serve standalone`` runs it, with a
tracer wrapped around the steps of a server's view: the handler, the
database reads, Neutron asked and waited for (in the request's thread,
or in a thread of the pool where the calls cannot be sent now), each of
Neutron's two calls (asked, sent, its answer read), each request sent
(when its send returned) and each answer (when it could be read, and
when its headers were parsed). This process asks for the server
``--count`` times on one kept-alive connection; the child writes, for
each step, the median of its time from the start of the handler (ms)
and the thread it ran in.

The tracer's own wrappers cost a few microseconds per step: the
timeline is for the order and the gaps, not the total, which
``nova_bench.py`` measures.
"""

import argparse
import collections
import json
import logging
import os
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))

import nova_bench  # noqa: E402

OUTPUT_ENV = 'NF_SERVER_TIMELINE_OUTPUT'
WRITE_EVERY = 50


class Tracer:
    """Marks of the steps of one request at a time, summed up."""

    def __init__(self, output):
        self.output = output
        self.marks = []
        self.times = collections.defaultdict(list)
        self.requests = 0

    def mark(self, step):
        thread = threading.current_thread().name
        where = 'neutron' if thread.startswith('nova-faults-neutron') \
            else 'request'
        self.marks.append((step, where, time.perf_counter()))

    def done(self):
        start = self.marks[0][2]
        seen = collections.Counter()
        for step, where, at in self.marks:
            seen[step, where] += 1
            key = (step if seen[step, where] == 1
                   else '%s (%d)' % (step, seen[step, where]))
            self.times[key, where].append((at - start) * 1000)
        self.requests += 1
        if self.requests % WRITE_EVERY == 0:
            self.write()

    def write(self):
        steps = [{'step': step, 'thread': where,
                  'median_ms': round(statistics.median(values), 3),
                  'count': len(values)}
                 for (step, where), values in self.times.items()]
        steps.sort(key=lambda entry: entry['median_ms'])
        with open(self.output, 'w') as f:
            json.dump({'requests': self.requests, 'steps': steps}, f,
                      indent=1)

    def wrap(self, owner, name, step, method=False):
        """Mark ``step`` before and after ``owner.name`` runs."""
        original = getattr(owner, name)
        if method:
            original = original.__func__

        def traced(*args, **kwargs):
            self.mark(step)
            try:
                return original(*args, **kwargs)
            finally:
                self.mark(step + ' returned')
        setattr(owner, name, classmethod(traced) if method else traced)

    def install(self):
        import http.client
        import select

        from nova_faults.api.handlers import servers
        from nova_faults import neutron
        from nova_faults.objects import instance_list
        from nova_faults.objects import security_group

        show = servers.show

        def traced_show(req):
            self.marks = []
            self.mark('handler')
            try:
                return show(req)
            finally:
                self.mark('handler returned')
                self.done()
        servers.show = traced_show

        start = security_group.SecurityGroupList.start_names_by_instance

        def traced_start(cls, *args, **kwargs):
            self.mark('Neutron asked')
            wait = start(*args, **kwargs)

            def traced_wait():
                self.mark('waiting for Neutron')
                try:
                    return wait()
                finally:
                    self.mark('waiting for Neutron returned')
            return traced_wait
        security_group.SecurityGroupList.start_names_by_instance = \
            classmethod(traced_start)
        self.wrap(security_group, '_ask', 'Neutron thread')
        self.wrap(instance_list.InstanceList, 'get_one', 'database reads',
                  method=True)

        start_list = neutron._start_list

        def traced_start_list(adapter, collection, *args, **kwargs):
            self.mark('%s call' % collection)
            read = start_list(adapter, collection, *args, **kwargs)
            self.mark('%s call sent' % collection)

            def traced_read():
                self.mark('%s answer read' % collection)
                try:
                    return read()
                finally:
                    self.mark('%s answer read returned' % collection)
            return traced_read
        neutron._start_list = traced_start_list

        request = http.client.HTTPConnection.request

        def traced_request(conn, *args, **kwargs):
            try:
                return request(conn, *args, **kwargs)
            finally:
                self.mark('request sent (send returned)')
        http.client.HTTPConnection.request = traced_request

        getresponse = http.client.HTTPConnection.getresponse

        def traced_getresponse(conn):
            if conn.sock is not None:
                select.select([conn.sock], [], [])
                self.mark('answer readable')
            try:
                return getresponse(conn)
            finally:
                self.mark('answer headers parsed')
        http.client.HTTPConnection.getresponse = traced_getresponse


def serve(root, threads):
    """``--serve``: the standalone API with the tracer installed."""
    Tracer(os.environ[OUTPUT_ENV]).install()
    return nova_bench.serve('standalone', root, threads)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--servers', type=int, default=200)
    parser.add_argument('--count', type=int, default=600,
                        help='requests (rounded up to %d)' % WRITE_EVERY)
    parser.add_argument('--threads', type=int, default=4)
    parser.add_argument('--output', help='write the timeline as JSON')
    parser.add_argument('--serve', help=argparse.SUPPRESS)
    parser.add_argument('--root', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.root, args.threads)
    logging.disable(logging.WARNING)

    from nova_faults.tests.nova import harness

    world = harness.NovaWorld.get()
    extra = args.servers - len(world.servers)
    if extra > 0:
        world.seeder.many_servers(extra)
    output = os.path.abspath(args.output or os.path.join(
        world.root, 'server-timeline.json'))
    os.environ[OUTPUT_ENV] = output
    child = nova_bench.Child('standalone', world.root, args.threads,
                             script=os.path.abspath(__file__))
    headers = {'X-Auth-Token': '%s:%s' % (harness.ADMIN, harness.PROJECT),
               'X-Roles': 'admin,member,reader',
               'OpenStack-API-Version': 'compute 2.84'}
    path = '/v2.1/servers/%s' % world.servers['error']
    count = -(-args.count // WRITE_EVERY) * WRITE_EVERY
    try:
        for _turn in range(count):
            child.connect()
            status, body = child.get(path, headers)
            if status != 200:
                raise RuntimeError('%s: %s %s' % (path, status, body[:300]))
    finally:
        child.stop()
    with open(output) as f:
        timeline = json.load(f)
    print('| step | thread | ms from the handler\'s start (median of %d) |'
          % timeline['requests'])
    print('|---|---|---|')
    for entry in timeline['steps']:
        print('| %s | %s | %.3f |' % (entry['step'], entry['thread'],
                                      entry['median_ms']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
