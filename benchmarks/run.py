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

"""nova-faults API benchmark: speed, scale, and the raw baseline.

::

    python benchmarks/run.py --servers 100,1000,10000 --cells 1,3 \\
        --backends sqlite,postgresql,mysql
    python benchmarks/run.py --smoke        # seconds; what CI may run

For every backend, cell count C and server count N it builds a deployment
(:mod:`bench_data`), then measures each endpoint

* in-process, nova-faults through its WSGI app against the raw baseline
  (plain SQL + the same JSON encoder), alternating, with the ratio and the
  queries per request (:mod:`bench_measure`);
* over HTTP, under ``gunicorn -w W`` driven by ``wrk`` (or a bounded
  Python client): median and p99 latency, requests per second, and the
  workers' peak RSS (:mod:`bench_http`).

Then, once: throughput with 1, 2, ... workers on one deployment, and the
start-up time of ``nova-faults-api`` on the embedded default.

It prints Markdown tables and writes everything as JSON
(``benchmarks/results/<date>.json`` unless ``--output`` says otherwise).
Only 127.0.0.1 is used; every database it creates is dropped.
"""

import argparse
import datetime
import os
import platform
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))

import bench_data  # noqa: E402
import bench_http  # noqa: E402
import bench_measure  # noqa: E402


def _ints(text):
    return [int(x) for x in text.split(',') if x]


def _names(text):
    return [x for x in text.split(',') if x]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--servers', type=_ints, default=[100, 1000, 10000],
                   help='server counts N (default 100,1000,10000)')
    p.add_argument('--cells', type=_ints, default=[1, 3],
                   help='cell counts C (default 1,3)')
    p.add_argument('--backends', type=_names,
                   default=['sqlite', 'postgresql', 'mysql'],
                   help='sqlite, postgresql, mysql (default all three)')
    p.add_argument('--hosts', type=int, default=20,
                   help='compute hosts H over all cells (default 20)')
    p.add_argument('--record', type=int, default=0,
                   help='servers whose history is recorded through the '
                        'recording library (at least 10 per cell; the '
                        'others get bulk copies)')
    p.add_argument('--budget', type=float, default=2.0,
                   help='seconds of in-process sampling per endpoint')
    p.add_argument('--workers', type=int, default=2,
                   help='gunicorn workers for the HTTP runs (default 2)')
    p.add_argument('--connections', type=int, default=0,
                   help='concurrent connections (default 2 per worker)')
    p.add_argument('--duration', type=float, default=3.0,
                   help='seconds per HTTP run (default 3)')
    p.add_argument('--scale-workers', type=_ints, default=[1, 2, 4],
                   help='worker counts for the throughput curve')
    p.add_argument('--no-http', action='store_true',
                   help='in-process measurements only')
    p.add_argument('--tool', choices=('wrk', 'python'), default=None,
                   help='load generator (default: wrk when installed)')
    p.add_argument('--profile', metavar='ENDPOINT', action='append',
                   default=[], help='also profile ENDPOINT (pyinstrument) '
                   'on each deployment; text into the JSON')
    p.add_argument('--output', help='JSON file (default '
                   'benchmarks/results/<date>.json)')
    p.add_argument('--smoke', action='store_true',
                   help='seconds-long check: SQLite, 1 cell, 20 servers, '
                        'short runs, 1 worker')
    args = p.parse_args(argv)
    if args.smoke:
        args.servers, args.cells, args.backends = [20], [1], ['sqlite']
        args.budget, args.duration, args.workers = 0.1, 0.3, 1
        # wrk runs at least a second per URL; the Python client less.
        args.tool = args.tool or 'python'
        args.scale_workers = [1]
        args.hosts = 4
    if not args.connections:
        args.connections = 2 * args.workers
    return args


def machine():
    load = os.getloadavg() if hasattr(os, 'getloadavg') else None
    cpu = ''
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    return {'cpus': os.cpu_count(), 'cpu': cpu,
            'python': platform.python_version(),
            'loadavg_start': [round(x, 2) for x in load] if load else None}


HTTP_HEADERS = {'X-Auth-Token': bench_measure.TOKEN}


