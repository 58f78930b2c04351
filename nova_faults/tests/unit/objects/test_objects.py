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

"""The objects layer: plain rows from the class methods of each noun."""

import subprocess
import sys

import testtools

from nova_faults import exception
from nova_faults.objects import instance as instance_obj
from nova_faults.objects import mappings
from nova_faults.objects import request_spec
from nova_faults.objects import service as service_obj
from nova_faults.tests import fixtures as nf_fixtures


class ImportTestCase(testtools.TestCase):

    def test_objects_do_not_import_versioned_objects(self):
        # NOTE: oslo.versionedobjects pulls in oslo.messaging and eventlet;
        # only the notification payloads need it.
        code = ('import sys\n'
                'from nova_faults.objects import instance_list  # noqa\n'
                'from nova_faults.objects import service  # noqa\n'
                'print("oslo_versionedobjects" in sys.modules)\n')
        out = subprocess.run([sys.executable, '-c', code], check=True,
                             capture_output=True, text=True).stdout
        self.assertEqual('False', out.strip())


class ObjectsFromDatabaseTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.deployment = self.useFixture(nf_fixtures.Deployment())
        self.ctx = self.deployment.admin_context(cell=0)

    def test_instance(self):
        row = self.deployment.create_instance(display_name='web')
        found = instance_obj.Instance.get_by_uuid(self.ctx, row['uuid'])
        self.assertIsInstance(found, dict)
        self.assertEqual('web', found['display_name'])
        self.assertEqual(0, found['deleted'])

    def test_request_spec(self):
        row = self.deployment.create_instance()
        self.deployment.create_request_spec(
            row['uuid'], image_id='img-1', flavor={'name': 'm1.small'},
            instance_group='grp-1', availability_zone='az1')
        fields = request_spec.RequestSpec.get_fields_by_instance_uuid(
            self.ctx, row['uuid'])
        self.assertEqual('az1', fields['availability_zone'])
        self.assertEqual('demo', fields['project_id'])
        self.assertRaises(
            exception.RequestSpecNotFound,
            request_spec.RequestSpec.get_fields_by_instance_uuid,
            self.ctx, self.deployment.create_instance()['uuid'])
        self.assertEqual(
            {row['uuid']: {'availability_zone': 'az1',
                           'scheduler_hints': None}},
            request_spec.RequestSpecList.get_view_fields(self.ctx,
                                                         [row['uuid']]))

    def test_mappings(self):
        row = self.deployment.create_instance()
        mapping = mappings.InstanceMapping.get_by_instance_uuid(self.ctx,
                                                                row['uuid'])
        self.assertEqual('cell1', mapping['cell_mapping']['name'])
        self.assertFalse(mapping['queued_for_delete'])
        self.deployment.create_service(host='c1')
        host = mappings.HostMapping.get_by_host(self.ctx, 'c1')
        self.assertEqual('cell1', host['cell_mapping']['name'])
        cell_uuid = self.deployment.cells[0]['uuid']
        self.assertEqual(['c1'], [m['host'] for m in mappings.
                                  HostMappingList.get_by_cell_uuid(
                                      self.ctx, cell_uuid)])
        mappings.HostMapping.destroy(self.ctx, 'c1')
        mappings.HostMapping.destroy(self.ctx, 'c1')  # none: no error
        self.assertRaises(exception.HostMappingNotFound,
                          mappings.HostMapping.get_by_host, self.ctx, 'c1')

    def test_service_update(self):
        created = self.deployment.create_service(host='c1')
        service = service_obj.Service.get_by_host_and_binary(
            self.ctx, 'c1', 'nova-compute')
        self.assertEqual(created['id'], service['id'])
        updated = service_obj.Service.update(
            self.ctx, service['id'],
            {'disabled': True, 'disabled_reason': 'maintenance'})
        self.assertTrue(updated['disabled'])
        (listed,) = service_obj.ServiceList.get_all(self.ctx)
        self.assertEqual('maintenance', listed['disabled_reason'])
        service_obj.Service.destroy(self.ctx, service['id'])
        self.assertRaises(exception.ServiceNotFound,
                          service_obj.Service.get_by_id, self.ctx,
                          service['id'])
