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

"""oslo.policy's check extensions, loaded when a rule first names them."""

import http.server
from importlib import metadata
import json
import logging
import os
import subprocess
import sys
import threading
from urllib import parse as urlparse

import fixtures
from oslo_config import cfg
from oslo_policy import _checks
from oslo_policy import policy as oslo_policy
import testtools

from nova_faults import policy_extensions


class _Answer(http.server.BaseHTTPRequestHandler):
    """An ``http:`` policy check endpoint: 'True' for project p1 only."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers['Content-Length']))
        self.server.asked.append(body)
        allowed = b'p1' in body
        answer = b'True' if allowed else b'False'
        self.send_response(200)
        self.send_header('Content-Length', str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


class PolicyExtensionsTestCase(testtools.TestCase):

    def test_every_entry_point_is_offered_unloaded(self):
        found = policy_extensions.entry_points()
        expected = {ep.name for ep in metadata.entry_points(
            group=policy_extensions.GROUP)}
        self.assertEqual(expected, set(found))
        self.assertIn('http', found)
        self.assertIn('https', found)
        for name, stand_in in found.items():
            self.assertEqual(name, stand_in.entry_point.name)
            self.assertIsNone(stand_in._plugin)

    def _dist(self, root, name, version, entry_points):
        info = os.path.join(root, '%s-%s.dist-info' % (name, version))
        os.makedirs(info)
        with open(os.path.join(info, 'METADATA'), 'w') as handle:
            handle.write('Metadata-Version: 2.1\nName: %s\nVersion: %s\n'
                         % (name, version))
        with open(os.path.join(info, 'entry_points.txt'), 'w') as handle:
            handle.write(entry_points)

    def test_same_entry_points_as_importlib(self):
        # Packages of a deployment's own: one with a check, one that only
        # names the group elsewhere, and a second copy of the first
        # further down the path (the first copy counts, as in
        # importlib.metadata).
        first = self.useFixture(fixtures.TempDir()).path
        second = self.useFixture(fixtures.TempDir()).path
        self._dist(first, 'site_checks', '1.0',
                   '[console_scripts]\nx = a:b\n\n'
                   '  [oslo.policy.rule_checks]  \n'
                   'site = site_checks:SiteCheck\n')
        self._dist(first, 'mentions', '1.0',
                   '[console_scripts]\n'
                   'oslo.policy.rule_checks = mentions:main\n')
        self._dist(second, 'site_checks', '2.0',
                   '[oslo.policy.rule_checks]\n'
                   'site = site_checks_two:SiteCheck\n'
                   'other = site_checks_two:OtherCheck\n')
        self.useFixture(fixtures.MonkeyPatch(
            'sys.path', [first, second] + sys.path))
        expected = {ep.name: ep.value for ep in metadata.entry_points(
            group=policy_extensions.GROUP)}
        self.assertEqual('site_checks:SiteCheck', expected['site'])
        self.assertNotIn('other', expected)
        self.assertEqual(expected, {
            name: stand_in.entry_point.value
            for name, stand_in in policy_extensions.entry_points().items()})

    def test_import_does_not_scan_or_load_extensions(self):
        # In a fresh interpreter: the rules are made without stevedore's
        # index of every package and without importing the http check;
        # a rule that names it loads it then.
        code = (
            'import sys\n'
            'import stevedore\n'
            'def refuse(*a, **k):\n'
            '    raise AssertionError("stevedore asked")\n'
            'stevedore.ExtensionManager = refuse\n'
            'from nova_faults import policies\n'
            'policies.list_rules()\n'
            'before = "oslo_policy._external" in sys.modules\n'
            'from oslo_policy import _parser\n'
            'check = _parser.parse_rule("http://127.0.0.1:9/x")\n'
            'print(before, type(check).__module__, type(check).__name__)\n')
        out = subprocess.run([sys.executable, '-c', code], check=True,
                             capture_output=True, text=True).stdout
        self.assertEqual('False oslo_policy._external HttpCheck',
                         out.strip())

    def test_install_keeps_extensions_already_loaded(self):
        loaded = {'mine': object()}
        self.useFixture(fixtures.MockPatchObject(
            _checks, 'extension_checks', loaded))
        policy_extensions.install()
        self.assertIs(loaded, _checks.extension_checks)

    def test_unloadable_extension_denies(self):
        logs = self.useFixture(fixtures.FakeLogger(
            name='nova_faults.policy_extensions', level=logging.ERROR))
        broken = policy_extensions._OnFirstUse(metadata.EntryPoint(
            name='broken', value='nova_faults_no_such_module:Check',
            group=policy_extensions.GROUP))
        check = broken('broken', 'anything')
        self.assertIsInstance(check, _checks.FalseCheck)
        self.assertIn("Could not load the policy check 'broken'",
                      logs.output)

    def test_http_rule_is_enforced(self):
        # An operator's http: rule works through the stand-in, against a
        # real endpoint, and its class is loaded once.
        server = http.server.HTTPServer(('127.0.0.1', 0), _Answer)
        server.asked = []
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        url = 'http://127.0.0.1:%d/check' % server.server_port
        self.useFixture(fixtures.MonkeyPatch(
            'oslo_policy._checks.extension_checks', None))
        policy_extensions.install()
        stand_in = _checks.extension_checks['http']

        conf = cfg.ConfigOpts()
        conf([])
        enforcer = oslo_policy.Enforcer(conf)
        enforcer.register_default(oslo_policy.RuleDefault('look', url))
        enforcer.load_rules()
        self.assertEqual('HttpCheck', type(enforcer.rules['look']).__name__)
        self.assertTrue(enforcer.enforce('look', {}, {'project_id': 'p1'}))
        self.assertFalse(enforcer.enforce('look', {}, {'project_id': 'p2'}))
        plugin = stand_in._plugin
        self.assertIsNotNone(plugin)
        stand_in('http', url)
        self.assertIs(plugin, stand_in._plugin)
        self.assertEqual(2, len(server.asked))
        form = urlparse.parse_qs(server.asked[0].decode())
        self.assertEqual('p1', json.loads(form['credentials'][0])[
            'project_id'])