def http_runs(built, args, tmp, endpoints):
    config = bench_http.write_config(tmp, built.deployment.api_url)
    server = bench_http.serve(config, args.workers, tmp)
    results = {}
    try:
        for name, (path, version) in bench_measure.paths(built).items():
            if name not in endpoints:
                continue
            headers = dict(HTTP_HEADERS)
            headers['OpenStack-API-Version'] = 'compute %s' % version
            if not args.smoke:
                # Warm up: every worker has its engines and connections.
                bench_http.python_load(server.port, path, headers,
                                       args.connections, 0.5,
                                       max_requests=50)
            results[name] = bench_http.load(server.port, path, headers,
                                            args.connections, args.duration,
                                            tool=args.tool)
        rss = server.peak_rss_mb()
    finally:
        server.stop()
    return results, rss


def scaling(built, args, tmp, name='server_show_2.84'):
    path, version = bench_measure.paths(built)[name]
    headers = dict(HTTP_HEADERS)
    headers['OpenStack-API-Version'] = 'compute %s' % version
    config = bench_http.write_config(tmp, built.deployment.api_url)
    curve = []
    for workers in args.scale_workers:
        server = bench_http.serve(config, workers, tmp)
        try:
            bench_http.python_load(server.port, path, headers, 2 * workers,
                                   0.5, max_requests=50)
            result = bench_http.load(server.port, path, headers,
                                     2 * workers, args.duration,
                                     tool=args.tool)
        finally:
            server.stop()
        result['workers'] = workers
        curve.append(result)
    return {'endpoint': name, 'curve': curve}


def run_config(args, backend, cells, servers, tmp):
    built = bench_data.build(backend, cells, servers, hosts=args.hosts,
                             record=args.record)
    try:
        entry = {'backend': backend, 'cells': cells, 'servers': servers,
                 'hosts': args.hosts, 'recorded': built.recorded,
                 'build_seconds': {k: round(v, 2)
                                   for k, v in built.seconds.items()}}
        conf = built.deployment.conf
        entry['endpoints'] = bench_measure.measure(built, conf,
                                                   budget=args.budget)
        if not args.no_http:
            http, rss = http_runs(built, args, tmp,
                                  list(entry['endpoints']))
            for name, result in http.items():
                entry['endpoints'][name]['http'] = result
            entry['http'] = {'workers': args.workers,
                             'connections': args.connections,
                             'duration_s': args.duration,
                             'peak_rss_mb': rss}
        if args.profile:
            entry['profiles'] = {
                name: bench_measure.profile(built, conf, name)
                for name in args.profile}
        return entry, built
    except BaseException:
        bench_data.dispose(built)
        raise


def fmt(value, digits=2):
    if value is None:
        return '-'
    if isinstance(value, float):
        return ('%.' + str(digits) + 'f') % value
    return str(value)


def table(results):
    lines = []
    for entry in results['configs']:
        if 'skipped' in entry:
            lines.append('\n### %s C=%d N=%d: skipped (%s)\n' % (
                entry['backend'], entry['cells'], entry['servers'],
                entry['skipped']))
            continue
        http = entry.get('http') or {}
        lines.append('\n### %s, C=%d, N=%d (build %.1f s%s)\n' % (
            entry['backend'], entry['cells'], entry['servers'],
            entry['build_seconds']['total'],
            ', workers peak RSS %s MB' % http['peak_rss_mb'] if http
            else ''))
        lines.append('| endpoint | nova-faults median / p99 ms | raw '
                     'median ms | ratio | queries | HTTP median / p99 ms '
                     '| HTTP req/s |')
        lines.append('| --- | --- | --- | --- | --- | --- | --- |')
        for name, e in entry['endpoints'].items():
            h = e.get('http') or {}
            lines.append('| %s | %s / %s | %s | **%s** | %d | %s / %s | %s |'
                         % (name, fmt(e['nova_faults']['median_ms']),
                            fmt(e['nova_faults']['p99_ms']),
                            fmt(e['baseline']['median_ms']),
                            fmt(e['ratio']), e['queries'],
                            fmt(h.get('median_ms')), fmt(h.get('p99_ms')),
                            fmt(h.get('rps'), 1)))
    lines.extend(growth_tables(results))
    if results.get('scaling'):
        s = results['scaling']
        lines.append('\n### Throughput vs workers (%s, %s)\n'
                     % (s['endpoint'], s['deployment']))
        lines.append('| workers | req/s | median ms | p99 ms |')
        lines.append('| --- | --- | --- | --- |')
        for point in s['curve']:
            lines.append('| %d | %s | %s | %s |' % (
                point['workers'], fmt(point.get('rps'), 1),
                fmt(point.get('median_ms')), fmt(point.get('p99_ms'))))
    if results.get('startup'):
        st = results['startup']
        lines.append('\nStart-up on the embedded default (nova-faults-api '
                     'to first 200 on /): first start %s s (creates and '
                     'migrates the SQLite databases), next start %s s.'
                     % (fmt(st['first_start_s']), fmt(st['next_start_s'])))
    return '\n'.join(lines)


