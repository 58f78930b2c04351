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

"""The API guide's commands work as written against the demo.

``doc/source/user/api-guide.rst`` shows ``curl`` and ``openstack``
commands run against ``nova-faults-api --demo``. This test serves the demo
deployment on a free port, takes every ``$ command`` of the guide (with
its ``\\`` continuations) and the guide's ``export OS_...`` lines, runs
them in one shell in order (so ``$REQ`` and ``$VM1`` carry over, as they
do for a reader) and checks that each succeeds and that the output says
what the guide says it does.
"""

import io
import os
import re
import subprocess
import sys

import fixtures

from nova_faults import cells
from nova_faults import demo
from nova_faults.tests.functional import base
from nova_faults.tests.functional import policy_base as pb

GUIDE = os.path.join(pb.ROOT, 'doc', 'source', 'user', 'api-guide.rst')
BINDIR = os.path.dirname(sys.executable)
DEMO_URL = 'http://127.0.0.1:8774'


def guide_commands(text):
    """(exports, commands) of the guide, continuations joined."""
    exports = [line.strip() for line in text.splitlines()
               if line.strip().startswith('export OS_')]
    commands = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        if line.startswith('$ '):
            command = line[2:]
            while command.endswith('\\'):
                index += 1
                command = command[:-1].rstrip() + ' ' + lines[index].strip()
            commands.append(command)
        index += 1
    return exports, commands


class APIGuideTest(base.APITestCase):

    def setUp(self):
        super().setUp()
        if not os.path.exists(os.path.join(BINDIR, 'openstack')):
            self.skipTest('python-openstackclient is not installed')
        cells.reset()
        self.addCleanup(cells.reset)
        demo.populate(self.conf, out=io.StringIO())
        self.live = self.useFixture(base.LiveServer(self.app))
        self.home = self.useFixture(fixtures.TempDir()).path

    def run_guide(self):
        with open(GUIDE) as f:
            exports, commands = guide_commands(f.read())
        self.assertGreaterEqual(len(commands), 8)
        script = ['set -u'] + exports
        for number, command in enumerate(commands):
            script += ['echo "=== %d"' % number, command,
                       'echo "=== rc $?"']
        script = '\n'.join(script).replace(DEMO_URL, self.live.url)
        path = BINDIR + os.pathsep + os.environ.get('PATH', '/usr/bin:/bin')
        env = {'PATH': path, 'HOME': self.home, 'LANG': 'C.UTF-8'}
        result = subprocess.run(['bash', '-c', script], env=env,
                                capture_output=True, text=True,
                                timeout=600)
        outputs = re.split(r'^=== (\d+)\n', result.stdout, flags=re.M)[1:]
        by_command = {}
        for number, output in zip(outputs[::2], outputs[1::2]):
            body, _sep, rc = output.rpartition('=== rc ')
            by_command[commands[int(number)]] = (int(rc.strip() or -1),
                                                 body)
        self.assertEqual(len(commands), len(by_command),
                         result.stdout + result.stderr)
        return by_command, result.stderr

    def test_every_command_works_and_says_what_the_guide_says(self):
        results, stderr = self.run_guide()
        failed = {command: output for command, (rc, output)
                  in results.items() if rc != 0}
        self.assertEqual({}, failed, stderr)

        def output_of(fragment):
            found = [output for command, (rc, output) in results.items()
                     if fragment in command]
            self.assertTrue(found, fragment)
            return found[0]

        not_found = output_of('/v2.1/servers/nope')
        self.assertIn('HTTP/1.1 404 Not Found', not_found)
        self.assertRegex(not_found, r'x-openstack-request-id: req-')
        self.assertIn('Instance nope could not be found.', not_found)
        self.assertIn('"rel": "next"', output_of('?limit=1'))
        self.assertIn('resize', output_of('server event list vm1'))
        owner = output_of('server event show vm1 $REQ')
        self.assertIn('event: cold_migrate', owner)
        self.assertIn('details: null', owner)
        self.assertIn('traceback: null', owner)
        admin = output_of('server event show $VM1 $REQ')
        self.assertIn('details: No valid host was found.', admin)
        self.assertIn('traceback: ', admin)
        self.assertNotIn('traceback: null', admin)
        fault = output_of('server show vm2')
        self.assertIn('status: ERROR', fault)
        self.assertIn('message: No valid host was found.', fault)
        self.assertNotIn('details', fault)
        self.assertIn('host_status: UP', output_of('-c host_status'))
        self.assertIn('nova-compute', output_of('compute service list'))
        self.assertIn('"servers"', output_of('compute 2.69'))
