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

"""Start-up of two checkouts side by side, on the embedded default.

::

    git worktree add /tmp/before <commit>
    python benchmarks/startup_ab.py --trees /tmp/before,. \\
        --labels before,after --rounds 10
    python benchmarks/startup_ab.py --trees /tmp/before,. \\
        --labels before,after --callgrind

Each round gives every checkout (imported first on ``PYTHONPATH``, in
turn) a fresh home directory and state path, then starts its
``nova-faults-api`` twice there: the first start creates the databases
(and finds stevedore's cache, which lives in the home directory, cold),
the second finds them. It prints the median seconds from the start of
the process to its first ``200`` on ``/``, per checkout and start.

``--callgrind`` counts the instructions of the same two starts instead
(``valgrind --tool=callgrind``, in process: the imports, the databases,
the pipeline and one request to ``/``), which, unlike seconds on a
shared machine, are the same from one run to the next. A checkout's
modules are compiled to bytecode first (``compileall``), as ``pip
install`` leaves them.
"""

import argparse
import compileall
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench_http  # noqa: E402
import checkouts  # noqa: E402

SERVE = ('import sys\n'
         'from nova_faults.cmd.api import main\n'
         'sys.exit(main())\n')

IN_PROCESS = (
    'import os, sys\n'
    'import webob\n'
    'from nova_faults.cmd import api\n'
    'conf = api.load_conf([], state_path=sys.argv[1])\n'
    'conf.set_override("auth_strategy", "noauth", group="api")\n'
    'api.prepare_embedded(conf)\n'
    'from nova_faults.api import deploy\n'
    'app = deploy.loadapp(conf)\n'
    'assert webob.Request.blank("/").get_response(app).status_int == 200\n'
    'os._exit(0)\n')


def _env(tree, home):
    env = dict(os.environ, HOME=home, PYTHONPATH=os.path.abspath(tree),
               XDG_DATA_HOME=os.path.join(home, 'data'),
               XDG_CACHE_HOME=os.path.join(home, '.cache'))
    env.pop('OS_NOVA_FAULTS_CONFIG_FILES', None)
    return env


def seconds(tree, home, state):
    """Seconds from spawning ``nova-faults-api`` to its first 200."""
    port = bench_http.free_port()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, '-c', SERVE, '--port', str(port),
         '--state-path', state],
        cwd=home, env=_env(tree, home), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        return round(bench_http.wait_ready(port, proc, start=start), 3)
    finally:
        proc.terminate()
        proc.wait(30)


def instructions(tree, home, state):
    """Instructions of one start to its first answer, in process."""
    with tempfile.TemporaryDirectory() as out:
        out_file = os.path.join(out, 'callgrind.out')
        run = subprocess.run(
            ['valgrind', '--tool=callgrind',
             '--callgrind-out-file=%s' % out_file, sys.executable, '-c',
             IN_PROCESS, state],
            cwd=home, env=_env(tree, home), capture_output=True, text=True)
    found = re.search(r'Collected : (\d+)', run.stderr)
    if run.returncode or not found:
        raise RuntimeError('callgrind failed: %s' % run.stderr[-2000:])
    return int(found.group(1))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    checkouts.add_arguments(parser, 'comma-separated checkouts to compare')
    parser.add_argument('--rounds', type=int, default=10)
    parser.add_argument('--callgrind', action='store_true',
                        help='count instructions (one round) instead')
    parser.add_argument('--output', help='write the results as JSON')
    args = parser.parse_args(argv)
    trees, labels = checkouts.trees_and_labels(args)
    for tree in trees:
        compileall.compile_dir(os.path.join(tree, 'nova_faults'), quiet=1)
    measure = instructions if args.callgrind else seconds
    rounds = 1 if args.callgrind else args.rounds
    results = {label: {'first': [], 'next': []} for label in labels}
    load_start = os.getloadavg()[0]
    for _round in range(rounds):
        for tree, label in zip(trees, labels):
            with tempfile.TemporaryDirectory(prefix='nf-start-') as home:
                state = os.path.join(home, 'state')
                results[label]['first'].append(measure(tree, home, state))
                results[label]['next'].append(measure(tree, home, state))
    unit = 'instructions' if args.callgrind else 'seconds'
    print('| checkout | first start, median %s | next start |' % unit)
    print('|---|---|---|')
    for label, row in results.items():
        print('| %s | %s | %s |' % (label, statistics.median(row['first']),
                                    statistics.median(row['next'])))
    if args.output:
        with open(args.output, 'w') as handle:
            json.dump({'unit': unit, 'rounds': rounds,
                       'load_average_start': load_start,
                       'load_average_end': os.getloadavg()[0],
                       'trees': results}, handle, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
