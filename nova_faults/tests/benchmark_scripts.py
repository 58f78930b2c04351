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

"""Running a script of ``benchmarks/`` from a test, as a smoke test.

The scripts are in the source tree only: a test of an installed package
without it is skipped.
"""

import json
import os
import subprocess
import sys

import fixtures

import nova_faults

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(nova_faults.__file__)))


def run(test, name, args, timeout=120):
    """(process, JSON written) of ``benchmarks/<name> args --output F``.

    Skips ``test`` when the tree has no such script; fails it when the
    script does not exit with 0 (with the end of its stderr).
    """
    script = os.path.join(ROOT, 'benchmarks', name)
    if not os.path.exists(script):
        test.skipTest('no benchmarks/ in this tree')
    tmp = test.useFixture(fixtures.TempDir()).path
    output = os.path.join(tmp, 'output.json')
    proc = subprocess.run(
        [sys.executable, script] + list(args) + ['--output', output],
        capture_output=True, text=True, timeout=timeout, cwd=tmp)
    test.assertEqual(0, proc.returncode, proc.stderr[-3000:])
    with open(output) as f:
        return proc, json.load(f)
