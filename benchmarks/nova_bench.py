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

"""Plain Nova vs Nova with the filter vs the standalone nova-faults API.

::

    tox -e nova --notest    # or any virtualenv with nova==34.0.0
    .tox/nova/bin/python benchmarks/nova_bench.py --servers 200

On the same seeded data (:mod:`nova_faults.tests.nova.harness`: Nova 34's
own schema and objects, SQLite files, the fake Neutron), each route is
called over HTTP on three servers in turn, alternating, so that load on
the machine hits all three alike:

* ``nova``: Nova's shipped api-paste.ini;
* ``filter``: the same with ``egg:nova-faults#nova`` inserted;
* ``standalone``: ``nova-faults-api``'s pipeline on the same nova.conf
  (``noauth``).

Each server runs in its own process (this script with ``--serve``), as
an API service does, served by the same cheroot server with the same
number of threads. This process seeds the data, runs the fake Neutron
the three servers call, and is the client: one kept-alive connection per
server, of :mod:`lean_client` by default (``--client http.client`` for
Python's, whose own 0.13 ms or so per request is then in every figure,
the same for all three servers).

It prints the median and p99 of each (milliseconds) and the ratios
nova / filter and nova / standalone, and writes JSON with ``--output``.
Beside the times, the processor time each server's threads ran for per
timed request (Linux' ``/proc/<pid>/task/*/schedstat``): the work each
does per request, without the time it waits (for a processor, for
Neutron, for the client). A busy VM slows that work too.
It also measures what the filter costs a request it passes to Nova
(in-process, against Nova's application without the filter).
"""

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))

import bench_http  # noqa: E402
from nova_faults.tests.nova import harness  # noqa: E402

ADMIN = harness.token(harness.ADMIN, harness.PROJECT,
                      ('admin', 'member', 'reader'))
KINDS = ('nova', 'filter', 'standalone')
IDLE_RECONNECT = 5
PASTE_FILES = {'nova': 'api-paste.ini', 'filter': 'api-paste-filtered.ini'}


def routes(world):
    error = world.servers['error']
    return [
        ('/servers/detail?all_tenants=1', '2.84', 'servers/detail'),
        ('/servers/%s' % error, '2.84', 'servers/{id}'),
        ('/servers/%s/os-instance-actions' % error, '2.84',
         'instance-actions list'),
        ('/servers/%s/os-instance-actions/%s' % (
            error, world.request_ids[0]), '2.84', 'instance-actions show'),
        ('/os-services', '2.84', 'os-services'),
    ]


def percentile(values, fraction):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(fraction *
                                                 (len(values) - 1))))]


def load_app(kind, root):
    """The WSGI application of ``kind`` on the world under ``root``."""
    conf_file = os.path.join(root, 'nova.conf')
    if kind in PASTE_FILES:
        from nova import config
        from nova import objects
        from paste import deploy as paste_deploy
        # NOTE: what Nova's WSGI application does before loading paste.
        config.parse_args(['nova-api', '--config-file', conf_file])
        objects.register_all()
        return paste_deploy.loadapp('config:%s' % os.path.join(
            root, PASTE_FILES[kind]), name='osapi_compute')
    from nova_faults.api import deploy
    from nova_faults import conf as nf_conf
    conf = nf_conf.load(['--config-file', conf_file])
    conf.set_override('auth_strategy', 'noauth', group='api')
    return deploy.loadapp(conf, paste_file=deploy.PACKAGE_PASTE_FILE)


def serve(kind, root, threads):
    """``--serve``: serve ``kind`` on a free port; print it; run."""
    logging.disable(logging.WARNING)
    from nova_faults.cmd import api as cmd_api
    server = cmd_api.build_server(load_app(kind, root), '127.0.0.1', 0,
                                  threads)
    if kind == 'standalone':
        # As nova-faults-api does once its application is loaded.
        from nova_faults.api import deploy
        deploy.freeze_loaded_objects()
    server.prepare()
    print(server.bind_addr[1], flush=True)
    # The parent holds this process' stdin: its end (the parent exited,
    # even on a crash) ends this server too.
    threading.Thread(target=_exit_at_eof, daemon=True).start()
    server.serve()


def _exit_at_eof():
    sys.stdin.read()
    os._exit(0)


