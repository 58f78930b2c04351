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

"""``--trees`` and ``--labels``: the checkouts a benchmark compares.

``nova_ab.py``, ``http_ab.py``, ``neutron_client.py`` and
``startup_ab.py`` run several checkouts of nova-faults side by side
(``git worktree add /tmp/before <commit>``); their results name each by
its label, never by its path. The first two time routes in turns
(:func:`add_turn_arguments`).
"""

import os


def add_arguments(parser, trees_help, default=None):
    """Add ``--trees`` (required unless ``default``) and ``--labels``."""
    parser.add_argument('--trees', required=default is None,
                        default=default, help=trees_help)
    parser.add_argument('--labels',
                        help='comma-separated names of the checkouts in '
                             'the output (default: their directory names)')


def add_turn_arguments(parser, count, threads, routes_help):
    """The options of a benchmark timing routes in turns on checkouts.

    ``--count`` calls per route and checkout (default ``count``),
    ``--burst`` calls in a row, ``--threads`` of each server (default
    ``threads``), ``--routes`` to time (``routes_help`` names them) and
    ``--output``.
    """
    parser.add_argument('--count', type=int, default=count,
                        help='measured calls per route and checkout')
    parser.add_argument('--burst', type=int, default=10)
    parser.add_argument('--threads', type=int, default=threads)
    parser.add_argument('--routes', default=None, help=routes_help)
    parser.add_argument('--output', help='write the results as JSON')


def trees_and_labels(args):
    """``(trees, labels)`` of parsed arguments, one label per tree."""
    trees = args.trees.split(',')
    if not args.labels:
        return trees, [os.path.basename(os.path.abspath(tree))
                       for tree in trees]
    labels = args.labels.split(',')
    if len(labels) != len(trees):
        raise SystemExit('--labels: one name per checkout of --trees')
    return trees, labels
