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

"""The real ``openstack`` CLI against a live nova-faults API.

python-openstackclient talks to the demo deployment served by cheroot,
with keystoneauth's ``admin_token`` auth type (``--os-endpoint`` and
``--os-token user:project``, which the ``noauth`` pipeline trusts), as the
README walkthrough does. The owner of a server sees ``details`` only when
policy allows it and never a ``traceback``; an admin sees both.
"""

import io
import json
import os
import subprocess
import sys

import fixtures

from nova_faults import cells
from nova_faults import demo
from nova_faults import policy
from nova_faults.tests.functional import base

NO_VALID_HOST = ('No valid host was found. There are not enough hosts '
                 'available.')


def openstack_command():
    path = os.path.join(os.path.dirname(sys.executable), 'openstack')
    return path if os.path.exists(path) else None


class OpenStackCLITestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.openstack = openstack_command()
        if self.openstack is None:
            self.skipTest('python-openstackclient is not installed')
        cells.reset()
        self.addCleanup(cells.reset)
        demo.populate(self.conf, out=io.StringIO())
        self.server = self.useFixture(base.LiveServer(self.app))
        self.vm1 = demo.demo_uuid('server:vm1')
        self.resize = demo.demo_request_id('vm1:resize')
        self.home = self.useFixture(fixtures.TempDir()).path

    def cli(self, token, *args, version='2.84'):
        env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
               'HOME': self.home, 'LANG': 'C.UTF-8'}
        command = [self.openstack, '--os-auth-type', 'admin_token',
                   '--os-endpoint', self.server.url + '/v2.1',
                   '--os-token', token,
                   '--os-compute-api-version', version] + list(args) + [
                       '-f', 'json']
        result = subprocess.run(command, env=env, capture_output=True,
                                text=True, timeout=120)
        self.assertEqual(0, result.returncode,
                         'stdout: %s\nstderr: %s' % (result.stdout,
                                                     result.stderr))
        return json.loads(result.stdout)

    def show_resize(self, token):
        return self.cli(token, 'server', 'event', 'show', self.vm1,
                        self.resize)

    def test_event_list_as_owner(self):
        events = self.cli('demo:demo', 'server', 'event', 'list', 'vm1')
        self.assertEqual(['resize', 'create'],
                         [e['Action'] for e in events])
        self.assertEqual(self.resize, events[0]['Request ID'])
        self.assertEqual(self.vm1, events[0]['Server ID'])

    def test_owner_sees_neither_details_nor_traceback(self):
        action = self.show_resize('demo:demo')
        self.assertEqual('Error', action['message'])
        self.assertEqual(['cold_migrate', 'conductor_migrate_server'],
                         [e['event'] for e in action['events']])
        for event in action['events']:
            self.assertEqual('Error', event['result'])
            self.assertIsNone(event['details'])
            self.assertIsNone(event['traceback'])
            self.assertIsNone(event['host'])
            self.assertEqual(56, len(event['host_id']))

    def test_admin_sees_details_and_traceback(self):
        action = self.show_resize('admin:admin')
        self.assertEqual(['cold_migrate', 'conductor_migrate_server'],
                         [e['event'] for e in action['events']])
        for event in action['events']:
            self.assertEqual(NO_VALID_HOST, event['details'])
            self.assertIn('raise NoValidHost(', event['traceback'])
            self.assertEqual('conductor', event['host'])

    def test_owner_sees_details_when_policy_allows(self):
        path = os.path.join(self.home, 'policy.yaml')
        with open(path, 'w') as f:
            f.write('"os_compute_api:os-instance-actions:events:details": '
                    '"rule:project_reader_or_admin"\n')
        self.conf.set_override('policy_file', path, group='oslo_policy')
        policy.reset()
        policy.init(self.conf)
        action = self.show_resize('demo:demo')
        self.assertEqual(['cold_migrate', 'conductor_migrate_server'],
                         [e['event'] for e in action['events']])
        for event in action['events']:
            self.assertEqual(NO_VALID_HOST, event['details'])
            self.assertIsNone(event['traceback'])
            self.assertIsNone(event['host'])
        # Before 2.84 there are no details, whatever the policy.
        action = self.cli('demo:demo', 'server', 'event', 'show', self.vm1,
                          self.resize, version='2.51')
        self.assertEqual(['cold_migrate', 'conductor_migrate_server'],
                         [e['event'] for e in action['events']])
        for event in action['events']:
            self.assertIsNone(event['details'])
            self.assertIsNone(event['traceback'])