class Child:
    """One server process; ``url`` once it listens.

    ``script``: the ``nova_bench.py`` to run it with (this one by
    default; another checkout's serves that checkout's code); ``client``:
    a key of ``bench_http.CLIENTS``.
    """

    def __init__(self, kind, root, threads, script=__file__, client='lean'):
        self.kind = kind
        self.client, self._get, _failures = bench_http.CLIENTS[client]
        self.process = subprocess.Popen(
            [sys.executable, os.path.abspath(script), '--serve', kind,
             '--root', root, '--threads', str(threads)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line.strip().isdigit():
            self.stop()
            raise RuntimeError('%s did not start' % kind)
        self.port = int(line)
        self.connection = None
        self.used = 0

    def connect(self):
        """A new kept-alive connection, unless the last one is fresh.

        cheroot closes a connection left idle for 10 s (while the other
        servers answered a slow route): called before a turn, outside
        the timings.
        """
        if self.connection is not None:
            if time.monotonic() - self.used < IDLE_RECONNECT:
                return
            self.connection.close()
        self.connection = self.client('127.0.0.1', self.port, timeout=120)
        self.connection.connect()

    def get(self, path, headers):
        """(status, body) of ``GET path`` on a kept-alive connection."""
        status, body, _closing = self._get(self.connection, path, headers)
        self.used = time.monotonic()
        return status, body

    def cpu_ns(self):
        """Nanoseconds its threads have run (None where Linux' is not)."""
        total = 0
        try:
            tasks = os.listdir('/proc/%d/task' % self.process.pid)
            for task in tasks:
                with open('/proc/%d/task/%s/schedstat' % (
                        self.process.pid, task)) as stat:
                    total += int(stat.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return total

    def stop(self):
        if self.connection is not None:
            self.connection.close()
        self.process.terminate()
        self.process.wait(30)


def measure(targets, path, version, count, burst=1):
    """Median and p99 ms of ``count`` calls of ``path`` on each target.

    The targets take turns, ``burst`` calls each (1: strictly
    alternating), after a warm-up turn each. ``cpu_ms``: the processor
    time of the target's threads per timed call (None if unknown).
    """
    timings = {name: [] for name in targets}
    cpu = dict.fromkeys(targets, 0)
    bodies = {}
    turns = -(-count // burst)
    for turn in range(turns + 1):
        for name, (child, headers) in targets.items():
            headers = dict(headers)
            headers['OpenStack-API-Version'] = 'compute %s' % version
            child.connect()
            cpu_start = child.cpu_ns()
            for _call in range(burst if turn else 2):
                start = time.perf_counter()
                status, body = child.get('/v2.1' + path, headers)
                elapsed = time.perf_counter() - start
                if status != 200:
                    raise RuntimeError('%s %s: %s %s' % (
                        name, path, status, body[:300]))
                if turn:        # the first turn warms up
                    timings[name].append(elapsed * 1000)
                bodies[name] = len(body)
            cpu_end = child.cpu_ns()
            if turn and cpu[name] is not None:
                cpu[name] = (None if None in (cpu_start, cpu_end) else
                             cpu[name] + cpu_end - cpu_start)
    return {name: {'median_ms': statistics.median(values),
                   'p99_ms': percentile(values, 0.99),
                   'cpu_ms': (None if cpu[name] is None else
                              cpu[name] / 1e6 / len(values)),
                   'bytes': bodies[name]}
            for name, values in timings.items()}


def pass_through_cost(world, count):
    """Microseconds the filter adds to a request Nova answers."""
    import webob

    from nova_faults.plugin import nova_filter

    calls = []

    def nova(environ, start_response):
        calls.append(1)
        start_response('200 OK', [('Content-Length', '0')])
        return [b'']

    conf = nova_filter.conf_loader.load({'config_file': world.conf_file})
    wrapped = nova_filter.NovaFaults(nova, conf)
    cases = {
        'POST /servers': webob.Request.blank('/servers', method='POST'),
        'GET /flavors/detail': webob.Request.blank('/flavors/detail'),
        'GET /servers/{id}/os-interface': webob.Request.blank(
            '/servers/%s/os-interface' % world.servers['error']),
    }
    results = {}
    for name, req in cases.items():
        for app, key in ((nova, 'nova'), (wrapped, 'filter')):
            best = None
            for _round in range(5):
                start = time.perf_counter()
                for _ in range(count):
                    req.get_response(app)
                elapsed = (time.perf_counter() - start) / count
                best = elapsed if best is None else min(best, elapsed)
            results.setdefault(name, {})[key] = best * 1e6
        results[name]['added_us'] = (results[name]['filter'] -
                                     results[name]['nova'])
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--servers', type=int, default=200,
                        help='servers listed by /servers/detail')
    parser.add_argument('--count', type=int, default=30,
                        help='measured calls per route and server')
    parser.add_argument('--output', help='write the results as JSON')
    parser.add_argument('--burst', type=int, default=1,
                        help='calls in a row on one server before the '
                             'next one\'s turn (1: strictly alternating)')
    parser.add_argument('--threads', type=int, default=4,
                        help='threads of each server')
    parser.add_argument('--client', choices=sorted(bench_http.CLIENTS),
                        default='lean',
                        help='the timing client (default: lean_client)')
    parser.add_argument('--serve', choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument('--root', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.serve, args.root, args.threads)
    logging.disable(logging.WARNING)

    world = harness.NovaWorld.get()
    extra = args.servers - len(world.servers)
    if extra > 0:
        world.seeder.many_servers(extra)
    world.request_ids = world.seeder.request_ids(world.servers['error'])

    children = {}
    try:
        for kind in KINDS:
            children[kind] = Child(kind, world.root, args.threads,
                                   client=args.client)
        results = run(world, children, args)
    finally:
        for child in children.values():
            child.stop()
    if args.output:
        with open(args.output, 'w') as stream:
            json.dump(results, stream, indent=2, sort_keys=True)
    return 0


def run(world, children, args):
    targets = {
        'nova': (children['nova'], {'X-Auth-Token': ADMIN}),
        'filter': (children['filter'], {'X-Auth-Token': ADMIN}),
        'standalone': (children['standalone'], {
            'X-Auth-Token': '%s:%s' % (harness.ADMIN, harness.PROJECT),
            'X-Roles': 'admin,member,reader'}),
    }
    results = {'servers': args.servers, 'count': args.count,
               'threads': args.threads, 'burst': args.burst,
               'client': args.client, 'routes': {},
               'load_average_start': os.getloadavg()[0]}
    print('| route | nova median / p99 ms | filter median / p99 ms | '
          'standalone median / p99 ms | nova/filter | nova/standalone |')
    print('|---|---|---|---|---|---|')
    for path, version, label in routes(world):
        count = args.count if 'detail' in path else args.count * 3
        row = measure(targets, path, version, count, args.burst)
        results['routes'][label] = row
        nova = row['nova']['median_ms']
        print('| %s | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f | **%.1fx** '
              '| %.1fx |' % (
                  label, nova, row['nova']['p99_ms'],
                  row['filter']['median_ms'], row['filter']['p99_ms'],
                  row['standalone']['median_ms'],
                  row['standalone']['p99_ms'],
                  nova / row['filter']['median_ms'],
                  nova / row['standalone']['median_ms']))
    print()
    print('| route | processor ms per request: nova | filter | standalone '
          '| nova/filter | nova/standalone |')
    print('|---|---|---|---|---|---|')
    for label, row in results['routes'].items():
        cpu = [row[kind]['cpu_ms'] for kind in KINDS]
        if None in cpu:
            continue
        print('| %s | %.2f | %.2f | %.2f | %.1fx | %.1fx |' % (
            label, cpu[0], cpu[1], cpu[2], cpu[0] / cpu[1],
            cpu[0] / cpu[2]))
    cost = pass_through_cost(world, 20000)
    results['pass_through_us'] = cost
    print()
    print('| passed to Nova | Nova alone us | with the filter us | added us |')
    print('|---|---|---|---|')
    for name, row in cost.items():
        print('| %s | %.2f | %.2f | %.2f |' % (
            name, row['nova'], row['filter'], row['added_us']))
    results['load_average_end'] = os.getloadavg()[0]
    print()
    print('load average %.1f at the start, %.1f at the end' % (
        results['load_average_start'], results['load_average_end']))
    return results


if __name__ == '__main__':
    sys.exit(main())
