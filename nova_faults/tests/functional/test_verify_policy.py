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

"""Walk the route table: every route refuses a caller without roles.

In the style of placement's ``test_verify_policy``: for every path and
method in ``router.ROUTES`` (except the version document), a user of the
project who has no role at all gets a 403 or, where Nova hides the
resource, a 404, never a success and never a 500. A new route must be
added to ``PATH_VALUES`` below, so it cannot escape the walk.
"""

import re

from nova_faults.api import router
from nova_faults import recording
from nova_faults.tests.functional import base
from nova_faults.tests.functional import servers_base

# Routes anyone authenticated may read.
PUBLIC = {'/'}
VERSIONS = ('2.1', '2.52', '2.53', 'latest')


class TestVerifyPolicy(servers_base.ServersTestCase):
    cell_count = 1

    def setUp(self):
        super().setUp()
        own = self.make_server(project_id=base.PROJECT_ID)
        other = self.make_server(project_id=base.OTHER_PROJECT_ID)
        ctx = self.cell_ctx(self.cell(0))
        ctx.user_id, ctx.project_id = 'demo', base.PROJECT_ID
        action = recording.record_action_start(ctx, own['uuid'], 'reboot')
        service = self.make_service()
        self.servers = (own['uuid'], other['uuid'])
        self.values = {
            'request_id': action['request_id'],
            'service_id': service['uuid'],
        }

    def _paths(self, template):
        names = set(re.findall(r'\{(\w+)\}', template))
        unknown = names - {'server_id', 'request_id', 'service_id'}
        self.assertEqual(set(), unknown,
                         'route %s has variables this walk does not know; '
                         'add them' % template)
        servers = self.servers if 'server_id' in names else (None,)
        for server in servers:
            path = template.replace('{server_id}', str(server))
            for name, value in self.values.items():
                path = path.replace('{%s}' % name, value)
            yield path

    @staticmethod
    def _bodies(method, version):
        if method not in ('PUT', 'POST'):
            return [None]
        if version == '2.1' or version == '2.52':
            return [{'host': 'compute1', 'binary': 'nova-compute'}]
        return [{'status': 'disabled'}, {'forced_down': True}]

    def test_callers_without_roles_are_refused(self):
        checked = 0
        for template, methods in sorted(router.ROUTES.items()):
            if template in PUBLIC:
                continue
            for method in sorted(methods):
                for version in VERSIONS:
                    for path in self._paths(template):
                        for body in self._bodies(method, version):
                            resp = self.api.request(
                                method, path, body=body, version=version,
                                user='nobody', roles=[])
                            self.assertIn(
                                resp.status_int, (403, 404),
                                '%s %s at %s: %s %s' % (
                                    method, path, version,
                                    resp.status_int, resp.text))
                            checked += 1
        self.assertGreater(checked, 0)

    def test_no_route_fails_for_a_member(self):
        # Whatever the answer, a member never causes a 500.
        for template, methods in sorted(router.ROUTES.items()):
            for method in sorted(methods):
                for path in self._paths(template):
                    for body in self._bodies(method, 'latest'):
                        resp = self.api.request(
                            method, path, body=body, version='latest',
                            user='demo', roles=['member', 'reader'])
                        self.assertLess(resp.status_int, 500,
                                        '%s %s: %s' % (method, path,
                                                       resp.text))
