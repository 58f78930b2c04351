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

"""End to end over HTTP: nova-faults and the raw baseline, served alike.

::

    python benchmarks/http_compare.py --backends sqlite,postgresql,mysql \\
        --servers 200 --servers-kinds nova-faults-api,gunicorn,uwsgi
    python benchmarks/http_compare.py --rss 10000,100000 --backends sqlite

For each backend it builds one deployment (:mod:`bench_data`, one cell),
then for each WSGI server kind starts two servers on 127.0.0.1, the same
way: nova-faults (``nova-faults-api``, or ``nova_faults.wsgi.api`` under
gunicorn / uWSGI) and the raw baseline (:mod:`raw_app`: plain SQL and
the same JSON encoder on engines of the same data layer). For each route
and each number of client connections (1 and 4) it drives the two in
turn with the bounded Python keep-alive client (``bench_http``) and
reports median and p99 latency and requests/s of each, the ratio of
the medians (nova-faults / raw), and the processor time the server
spent per request (its processes' user and system time over the run,
``/proc/<pid>/stat``) with its ratio. On a shared VM the processor time
moves less than the latency: the client, the other server and the
neighbours wait in the latency, not in the server's processor time.

``--rss`` sends a mix of the single-server routes to one
``nova-faults-api`` process and one gunicorn worker and reports their
resident set (``VmRSS``) after each count of requests.

Server kinds: ``nova-faults-api`` (cheroot, 16 threads; the raw app under
the same cheroot settings), ``gunicorn`` (sync workers) and ``uwsgi``
(processes, ``--lazy-apps``), each with ``--workers`` workers.
"""

import argparse
import datetime
import json
import os
import signal
import subprocess
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
import raw_app  # noqa: E402

VENV_BIN = bench_http.VENV_BIN
KINDS = ('nova-faults-api', 'gunicorn', 'uwsgi')
CLOCK_TICKS = os.sysconf('SC_CLK_TCK')
RSS_ROUTES = ('server_show_2.84', 'actions_list_2.84', 'action_show_2.84',
              'services_2.84')


def _names(text):
    return [x for x in text.split(',') if x]


def _ints(text):
    return [int(x) for x in text.split(',') if x]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--backends', type=_names, default=['sqlite'])
    p.add_argument('--servers', type=int, default=200)
    p.add_argument('--kinds', type=_names, default=list(KINDS))
    p.add_argument('--connections', type=_ints, default=[1, 4])
    p.add_argument('--client', choices=sorted(bench_http.CLIENTS),
                   default='lean', help='the timing client (default: '
                   'lean_client)')
    p.add_argument('--workers', type=int, default=2,
                   help='gunicorn/uWSGI workers (default 2)')
    p.add_argument('--threads', type=int, default=16,
                   help='nova-faults-api threads (default 16)')
    p.add_argument('--duration', type=float, default=2.0,
                   help='seconds per run (default 2)')
    p.add_argument('--routes', type=_names, default=None)
    p.add_argument('--rss', type=_ints, default=None,
                   help='request counts at which to read RSS')
    p.add_argument('--startup', type=int, default=0, metavar='RUNS',
                   help='also time RUNS starts of nova-faults-api on the '
                        'embedded default (the first one creates the '
                        'databases)')
    p.add_argument('--output')
    return p.parse_args(argv)


class Served:
    """One server process (``stop()`` it)."""

    def __init__(self, proc, port, log_path):
        self.proc, self.port, self.log_path = proc, port, log_path

    def pids(self):
        """The process and its children (the workers)."""
        server = bench_http.Server(self.proc, self.port, self.log_path)
        return [self.proc.pid] + server.worker_pids()

    def rss_mb(self):
        """``{pid: VmRSS MB}`` of the process and its workers."""
        found = {}
        for pid in self.pids():
            try:
                with open('/proc/%d/status' % pid) as f:
                    for line in f:
                        if line.startswith('VmRSS:'):
                            found[pid] = round(int(line.split()[1]) / 1024.0,
                                               1)
            except OSError:
                continue
        return found

    def cpu_seconds(self):
        """User and system time of the process and its workers so far."""
        ticks = 0
        for pid in self.pids():
            try:
                with open('/proc/%d/stat' % pid) as f:
                    fields = f.read().rsplit(')', 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])
        return ticks / CLOCK_TICKS

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def command(kind, app, port, args, config):
    """The command line serving ``app`` ('nova-faults' or 'raw')."""
    module = {'nova-faults': 'nova_faults.wsgi.api:application',
              'raw': 'raw_app:application'}[app]
    if kind == 'nova-faults-api':
        if app == 'nova-faults':
            return [os.path.join(VENV_BIN, 'nova-faults-api'),
                    '--config-file', config, '--port', str(port),
                    '--threads', str(args.threads)]
        return [sys.executable, os.path.join(HERE, 'raw_app.py'),
                '--port', str(port), '--threads', str(args.threads)]
    if kind == 'gunicorn':
        return [os.path.join(VENV_BIN, 'gunicorn'), '-w',
                str(args.workers), '-b', '127.0.0.1:%d' % port,
                '--timeout', '120', '--chdir', HERE, module]
    if kind == 'uwsgi':
        # NOTE: --http11-socket keeps connections alive; --http-socket
        # (with --http-keepalive) closed each one after its first answer,
        # so half the client's requests failed and were sent again.
        return [os.path.join(VENV_BIN, 'uwsgi'), '--http11-socket',
                '127.0.0.1:%d' % port, '--master', '--processes',
                str(args.workers), '--lazy-apps', '--need-app',
                '--die-on-term', '--disable-logging', '--pythonpath', HERE,
                '--pythonpath', os.path.dirname(HERE), '--module', module]
    raise ValueError(kind)


