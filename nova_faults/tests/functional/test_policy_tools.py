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

"""The oslopolicy command-line tools work through our entry points.

``oslo.policy.policies`` (``nova_faults.policies:list_rules``) feeds
``oslopolicy-sample-generator``; ``oslo.policy.enforcer``
(``nova_faults.policy:get_enforcer``) feeds ``oslopolicy-policy-generator``
and ``oslopolicy-list-redundant``, which must honour the ``[oslo_policy]
policy_file`` of the configuration file given on their command line.
``oslopolicy-checker`` evaluates the effective policy for a token.
Each tool is run as an operator would run it, in a subprocess.
"""

import json
import os
import subprocess
import sys

import fixtures
import testtools
import yaml

from nova_faults import policies

BINDIR = os.path.dirname(sys.executable)
NAMESPACE = 'nova_faults'
LIST = 'os_compute_api:os-instance-actions:list'
EVENTS = 'os_compute_api:os-instance-actions:events'
DETAILS = 'os_compute_api:os-instance-actions:events:details'
SERVICES_LIST = 'os_compute_api:os-services:list'


class PolicyToolsTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        # The tools must not pick up a deployment's configuration.
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_NOVA_FAULTS_CONFIG_FILES'))

    def _path(self, name, content=None):
        path = os.path.join(self.tmp, name)
        if content is not None:
            with open(path, 'w') as f:
                f.write(content)
        return path

    def _run(self, tool, *args, check=True):
        result = subprocess.run(
            [os.path.join(BINDIR, tool)] + list(args), cwd=self.tmp,
            capture_output=True, text=True, timeout=120)
        if check:
            self.assertEqual(0, result.returncode,
                             '%s failed:\n%s\n%s' % (tool, result.stdout,
                                                     result.stderr))
        return result

    def _config_with_policy(self, rules):
        policy_file = self._path('policy.yaml', yaml.safe_dump(rules))
        return self._path('nova-faults.conf',
                          '[oslo_policy]\npolicy_file = %s\n' % policy_file)

    def test_sample_generator_lists_every_rule(self):
        out = self._path('sample.yaml')
        self._run('oslopolicy-sample-generator', '--namespace', NAMESPACE,
                  '--output-file', out)
        with open(out) as f:
            text = f.read()
        for rule in policies.list_rules():
            self.assertIn('#"%s": "%s"' % (rule.name, rule.check_str), text)
        # Every rule is commented out: the sample changes nothing.
        self.assertEqual({}, yaml.safe_load(text) or {})
        # The operations and the deprecated legacy rule are documented.
        self.assertIn('# GET  /servers/{server_id}/os-instance-actions', text)
        self.assertIn('# "os_compute_api:os-instance-actions": '
                      '"rule:os_compute_api:os-instance-actions:list"', text)

    def test_policy_generator_merges_the_policy_file(self):
        conf = self._config_with_policy({DETAILS: 'rule:project_reader_api'})
        result = self._run('oslopolicy-policy-generator', '--namespace',
                           NAMESPACE, '--config-file', conf)
        effective = yaml.safe_load(result.stdout)
        self.assertEqual('rule:project_reader_api', effective[DETAILS])
        self.assertEqual('rule:context_is_admin', effective[EVENTS])
        self.assertEqual({r.name for r in policies.list_rules()},
                         set(effective))

    def test_policy_generator_without_config_gives_defaults(self):
        result = self._run('oslopolicy-policy-generator', '--namespace',
                           NAMESPACE)
        effective = yaml.safe_load(result.stdout)
        self.assertEqual({r.name: r.check_str
                          for r in policies.list_rules()}, effective)

    def test_list_redundant_names_rules_equal_to_their_default(self):
        conf = self._config_with_policy({
            SERVICES_LIST: 'rule:context_is_admin',     # the default
            DETAILS: 'rule:project_member_or_admin',    # a real change
        })
        result = self._run('oslopolicy-list-redundant', '--namespace',
                           NAMESPACE, '--config-file', conf)
        self.assertIn(SERVICES_LIST, result.stdout)
        self.assertNotIn(DETAILS, result.stdout)

    def _access(self, roles, project='p1'):
        return self._path('access-%s.json' % '-'.join(roles or ['none']),
                          json.dumps({'token': {
                              'roles': [{'name': r} for r in roles],
                              'user': {'id': 'u1'},
                              'project': {'id': project}}}))

    def test_checker_evaluates_the_effective_policy(self):
        conf = self._config_with_policy({DETAILS: 'rule:project_reader_api'})
        effective = self._path('effective.yaml', self._run(
            'oslopolicy-policy-generator', '--namespace', NAMESPACE,
            '--config-file', conf).stdout)

        def check(roles, rule):
            result = self._run('oslopolicy-checker', '--policy', effective,
                               '--access', self._access(roles),
                               '--rule', rule)
            return result.stdout.strip()

        self.assertEqual('passed: %s' % LIST, check(['reader'], LIST))
        self.assertEqual('passed: %s' % DETAILS, check(['reader'], DETAILS))
        self.assertEqual('failed: %s' % EVENTS, check(['reader'], EVENTS))
        self.assertEqual('failed: %s' % LIST, check(['auditor'], LIST))
        self.assertEqual('passed: %s' % EVENTS, check(['admin'], EVENTS))
        self.assertEqual('failed: %s' % SERVICES_LIST,
                         check(['member', 'reader'], SERVICES_LIST))
