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

"""The enforcer's checks give oslo.policy's verdicts, rule for rule.

Generated policies (rule strings built from roles, target and
credential matches, ``rule:`` references, ``not``/``and``/``or``, ``@``
and ``!``) and generated credentials are checked twice: by a plain
oslo.policy ``Enforcer`` and by ours, which walks the rule trees itself
during a request's checks.
"""

import os

import fixtures
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from oslo_policy import opts
from oslo_policy import policy as oslo_policy
import testtools

from nova_faults import policy
from nova_faults.tests import fixtures as nf_fixtures

NAMES = ['r0', 'r1', 'r2', 'r3']
ROLES = ['admin', 'member', 'reader']


def _leaves(refs):
    """Leaf checks; ``rule:`` only to ``refs`` (no cycles) or missing."""
    return st.one_of(
        st.sampled_from(['@', '!']),
        st.sampled_from(ROLES).map('role:{}'.format),
        st.sampled_from(['project_id:%(project_id)s', 'user_id:%(user_id)s',
                         'project_id:p1', 'is_admin:True']),
        # Generic checks: literals on the left, credential paths (nested,
        # into lists, missing), target keys that are missing.
        st.sampled_from(['True:%(enabled)s', "'p1':%(project_id)s",
                         '1:%(count)s', 'None:%(enabled)s',
                         'user.name:%(user_id)s', 'user.groups:%(group)s',
                         'missing:%(project_id)s', 'project_id:%(missing)s',
                         'roles:%(role)s', 'user.nope.x:%(user_id)s']),
        st.sampled_from(refs + ['missing']).map('rule:{}'.format),
    )


def _combine(children):
    return st.one_of(
        children.map('not {}'.format),
        st.tuples(children, children).map(lambda p: '(%s and %s)' % p),
        st.tuples(children, children).map(lambda p: '(%s or %s)' % p),
    )


policies = st.fixed_dictionaries({
    name: st.recursive(_leaves(NAMES[i + 1:]), _combine, max_leaves=8)
    for i, name in enumerate(NAMES)})
credentials = st.fixed_dictionaries({
    'roles': st.lists(st.sampled_from(ROLES), unique=True),
    'project_id': st.sampled_from(['p1', 'p2']),
    'user_id': st.sampled_from(['u1', 'u2']),
    'is_admin': st.booleans(),
    'user': st.fixed_dictionaries({
        'name': st.sampled_from(['u1', 'u2']),
        'groups': st.lists(st.sampled_from(['g1', 'g2']), unique=True)}),
})
targets = st.fixed_dictionaries({
    'project_id': st.sampled_from(['p1', 'p2']),
    'user_id': st.sampled_from(['u1', 'u2']),
}, optional={
    'enabled': st.sampled_from([True, False, None, 'True']),
    'count': st.sampled_from([1, 2, '1']),
    'group': st.sampled_from(['g1', 'g2']),
    'role': st.sampled_from(ROLES),
})


class EvaluationTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fixtures.TempDir()).path
        self.conf = nf_fixtures.make_conf(os.path.join(tmp, 'state'))
        opts.set_defaults(self.conf)
        self.conf.set_override('policy_file', os.path.join(tmp, 'none'),
                               group='oslo_policy')

    def _enforcers(self, rules):
        ours = policy._Enforcer(self.conf, use_conf=True)
        plain = oslo_policy.Enforcer(self.conf, use_conf=True)
        for enforcer in (ours, plain):
            enforcer.register_defaults(
                [oslo_policy.RuleDefault(name, text)
                 for name, text in rules.items()])
            enforcer.load_rules()
        return ours, plain

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(policies, credentials, targets)
    def test_same_verdict_as_oslo_policy(self, rules, creds, target):
        ours, plain = self._enforcers(rules)
        checked = 0
        for name in NAMES:
            expected = plain.authorize(name, target, dict(creds))
            got = ours.authorize_loaded(name, target, dict(creds))
            self.assertEqual(bool(expected), bool(got), (name, rules))
            checked += 1
        self.assertEqual(len(NAMES), checked)

    def test_rules_are_unwrapped_outside_checks(self):
        ours, _plain = self._enforcers({n: 'rule:r1' for n in NAMES[:1]} |
                                       {n: 'role:admin' for n in NAMES[1:]})
        self.assertIsInstance(ours.rules['r0'], oslo_policy.RuleCheck)
        seen = []

        class Spy(oslo_policy.Check):
            def __call__(self, target, creds, enforcer, current_rule=None):
                seen.append(type(enforcer.rules['r0']))
                return True

        ours.rules['r2'] = Spy('spy', 'x')
        self.assertTrue(ours.authorize_loaded('r2', {}, {'roles': []}))
        self.assertEqual([policy._Compiled], seen)
        self.assertIsInstance(ours.rules['r0'], oslo_policy.RuleCheck)

    def test_a_cycle_is_still_found_by_oslo_policy(self):
        ours, _plain = self._enforcers({'r0': 'rule:r1', 'r1': 'rule:r0'})
        self.assertFalse(ours.check_rules())
