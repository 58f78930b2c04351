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

"""The processor time of a server's two calls to Neutron, per checkout.

::

    git worktree add /tmp/before <commit>
    python benchmarks/neutron_client.py --trees /tmp/before,. \\
        --labels before,after --rounds 150

The fake Neutron of the tests serves one server's port and its two
groups from a child process (so its work is not counted). In this
process, the ``nova_faults.neutron`` module of each checkout (loaded from
its file, beside this checkout's configuration and context) asks for
that server's groups in turns of 20 calls, checkout after checkout, with
the groups call after the ports call (Nova's order; the overlap of
``neutron_overlap.py`` is off); a checkout that can send the calls now
and read them later (``start_security_group_names``) is also timed that
way (both requests sent, then both answers read: the groups are known
from the call before). It prints, per checkout, the processor
time of this thread and the wall time per server, and, for scale, the
same two requests sent with ``http.client`` alone on one kept-alive
connection.
"""

import argparse
import http.client
import importlib.util
import json
import logging
import os
import subprocess
import sys
import time
from urllib import parse as urlparse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))

import bench_measure  # noqa: E402
import checkouts  # noqa: E402
from nova_faults import context as nf_context  # noqa: E402
from nova_faults.tests import fake_neutron  # noqa: E402

SERVER = '11111111-2222-4333-8444-555555555555'
TURN = 20


def serve_fake():
    """``--serve-fake``: the fake Neutron with one server; print its URL."""
    fake = fake_neutron.FakeNeutron()
    fake.setUp()
    groups = [fake.add_security_group(name)['id']
              for name in ('default', 'web')]
    fake.add_port(SERVER, security_groups=groups)
    print(fake.endpoint, flush=True)
    sys.stdin.read()        # until the parent exits


def load_module(tree, label):
    """The ``nova_faults.neutron`` of checkout ``tree``, on its own."""
    path = os.path.join(os.path.abspath(tree), 'nova_faults', 'neutron.py')
    spec = importlib.util.spec_from_file_location(
        'neutron_client_%s' % label, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.OVERLAP_ABOVE = float('inf')
    return module


def raw_calls(endpoint):
    """The two requests over ``http.client`` alone (a baseline)."""
    url = urlparse.urlsplit(endpoint)
    connection = http.client.HTTPConnection(url.hostname, url.port)
    headers = {'X-Auth-Token': 'token', 'Accept': 'application/json'}

    def call():
        connection.request(
            'GET', '/v2.0/ports?' + urlparse.urlencode(
                [('device_id', SERVER), ('fields', 'device_id'),
                 ('fields', 'security_groups')]), headers=headers)
        ports = json.loads(connection.getresponse().read())['ports']
        ids = [group for port in ports for group in port['security_groups']]
        connection.request(
            'GET', '/v2.0/security-groups?' + urlparse.urlencode(
                [('id', group) for group in ids] +
                [('fields', 'id'), ('fields', 'name')]), headers=headers)
        return json.loads(connection.getresponse().read())
    return call


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    checkouts.add_arguments(
        parser, 'comma-separated checkouts (default: this one)', default='.')
    parser.add_argument('--rounds', type=int, default=100,
                        help='turns of %d calls per checkout' % TURN)
    parser.add_argument('--output', help='write the results as JSON')
    parser.add_argument('--serve-fake', action='store_true',
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_fake:
        return serve_fake()
    logging.disable(logging.WARNING)
    child = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), '--serve-fake'],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        endpoint = child.stdout.readline().strip()
        trees, labels = checkouts.trees_and_labels(args)
        ctx = nf_context.RequestContext(user_id='u', project_id='p',
                                        auth_token='token')
        calls = {}
        for tree, label in zip(trees, labels):
            module = load_module(tree, label)
            conf = fake_neutron.client_conf(endpoint)
            calls[label] = (lambda module=module, conf=conf:
                            module.security_group_names(conf, ctx, [SERVER]))
            if hasattr(module, 'start_security_group_names'):
                # Sent now, read at once: the work of both calls in this
                # thread, without the databases' reads between them.
                calls[label + ', sent now'] = (
                    lambda module=module, conf=conf:
                    module.start_security_group_names(
                        conf, ctx, [SERVER])())
        calls['http.client alone'] = raw_calls(endpoint)
        results = run(calls, args.rounds)
    finally:
        child.stdin.close()
        child.wait(30)
    print('| calls | processor ms per server | wall ms per server |')
    print('|---|---|---|')
    for label, row in results['calls'].items():
        print('| %s | %.3f | %.3f |' % (label, row['cpu_ms'], row['wall_ms']))
    if args.output:
        bench_measure.write_results(results, args.output)
    return 0


def run(calls, rounds):
    for call in calls.values():
        answer = call()
        if not answer:
            raise RuntimeError('no groups answered: %r' % (answer,))
        for _warm in range(50):
            call()
    cpu = dict.fromkeys(calls, 0.0)
    wall = dict.fromkeys(calls, 0.0)
    load_start = os.getloadavg()[0]
    for _round in range(rounds):
        for label, call in calls.items():
            cpu_start, wall_start = time.thread_time(), time.perf_counter()
            for _call in range(TURN):
                call()
            cpu[label] += time.thread_time() - cpu_start
            wall[label] += time.perf_counter() - wall_start
    count = rounds * TURN
    return {
        'rounds': rounds, 'calls_per_turn': TURN,
        'load_average_start': load_start,
        'load_average_end': os.getloadavg()[0],
        'calls': {label: {'cpu_ms': cpu[label] / count * 1000,
                          'wall_ms': wall[label] / count * 1000}
                  for label in calls},
    }


if __name__ == '__main__':
    sys.exit(main())
