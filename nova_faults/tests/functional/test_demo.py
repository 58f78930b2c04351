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

"""The demo deployment, read back through the API as its users would."""

import io

from nova_faults import cells
from nova_faults import demo
from nova_faults.tests.functional import base

OWNER = {'user': 'demo', 'project': 'demo'}
ADMIN = {'user': 'admin', 'project': 'admin'}

NO_VALID_HOST = ('No valid host was found. There are not enough hosts '
                 'available.')


class DemoTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        cells.reset()
        self.addCleanup(cells.reset)
        self.out = io.StringIO()
        demo.populate(self.conf, out=self.out)
        self.vm = {name: demo.demo_uuid('server:' + name)
                   for name in ('vm1', 'vm2', 'vm3', 'vm4')}

    def get(self, path, who, version):
        resp = self.api.get(path, version=version, **who)
        self.assertEqual(200, resp.status_int, resp.text)
        return resp.json

    def actions(self, name, who=OWNER, version='2.84'):
        return self.get('/servers/%s/os-instance-actions' % self.vm[name],
                        who, version)['instanceActions']

    def action(self, name, request, who=OWNER, version='2.84'):
        return self.get('/servers/%s/os-instance-actions/%s' % (
            self.vm[name], demo.demo_request_id(name + ':' + request)),
            who, version)['instanceAction']

    def _counts(self):
        engine = self.deployment.engine(0)
        with engine.connect() as conn:
            return [conn.exec_driver_sql('SELECT COUNT(*) FROM %s' % t)
                    .scalar() for t in ('instances', 'instance_actions',
                                        'instance_actions_events',
                                        'instance_faults', 'services')]

    def test_prints_ids(self):
        text = self.out.getvalue()
        for name, uuid in self.vm.items():
            self.assertIn('%s  %s' % (name, uuid), text)
        self.assertIn(demo.demo_request_id('vm1:resize'), text)

    def test_idempotent(self):
        before = self._counts()
        self.assertEqual([7, 8, 13, 2, 7], before)
        demo.populate(self.conf, out=io.StringIO())
        self.assertEqual(before, self._counts())

    def test_failed_resize_story(self):
        actions = self.actions('vm1')
        self.assertEqual(['resize', 'create'],
                         [a['action'] for a in actions])
        self.assertEqual(['Error', None], [a['message'] for a in actions])
        # The owner sees what failed, not why (default policy).
        owner = self.action('vm1', 'resize')
        self.assertEqual(['cold_migrate', 'conductor_migrate_server'],
                         [e['event'] for e in owner['events']])
        for event in owner['events']:
            self.assertEqual({'event', 'start_time', 'finish_time',
                              'result', 'hostId'}, set(event))
            self.assertEqual('Error', event['result'])
        admin = self.action('vm1', 'resize', ADMIN)
        self.assertEqual(['cold_migrate', 'conductor_migrate_server'],
                         [e['event'] for e in admin['events']])
        for event in admin['events']:
            self.assertEqual(NO_VALID_HOST, event['details'])
            self.assertEqual('conductor', event['host'])
            self.assertIn('raise NoValidHost(', event['traceback'])
        outer = admin['events'][1]['traceback']
        self.assertIn('in decorated_function', outer)
        self.assertIn('in _cold_migrate', outer)

    def test_error_server_has_fault(self):
        server = self.get('/servers/%s' % self.vm['vm2'], ADMIN,
                          '2.1')['server']
        self.assertEqual('ERROR', server['status'])
        self.assertEqual(500, server['fault']['code'])
        self.assertEqual(NO_VALID_HOST, server['fault']['message'])
        owner = self.get('/servers/%s' % self.vm['vm2'], OWNER,
                         '2.1')['server']
        self.assertNotIn('details', owner['fault'])

    def test_hypervisor_error_details_are_the_class_name(self):
        admin = self.action('vm3', 'live-migration', ADMIN)
        failed = [e for e in admin['events'] if e['result'] == 'Error']
        self.assertEqual(['compute_live_migration'],
                         [e['event'] for e in failed])
        self.assertEqual('LibvirtError', failed[0]['details'])
        self.assertNotIn('AQBzN2Rh', admin['events'][0]['traceback'] or '')

    def test_deleted_server_history(self):
        resp = self.api.get('/servers/%s/os-instance-actions'
                            % self.vm['vm4'], version='2.20', **OWNER)
        self.assertEqual(404, resp.status_int)
        self.assertEqual(['delete', 'stop', 'create'],
                         [a['action'] for a in self.actions('vm4')])

    def test_host_status_of_every_kind(self):
        servers = self.get('/servers/detail', ADMIN, '2.16')['servers']
        self.assertEqual([], servers)  # admin's own project has none
        servers = self.get('/servers/detail?all_tenants=1', ADMIN,
                           '2.16')['servers']
        statuses = {s['name']: s['host_status'] for s in servers}
        self.assertEqual({'vm1': 'UP', 'vm2': '', 'vm3': 'UP',
                          'vm5': 'DOWN', 'vm6': 'MAINTENANCE',
                          'vm7': 'UNKNOWN'}, statuses)
        owner = self.get('/servers/detail', OWNER, '2.16')['servers']
        self.assertEqual(6, len(owner))
        self.assertNotIn('host_status', owner[0])

    def test_zones_from_the_aggregate(self):
        servers = self.get('/servers/detail', OWNER, '2.1')['servers']
        zones = {s['name']: s['OS-EXT-AZ:availability_zone']
                 for s in servers}
        self.assertEqual('az-east', zones['vm3'])
        self.assertEqual('nova', zones['vm1'])
        services = self.get('/os-services', ADMIN, '2.1')['services']
        zones = {s['host']: s['zone'] for s in services
                 if s['binary'] == 'nova-compute'}
        self.assertEqual('az-east', zones['compute2'])
        self.assertEqual('nova', zones['compute1'])
