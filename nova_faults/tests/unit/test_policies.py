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

"""Every policy rule is documented for operators, scoped, wired to a real
route, and keeps Nova's deprecated legacy rule where Nova has one."""

from oslo_config import cfg
from oslo_policy import policy as oslo_policy
import testtools

from nova_faults.api import router
from nova_faults import policies

# Rules Nova declares a deprecated (pre-21.0.0) rule for, and its name.
DEPRECATED = {
    'os_compute_api:os-instance-actions:list':
        'os_compute_api:os-instance-actions',
    'os_compute_api:os-instance-actions:show':
        'os_compute_api:os-instance-actions',
    'os_compute_api:os-services:list': 'os_compute_api:os-services',
    'os_compute_api:os-services:update': 'os_compute_api:os-services',
    'os_compute_api:os-services:delete': 'os_compute_api:os-services',
}

PERSONAS = {'context_is_admin', 'admin_or_owner', 'admin_api',
            'project_admin_api', 'project_member_api', 'project_reader_api',
            'project_member_or_admin', 'project_reader_or_admin'}


def _api_rules():
    return [rule for rule in policies.list_rules()
            if rule.name.startswith('os_compute_api:')]


class PolicyDefinitionsTest(testtools.TestCase):

    def test_names_are_unique(self):
        names = [rule.name for rule in policies.list_rules()]
        self.assertEqual(len(names), len(set(names)))

    def test_only_personas_and_api_rules(self):
        names = {rule.name for rule in policies.list_rules()}
        self.assertEqual(PERSONAS, names - {r.name for r in _api_rules()})

    def test_api_rules_are_documented(self):
        for rule in _api_rules():
            self.assertIsInstance(rule, oslo_policy.DocumentedRuleDefault,
                                  rule.name)
            self.assertEqual(['project'], rule.scope_types, rule.name)
            self.assertTrue(rule.operations, rule.name)
            # What it exposes, and why its default is what it is.
            self.assertGreater(len(rule.description), 80, rule.name)
            self.assertIn('default', rule.description.lower(), rule.name)

    def test_personas_are_described(self):
        for rule in policies.list_rules():
            if rule.name in PERSONAS:
                self.assertGreater(len(rule.description), 30, rule.name)

    def test_operations_are_routes(self):
        table = router.RouteTable(router.ROUTES)
        for rule in _api_rules():
            for operation in rule.operations:
                route, handler, _vars, _project = table.match(
                    operation['path'],
                    {'REQUEST_METHOD': operation['method']})
                self.assertIsNotNone(route, '%s: %s' % (
                    rule.name, operation['path']))
                self.assertIsNotNone(handler,
                                     '%s: %s' % (rule.name, operation))

    def test_deprecated_legacy_rules(self):
        by_name = {rule.name: rule for rule in policies.list_rules()}
        for name, legacy in DEPRECATED.items():
            deprecated = by_name[name].deprecated_rule
            self.assertIsNotNone(deprecated, name)
            self.assertEqual(legacy, deprecated.name)
            self.assertEqual('21.0.0', deprecated.deprecated_since)
        for rule in _api_rules():
            if rule.name not in DEPRECATED:
                self.assertIsNone(rule.deprecated_rule, rule.name)

    def test_defaults_resolve(self):
        """No default refers to an unknown rule or loops."""
        conf = cfg.ConfigOpts()
        conf([], default_config_files=[])
        enforcer = oslo_policy.Enforcer(conf, use_conf=False)
        enforcer.register_defaults(policies.list_rules())
        enforcer.load_rules()
        self.assertTrue(enforcer.check_rules(raise_on_violation=False))


class ToolArgumentsTest(testtools.TestCase):
    """get_enforcer() reads the tool's own --config-file/--config-dir."""

    def test_config_arguments_are_kept_with_their_values(self):
        from nova_faults import policy
        argv = ['--namespace', 'nova_faults', '--config-file', 'a.conf',
                '--config-file=b.conf', '--config-dir', 'conf.d',
                '--output-file', 'out.yaml']
        self.assertEqual(['--config-file', 'a.conf', '--config-file',
                          'b.conf', '--config-dir', 'conf.d'],
                         policy._tool_config_args(argv))

    def test_abbreviations_are_not_config_files(self):
        from nova_faults import policy
        self.assertEqual([], policy._tool_config_args(
            ['--config', 'x', '--namespace', 'nova_faults']))