def growth_tables(results):
    """nova-faults median (ms) and queries per N, for each backend/C."""
    lines = []
    configs = [c for c in results['configs'] if 'endpoints' in c]
    groups = {}
    for c in configs:
        groups.setdefault((c['backend'], c['cells']), []).append(c)
    for (backend, cells), entries in groups.items():
        if len(entries) < 2:
            continue
        entries.sort(key=lambda c: c['servers'])
        ns = [c['servers'] for c in entries]
        lines.append('\n### Growth with N: %s, C=%d (nova-faults median '
                     'ms, ratio, queries)\n' % (backend, cells))
        lines.append('| endpoint | ' + ' | '.join('N=%d' % n for n in ns)
                     + ' |')
        lines.append('| --- |' + ' --- |' * len(ns))
        for name in entries[0]['endpoints']:
            cells_ = []
            for c in entries:
                e = c['endpoints'].get(name)
                cells_.append('%s (x%s, %dq)' % (
                    fmt(e['nova_faults']['median_ms']), fmt(e['ratio']),
                    e['queries']) if e else '-')
            lines.append('| %s | %s |' % (name, ' | '.join(cells_)))
    return lines


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = datetime.datetime.now(datetime.timezone.utc)
    results = {
        'date': started.strftime('%Y-%m-%d'),
        'started': started.strftime('%Y-%m-%dT%H:%M:%SZ'),
        'command': 'python benchmarks/run.py ' + ' '.join(
            sys.argv[1:] if argv is None else argv),
        'machine': machine(),
        'settings': {'servers': args.servers, 'cells': args.cells,
                     'backends': args.backends, 'hosts': args.hosts,
                     'budget_s': args.budget, 'workers': args.workers,
                     'connections': args.connections,
                     'duration_s': args.duration, 'smoke': args.smoke,
                     'http': not args.no_http},
        'configs': [],
    }
    tmp = tempfile.mkdtemp(prefix='nf-bench-')
    scale_target = None
    # The throughput curve: on a database server when there is one.
    scale_backend = next((b for b in args.backends if b != 'sqlite'),
                         args.backends[0])
    for backend in args.backends:
        for cells in args.cells:
            for servers in args.servers:
                sys.stderr.write('%s C=%d N=%d\n' % (backend, cells,
                                                     servers))
                try:
                    entry, built = run_config(args, backend, cells,
                                              servers, tmp)
                except unittest.SkipTest as exc:
                    results['configs'].append({
                        'backend': backend, 'cells': cells,
                        'servers': servers, 'skipped': str(exc)})
                    continue
                results['configs'].append(entry)
                want = (backend == scale_backend and not args.smoke and
                        cells == max(args.cells) and
                        servers == (1000 if 1000 in args.servers
                                    else args.servers[0]))
                if (not args.no_http and scale_target is None and want):
                    results['scaling'] = scaling(built, args, tmp)
                    results['scaling']['deployment'] = '%s C=%d N=%d' % (
                        backend, cells, servers)
                    scale_target = True
                bench_data.dispose(built)
    if not args.no_http:
        results['startup'] = bench_http.startup(runs=1 if args.smoke
                                                else 2)
    results['seconds'] = round(
        (datetime.datetime.now(datetime.timezone.utc) - started
         ).total_seconds(), 1)
    output = args.output
    if output is None:
        output = os.path.join(HERE, 'results', '%s.json' % results['date'])
        if args.smoke:
            output = os.path.join(tmp, 'smoke.json')
    bench_measure.write_results(results, output)
    print(table(results))
    print('\nJSON: %s' % output)
    return 0


if __name__ == '__main__':
    start = time.perf_counter()
    code = main()
    sys.stderr.write('done in %.1f s\n' % (time.perf_counter() - start))
    sys.exit(code)
