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

"""Two versions of the standalone API side by side, on Nova 34's data.

::

    git worktree add /tmp/before <commit>     # or: git archive | tar -x
    .tox/nova/bin/python benchmarks/nova_ab.py --trees /tmp/before,. \\
        --labels before,after \\
        --count 150 --burst 10

Each tree (a checkout of nova-faults) serves the data of
:mod:`nova_faults.tests.nova.harness` (as :mod:`nova_bench` builds it:
SQLite, 200 servers, the fake Neutron) from its own ``nova-faults-api``
process, started from that tree's ``benchmarks/nova_bench.py --serve
standalone`` (so it imports that tree's code). The routes of
:mod:`nova_bench` are called on each in turn (``--burst`` calls each,
after a warm-up), so that load on the machine hits both alike; it prints
the median and p99 (ms) of each tree per route, and their ratio.

This measures what a change saves on the same data in one run, where
:mod:`nova_bench` measures the ratio to Nova.
"""

import argparse
import logging
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))

import bench_measure  # noqa: E402
import checkouts  # noqa: E402
import nova_bench  # noqa: E402

from nova_faults.tests.nova import harness  # noqa: E402

HEADERS = {'X-Auth-Token': '%s:%s' % (harness.ADMIN, harness.PROJECT),
           'X-Roles': 'admin,member,reader'}


def tree_child(tree, root, threads):
    """The standalone server of one checkout, in its own process."""
    return nova_bench.Child('standalone', root, threads, script=os.path.join(
        os.path.abspath(tree), 'benchmarks', 'nova_bench.py'))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    checkouts.add_arguments(parser,
                            'two (or more) comma-separated checkouts')
    parser.add_argument('--servers', type=int, default=200)
    checkouts.add_turn_arguments(
        parser, count=150, threads=4,
        routes_help='comma-separated labels (default: all)')
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    trees, labels = checkouts.trees_and_labels(args)
    wanted = args.routes.split(',') if args.routes else None

    world = harness.NovaWorld.get()
    extra = args.servers - len(world.servers)
    if extra > 0:
        world.seeder.many_servers(extra)
    world.request_ids = world.seeder.request_ids(world.servers['error'])

    children = []
    results = {'trees': labels, 'count': args.count, 'burst': args.burst,
               'routes': {}, 'load_average_start': os.getloadavg()[0]}
    try:
        for tree in trees:
            children.append(tree_child(tree, world.root, args.threads))
        targets = {'%d' % i: (child, HEADERS)
                   for i, child in enumerate(children)}
        print('| route | %s | ratio |' % ' | '.join(
            'tree %d median / p99 ms' % i for i in range(len(trees))))
        print('|---|%s---|' % ('---|' * len(trees)))
        for path, version, label in nova_bench.routes(world):
            if wanted and label not in wanted:
                continue
            row = nova_bench.measure(targets, path, version, args.count,
                                     args.burst)
            results['routes'][label] = row
            medians = [row['%d' % i]['median_ms'] for i in range(len(trees))]
            print('| %s | %s | %.2f |' % (label, ' | '.join(
                '%.2f / %.2f' % (row['%d' % i]['median_ms'],
                                 row['%d' % i]['p99_ms'])
                for i in range(len(trees))), medians[0] / medians[-1]))
    finally:
        for child in children:
            child.stop()
    results['load_average_end'] = os.getloadavg()[0]
    print('trees: %s' % ', '.join('%d %s' % (i, label)
                                  for i, label in enumerate(labels)))
    if args.output:
        bench_measure.write_results(results, args.output)
    return 0


if __name__ == '__main__':
    sys.exit(main())
