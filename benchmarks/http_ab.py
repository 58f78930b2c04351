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

"""Two versions of ``nova-faults-api`` as operators run it, side by side.

::

    git worktree add /tmp/before <commit>
    python benchmarks/http_ab.py --trees /tmp/before,. \\
        --labels before,after --count 300 --burst 10

On one deployment of :mod:`bench_data` (SQLite by default, one cell),
each checkout's ``nova-faults-api`` is started with its own code, the
same configuration file and the request log written to a file, as a
deployment has it (``nova_ab.py`` serves Nova's data with logging off).
The routes of :mod:`bench_measure` are then called on each in turn,
``--burst`` calls each with :mod:`lean_client`, after a warm-up; it
prints the median and p99 (ms) of each checkout per route and their
ratio (first / last).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))

import bench_data  # noqa: E402
import bench_http  # noqa: E402
import bench_measure  # noqa: E402
import checkouts  # noqa: E402
import lean_client  # noqa: E402

_MAIN = 'import sys; from nova_faults.cmd import api; sys.exit(api.main())'


class Tree:
    """One checkout's ``nova-faults-api``, with its log in ``log_dir``."""

    def __init__(self, tree, label, config, log_dir, threads):
        self.label = label
        self.port = bench_http.free_port()
        env = dict(os.environ, PYTHONPATH=os.path.abspath(tree))
        env.pop('OS_NOVA_FAULTS_CONFIG_FILES', None)
        self.log_path = os.path.join(log_dir, 'api-%s.log' % label)
        with open(self.log_path, 'w') as log:
            self.proc = subprocess.Popen(
                [sys.executable, '-c', _MAIN, '--config-file', config,
                 '--port', str(self.port), '--threads', str(threads)],
                cwd=log_dir, env=env, stdout=log, stderr=subprocess.STDOUT)
        bench_http.wait_ready(self.port, self.proc)
        self.connection = lean_client.Connection('127.0.0.1', self.port)
        self.connection.connect()

    def stop(self):
        self.connection.close()
        self.proc.terminate()
        self.proc.wait(30)


def measure(trees, path, headers, count, burst):
    timings = {tree.label: [] for tree in trees}
    turns = -(-count // burst)
    for turn in range(turns + 1):
        for tree in trees:
            for _call in range(burst if turn else 5):
                start = time.perf_counter()
                status, body = tree.connection.get(path, headers)
                elapsed = time.perf_counter() - start
                if status != 200:
                    raise RuntimeError('%s %s: %s %s' % (
                        tree.label, path, status, body[:300]))
                if turn:        # the first turn warms up
                    timings[tree.label].append(elapsed * 1000)
    return {label: {'median_ms': statistics.median(values),
                    'p99_ms': sorted(values)[int(0.99 * (len(values) - 1))]}
            for label, values in timings.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    checkouts.add_arguments(parser, 'two (or more) comma-separated '
                            'checkouts')
    parser.add_argument('--backend', default='sqlite')
    parser.add_argument('--servers', type=int, default=200)
    checkouts.add_turn_arguments(
        parser, count=300, threads=16,
        routes_help='comma-separated route names (default: all)')
    args = parser.parse_args(argv)
    labels_of = checkouts.trees_and_labels(args)
    wanted = args.routes.split(',') if args.routes else None
    tmp = tempfile.mkdtemp(prefix='nf-http-ab-')
    built = bench_data.build(args.backend, 1, args.servers, hosts=20)
    trees = []
    results = {'trees': labels_of[1], 'backend': args.backend,
               'count': args.count, 'burst': args.burst, 'routes': {},
               'load_average_start': os.getloadavg()[0]}
    try:
        config = bench_http.write_config(tmp, built.deployment.api_url)
        for tree, label in zip(*labels_of):
            trees.append(Tree(tree, label, config, tmp, args.threads))
        print('| route | %s | ratio |' % ' | '.join(
            '%s median / p99 ms' % tree.label for tree in trees))
        print('|---|%s---|' % ('---|' * len(trees)))
        for name, (path, version) in bench_measure.paths(built).items():
            if wanted and name not in wanted:
                continue
            row = measure(trees, path, {
                'X-Auth-Token': bench_measure.TOKEN,
                'OpenStack-API-Version': 'compute %s' % version},
                args.count, args.burst)
            results['routes'][name] = row
            medians = [row[tree.label]['median_ms'] for tree in trees]
            print('| %s | %s | %.2f |' % (name, ' | '.join(
                '%.2f / %.2f' % (row[tree.label]['median_ms'],
                                 row[tree.label]['p99_ms'])
                for tree in trees), medians[0] / medians[-1]))
        results['log_lines'] = {}
        for tree in trees:
            with open(tree.log_path) as log:
                results['log_lines'][tree.label] = sum(
                    ' status: ' in line for line in log)
    finally:
        for tree in trees:
            tree.stop()
        bench_data.dispose(built)
    results['load_average_end'] = os.getloadavg()[0]
    print('request log lines: %s' % ', '.join(
        '%s %d' % item for item in results['log_lines'].items()))
    if args.output:
        bench_measure.write_results(results, args.output)
    return 0


if __name__ == '__main__':
    sys.exit(main())
