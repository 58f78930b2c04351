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

"""The policy recipes of the operator guide, applied exactly as written.

Each recipe is a policy file under ``doc/source/admin/policy-recipes/``
that ``doc/source/admin/policy-recipes.rst`` includes verbatim; each test
points ``[oslo_policy] policy_file`` at that very file and checks what
changes for whom (and what does not).
"""

import os

from oslo_upgradecheck import upgradecheck

from nova_faults.cmd import status
from nova_faults import policies
from nova_faults import policy
from nova_faults.tests.functional import policy_base as pb
from nova_faults.tests.functional import test_policy_routes as routes

ACTIONS = routes.ACTIONS


def recipe(name):
    return os.path.join(pb.RECIPES, name)


class RecipeTestBase(pb.PolicyTestCase):

    def event(self, persona, version):
        """The first event of the failed resize as ``persona`` sees it."""
        resp = self.call(persona, 'GET', routes._action(self), version)
        self.assertEqual(200, resp.status_int, resp.text)
        return resp.json['instanceAction']['events'][0]


class RecipeFilesTest(RecipeTestBase):

    def test_every_recipe_is_valid_and_documented(self):
        with open(os.path.join(pb.ROOT, 'doc', 'source', 'admin',
                               'policy-recipes.rst')) as f:
            page = f.read()
        names = sorted(os.listdir(pb.RECIPES))
        self.assertEqual(4, len(names))
        for name in names:
            self.assertIn('.. literalinclude:: policy-recipes/%s' % name,
                          page)
            self.apply_policy(path=recipe(name))
            result = status.Checks(self.conf)._check_policy_file()
            self.assertEqual(upgradecheck.Code.SUCCESS, result.code,
                             '%s: %s' % (name, result.details))


class MembersReadEventDetailsTest(RecipeTestBase):

    def test_members_read_details_readers_do_not(self):
        self.assertNotIn('details', self.event('member', '2.84'))
        self.apply_policy(path=recipe('members-read-event-details.yaml'))
        event = self.event('member', '2.84')
        self.assertEqual(pb.DETAILS, event['details'])
        self.assertNotIn('traceback', event)
        self.assertNotIn('host', event)
        self.assertNotIn('details', self.event('reader', '2.84'))
        self.assertNotIn('details', self.event('member', '2.83'))
        admin = self.event('admin', '2.84')
        self.assertEqual(pb.DETAILS, admin['details'])
        self.assertIn('traceback', admin)
        resp = self.call('other', 'GET', routes._action(self), '2.84')
        self.assertEqual(404, resp.status_int)


class UnknownHostStatusForEveryoneTest(RecipeTestBase):

    def _show(self, persona, server, version='2.16'):
        resp = self.call(persona, 'GET', '/servers/%s' % server['uuid'],
                         version)
        self.assertEqual(200, resp.status_int, resp.text)
        return resp.json['server']

    def test_users_see_unknown_only(self):
        self.assertNotIn('host_status',
                         self._show('member', self.stale_server))
        self.apply_policy(
            path=recipe('unknown-host-status-for-everyone.yaml'))
        for persona in ('member', 'reader'):
            self.assertEqual('UNKNOWN', self._show(
                persona, self.stale_server)['host_status'])
            self.assertNotIn('host_status', self._show(persona, self.server))
            self.assertNotIn('host_status', self._show(
                persona, self.stale_server, '2.15'))
        resp = self.call('member', 'GET', '/servers/detail', '2.16')
        statuses = {s['id']: s.get('host_status', '<absent>')
                    for s in resp.json['servers']}
        self.assertEqual({self.stale_server['uuid']: 'UNKNOWN',
                          self.server['uuid']: '<absent>'}, statuses)
        self.assertEqual('UP', self._show('admin', self.server)['host_status'])
        # Seeing the server at all still needs a role in the project.
        resp = self.call('norole', 'GET',
                         '/servers/%s' % self.stale_server['uuid'], '2.16')
        self.assertEqual(403, resp.status_int)


