#!/usr/bin/env python
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

"""Down-cell benchmark: what one hung cell costs, and whom.

::

    python benchmarks/down_cell_bench.py [--servers 200] [--burst 32]
        [--backend sqlite|mysql|postgresql] [--output FILE]

A deployment with two healthy cells (``--backend``) holding ``--servers``
servers and a third cell whose database is a TCP listener that accepts
connections and never answers, with ``[api] cell_timeout = 1``. The real
application runs under cheroot (as ``nova-faults-api``) on 127.0.0.1 and
is called over HTTP at microversion 2.69 by an admin.

It measures, in order:

1. *baseline*: ``GET /`` and ``GET /servers/{id}`` of a server in a
   healthy cell, before the hung cell is mapped;
2. *hung, sequential*: ``GET /servers/detail`` one request at a time with
   the hung cell mapped (its servers come back as 2.69 minimal records);
   every request must take under 1.2 s;
3. *burst*: ``--burst`` client threads calling ``/servers/detail`` as fast
   as they can for ``--seconds``, while one more thread measures ``GET /``
   and ``GET /servers/{id}`` (healthy cell); their latency must stay at
   the baseline's order, and the process must not grow threads beyond
   the per-cell limit.

Prints a table and writes JSON (``--output``). Wall-clock numbers depend
on the machine; the limits checked are the issue's (1.2 s).
"""

import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time
import uuid as uuidlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from nova_faults.api import deploy  # noqa: E402
from nova_faults import cells  # noqa: E402
from nova_faults.db import api as db_api  # noqa: E402
from nova_faults.tests.fixtures import add_cell  # noqa: E402
from nova_faults.tests.fixtures import Deployment  # noqa: E402
from nova_faults.tests.fixtures import HungListener  # noqa: E402
from nova_faults.tests.functional.base import LiveServer  # noqa: E402

PROJECT = '6f70656e737461636b20342065766572'
HEADERS = {'X-Auth-Token': 'admin:%s' % PROJECT,
           'X-Roles': 'admin,member,reader',
           'OpenStack-API-Version': 'compute 2.69'}
LIMIT = 1.2


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--servers', type=int, default=200)
    p.add_argument('--lost', type=int, default=20,
                   help='servers mapped to the hung cell')
    p.add_argument('--burst', type=int, default=8,
                   help='concurrent clients of /servers/detail')
    p.add_argument('--seconds', type=float, default=10)
    p.add_argument('--sequential', type=int, default=10)
    p.add_argument('--http-threads', type=int, default=64)
    p.add_argument('--backend', default='sqlite',
                   choices=('sqlite', 'mysql', 'postgresql'))
    p.add_argument('--output', help='write the results as JSON here')
    return p.parse_args(argv)