def serve(kind, app, args, config, spec_path, log_dir):
    port = bench_http.free_port()
    env = dict(os.environ, OS_NOVA_FAULTS_CONFIG_FILES=config)
    env[raw_app.SPEC_ENV] = spec_path
    env['PYTHONPATH'] = os.pathsep.join([HERE, os.path.dirname(HERE)])
    log_path = os.path.join(log_dir, '%s-%s-%d.log' % (kind, app, port))
    with open(log_path, 'w') as log:
        proc = subprocess.Popen(command(kind, app, port, args, config),
                                env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    served = Served(proc, port, log_path)
    try:
        bench_http.wait_ready(port, proc)
        for _ in range(4 * args.workers):
            bench_http._get(port, '/')
    except Exception:
        served.stop()
        with open(log_path) as f:
            sys.stderr.write(f.read()[-3000:])
        raise
    return served


def _headers(version):
    return {'X-Auth-Token': bench_measure.TOKEN,
            'OpenStack-API-Version': 'compute %s' % version}


def _timed_load(served, path, headers, connections, args):
    """One load run, with the server's processor time per request."""
    before = served.cpu_seconds()
    run = bench_http.python_load(served.port, path, headers, connections,
                                 args.duration, client=args.client)
    spent = served.cpu_seconds() - before
    run['cpu_us_per_request'] = round(
        spent / max(run['requests'], 1) * 1e6, 1)
    return run


def compare(kind, args, config, spec, spec_path, tmp):
    """``{route: {connections: {nova_faults, raw, ratio}}}`` for a kind."""
    servers = {app: serve(kind, app, args, config, spec_path, tmp)
               for app in ('nova-faults', 'raw')}
    results = {}
    try:
        for name, (path, version) in spec['paths'].items():
            if args.routes and name not in args.routes:
                continue
            headers = _headers(version)
            for app, served in servers.items():
                # Warm up: every worker has its engines and connections.
                bench_http.python_load(served.port, path, headers,
                                       max(args.connections), 0.5,
                                       max_requests=40)
            per = {}
            for connections in args.connections:
                runs = {}
                for app in ('nova-faults', 'raw'):
                    runs[app] = _timed_load(servers[app], path, headers,
                                            connections, args)
                nf, raw = runs['nova-faults'], runs['raw']
                per[connections] = {
                    'nova_faults': nf, 'raw': raw,
                    'ratio': round(nf['median_ms'] / raw['median_ms'], 2),
                    'cpu_ratio': round(nf['cpu_us_per_request'] /
                                       raw['cpu_us_per_request'], 2)}
            results[name] = per
            sys.stderr.write('  %s %s %s\n' % (kind, name, ' '.join(
                'c%d x%.2f (processor x%.2f)' % (c, r['ratio'],
                                                 r['cpu_ratio'])
                for c, r in per.items())))
    finally:
        for served in servers.values():
            served.stop()
    return results


def rss(args, config, spec, spec_path, tmp):
    """RSS of nova-faults workers after each count in ``args.rss``."""
    out = {}
    routes = [spec['paths'][name] for name in RSS_ROUTES]
    for kind in ('nova-faults-api', 'gunicorn'):
        one = argparse.Namespace(**vars(args))
        one.workers = 1
        served = serve(kind, 'nova-faults', one, config, spec_path, tmp)
        points = []
        try:
            sent = 0
            start = time.perf_counter()
            for target in sorted(args.rss):
                while sent < target:
                    path, version = routes[(sent // 100) % len(routes)]
                    batch = min(100, target - sent)
                    result = bench_http.python_load(
                        served.port, path, _headers(version), 2, 600,
                        max_requests=batch)
                    sent += result['requests']
                    if result.get('errors'):
                        raise RuntimeError('errors during the RSS run')
                points.append({'requests': sent,
                               'seconds': round(time.perf_counter() - start),
                               'rss_mb': served.rss_mb()})
                sys.stderr.write('  rss %s %d: %s\n' % (
                    kind, sent, points[-1]['rss_mb']))
        finally:
            served.stop()
        out[kind] = points
    return out


def startup(runs):
    """Seconds of each ``nova-faults-api`` start to its first 200 on /."""
    times = []
    home = tempfile.mkdtemp(prefix='nf-bench-home-')
    env = dict(os.environ, HOME=home,
               XDG_DATA_HOME=os.path.join(home, 'data'))
    env.pop('OS_NOVA_FAULTS_CONFIG_FILES', None)
    for _ in range(runs):
        port = bench_http.free_port()
        start = time.perf_counter()
        proc = subprocess.Popen(
            [os.path.join(VENV_BIN, 'nova-faults-api'), '--port', str(port)],
            cwd=home, env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        try:
            times.append(round(bench_http.wait_ready(port, proc,
                                                     start=start), 3))
        finally:
            Served(proc, port, None).stop()
    sys.stderr.write('  start-up: %s s\n' % times)
    return times


def table(results):
    lines = []
    if results.get('startup_s'):
        lines.append('Start-up to the first 200 on / (embedded default; '
                     'the first creates the databases): %s s' % ', '.join(
                         '%.2f' % t for t in results['startup_s']))
    for entry in results['backends']:
        if 'skipped' in entry:
            lines.append('\n%s: skipped (%s)' % (entry['backend'],
                                                 entry['skipped']))
            continue
        for kind, routes in entry.get('kinds', {}).items():
            lines.append('\n### %s, %s (N=%d)\n' % (
                entry['backend'], kind, entry['servers']))
            lines.append('| route | conns | nova-faults median / p99 ms, '
                         'req/s | raw median / p99 ms, req/s | ratio | '
                         'server processor us per request, nova-faults / '
                         'raw | ratio |')
            lines.append('| --- | --- | --- | --- | --- | --- | --- |')
            for name, per in routes.items():
                for conns, r in per.items():
                    nf, raw = r['nova_faults'], r['raw']
                    lines.append(
                        '| %s | %s | %.2f / %.2f, %.0f | %.2f / %.2f, %.0f '
                        '| **%.2f** | %.0f / %.0f | **%.2f** |' % (
                            name, conns, nf['median_ms'], nf['p99_ms'],
                            nf['rps'], raw['median_ms'], raw['p99_ms'],
                            raw['rps'], r['ratio'],
                            nf['cpu_us_per_request'],
                            raw['cpu_us_per_request'], r['cpu_ratio']))
        for kind, points in entry.get('rss', {}).items():
            lines.append('\nRSS %s %s: %s' % (
                entry['backend'], kind, '; '.join(
                    '%d requests: %s MB' % (p['requests'], ', '.join(
                        str(v) for v in p['rss_mb'].values()))
                    for p in points)))
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = datetime.datetime.now(datetime.timezone.utc)
    results = {'started': started.strftime('%Y-%m-%dT%H:%M:%SZ'),
               'command': 'python benchmarks/http_compare.py ' + ' '.join(
                   sys.argv[1:] if argv is None else argv),
               'settings': {k: v for k, v in vars(args).items()
                            if k != 'output'},
               'loadavg_start': list(os.getloadavg()),
               'backends': []}
    tmp = tempfile.mkdtemp(prefix='nf-http-')
    for backend in args.backends:
        sys.stderr.write('%s N=%d\n' % (backend, args.servers))
        try:
            built = bench_data.build(backend, 1, args.servers, hosts=20)
        except unittest.SkipTest as exc:
            results['backends'].append({'backend': backend,
                                        'skipped': str(exc)})
            continue
        try:
            config = bench_http.write_config(tmp, built.deployment.api_url)
            spec = bench_measure.spec(built)
            spec_path = os.path.join(tmp, 'spec-%s.json' % backend)
            with open(spec_path, 'w') as f:
                json.dump(spec, f)
            entry = {'backend': backend, 'servers': args.servers}
            if args.rss:
                entry['rss'] = rss(args, config, spec, spec_path, tmp)
            else:
                entry['kinds'] = {
                    kind: compare(kind, args, config, spec, spec_path, tmp)
                    for kind in args.kinds}
            results['backends'].append(entry)
        finally:
            bench_data.dispose(built)
    if args.startup:
        results['startup_s'] = startup(args.startup)
    results['loadavg_end'] = list(os.getloadavg())
    output = args.output or os.path.join(
        HERE, 'results', 'http-%s.json' % started.strftime('%Y-%m-%d'))
    bench_measure.write_results(results, output)
    print(table(results))
    print('\nJSON: %s' % output)
    return 0


if __name__ == '__main__':
    sys.exit(main())
