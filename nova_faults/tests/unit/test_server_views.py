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

"""Unit tests of the pure server pieces: status map, host status, views,
sorting and merging."""

import datetime
import json

from hypothesis import given
from hypothesis import strategies as st
from oslo_serialization import jsonutils
import testtools

from nova_faults.api import microversion
from nova_faults.api import server_states
from nova_faults.api.views import common as views_common
from nova_faults.api.views import servers as views
from nova_faults import servicegroup
from nova_faults.tests import hypothesis_profiles

NOW = datetime.datetime(2026, 1, 2, 3, 4, 5, 678901)


def V(text):
    return microversion.APIVersion.from_string(text)


class StatusMapTest(testtools.TestCase):

    def test_status_from_state(self):
        cases = [
            ('active', None, 'ACTIVE'),
            ('active', 'rebooting', 'REBOOT'),
            ('active', 'reboot_started_hard', 'HARD_REBOOT'),
            ('active', 'updating_password', 'PASSWORD'),
            ('active', 'rebuild_spawning', 'REBUILD'),
            ('active', 'migrating', 'MIGRATING'),
            ('active', 'resize_finish', 'RESIZE'),
            ('active', 'image_snapshot', 'ACTIVE'),
            ('building', 'scheduling', 'BUILD'),
            ('stopped', None, 'SHUTOFF'),
            ('stopped', 'resize_prep', 'RESIZE'),
            ('resized', None, 'VERIFY_RESIZE'),
            ('resized', 'resize_confirming', 'VERIFY_RESIZE'),
            ('resized', 'resize_reverting', 'REVERT_RESIZE'),
            ('paused', 'migrating', 'MIGRATING'),
            ('suspended', None, 'SUSPENDED'),
            ('rescued', None, 'RESCUE'),
            ('error', None, 'ERROR'),
            ('error', 'rebuilding', 'REBUILD'),
            ('deleted', None, 'DELETED'),
            ('soft-delete', None, 'SOFT_DELETED'),
            ('shelved', None, 'SHELVED'),
            ('shelved_offloaded', None, 'SHELVED_OFFLOADED'),
            ('bogus', None, 'UNKNOWN'),
        ]
        for vm_state, task_state, status in cases:
            self.assertEqual(status, server_states.status_from_state(
                vm_state, task_state), (vm_state, task_state))

    def test_deleted_row_is_deleted(self):
        self.assertEqual('DELETED', server_states.server_status(
            {'deleted': 5, 'vm_state': 'active', 'task_state': None}))

    def test_reverse(self):
        self.assertEqual((['active'], ['default']),
                         server_states.task_and_vm_state_from_status(
                             ['active']))
        vm, task = server_states.task_and_vm_state_from_status(['reboot'])
        self.assertEqual(['active'], vm)
        self.assertEqual(['reboot_pending', 'reboot_started', 'rebooting'],
                         task)
        self.assertEqual(([], []),
                         server_states.task_and_vm_state_from_status(['x']))


class FakeConf:
    def __init__(self, down, interval):
        self.service_down_time = down
        self.report_interval = interval


