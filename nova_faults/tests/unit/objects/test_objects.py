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

"""Object version fingerprints, and the objects built from db rows."""

import datetime

from oslo_versionedobjects import base as ovo_base
from oslo_versionedobjects import fixture
import testtools

from nova_faults import objects
from nova_faults.objects import flavor as flavor_obj
from nova_faults.tests import fixtures as nf_fixtures

# NOTE: change a fingerprint only together with the object's VERSION
# (and a compatibility note): other services may hold serialized copies.
OBJECT_FINGERPRINTS = {
    'CellMapping': '1.0-a5483b42f0c548380f72dd64b3ecf2d0',
    'CellMappingList': '1.0-15ecf022a68ddbb8c2a6739cfc9f8f5e',
    'Flavor': '1.0-646bac3d771d0cec70f4d7b5d8aa6076',
    'HostMapping': '1.0-c81a1fd7e7988e5bcd0221ab73705037',
    'HostMappingList': '1.0-15ecf022a68ddbb8c2a6739cfc9f8f5e',
    'Instance': '1.0-3eec168180fe4e936fa5fd34c9ec0545',
    'InstanceAction': '1.0-0a2cd4ba737553077b011d40083397ff',
    'InstanceActionEvent': '1.0-c853058c817da33c75214141f55f59c5',
    'InstanceActionEventList': '1.0-15ecf022a68ddbb8c2a6739cfc9f8f5e',
    'InstanceActionList': '1.0-15ecf022a68ddbb8c2a6739cfc9f8f5e',
    'InstanceFault': '1.0-457c488785a6a4909c34e090f035f195',
    'InstanceFaultList': '1.0-15ecf022a68ddbb8c2a6739cfc9f8f5e',
    'InstanceInfoCache': '1.0-2a4449f11a9407392819b28dd043cef1',
    'InstanceList': '1.0-15ecf022a68ddbb8c2a6739cfc9f8f5e',
    'InstanceMapping': '1.0-ff8bdff38cd31fc7161dc2d75a7b462f',
    'InstanceMappingList': '1.0-15ecf022a68ddbb8c2a6739cfc9f8f5e',
    'RequestSpec': '1.0-6d6d147648952fb22badc924962828cc',
    'Service': '1.0-dd8ce5476693059685d3d465f81d0dab',
    'ServiceList': '1.0-15ecf022a68ddbb8c2a6739cfc9f8f5e',
}


def our_classes():
    return {name: classes for name, classes in
            ovo_base.VersionedObjectRegistry.obj_classes().items()
            if classes[0].__module__.startswith('nova_faults.objects')}


class ObjectVersionTestCase(testtools.TestCase):

    def test_fingerprints(self):
        checker = fixture.ObjectVersionChecker(our_classes())
        expected, actual = checker.test_hashes(OBJECT_FINGERPRINTS)
        self.assertEqual(expected, actual,
                         'Objects changed: bump VERSION and update '
                         'OBJECT_FINGERPRINTS')

    def test_registered_on_package(self):
        for name in OBJECT_FINGERPRINTS:
            self.assertTrue(hasattr(objects, name), name)

    def test_nova_envelope(self):
        action = objects.InstanceAction(id=1, action='resize')
        primitive = action.obj_to_primitive()
        self.assertEqual('nova', primitive['nova_object.namespace'])
        self.assertEqual('InstanceAction', primitive['nova_object.name'])
        self.assertEqual('resize', primitive['nova_object.data']['action'])


class FlavorParsingTestCase(testtools.TestCase):

    def test_garbage_reads_as_none(self):
        for value in (None, '', 'not json', '[]', '{"cur": 5}',
                      '{"cur": {"nova_object.name": "Other"}}'):
            self.assertIsNone(flavor_obj.flavors_from_extra(value)['cur'])

    def test_bad_field_skipped(self):
        flavor = flavor_obj.Flavor.from_primitive_data(
            {'name': 'm1', 'memory_mb': 'lots', 'vcpus': 2})
        self.assertEqual('m1', flavor.name)
        self.assertEqual(2, flavor.vcpus)
        self.assertNotIn('memory_mb', flavor)

    def test_request_spec_defensive(self):
        spec = objects.RequestSpec.from_db(
            None, {'id': 1, 'instance_uuid':
                   'e6b4c2a4-8f0a-4b52-9a64-2b2b0f0f6a11',
                   'spec': '{"nova_object.data": {"image": 3}}'})
        self.assertIsNone(spec.image_id)
        self.assertIsNone(spec.flavor)
        self.assertIsNone(spec.project_id)


class ObjectsFromDatabaseTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.deployment = self.useFixture(nf_fixtures.Deployment())
        self.ctx = self.deployment.admin_context(cell=0)

    def test_instance_with_extras(self):
        row = self.deployment.create_instance(
            metadata={'a': 'b'}, tags=['t1'], network_info='[]',
            flavor={'name': 'm1.tiny', 'extra_specs': {'k': 'v'}})
        inst = objects.Instance.get_by_uuid(
            self.ctx, row['uuid'],
            expected_attrs=objects.instance.EXTRA_ATTRS)
        self.assertEqual({'a': 'b'}, inst.metadata)
        self.assertEqual(['t1'], inst.tags)
        self.assertEqual('m1.tiny', inst.flavor.name)
        self.assertEqual({'k': 'v'}, inst.flavor.extra_specs)
        self.assertEqual('[]', inst.info_cache.network_info)
        self.assertIsNone(inst.fault)
        self.assertFalse(inst.deleted)

    def test_request_spec(self):
        row = self.deployment.create_instance()
        self.deployment.create_request_spec(
            row['uuid'], image_id='img-1', flavor={'name': 'm1.small'},
            instance_group='grp-1', availability_zone='az1')
        spec = objects.RequestSpec.get_by_instance_uuid(self.ctx,
                                                        row['uuid'])
        self.assertEqual('img-1', spec.image_id)
        self.assertEqual('m1.small', spec.flavor.name)
        self.assertEqual('grp-1', spec.instance_group_uuid)
        self.assertEqual('az1', spec.availability_zone)
        self.assertEqual('demo', spec.project_id)

    def test_mappings(self):
        row = self.deployment.create_instance()
        mapping = objects.InstanceMapping.get_by_instance_uuid(self.ctx,
                                                               row['uuid'])
        self.assertEqual('cell1', mapping.cell_mapping.name)
        self.assertFalse(mapping.queued_for_delete)
        cells = objects.CellMappingList.get_all(self.ctx)
        self.assertEqual([self.deployment.cells[0]['uuid']],
                         [c.uuid for c in cells])
        self.deployment.create_service(host='c1')
        host = objects.HostMapping.get_by_host(self.ctx, 'c1')
        self.assertEqual('cell1', host.cell_mapping.name)

    def test_service_save(self):
        self.deployment.create_service(host='c1')
        service = objects.Service.get_by_host_and_binary(
            self.ctx, 'c1', 'nova-compute')
        service.disabled = True
        service.disabled_reason = 'maintenance'
        service.save()
        (listed,) = objects.ServiceList.get_all(self.ctx)
        self.assertTrue(listed.disabled)
        self.assertEqual('maintenance', listed.disabled_reason)
        self.assertIsInstance(listed.updated_at, datetime.datetime)
