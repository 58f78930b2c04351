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

"""What a pause before a request costs it, and whether its cause matters.

::

    python benchmarks/idle_gap.py --rounds 200

Starts ``nova-faults-api --demo`` (embedded SQLite, a temporary state
path) and times one small request (the action list of the demo's
``vm1``, on one kept-alive ``http.client`` connection) after each kind
of pause, the kinds taking turns so that the machine's moods hit them
alike:

* ``none``: the next request at once;
* ``sleep-1ms``, ``sleep-3ms``, ``sleep-20ms``: the client sleeps (the
  machine idles; within and past the server's kept-alive wait);
* ``spin-20ms``: the client keeps a processor busy;
* ``memory-20ms``: the client writes across 64 MB, evicting the
  processor caches.

It prints the median and p90 (ms) of each. In ``nova_bench.py``'s
alternating runs our server waits for Nova's 15 to 30 ms requests
between two of its own; this tells whether the idle time or what runs
meanwhile is what the next request pays.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench_http  # noqa: E402
import bench_measure  # noqa: E402

TOKEN = {'X-Auth-Token': 'demo:demo',
         'OpenStack-API-Version': 'compute 2.84'}
MEMORY = bytearray(64 * 1024 * 1024)
PAGE = 4096


def _sleep(seconds):
    time.sleep(seconds)


def _spin(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def _memory(seconds):
    end = time.perf_counter() + seconds
    offset = 0
    while time.perf_counter() < end:
        MEMORY[offset] = (MEMORY[offset] + 1) & 0xFF
        offset = (offset + PAGE) % len(MEMORY)


PAUSES = (
    ('none', None, 0),
    ('sleep-1ms', _sleep, 0.001),
    ('sleep-3ms', _sleep, 0.003),
    ('sleep-20ms', _sleep, 0.02),
    ('spin-20ms', _spin, 0.02),
    ('memory-20ms', _memory, 0.02),
)


def _get(connection, path):
    connection.request('GET', path, headers=TOKEN)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError('%s: %s %s' % (path, response.status, body[:200]))
    return body


def _actions_path(connection):
    """The action list of the demo's ``vm1`` (not in its down cell)."""
    servers = json.loads(_get(connection, '/v2.1/servers?name=^vm1$'))[
        'servers']
    if not servers:
        raise RuntimeError('the demo has no vm1')
    return '/v2.1/servers/%s/os-instance-actions' % servers[0]['id']


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=200,
                        help='requests per kind of pause')
    parser.add_argument('--output', help='write the results as JSON')
    args = parser.parse_args(argv)
    state = tempfile.mkdtemp(prefix='nf-idle-gap-')
    port = bench_http.free_port()
    command = os.path.join(os.path.dirname(sys.executable),
                           'nova-faults-api')
    proc = subprocess.Popen(
        [command, '--demo', '--state-path', state, '--port', str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        bench_http.wait_ready(port, proc)
        connection = http.client.HTTPConnection('127.0.0.1', port,
                                                timeout=30)
        path = _actions_path(connection)
        for _ in range(50):
            _get(connection, path)
        timings = {name: [] for name, _pause, _seconds in PAUSES}
        for _ in range(args.rounds):
            for name, pause, seconds in PAUSES:
                if pause is not None:
                    pause(seconds)
                start = time.perf_counter()
                _get(connection, path)
                timings[name].append((time.perf_counter() - start) * 1000)
        connection.close()
    finally:
        proc.terminate()
        proc.wait(30)
    results = {'rounds': args.rounds, 'pauses': {}}
    print('| pause before the request | median ms | p90 ms |')
    print('|---|---|---|')
    for name, values in timings.items():
        row = {'median_ms': statistics.median(values),
               'p90_ms': bench_measure.percentile(values, 0.9)}
        results['pauses'][name] = row
        print('| %s | %.3f | %.3f |' % (
            name, row['median_ms'], row['p90_ms']))
    if args.output:
        bench_measure.write_results(results, args.output)
    return 0


if __name__ == '__main__':
    sys.exit(main())