class ServiceGroupTest(testtools.TestCase):

    def _svc(self, age, **kw):
        svc = {'forced_down': False, 'disabled': False,
               'last_seen_up': NOW - datetime.timedelta(seconds=age),
               'created_at': NOW - datetime.timedelta(days=1)}
        svc.update(kw)
        return svc

    def test_down_time_override(self):
        self.assertEqual(60, servicegroup.service_down_time(
            FakeConf(60, 10)))
        self.assertEqual(25, servicegroup.service_down_time(
            FakeConf(10, 10)))
        self.assertEqual(50, servicegroup.service_down_time(
            FakeConf(5, 20)))

    def test_is_up(self):
        self.assertTrue(servicegroup.service_is_up(self._svc(60), 60, NOW))
        self.assertFalse(servicegroup.service_is_up(self._svc(61), 60, NOW))
        self.assertFalse(servicegroup.service_is_up(
            self._svc(0, forced_down=True), 60, NOW))
        # never reported: created_at counts
        svc = self._svc(0, last_seen_up=None, created_at=NOW)
        self.assertTrue(servicegroup.service_is_up(svc, 60, NOW))
        # clock skew: abs()
        self.assertFalse(servicegroup.service_is_up(self._svc(-61), 60, NOW))

    def test_host_status_precedence(self):
        hs = servicegroup.host_status
        self.assertEqual('', hs(None, 60, NOW))
        self.assertEqual('DOWN', hs(
            self._svc(0, forced_down=True, disabled=True), 60, NOW))
        self.assertEqual('MAINTENANCE', hs(
            self._svc(999, disabled=True), 60, NOW))
        self.assertEqual('UP', hs(self._svc(1), 60, NOW))
        self.assertEqual('UNKNOWN', hs(self._svc(999), 60, NOW))

    def test_host_statuses_once_per_host(self):
        calls = []
        orig = servicegroup.host_status

        def counting(service, down, now=None):
            calls.append(service)
            return orig(service, down, now)
        self.patch(servicegroup, 'host_status', counting)
        instances = [{'uuid': 'a%d' % i, 'host': 'h1', 'deleted': 0}
                     for i in range(50)]
        instances += [{'uuid': 'b', 'host': None, 'deleted': 0},
                      {'uuid': 'c', 'host': 'h2', 'deleted': 0},
                      {'uuid': 'd', 'host': 'h1', 'deleted': 4}]
        result = servicegroup.host_statuses(
            instances, {'h1': self._svc(1)}, 60, NOW)
        self.assertEqual(2, len(calls))
        self.assertEqual('UP', result['a7'])
        self.assertEqual('', result['b'])
        self.assertEqual('', result['c'])
        self.assertEqual('', result['d'])


def _instance(**kw):
    inst = {
        'id': 1, 'uuid': 'c278163e-36f9-4cf2-b1ac-80db4c63f7a8',
        'display_name': 'srv', 'display_description': 'desc',
        'project_id': 'p1', 'user_id': 'u1', 'host': 'h1', 'node': 'n1',
        'vm_state': 'active', 'task_state': None, 'power_state': 1,
        'deleted': 0, 'created_at': NOW, 'updated_at': NOW,
        'launched_at': NOW, 'terminated_at': None,
        'image_ref': 'http://glance/images/70a599e0',
        'access_ip_v4': '1.2.3.4', 'access_ip_v6': None,
        'auto_disk_config': True, 'availability_zone': 'az1',
        'config_drive': '', 'key_name': None, 'progress': 0,
        'hostname': 'srv', 'kernel_id': None, 'ramdisk_id': None,
        'launch_index': 0, 'reservation_id': 'r-1', 'root_device_name': None,
        'user_data': None, 'locked_by': None,
        'info_cache': json.dumps([{
            'address': 'aa:bb', 'network': {'label': 'private', 'subnets': [
                {'ips': [{'address': '10.0.0.2', 'type': 'fixed',
                          'version': 4, 'floating_ips': [
                              {'address': '172.24.0.1',
                               'type': 'floating'}]}]}]}}]),
        'flavor': json.dumps({'cur': {'nova_object.data': {
            'flavorid': '1', 'name': 'm1.tiny', 'vcpus': 1,
            'memory_mb': 512, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0,
            'extra_specs': {'hw:cpu_policy': 'shared'}}}}),
        'trusted_certs': None,
    }
    inst.update(kw)
    return inst


LINKS = views.Links('http://h/v2.1', 'http://h')


