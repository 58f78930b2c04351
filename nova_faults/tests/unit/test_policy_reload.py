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


"""Policy files: looked at once per request context, a change applies
from the next request on, and oslo.policy is asked only when something
it would look at has changed."""

import os

import fixtures
from oslo_policy import opts
import testtools

from nova_faults import context as nf_context
from nova_faults import exception
from nova_faults import policy
from nova_faults.tests import fixtures as nf_fixtures

RULE = 'os_compute_api:os-instance-actions:list'


class PolicyReloadTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.conf = nf_fixtures.make_conf(os.path.join(self.tmp, 'state'))
        # A policy file that does not exist yet: oslo.policy searches for
        # it at every look.
        self.path = os.path.join(self.tmp, 'policy.yaml')
        opts.set_defaults(self.conf)
        self.conf.set_override('policy_file', self.path,
                               group='oslo_policy')
        policy.reset()
        self.addCleanup(policy.reset)
        self.enforcer = policy.init(self.conf)
        self.looks = []
        original = self.enforcer._get_policy_path

        def spy(path):
            self.looks.append(path)
            return original(path)
        self.enforcer._get_policy_path = spy

    def _context(self):
        return nf_context.RequestContext(
            user_id='u', project_id='p', roles=['member', 'reader'])

    def _allowed(self, ctx):
        return ctx.can(RULE, {'project_id': 'p'}, fatal=False)

    def _write(self, text, mtime):
        with open(self.path, 'w') as f:
            f.write(text)
        os.utime(self.path, (mtime, mtime))

    def test_oslo_policy_looks_only_after_a_change(self):
        ctx = self._context()           # context_is_admin
        for _ in range(5):
            self.assertTrue(self._allowed(ctx))
        for _ in range(3):
            self.assertTrue(self._allowed(self._context()))
        # Nothing changed since init loaded the rules.
        self.assertEqual([], self.looks)
        self._write('"%s": "@"\n' % RULE, 1000000000)
        self.assertTrue(self._allowed(self._context()))
        looks = len(self.looks)
        self.assertGreater(looks, 0)
        self.assertTrue(self._allowed(self._context()))
        self.assertEqual(looks, len(self.looks))
        os.unlink(self.path)
        self.assertTrue(self._allowed(self._context()))
        self.assertGreater(len(self.looks), looks)

    def test_files_are_looked_at_once_per_context(self):
        looks = []
        original = self.enforcer._files.look

        def spy():
            looks.append(1)
            return original()
        self.enforcer._files.look = spy
        ctx = self._context()           # context_is_admin: the first look
        self.assertEqual(1, len(looks))
        for _ in range(5):
            self.assertTrue(self._allowed(ctx))
        self.assertEqual(1, len(looks))
        # The next request looks again.
        self.assertTrue(self._allowed(self._context()))
        self.assertEqual(2, len(looks))

    def test_a_new_or_edited_file_applies_to_the_next_request(self):
        ctx = self._context()
        self.assertTrue(self._allowed(ctx))
        self._write('"%s": "!"\n' % RULE, 1000000000)
        # Same request: the rules it started with.
        self.assertTrue(self._allowed(ctx))
        # Next request: the new file.
        self.assertFalse(self._allowed(self._context()))
        self.assertRaises(exception.PolicyNotAuthorized,
                          self._context().can, RULE, {'project_id': 'p'})
        self._write('"%s": "@"\n' % RULE, 1000000100)
        self.assertTrue(self._allowed(self._context()))