class Client:
    """One keep-alive HTTP connection."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
        for _ in range(100):
            try:
                self.conn.connect()
                break
            except ConnectionRefusedError:
                # The server's accept backlog is short; try again.
                time.sleep(0.05)

    def get(self, path):
        start = time.perf_counter()
        self.conn.request('GET', path, headers=HEADERS)
        resp = self.conn.getresponse()
        self.body = resp.read()
        return resp.status, time.perf_counter() - start


def summary(samples):
    if not samples:
        return {}
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {'n': len(samples), 'median_ms': statistics.median(samples) * 1e3,
            'p99_ms': p99 * 1e3, 'max_ms': ordered[-1] * 1e3}


ERRORS = []


def measure(client, path, count):
    times = []
    for _ in range(count):
        status, elapsed = client.get(path)
        if status != 200:
            ERRORS.append((path, status, client.body[:200]))
        times.append(elapsed)
    return times


def burst(args, port, show):
    """``--burst`` clients on /servers/detail; / and show measured beside."""
    stop = time.monotonic() + args.seconds
    times = []
    lock = threading.Lock()
    client = Client(port)

    def hammer():
        own = Client(port)
        while time.monotonic() < stop:
            status, elapsed = own.get('/v2.1/servers/detail')
            with lock:
                times.append((status, elapsed))

    workers = [threading.Thread(target=hammer, daemon=True)
               for _ in range(args.burst)]
    for worker in workers:
        worker.start()
    time.sleep(0.2)
    root, show_times = [], []
    peak = 0
    while time.monotonic() < stop:
        root.extend(measure(client, '/', 5))
        show_times.extend(measure(client, show, 5))
        peak = max(peak, threading.active_count())
        time.sleep(0.01)
    for worker in workers:
        worker.join(30)
    detail = summary([t for _, t in times])
    detail['statuses'] = sorted({status for status, _ in times})
    return {'detail': detail, 'root': summary(root),
            'show_healthy': summary(show_times), 'peak_threads': peak}


def populate(deployment, count):
    import datetime
    from oslo_utils import timeutils
    ctx = deployment.admin_context()
    now = timeutils.utcnow()
    uuids = []
    for i in range(count):
        cell = deployment.cells[i % 2]
        row = deployment.create_instance(
            cell, project_id=PROJECT, host='compute%d' % (i % 2),
            created_at=now - datetime.timedelta(seconds=i),
            flavor={'flavorid': '1', 'name': 'm1.tiny', 'memory_mb': 512,
                    'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0})
        uuids.append(row['uuid'])
    for i in range(2):
        deployment.create_service(deployment.cells[i], host='compute%d' % i)
    return ctx, uuids


def main(argv=None):
    args = parse_args(argv)
    deployment = Deployment(cells=(args.backend, args.backend),
                            overrides={('api', 'cell_timeout'): 1,
                                       ('api', 'auth_strategy'): 'noauth'})
    deployment.setUp()
    hung = HungListener()
    hung.setUp()
    try:
        return run(args, deployment, hung)
    finally:
        hung.cleanUp()
        deployment.cleanUp()
        db_api.dispose()


def run(args, deployment, hung):
    conf = deployment.conf
    ctx, uuids = populate(deployment, args.servers)
    app = deploy.loadapp(conf)
    server = LiveServer(app, threads=args.http_threads)
    server.setUp()
    results = {'servers': args.servers, 'lost': args.lost,
               'burst': args.burst, 'backend': args.backend,
               'cell_timeout': conf.api.cell_timeout,
               'max_concurrent_per_cell': conf.api.max_concurrent_per_cell}
    try:
        client = Client(server.port)
        show = '/v2.1/servers/%s' % uuids[0]
        for path in ('/', show, '/v2.1/servers/detail'):
            measure(client, path, 5)   # warm up
        results['baseline'] = {
            'root': summary(measure(client, '/', 200)),
            'show_healthy': summary(measure(client, show, 100)),
            'detail_no_hung_cell': summary(
                measure(client, '/v2.1/servers/detail', 20)),
        }

        # Control: the same burst without the hung cell.
        results['control'] = burst(args, server.port, show)

        lost_cell = add_cell(deployment, hung.url('mysql'), 'hung',
                             tree=None)
        for _ in range(args.lost):
            uuid = str(uuidlib.uuid4())
            deployment.create_instance_mapping(uuid, cell=lost_cell,
                                               project_id=PROJECT)
        cells.reset_cache()
        detail = measure(client, '/v2.1/servers/detail', args.sequential)
        results['hung_sequential_detail'] = summary(detail)

        results['hung'] = burst(args, server.port, show)
        results['threads'] = {
            'cell_pool_threads': cells._executor().size,
            'hung_listener_connections': hung.accepted,
            'peak_during_burst': results['hung'].pop('peak_threads'),
            'peak_during_control_burst':
                results['control'].pop('peak_threads')}
        statuses = results['hung']['detail']['statuses']
        results['errors'] = ['%s %s %s' % e for e in ERRORS]
        ok = not ERRORS and max(detail) < LIMIT and statuses == [200]
        results['ok'] = ok
    finally:
        server.cleanUp()
    report(results)
    if args.output:
        with open(args.output, 'w') as out:
            json.dump(results, out, indent=2, sort_keys=True)
    return 0 if results.get('ok') else 1


def report(results):
    print('Down-cell benchmark: %(backend)s, %(servers)d servers in 2 '
          'healthy cells, %(lost)d in a hung cell, cell_timeout '
          '%(cell_timeout)d s, burst of %(burst)d clients' % results)
    print()
    print('| phase | request | n | median ms | p99 ms | max ms |')
    print('|---|---|---|---|---|---|')
    rows = [
        ('baseline', 'GET /', results['baseline']['root']),
        ('baseline', 'GET /servers/{healthy id}',
         results['baseline']['show_healthy']),
        ('baseline', 'GET /servers/detail (no hung cell)',
         results['baseline']['detail_no_hung_cell']),
        ('hung cell, sequential', 'GET /servers/detail',
         results['hung_sequential_detail']),
    ]
    for key, label in (('control', 'control burst, no hung cell'),
                       ('hung', 'burst, hung cell')):
        rows += [
            (label, 'GET /servers/detail (x%d clients)' % results['burst'],
             results[key]['detail']),
            (label, 'GET / (beside)', results[key]['root']),
            (label, 'GET /servers/{healthy id} (beside)',
             results[key]['show_healthy'])]
    for phase, request, s in rows:
        print('| %s | %s | %d | %.1f | %.1f | %.1f |' % (
            phase, request, s['n'], s['median_ms'], s['p99_ms'],
            s['max_ms']))
    print()
    print('threads: %s' % json.dumps(results['threads'], sort_keys=True))
    print('burst statuses: %s' % results['hung']['detail']['statuses'])
    for error in results['errors'][:5]:
        print('error: %s' % error)
    print('result: %s (limit %.1f s per /servers/detail)' % (
        'OK' if results['ok'] else 'FAILED', LIMIT))


if __name__ == '__main__':
    sys.exit(main())
