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

"""The README's commands work as written, in order, and say what it shows.

Like the API guide's test, this takes every ``$ command`` of
``README.rst``. The virtualenv commands (``python3 -m venv .venv``,
``. .venv/bin/activate``, ``pip install ...``) are played by the test's
own virtualenv, which must hold what they install (nova-faults and the
``openstack`` client). ``nova-faults-api`` commands are started as the
real console script on a free port, with an empty temporary ``HOME``, and
every other command runs in one shell, in order, against it. Each must
succeed, and where the README shows an output the real one must match it:
``...`` stands for any text (a whole ``...`` line for any lines) and
timestamps for any timestamp. Then the quick start is stopped and started
again, as the README says, and answers.
"""

import os
import re
import subprocess
import sys

import testtools

from nova_faults.tests.functional import policy_base as pb
from nova_faults.tests.functional import test_cmd_api

README = os.path.join(pb.ROOT, 'README.rst')
BINDIR = os.path.dirname(sys.executable)
DEMO_URL = 'http://127.0.0.1:8774'

#: The commands the test's virtualenv stands for.
VENV_COMMANDS = (
    'python3 -m venv .venv',
    '. .venv/bin/activate',
    'pip install . python-openstackclient',
)

_TIME = re.compile(r'\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?')


def readme_commands(text):
    """[(command, shown output lines)] of ``text``, in order.

    A command is a ``$ `` line (with its ``\\`` continuations); its shown
    output is the lines that follow it, up to the next command or the end
    of the literal block.
    """
    commands = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if not stripped.startswith('$ '):
            index += 1
            continue
        indent = line[:len(line) - len(line.lstrip())]
        command = stripped[2:]
        while command.endswith('\\'):
            index += 1
            command = command[:-1].rstrip() + ' ' + lines[index].strip()
        index += 1
        shown = []
        while index < len(lines):
            line = lines[index]
            if line.strip() and not line.startswith(indent):
                break
            if line.strip().startswith('$ '):
                break
            if not line.strip():
                # A blank line ends the block unless it is followed by
                # more of the block (an output with blank lines).
                following = lines[index + 1] if index + 1 < len(lines) \
                    else ''
                if not following.startswith(indent) or \
                        following.strip().startswith('$ '):
                    break
            shown.append(line[len(indent):])
            index += 1
        while shown and not shown[-1].strip():
            shown.pop()
        commands.append((command, shown))
    return commands


def output_pattern(shown):
    """A regular expression for an output the README shows as ``shown``."""
    parts = []
    for line in shown:
        if line.strip() == '...':
            parts.append(r'(?:[^\n]*\n)*?')
            continue
        line = _TIME.sub('<time>', line.rstrip())
        parts.append('.*?'.join(re.escape(piece)
                                for piece in line.split('...')) + r'\n')
    return ''.join(parts)


def matches(shown, output):
    output = _TIME.sub('<time>', output)
    output = '\n'.join(line.rstrip() for line in output.splitlines()) + '\n'
    return re.fullmatch(output_pattern(shown), output, re.S) is not None


class TestMatching(testtools.TestCase):
    """The output comparison itself."""

    def test_ellipsis_and_times(self):
        shown = ['a ... c', '...', 'at 2026-11-23T19:42:53.332235 end']
        self.assertTrue(matches(shown, 'a b c\nx\ny\nat '
                                       '2027-01-01T00:00:00.000001 end\n'))
        self.assertTrue(matches(shown, 'a - c\nat 2027-01-01 00:00:00 end\n'))
        self.assertFalse(matches(shown, 'a b d\nat 2027-01-01 end\n'))
        self.assertFalse(matches(['exact'], 'exact\nmore\n'))

    def test_commands_and_outputs(self):
        text = ('Intro::\n\n    $ one \\\n        --two\n    out 1\n\n'
                '    out 2\n    $ three\n\nText.\n\n    $ four\n')
        self.assertEqual([('one --two', ['out 1', '', 'out 2']),
                          ('three', []), ('four', [])],
                         readme_commands(text))


class TestReadme(test_cmd_api.ConsoleScriptMixin, testtools.TestCase):
    """The quick start and every command after it."""

    def setUp(self):
        super().setUp()
        if not os.path.exists(os.path.join(BINDIR, 'openstack')):
            self.skipTest('python-openstackclient is not installed')

    def test_readme_commands_in_order(self):
        with open(README) as f:
            commands = readme_commands(f.read())
        env = self._empty_home()
        env['LANG'] = 'C.UTF-8'
        env['PATH'] = BINDIR + os.pathsep + os.environ.get(
            'PATH', '/usr/bin:/bin')

        venv = [c for c, _shown in commands if c in VENV_COMMANDS]
        self.assertEqual(set(VENV_COMMANDS), set(venv))
        servers = [c for c, _shown in commands
                   if c.startswith('nova-faults-api')]
        self.assertEqual(['nova-faults-api --demo'], servers)
        rest = [(c, shown) for c, shown in commands
                if c not in VENV_COMMANDS and c not in servers]
        self.assertGreaterEqual(len(rest), 10)

        proc, url = self._start(servers[0].split()[1:], env)
        script = ['set -u']
        for number, (command, _shown) in enumerate(rest):
            script += ['echo "=== %d"' % number,
                       command.replace(DEMO_URL, url), 'echo "=== rc $?"']
        result = subprocess.run(['bash', '-c', '\n'.join(script)],
                                env=self._env(env), cwd=self.tmp,
                                capture_output=True, text=True,
                                timeout=600)
        outputs = re.split(r'^=== (\d+)\n', result.stdout, flags=re.M)[1:]
        self.assertEqual(len(rest) * 2, len(outputs),
                         result.stdout + result.stderr)
        for number, output in zip(outputs[::2], outputs[1::2]):
            command, shown = rest[int(number)]
            body, _sep, rc = output.rpartition('=== rc ')
            self.assertEqual('0', rc.strip(), '%s:\n%s\n%s' % (
                command, body, result.stderr))
            if shown:
                body = body.replace(url, DEMO_URL)
                self.assertTrue(matches(shown, body),
                                '%s\nshown:\n%s\nreal:\n%s' % (
                                    command, '\n'.join(shown), body))
        self._stop(proc)
        self.assertEqual(0, proc.returncode)

        # Stopped and started again, as the README says: it answers.
        proc, url = self._start(servers[0].split()[1:], env)
        self.assertEqual(8, len(self._servers(url)))
        output = self._stop(proc)
        self.assertIn('reused', output)