class ServerViewTest(testtools.TestCase):

    def _show(self, version, inst=None, **opts):
        options = views.ViewOptions(V(version), LINKS, **opts)
        return views.show(inst or _instance(), options)

    def test_security_groups_handed_in(self):
        uuid = _instance()['uuid']
        self.assertNotIn('security_groups', self._show('2.1'))
        self.assertNotIn('security_groups', self._show(
            '2.1', security_groups={uuid: []}))
        groups = [{'name': 'web'}, {'name': 'web'}]
        self.assertEqual(groups, self._show(
            '2.1', security_groups={uuid: groups})['security_groups'])
        minimal = views.minimal_row({'instance_uuid': uuid,
                                     'project_id': 'p1',
                                     'created_at': NOW})
        server = self._show('2.69', inst=minimal,
                            security_groups={uuid: groups})
        self.assertEqual(['created', 'id', 'links', 'security_groups',
                          'status', 'tenant_id'], sorted(server))

    def test_availability_zone_handed_in(self):
        uuid = _instance()['uuid']
        az = 'OS-EXT-AZ:availability_zone'
        self.assertEqual('az1', self._show('2.1')[az])
        self.assertEqual('az2', self._show(
            '2.1', availability_zones={uuid: 'az2'})[az])
        self.assertEqual('', self._show(
            '2.1', availability_zones={uuid: None})[az])

    def test_basic_21(self):
        server = self._show('2.1')
        self.assertEqual({'id': '1', 'links': [
            {'rel': 'bookmark', 'href': 'http://h/flavors/1'}]},
            server['flavor'])
        self.assertEqual('70a599e0', server['image']['id'])
        self.assertEqual('ACTIVE', server['status'])
        self.assertEqual(0, server['progress'])
        self.assertEqual('2026-01-02T03:04:05Z', server['created'])
        self.assertEqual('2026-01-02T03:04:05.678901',
                         server['OS-SRV-USG:launched_at'])
        self.assertEqual([
            {'version': 4, 'addr': '10.0.0.2', 'OS-EXT-IPS:type': 'fixed',
             'OS-EXT-IPS-MAC:mac_addr': 'aa:bb'},
            {'version': 4, 'addr': '172.24.0.1',
             'OS-EXT-IPS:type': 'floating',
             'OS-EXT-IPS-MAC:mac_addr': 'aa:bb'}],
            server['addresses']['private'])
        self.assertEqual('AUTO', server['OS-DCF:diskConfig'])
        self.assertEqual('', server['accessIPv6'])
        self.assertNotIn('locked', server)
        self.assertNotIn('OS-EXT-SRV-ATTR:host', server)
        self.assertNotIn('security_groups', server)

    def test_host_id(self):
        self.assertEqual('', views.host_id('p', None))
        self.assertEqual(56, len(views.host_id('p', 'h')))

    def test_extended_attributes(self):
        server = self._show('2.1', show_extended_attr=True)
        self.assertEqual('instance-00000001',
                         server['OS-EXT-SRV-ATTR:instance_name'])
        self.assertNotIn('OS-EXT-SRV-ATTR:hostname', server)
        server = self._show('2.3', show_extended_attr=True)
        self.assertIn('OS-EXT-SRV-ATTR:user_data', server)

    def test_version_boundaries(self):
        self.assertIn('locked', self._show('2.9'))
        self.assertNotIn('description', self._show('2.18'))
        self.assertEqual('desc', self._show('2.19')['description'])
        self.assertEqual([], self._show('2.26')['tags'])
        server = self._show('2.47', show_extra_specs=True)
        self.assertEqual({'vcpus': 1, 'ram': 512, 'disk': 1, 'ephemeral': 0,
                          'swap': 0, 'original_name': 'm1.tiny',
                          'extra_specs': {'hw:cpu_policy': 'shared'}},
                         server['flavor'])
        self.assertNotIn('extra_specs', self._show('2.47')['flavor'])
        self.assertIsNone(self._show('2.63')['trusted_image_certificates'])
        self.assertIsNone(self._show('2.73')['locked_reason'])
        self.assertEqual('srv',
                         self._show('2.90')['OS-EXT-SRV-ATTR:hostname'])
        self.assertIsNone(self._show('2.96')['pinned_availability_zone'])
        self.assertEqual({}, self._show('2.98')['image']['properties'])
        self.assertIsNone(self._show('2.100')['scheduler_hints'])
        self.assertEqual({}, self._show(
            '2.100', hints_without_spec={})['scheduler_hints'])

    def test_volume_backed_image(self):
        self.assertEqual('', self._show('2.1', _instance(image_ref=''))
                         ['image'])

    def test_fault_visibility(self):
        fault = {'code': 500, 'created_at': NOW, 'message': 'boom',
                 'details': 'Traceback...'}
        inst = _instance(vm_state='error')
        uuid = inst['uuid']
        server = self._show('2.1', inst, faults={uuid: fault})
        self.assertEqual({'code': 500, 'created': '2026-01-02T03:04:05Z',
                          'message': 'boom'}, server['fault'])
        server = self._show('2.1', inst, faults={uuid: fault},
                            is_admin=True)
        self.assertEqual('Traceback...', server['fault']['details'])
        fault404 = dict(fault, code=404)
        server = self._show('2.1', inst, faults={uuid: fault404})
        self.assertEqual('Traceback...', server['fault']['details'])
        server = self._show('2.1', _instance(), faults={uuid: fault})
        self.assertNotIn('fault', server)

    def test_host_status_modes(self):
        inst = _instance()
        uuid = inst['uuid']
        for mode, value, shown in [(None, 'UP', False), (False, 'UP', True),
                                   (False, '', True), (True, 'UP', False),
                                   (True, 'UNKNOWN', True)]:
            server = self._show('2.16', inst, host_status_mode=mode,
                                host_statuses={uuid: value})
            self.assertEqual(shown, 'host_status' in server, (mode, value))
        server = self._show('2.15', inst, host_status_mode=False,
                            host_statuses={uuid: 'UP'})
        self.assertNotIn('host_status', server)

    def test_building_hides_addresses(self):
        self.assertEqual({}, self._show(
            '2.1', _instance(vm_state='building'))['addresses'])

    def test_next_link(self):
        links = views.Links('http://h/v2.1', 'http://h',
                            params=[('limit', '1'), ('name', 'x')])
        body = views.index([_instance()], links, 1, 1000)
        self.assertEqual(
            'http://h/v2.1/servers?limit=1&name=x&marker=%s'
            % _instance()['uuid'], body['servers_links'][0]['href'])
        self.assertNotIn('servers_links',
                         views.index([_instance()], links, 2, 1000))


