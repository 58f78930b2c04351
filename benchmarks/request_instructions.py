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

"""Instructions per request of checkouts side by side, in process.

::

    git worktree add /tmp/before <commit>
    python benchmarks/request_instructions.py --trees /tmp/before,. \\
        --labels before,after --count 200

For each checkout and route, two processes (the checkout first on
``sys.path``, ``PYTHONHASHSEED=0``) build the deployment of
:mod:`bench_measure` (SQLite, one cell, 200 servers), load the paste
pipeline and call the route 30 times to warm it; the second then calls
it ``--count`` times more. ``valgrind --tool=callgrind`` counts the
instructions of each (the two run at once, on two processors); the
difference over ``--count`` is the route's instructions per request. It
prints them for each checkout, and their ratio (first / last).

``--raw`` adds the raw baseline (:class:`bench_measure.Baseline`, plain
SQL and JSON on the same deployment, the first checkout's), counted the
same way, and each checkout's ratio to it: the 1.3x target, in
instructions. ``--simulate`` counts with cachegrind instead, simulating
the caches and the branch predictor (slower): it adds the first-level
instruction and data cache misses and the mispredicted branches per
request, each of which costs the processor many cycles, so that two
runs of as many instructions can take different times.

Seconds on a shared VM move by a tenth from one run to the next, more
than a change of a few percent of a request; instructions move by about
one percent, so this is the A/B for small changes of the fixed cost. It
counts the interpreter's instructions, not time: a system call or a wait
counts almost nothing.
"""

import argparse
import compileall
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench_measure  # noqa: E402
import checkouts  # noqa: E402

IN_PROCESS = '''
import os, sys
tree, route, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
raw = sys.argv[4] == 'raw'
sys.path.insert(0, os.path.join(tree, 'benchmarks'))
sys.path.insert(1, tree)
import bench_data, bench_measure
built = bench_data.build('sqlite', 1, 200, hosts=20, record=0)
try:
    if raw:
        call = bench_measure.Baseline(built).function(route)
    else:
        app = bench_measure.load_app(built.deployment.conf)
        path, version = bench_measure.paths(built)[route]
        call = lambda: bench_measure.call(app, path, version)
    for _ in range(30 + count):
        call()
finally:
    bench_data.dispose(built)
'''


# What --simulate reads from cachegrind's summary, per request.
SIMULATED = (('instructions', r'I\s+refs'), ('I1 misses', r'I1\s+misses'),
             ('D1 misses', r'D1\s+misses'), ('branches', r'Branches'),
             ('mispredicts', r'Mispredicts'))


def _start(tree, route, count, raw, simulate):
    if simulate:
        tool = ['--tool=cachegrind', '--cache-sim=yes', '--branch-sim=yes',
                '--cachegrind-out-file=/dev/null']
    else:
        tool = ['--tool=callgrind', '--callgrind-out-file=/dev/null']
    return subprocess.Popen(
        ['valgrind'] + tool +
        [sys.executable, '-c', IN_PROCESS, os.path.abspath(tree), route,
         str(count), 'raw' if raw else 'app'],
        env=dict(os.environ, PYTHONHASHSEED='0'), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)


def _collected(proc, simulate):
    """``{counter: total}`` of a finished valgrind run."""
    _out, err = proc.communicate()
    if simulate:
        patterns = SIMULATED
    else:
        patterns = (('instructions', r'Collected'),)
    counters = {}
    for name, pattern in patterns:
        found = re.search(r'==\d+== %s\s*:\s*([\d,]+)' % pattern, err)
        if found:
            counters[name] = int(found.group(1).replace(',', ''))
    if proc.returncode or len(counters) != len(patterns):
        raise RuntimeError('valgrind failed: %s' % err[-2000:])
    return counters


def per_request(tree, route, count, raw=False, simulate=False):
    """``{counter: per call}`` of ``route`` on ``tree`` (or its baseline).

    The counter is ``instructions``; with ``simulate``, also the
    simulated instruction and data cache misses (first level), branches
    and mispredicted branches.
    """
    without = _start(tree, route, 0, raw, simulate)
    calls = _start(tree, route, count, raw, simulate)
    after, before = _collected(calls, simulate), _collected(without,
                                                            simulate)
    return {name: (after[name] - before[name]) // count for name in after}


def _simulated_table(simulated, names):
    lines = ['', '| route | run | %s |' % ' | '.join(
        '%s per request' % counter for counter, _ in SIMULATED),
        '|---|---|%s' % ('---|' * len(SIMULATED))]
    for route, per in simulated.items():
        for name in names:
            if name not in per:
                continue
            cells = []
            for counter, _ in SIMULATED:
                cell = '{:,}'.format(per[name][counter])
                if 'raw' in per and name != 'raw':
                    cell += ' (x%.2f)' % (per[name][counter] /
                                          max(per['raw'][counter], 1))
                cells.append(cell)
            lines.append('| %s | %s | %s |' % (route, name, ' | '.join(cells)))
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    checkouts.add_arguments(parser, 'comma-separated checkouts to compare')
    parser.add_argument('--count', type=int, default=200,
                        help='counted calls per route and checkout')
    parser.add_argument('--routes', default='server_show_2.84,'
                        'actions_list_2.84,action_show_2.84,services_2.84',
                        help='comma-separated routes of bench_measure')
    parser.add_argument('--raw', action='store_true',
                        help='also count the raw baseline, and each '
                        'checkout\'s ratio to it')
    parser.add_argument('--simulate', action='store_true',
                        help='count with cachegrind, simulating the caches '
                        'and the branch predictor: also the first-level '
                        'cache misses and the mispredicted branches')
    parser.add_argument('--output', help='write the results as JSON')
    args = parser.parse_args(argv)
    trees, labels = checkouts.trees_and_labels(args)
    routes = [r for r in args.routes.split(',') if r]
    unknown = set(routes) - set(bench_measure.ENDPOINTS)
    if unknown:
        raise SystemExit('unknown routes: %s' % ', '.join(sorted(unknown)))
    for tree in trees:
        compileall.compile_dir(os.path.join(tree, 'nova_faults'), quiet=1)
    results = {}
    simulated = {}
    columns = ['%s instructions per request' % label for label in labels]
    columns.append('ratio')
    if args.raw:
        columns.append('raw baseline')
        columns += ['%s / raw' % label for label in labels]
    print('| route | %s |' % ' | '.join(columns))
    print('|---|%s' % ('---|' * len(columns)))
    for route in routes:
        counted = {label: per_request(tree, route, args.count,
                                      simulate=args.simulate)
                   for tree, label in zip(trees, labels)}
        if args.raw:
            counted['raw'] = per_request(trees[0], route, args.count,
                                         raw=True, simulate=args.simulate)
        per = {name: counters['instructions']
               for name, counters in counted.items()}
        first, last = per[labels[0]], per[labels[-1]]
        cells = ['{:,}'.format(per[label]) for label in labels]
        cells.append('%.3f' % (first / last))
        if args.raw:
            cells.append('{:,}'.format(per['raw']))
            cells += ['%.2f' % (per[label] / per['raw'])
                      for label in labels]
        results[route] = per
        if args.simulate:
            simulated[route] = counted
        print('| %s | %s |' % (route, ' | '.join(cells)))
    if simulated:
        print(_simulated_table(simulated, labels + ['raw']))
    if args.output:
        document = {'unit': 'instructions per request',
                    'count': args.count, 'routes': results}
        if simulated:
            document['simulated'] = simulated
        with open(args.output, 'w') as handle:
            json.dump(document, handle, indent=1, sort_keys=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
