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

"""A small deployment for the policy tests, and the personas.

:class:`PolicyTestCase` has one cell holding:

* ``compute1`` (heartbeat now: ``UP``) and ``compute2`` (no servers; the
  one route walk and matrix delete), ``stale1`` (no heartbeat for an hour:
  ``UNKNOWN``);
* ``self.server``: a server of ``PROJECT`` on ``compute1`` in ERROR with a
  500 fault whose details are a traceback;
* ``self.stale_server``: a server of ``PROJECT`` on ``stale1``;
* ``self.request_id``: a ``resize`` of ``self.server`` whose
  ``cold_migrate`` event failed on ``compute1`` with details and a
  traceback.

:meth:`PolicyTestCase.apply_policy` writes a policy file, points
``[oslo_policy] policy_file`` at it and rebuilds the enforcer, exactly as
an operator's change takes effect (the file is read, not injected).
"""

import datetime
import os
import uuid as uuidlib

import fixtures
from oslo_utils import timeutils

from nova_faults.db import actions as db_actions
from nova_faults.db import services as db_services
from nova_faults import policy
from nova_faults.tests.functional import base
from nova_faults.tests.functional import servers_base

PROJECT = base.PROJECT_ID
OTHER_PROJECT = base.OTHER_PROJECT_ID
ADMIN_PROJECT = 'ad0000000000000000000000000000ad'

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..',
                                    '..'))
RECIPES = os.path.join(ROOT, 'doc', 'source', 'admin', 'policy-recipes')

# name -> (user, project, roles sent as X-Roles)
PERSONAS = {
    'admin': ('admin', ADMIN_PROJECT, ['admin', 'member', 'reader']),
    'member': ('demo', PROJECT, ['member', 'reader']),
    'reader': ('audit', PROJECT, ['reader']),
    'other': ('stranger', OTHER_PROJECT, ['member', 'reader']),
    'norole': ('nobody', PROJECT, []),
}

TRACEBACK = ('Traceback (most recent call last):\n'
             '  File "/opt/nova/conductor/manager.py", line 1, in migrate\n'
             'NoValidHost: No valid host was found.\n')
DETAILS = ('No valid host was found. There are not enough hosts '
           'available.')


class PolicyTestCase(servers_base.ServersTestCase):

    cell_count = 1

    def setUp(self):
        super().setUp()
        self.policy_dir = self.useFixture(fixtures.TempDir()).path
        self.make_service(0, 'compute1')
        self.compute2 = self.make_service(0, 'compute2')
        self.make_service(0, 'stale1', age=3600)
        self.compute1 = db_services.service_get_by_host_and_binary(
            self.cell_ctx(self.cell(0)), 'compute1', 'nova-compute')
        self.server = self.make_server(
            0, host='compute1', vm_state='error',
            fault={'code': 500, 'message': 'NoValidHost',
                   'details': TRACEBACK})
        self.stale_server = self.make_server(0, host='stale1')
        self.request_id = 'req-%s' % uuidlib.uuid4()
        self._record_failed_resize()

    def _record_failed_resize(self):
        ctx = self.cell_ctx(self.cell(0))
        start = timeutils.utcnow() - datetime.timedelta(minutes=5)
        common = {'instance_uuid': self.server['uuid'],
                  'request_id': self.request_id}
        db_actions.action_start(ctx, dict(
            common, action='resize', user_id='demo', project_id=PROJECT,
            start_time=start, updated_at=start))
        db_actions.action_event_start(ctx, dict(
            common, event='cold_migrate', start_time=start,
            host='compute1'))
        db_actions.action_event_finish(ctx, dict(
            common, event='cold_migrate', result='Error',
            finish_time=start + datetime.timedelta(seconds=2),
            traceback=TRACEBACK, details=DETAILS))

    # -- policy ---------------------------------------------------------

    def apply_policy(self, text=None, path=None):
        """Use a policy file (``text`` written to one, or ``path``)."""
        if path is None:
            path = os.path.join(self.policy_dir,
                                'policy-%s.yaml' % uuidlib.uuid4().hex)
            with open(path, 'w') as f:
                f.write(text or '')
        self.conf.set_override('policy_file', path, group='oslo_policy')
        policy.reset()
        policy.init(self.conf)
        return path

    def use_defaults(self):
        self.conf.clear_override('policy_file', group='oslo_policy')
        policy.reset()
        policy.init(self.conf)

    # -- requests -------------------------------------------------------

    def call(self, persona, method, path, version='2.1', body=None):
        user, project, roles = PERSONAS[persona]
        return self.api.request(method, path, body=body, version=version,
                                user=user, project=project, roles=roles)