class TimesAsNovaWritesThemTestCase(testtools.TestCase):
    """``views.common``'s times against Nova's own formatting.

    Nova writes ``created`` and ``updated`` with ``utils.isotime``
    (``strftime`` to the second and a ``Z``) and the other times with
    oslo.serialization's encoder (``strftime`` to the microsecond); the
    views use the faster ``isoformat``, which pads a year before 1000.
    """

    @hypothesis_profiles.seeded
    @hypothesis_profiles.settings()
    @given(st.datetimes())
    def test_over_the_whole_calendar(self, value):
        self.assertEqual(value.strftime('%Y-%m-%dT%H:%M:%S') + 'Z',
                         views_common.isotime(value))
        self.assertEqual(jsonutils.to_primitive(value),
                         views_common.strtime(value))

    def test_ends_of_the_calendar(self):
        for value, iso in (
                (datetime.datetime.min, '1-01-01T00:00:00'),
                (datetime.datetime(999, 12, 31, 23, 59, 59, 999999),
                 '999-12-31T23:59:59'),
                (datetime.datetime(1000, 1, 1), '1000-01-01T00:00:00'),
                (datetime.datetime.max, '9999-12-31T23:59:59')):
            self.assertEqual(iso + 'Z', views_common.isotime(value))
            self.assertEqual(iso + '.%06d' % value.microsecond,
                             views_common.strtime(value))
        self.assertIsNone(views_common.isotime(None))
        self.assertIsNone(views_common.strtime(None))