class AuditorSeesTracebacksTest(RecipeTestBase):

    def _auditor(self, method, path, version, body=None, project=pb.PROJECT):
        return self.api.request(method, path, body=body, version=version,
                                user='auditor', project=project,
                                roles=['reader', 'auditor'])

    def test_auditor_sees_tracebacks_and_changes_nothing(self):
        self.apply_policy(path=recipe('auditor-sees-tracebacks.yaml'))
        for version in ('2.1', '2.51', '2.62', '2.84'):
            resp = self._auditor('GET', routes._action(self), version)
            self.assertEqual(200, resp.status_int, resp.text)
            event = resp.json['instanceAction']['events'][0]
            self.assertEqual(pb.TRACEBACK, event['traceback'])
            if version >= '2.62':
                self.assertEqual('compute1', event['host'])
            if version == '2.84':
                self.assertEqual(pb.DETAILS, event['details'])
        # A reader without the auditor role: no events before 2.51, no
        # tracebacks after.
        resp = self.call('reader', 'GET', routes._action(self), '2.1')
        self.assertNotIn('events', resp.json['instanceAction'])
        self.assertNotIn('traceback', self.event('reader', '2.84'))
        # The role is bound to the auditor's project.
        resp = self._auditor('GET', routes._action(self), '2.84',
                             project=pb.OTHER_PROJECT)
        self.assertEqual(404, resp.status_int)
        # Read-only: no service management, no host listing.
        resp = self._auditor('GET', '/os-services', '2.1')
        self.assertEqual(403, resp.status_int)
        resp = self._auditor('PUT', '/os-services/disable', '2.1',
                             body={'host': 'compute1',
                                   'binary': 'nova-compute'})
        self.assertEqual(403, resp.status_int)


class LockToAdminTest(RecipeTestBase):

    def test_every_route_is_admin_only(self):
        self.apply_policy(path=recipe('lock-to-admin.yaml'))
        checked = 0
        for (template, method), spec in sorted(
                routes.ROUTE_POLICIES.items()):
            if isinstance(spec, str):
                continue
            for version, path_fn, body_fn, ok in spec['requests']:
                body = body_fn(self) if body_fn else None
                for persona in ('member', 'reader', 'other', 'norole'):
                    resp = self.call(persona, method, path_fn(self),
                                     version, body)
                    self.assertIn(resp.status_int, (403, 404), '%s %s as %s'
                                  % (method, template, persona))
                    if persona != 'other':
                        self.assertEqual(403, resp.status_int)
                resp = self.call('admin', method, path_fn(self), version,
                                 body)
                self.assertEqual(ok, resp.status_int, resp.text)
                checked += 1
        self.assertGreaterEqual(checked, 7)

    def test_no_rule_is_left_open(self):
        """Every API rule, present and future, denies a project member."""
        self.apply_policy(path=recipe('lock-to-admin.yaml'))
        enforcer = policy.init(self.conf)
        member = {'user_id': 'demo', 'project_id': pb.PROJECT,
                  'roles': ['member', 'reader'], 'is_admin': False}
        target = {'project_id': pb.PROJECT, 'user_id': 'demo'}
        open_rules = [
            rule.name for rule in policies.list_rules()
            if rule.name.startswith('os_compute_api:') and
            enforcer.enforce(rule.name, target, member)]
        self.assertEqual([], open_rules)


class PolicyFileReloadTest(RecipeTestBase):

    def test_a_changed_policy_file_applies_without_restart(self):
        path = self.apply_policy('')
        self.assertNotIn('details', self.event('member', '2.84'))
        with open(recipe('members-read-event-details.yaml')) as f:
            text = f.read()
        with open(path, 'w') as f:
            f.write(text)
        stat = os.stat(path)
        os.utime(path, (stat.st_atime + 5, stat.st_mtime + 5))
        self.assertEqual(pb.DETAILS, self.event('member', '2.84')['details'])
