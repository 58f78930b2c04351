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

"""GET /servers, /servers/detail and /servers/{id} through the pipeline.

Every case runs on two SQLite cells and again on a deployment whose cells
are a MariaDB and a PostgreSQL database (``MixedBackendsServersTest``).
Bodies are checked against tempest's response schemas of the requested
microversion.
"""

import datetime
import json
import urllib.parse

from oslo_policy import policy as oslo_policy
from oslo_utils import timeutils

from nova_faults.db import faults as db_faults
from nova_faults.db import instances as db_instances
from nova_faults.db import mappings as db_mappings
from nova_faults.db import request_specs as db_request_specs
from nova_faults import policy
from nova_faults.tests import fixtures as nf_fixtures
from nova_faults.tests.functional import servers_base as sb

# Every microversion where the server view changes, and its neighbours.
BOUNDARIES = ['2.1', '2.2', '2.3', '2.8', '2.9', '2.15', '2.16', '2.18',
              '2.19', '2.25', '2.26', '2.46', '2.47', '2.62', '2.63',
              '2.68', '2.69', '2.70', '2.71', '2.72', '2.73', '2.74',
              '2.75', '2.89', '2.90', '2.95', '2.96', '2.97', '2.98',
              '2.99', '2.100', '2.101', '2.102', '2.103', '2.104']


def _v(text):
    return tuple(int(x) for x in text.split('.'))


def set_policy(rules):
    """Override policy rules in the running enforcer."""
    enforcer = policy._ENFORCER
    enforcer.set_rules(oslo_policy.Rules.from_dict(rules), overwrite=False,
                       use_conf=False)


class ServersTestMixin:
    """The server tests; mixed into one class per backend combination."""

    # -- view ----------------------------------------------------------------

    def _rich_server(self):
        # Requests at every microversion take a while on real databases:
        # keep the heartbeat fresh for the whole test.
        self.conf.set_override('service_down_time', 3600)
        self.make_service(0, 'compute1')
        return self.make_server(
            0, host='compute1', key_name='key1',
            metadata={'My Server Name': 'Apache1'},
            system_metadata={'locked_reason': 'maintenance',
                             'image_hw_disk_bus': 'virtio',
                             'image_not_a_property': 'x',
                             'image_os_distro': 'ubuntu'},
            tags=['t1', 't2'], locked=True, locked_by='admin',
            trusted_certs=json.dumps({
                'nova_object.name': 'TrustedCerts',
                'nova_object.data': {'ids': ['cert-1']}}),
            flavor=sb.flavor_json(extra_specs={'hw:numa_nodes': '1'}),
            network_info=sb.network_info(floating='172.24.4.1',
                                         v6='fd00::2'),
            volumes=[('vol-1', True), ('vol-2', False)],
            request_spec={'availability_zone': 'az1',
                          'scheduler_hints': {'same_host': [
                              '48e6a9f6-30af-47e0-bc04-acaed113bb4e']}},
            group='2b5b8d84-7a5b-4a3b-9a0e-0c1f2a3b4c5d')

    def test_view_at_every_boundary(self):
        server = self._rich_server()
        uuid = server['uuid']
        for version in BOUNDARIES:
            v = _v(version)
            for who in ('admin', 'owner'):
                get = self.admin_get if who == 'admin' else self.user_get
                resp = get('/servers/%s' % uuid, version=version)
                self.assertEqual(200, resp.status_int, resp.text)
                sb.validate_servers(self, 'get_server', resp, version)
                body = resp.json['server']
                detail = get('/servers/detail', version=version)
                sb.validate_servers(self, 'list_servers_detail', detail,
                                    version)
                listed = detail.json['servers'][0]
                index = get('/servers', version=version)
                sb.validate_servers(self, 'list_servers', index, version)
                self.assertEqual({'id', 'name', 'links'},
                                 set(index.json['servers'][0]))
                admin = who == 'admin'
                for view in (body, listed):
                    self._check_view(view, v, admin, version)
                # server_groups only on show, from 2.71
                self.assertEqual(v >= (2, 71), 'server_groups' in body)
                self.assertNotIn('server_groups', listed)
                if v >= (2, 71):
                    self.assertEqual(['2b5b8d84-7a5b-4a3b-9a0e-0c1f2a3b4c5d'],
                                     body['server_groups'])

    def _check_view(self, view, v, admin, version):
        msg = '%s admin=%s' % (version, admin)
        self.assertEqual('ACTIVE', view['status'])
        self.assertEqual({'My Server Name': 'Apache1'}, view['metadata'])
        self.assertEqual('key1', view['key_name'])
        # NOTE: fixed addresses of every subnet first, then floating ones.
        self.assertEqual(['10.0.0.2', 'fd00::2', '172.24.4.1'],
                         [a['addr'] for a in view['addresses']['private']])
        vols = view['os-extended-volumes:volumes_attached']
        if v >= (2, 3):
            self.assertEqual([{'id': 'vol-1', 'delete_on_termination': True},
                              {'id': 'vol-2',
                               'delete_on_termination': False}], vols)
        else:
            self.assertEqual([{'id': 'vol-1'}, {'id': 'vol-2'}], vols)
        self.assertEqual(admin, 'OS-EXT-SRV-ATTR:host' in view, msg)
        self.assertEqual(admin and v >= (2, 3),
                         'OS-EXT-SRV-ATTR:user_data' in view, msg)
        self.assertEqual((admin and v >= (2, 3)) or v >= (2, 90),
                         'OS-EXT-SRV-ATTR:hostname' in view, msg)
        self.assertEqual(v >= (2, 9), 'locked' in view, msg)
        self.assertEqual(admin and v >= (2, 16), 'host_status' in view, msg)
        if admin and v >= (2, 16):
            self.assertEqual('UP', view['host_status'])
        self.assertEqual(v >= (2, 19), 'description' in view, msg)
        if v >= (2, 26):
            self.assertEqual(['t1', 't2'], view['tags'])
        else:
            self.assertNotIn('tags', view)
        if v >= (2, 47):
            self.assertEqual(512, view['flavor']['ram'])
            # owner and admin both pass show:flavor-extra-specs
            self.assertEqual({'hw:numa_nodes': '1'},
                             view['flavor']['extra_specs'])
            self.assertNotIn('id', view['flavor'])
        else:
            self.assertEqual('1', view['flavor']['id'])
        if v >= (2, 63):
            self.assertEqual(['cert-1'], view['trusted_image_certificates'])
        else:
            self.assertNotIn('trusted_image_certificates', view)
        if v >= (2, 73):
            self.assertEqual('maintenance', view['locked_reason'])
        else:
            self.assertNotIn('locked_reason', view)
        if v >= (2, 96):
            self.assertEqual('az1', view['pinned_availability_zone'])
        else:
            self.assertNotIn('pinned_availability_zone', view)
        if v >= (2, 98):
            self.assertEqual({'hw_disk_bus': 'virtio', 'os_distro': 'ubuntu'},
                             view['image']['properties'])
        else:
            self.assertNotIn('properties', view['image'])
        if v >= (2, 100):
            self.assertEqual(
                {'same_host': ['48e6a9f6-30af-47e0-bc04-acaed113bb4e']},
                view['scheduler_hints'])
        else:
            self.assertNotIn('scheduler_hints', view)

    def test_keys_match_nova_samples(self):
        """Key sets of Nova's published samples.

        Without security_groups, which Nova takes from Neutron.
        """
        server = self._rich_server()
        path = '/servers/%s' % server['uuid']
        v216_admin = {
            'addresses', 'created', 'flavor', 'hostId', 'id', 'image',
            'key_name', 'links', 'metadata', 'name', 'config_drive',
            'OS-DCF:diskConfig', 'OS-EXT-AZ:availability_zone',
            'OS-EXT-SRV-ATTR:host', 'OS-EXT-SRV-ATTR:hypervisor_hostname',
            'OS-EXT-SRV-ATTR:instance_name', 'OS-EXT-SRV-ATTR:hostname',
            'OS-EXT-SRV-ATTR:launch_index',
            'OS-EXT-SRV-ATTR:reservation_id',
            'OS-EXT-SRV-ATTR:root_device_name', 'OS-EXT-SRV-ATTR:kernel_id',
            'OS-EXT-SRV-ATTR:ramdisk_id', 'OS-EXT-SRV-ATTR:user_data',
            'OS-EXT-STS:power_state', 'OS-EXT-STS:task_state',
            'OS-EXT-STS:vm_state', 'os-extended-volumes:volumes_attached',
            'OS-SRV-USG:launched_at', 'OS-SRV-USG:terminated_at', 'locked',
            'accessIPv4', 'accessIPv6', 'progress', 'status', 'host_status',
            'tenant_id', 'updated', 'user_id'}
        resp = self.admin_get(path, version='2.16')
        self.assertEqual(v216_admin, set(resp.json['server']))
        resp = self.admin_get('/servers/detail', version='2.16')
        self.assertEqual(v216_admin, set(resp.json['servers'][0]))
        v2100_user = {
            'OS-DCF:diskConfig', 'OS-EXT-AZ:availability_zone',
            'OS-EXT-SRV-ATTR:hostname', 'OS-EXT-STS:power_state',
            'OS-EXT-STS:task_state', 'OS-EXT-STS:vm_state',
            'OS-SRV-USG:launched_at', 'OS-SRV-USG:terminated_at',
            'accessIPv4', 'accessIPv6', 'addresses', 'config_drive',
            'created', 'description', 'flavor', 'hostId', 'id', 'image',
            'key_name', 'links', 'locked', 'locked_reason', 'metadata',
            'name', 'os-extended-volumes:volumes_attached',
            'pinned_availability_zone', 'progress', 'scheduler_hints',
            'server_groups', 'status', 'tags', 'tenant_id',
            'trusted_image_certificates', 'updated', 'user_id'}
        resp = self.user_get(path, version='2.100')
        self.assertEqual(v2100_user, set(resp.json['server']))
        resp = self.user_get('/servers/detail', version='2.100')
        self.assertEqual(v2100_user - {'server_groups'},
                         set(resp.json['servers'][0]))

    def test_extra_specs_policy(self):
        self._rich_server()
        set_policy({'os_compute_api:servers:show:flavor-extra-specs': '!'})
        resp = self.user_get('/servers/detail', version='2.47')
        self.assertNotIn('extra_specs', resp.json['servers'][0]['flavor'])

    def test_volume_backed_and_building(self):
        building = self.make_server(0, image_ref='', vm_state='building',
                                    task_state='scheduling', host=None,
                                    progress=None)
        resp = self.admin_get('/servers/%s' % building['uuid'])
        body = resp.json['server']
        self.assertEqual('', body['image'])
        self.assertEqual({}, body['addresses'])
        self.assertEqual('BUILD', body['status'])
        self.assertEqual('', body['hostId'])

    def test_other_project_is_not_found(self):
        server = self.make_server(1, project_id=sb.OTHER)
        resp = self.user_get('/servers/%s' % server['uuid'])
        self.assertFault(resp, 404, 'itemNotFound',
                         'Instance %s could not be found.' % server['uuid'])
        self.assertEqual(200, self.admin_get(
            '/servers/%s' % server['uuid']).status_int)
        self.assertFault(self.user_get('/servers/not-a-uuid'), 404,
                         'itemNotFound')
        resp = self.admin_get('/servers/%s' % 'a' * 8)
        self.assertEqual(404, resp.status_int)

    def test_show_query_strict_from_2_102(self):
        server = self.make_server(0)
        path = '/servers/%s?foo=1' % server['uuid']
        self.assertEqual(200, self.user_get(path, version='2.101').status_int)
        self.assertFault(self.user_get(path, version='2.102'), 400,
                         'badRequest')

    def test_links_with_project_in_url(self):
        server = self.make_server(0)
        resp = self.user_get('/v2.1/%s/servers?limit=1' % sb.PROJECT)
        links = resp.json['servers'][0]['links']
        self.assertEqual('http://localhost/v2.1/%s/servers/%s'
                         % (sb.PROJECT, server['uuid']), links[0]['href'])
        self.assertEqual('http://localhost/%s/servers/%s'
                         % (sb.PROJECT, server['uuid']), links[1]['href'])
        self.assertEqual(
            'http://localhost/v2.1/%s/servers?limit=1&marker=%s'
            % (sb.PROJECT, server['uuid']),
            resp.json['servers_links'][0]['href'])

    # -- faults --------------------------------------------------------------

    def test_fault_visibility(self):
        err = self.make_server(0, vm_state='error', fault={
            'code': 500, 'message': 'No valid host was found.',
            'details': 'Traceback (most recent call last): ...'})
        # an older and a deleted fault must not win
        ctx = self.cell_ctx(self.cell(1))
        err2 = self.make_server(1, vm_state='error', fault={
            'code': 404, 'message': 'old', 'details': 'x'})
        newest = db_faults.instance_fault_create(ctx, {
            'instance_uuid': err2['uuid'], 'code': 404,
            'message': 'Image not found', 'details': 'image abc',
            'host': 'compute2'})
        self.assertIsNotNone(newest)
        active = self.make_server(0, fault={'message': 'ignored'})

        for get, admin in ((self.user_get, False), (self.admin_get, True)):
            for path in ('/servers/%s' % err['uuid'], '/servers/detail'):
                resp = get(path)
                sb.validate_servers(self, 'get_server' if 'detail'
                                    not in path else 'list_servers_detail',
                                    resp, '2.1')
                views = ([resp.json['server']] if 'server' in resp.json
                         else resp.json['servers'])
                by_id = {view['id']: view for view in views}
                fault = by_id[err['uuid']]['fault']
                self.assertEqual(500, fault['code'])
                self.assertEqual('No valid host was found.',
                                 fault['message'])
                self.assertRegex(fault['created'],
                                 r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
                self.assertEqual(admin, 'details' in fault)
                if path == '/servers/detail':
                    # non-500: details shown to everyone; newest wins
                    self.assertEqual(
                        {'code': 404, 'message': 'Image not found',
                         'details': 'image abc'},
                        {k: v for k, v in by_id[err2['uuid']]['fault']
                         .items() if k != 'created'})
                    self.assertNotIn('fault', by_id[active['uuid']])

    def test_deleted_server_fault_for_admin(self):
        server = self.make_server(0, vm_state='error',
                                  fault={'details': 'tb'})
        ctx = self.cell_ctx(self.cell(0))
        db_instances.instance_destroy(ctx, server['uuid'])
        resp = self.admin_get('/servers/detail?deleted=true')
        servers = resp.json['servers']
        self.assertEqual(['DELETED'], [s['status'] for s in servers])
        # faults are soft-deleted with the instance (as in Nova)
        self.assertNotIn('fault', servers[0])
        self.assertEqual(404, self.admin_get(
            '/servers/%s' % server['uuid']).status_int)

    # -- host_status ---------------------------------------------------------

    def _host_status_servers(self):
        self.make_service(0, 'up-host')
        self.make_service(1, 'down-host', forced_down=True, disabled=True)
        self.make_service(0, 'maint-host', disabled=True,
                          disabled_reason='patching', age=3600)
        self.make_service(1, 'unknown-host', age=3600)
        servers = {
            'UP': self.make_server(0, host='up-host'),
            'DOWN': self.make_server(1, host='down-host'),
            'MAINTENANCE': self.make_server(0, host='maint-host'),
            'UNKNOWN': self.make_server(1, host='unknown-host'),
            '': self.make_server(0, host=None, vm_state='building'),
            'no-service': self.make_server(1, host='ghost-host'),
        }
        return servers

    def _statuses(self, get, version='2.16'):
        resp = get('/servers/detail', version=version)
        self.assertEqual(200, resp.status_int, resp.text)
        sb.validate_servers(self, 'list_servers_detail', resp, version)
        return {s['id']: s.get('host_status', 'absent')
                for s in resp.json['servers']}

    def test_host_status_every_value(self):
        servers = self._host_status_servers()
        expected = {'UP': 'UP', 'DOWN': 'DOWN', 'MAINTENANCE': 'MAINTENANCE',
                    'UNKNOWN': 'UNKNOWN', '': '', 'no-service': ''}
        statuses = self._statuses(self.admin_get)
        for key, server in servers.items():
            self.assertEqual(expected[key], statuses[server['uuid']], key)
            resp = self.admin_get('/servers/%s' % server['uuid'],
                                  version='2.16')
            sb.validate_servers(self, 'get_server', resp, '2.16')
            self.assertEqual(expected[key],
                             resp.json['server']['host_status'], key)
        # owner: neither policy passes
        statuses = self._statuses(self.user_get)
        self.assertEqual({'absent'}, set(statuses.values()))
        # before 2.16: never
        statuses = self._statuses(self.admin_get, version='2.15')
        self.assertEqual({'absent'}, set(statuses.values()))

    def test_host_status_unknown_only_for_everyone(self):
        servers = self._host_status_servers()
        set_policy({'os_compute_api:servers:show:host_status:unknown-only':
                    '@'})
        statuses = self._statuses(self.user_get)
        for key, server in servers.items():
            want = 'UNKNOWN' if key == 'UNKNOWN' else 'absent'
            self.assertEqual(want, statuses[server['uuid']], key)
            resp = self.user_get('/servers/%s' % server['uuid'],
                                 version='2.16')
            self.assertEqual(want, resp.json['server'].get(
                'host_status', 'absent'), key)
        # admin still passes the first rule: every value
        statuses = self._statuses(self.admin_get)
        self.assertEqual('MAINTENANCE',
                         statuses[servers['MAINTENANCE']['uuid']])

    def test_host_status_rule_for_everyone(self):
        servers = self._host_status_servers()
        set_policy({'os_compute_api:servers:show:host_status': '@'})
        statuses = self._statuses(self.user_get)
        self.assertEqual('DOWN', statuses[servers['DOWN']['uuid']])
        self.assertEqual('', statuses[servers['']['uuid']])

    def test_forced_down_changes_host_status(self):
        self.make_service(0, 'compute1')
        server = self.make_server(0, host='compute1')
        path = '/servers/%s' % server['uuid']
        self.assertEqual('UP', self.admin_get(path, version='2.16')
                         .json['server']['host_status'])
        resp = self.api.put('/os-services/force-down', {
            'host': 'compute1', 'binary': 'nova-compute',
            'forced_down': True}, version='2.11')
        self.assertEqual(200, resp.status_int, resp.text)
        self.assertEqual('DOWN', self.admin_get(path, version='2.16')
                         .json['server']['host_status'])

    # -- filters -------------------------------------------------------------

    def _ids(self, resp):
        self.assertEqual(200, resp.status_int, resp.text)
        return {s['id'] for s in resp.json['servers']}

    def test_filters(self):
        a = self.make_server(0, display_name='web-1', host='h1', node='n1',
                             availability_zone='az1', tags=['a', 'b'],
                             flavor=sb.flavor_json('42'),
                             image_ref='img-1', locked=True,
                             key_name='k1', user_id='alice')
        b = self.make_server(1, display_name='db-1', host='h2', node='n2',
                             availability_zone='az2', tags=['b', 'c'],
                             vm_state='stopped', image_ref='img-2',
                             network_info=sb.network_info('10.1.0.5'))
        c = self.make_server(1, display_name='web-2', project_id=sb.OTHER,
                             host='h1', vm_state='active',
                             task_state='rebooting')
        u, ad = self.user_get, self.admin_get
        self.assertEqual({a['uuid'], b['uuid']}, self._ids(u('/servers')))
        self.assertEqual({a['uuid']}, self._ids(u('/servers?name=^web')))
        self.assertEqual({a['uuid'], c['uuid']}, self._ids(
            ad('/servers?name=web&all_tenants=1')))
        self.assertEqual({b['uuid']}, self._ids(u('/servers?status=SHUTOFF')))
        self.assertEqual({c['uuid']}, self._ids(
            ad('/servers?status=REBOOT&all_tenants=true')))
        # status ACTIVE is the default of vm_state active: any task_state
        self.assertEqual({a['uuid'], c['uuid']}, self._ids(
            ad('/servers?status=ACTIVE&all_tenants=1')))
        self.assertEqual({a['uuid'], b['uuid']}, self._ids(
            u('/servers?status=ACTIVE&status=SHUTOFF')))
        # host/node: admin only (silently dropped for users)
        self.assertEqual({a['uuid'], b['uuid']}, self._ids(
            u('/servers?host=h1')))
        self.assertEqual({a['uuid']}, self._ids(ad('/servers?host=h1')))
        self.assertEqual({b['uuid']}, self._ids(ad('/servers?node=n2')))
        self.assertEqual({a['uuid']}, self._ids(u('/servers?flavor=42')))
        self.assertEqual(set(), self._ids(u('/servers?flavor=nope')))
        self.assertEqual({b['uuid']}, self._ids(u('/servers?image=img-2')))
        self.assertEqual({b['uuid']}, self._ids(u('/servers?ip=10.1')))
        # availability_zone: users from 2.83
        self.assertEqual({a['uuid'], b['uuid']}, self._ids(
            u('/servers?availability_zone=az1', version='2.82')))
        self.assertEqual({a['uuid']}, self._ids(
            u('/servers?availability_zone=az1', version='2.83')))
        self.assertEqual({a['uuid']}, self._ids(
            u('/servers?user_id=alice', version='2.83')))
        # locked from 2.73
        self.assertEqual({a['uuid']}, self._ids(
            u('/servers?locked=true', version='2.73')))
        self.assertEqual({b['uuid']}, self._ids(
            u('/servers?locked=0', version='2.73')))
        self.assertFault(u('/servers?locked=maybe', version='2.73'), 400,
                         'badRequest')
        # tags from 2.26
        v = '2.26'
        self.assertEqual({a['uuid']}, self._ids(u('/servers?tags=a,b',
                                                  version=v)))
        self.assertEqual({a['uuid'], b['uuid']}, self._ids(
            u('/servers?tags-any=a,c', version=v)))
        self.assertEqual({b['uuid']}, self._ids(
            u('/servers?not-tags=a,b', version=v)))
        self.assertEqual(set(), self._ids(
            u('/servers?not-tags-any=a,c', version=v)))
        self.assertEqual({a['uuid'], b['uuid']}, self._ids(
            u('/servers?tags=zzz', version='2.25')))
        # all_tenants with a project filter
        self.assertEqual({c['uuid']}, self._ids(
            ad('/servers?all_tenants=1&project_id=%s' % sb.OTHER)))
        self.assertEqual({c['uuid']}, self._ids(
            ad('/servers?all_tenants=1&tenant_id=%s' % sb.OTHER)))
        # tenant_id without all_tenants is ignored
        self.assertEqual({a['uuid'], b['uuid']}, self._ids(
            ad('/servers?tenant_id=%s' % sb.OTHER)))
        # users cannot list all tenants
        self.assertFault(u('/servers?all_tenants=1'), 403, 'forbidden')
        self.assertFault(ad('/servers?all_tenants=maybe'), 400, 'badRequest')
        # regular expressions on columns that are not text, on every
        # database (PostgreSQL needs them cast)
        self.assertEqual({a['uuid'], b['uuid']}, self._ids(
            ad('/servers?power_state=1')))
        self.assertEqual(set(), self._ids(ad('/servers?power_state=4')))
        self.assertEqual({a['uuid'], b['uuid']}, self._ids(
            ad('/servers?access_ip_v4=^1%5C.2')))
        self.assertEqual({a['uuid'], b['uuid']}, self._ids(
            u('/servers?progress=0', version='2.83')))

    def test_filter_errors(self):
        self.make_server(0)
        u, ad = self.user_get, self.admin_get
        self.assertFault(u('/servers?status=nonsense', version='2.38'), 400,
                         'badRequest', 'Invalid status value')
        resp = u('/servers?status=nonsense', version='2.37')
        self.assertEqual({'servers': []}, resp.json)
        self.assertFault(ad('/servers?metadata=x'), 400, 'badRequest',
                         'Invalid filter field: metadata.')
        self.assertFault(ad('/servers?_secret=x'), 400, 'badRequest',
                         'Invalid filter field: _secret.')
        self.assertEqual(200, u('/servers?foo=bar', version='2.74')
                         .status_int)
        self.assertFault(u('/servers?foo=bar', version='2.75'), 400,
                         'badRequest')
        self.assertFault(u('/servers?status=deleted'), 403, 'forbidden',
                         'Only administrators may list deleted instances')
        self.assertFault(u('/servers?sort_key=host'), 403, 'forbidden',
                         'Only administrators can sort servers by host')
        self.assertEqual(200, u('/servers?sort_key=vcpus',
                                version='2.74').status_int)
        self.assertFault(u('/servers?sort_key=vcpus', version='2.75'), 400,
                         'badRequest')
        self.assertFault(u('/servers?sort_key=bogus'), 400, 'badRequest')
        self.assertFault(u('/servers?sort_dir=sideways'), 400, 'badRequest',
                         "Invalid input received: Unknown sort direction, "
                         "must be 'desc' or 'asc'")
        self.assertFault(u('/servers?limit=-1'), 400, 'badRequest')
        self.assertFault(u('/servers?limit=x'), 400, 'badRequest')
        self.assertFault(u('/servers?marker=%s' % 'f' * 3), 400,
                         'badRequest')
        marker = '9e1f7a3c-0000-4000-8000-000000000000'
        self.assertFault(u('/servers?marker=%s' % marker), 400, 'badRequest',
                         'marker [%s] not found' % marker)
        self.assertFault(
            u('/servers?changes-since=2020-01-02T00:00:00Z&'
              'changes-before=2020-01-01T00:00:00Z', version='2.66'),
            400, 'badRequest',
            'The value of changes-since must be less than or equal to '
            'changes-before.')
        self.assertFault(u('/servers?changes-since=yesterday'), 400,
                         'badRequest')
        self.assertEqual({'servers': []}, u('/servers?limit=0').json)

    def test_deleted_and_changes_since(self):
        keep = self.make_server(0)
        gone = self.make_server(1)
        db_instances.instance_destroy(
            self.cell_ctx(self.cell(1)), gone['uuid'])
        u, ad = self.user_get, self.admin_get
        self.assertEqual({keep['uuid']}, self._ids(u('/servers')))
        # deleted is not a user filter: silently ignored
        self.assertEqual({keep['uuid']}, self._ids(u('/servers?deleted=1')))
        self.assertEqual({gone['uuid']}, self._ids(
            ad('/servers?deleted=true')))
        self.assertEqual({keep['uuid']}, self._ids(
            ad('/servers?deleted=junk')))
        since = (timeutils.utcnow() - datetime.timedelta(days=1)).strftime(
            '%Y-%m-%dT%H:%M:%SZ')
        # changes-since lists recently deleted servers too
        self.assertEqual({keep['uuid'], gone['uuid']}, self._ids(
            u('/servers?changes-since=%s' % since)))
        future = '2999-01-01T00:00:00Z'
        self.assertEqual(set(), self._ids(
            u('/servers?changes-since=%s' % future)))
        self.assertEqual({keep['uuid'], gone['uuid']}, self._ids(
            u('/servers?changes-before=%s' % future, version='2.66')))

    # -- sorting and paging across cells -------------------------------------

    def _spread(self, count=9):
        servers = []
        for i in range(count):
            servers.append(self.make_server(
                i % len(self.cells), display_name='srv-%02d' % (count - i),
                host=None if i % 3 == 0 else 'host-%d' % (i % 2)))
        return servers

    def _walk(self, path, get, limit):
        seen = []
        url = '%s%slimit=%d' % (path, '&' if '?' in path else '?', limit)
        while True:
            resp = get(url)
            self.assertEqual(200, resp.status_int, resp.text)
            page = resp.json['servers']
            self.assertLessEqual(len(page), limit)
            seen.extend(s['id'] for s in page)
            links = resp.json.get('servers_links')
            if not links:
                return seen
            self.assertEqual(limit, len(page))
            parsed = urllib.parse.urlsplit(links[0]['href'])
            url = '/servers%s?%s' % (
                '/detail' if parsed.path.endswith('/detail') else '',
                parsed.query)

    def test_default_order_and_paging(self):
        servers = self._spread()
        newest_first = [s['uuid'] for s in reversed(servers)]
        resp = self.user_get('/servers')
        self.assertEqual(newest_first, [s['id'] for s in resp.json['servers']])
        self.assertNotIn('servers_links', resp.json)
        for limit in (1, 2, 4, 9, 10):
            self.assertEqual(newest_first,
                             self._walk('/servers', self.user_get, limit))
            self.assertEqual(newest_first, self._walk(
                '/servers/detail', self.user_get, limit))

    def test_sort_keys_across_cells(self):
        servers = self._spread()
        by_name = sorted(servers, key=lambda s: s['display_name'])
        resp = self.user_get('/servers?sort_key=display_name&sort_dir=asc')
        self.assertEqual([s['uuid'] for s in by_name],
                         [s['id'] for s in resp.json['servers']])
        self.assertEqual([s['uuid'] for s in by_name], self._walk(
            '/servers?sort_key=display_name&sort_dir=asc', self.user_get, 2))
        # host (admin) descending: NULLs (the smallest) last, ties by uuid
        # ascending.
        groups = {}
        for s in sorted(servers, key=lambda s: s['uuid']):
            groups.setdefault(s['host'], []).append(s['uuid'])
        want = []
        for host in sorted((h for h in groups if h), reverse=True):
            want.extend(groups[host])
        want.extend(groups.get(None, []))
        self.assertEqual(want, self._walk(
            '/servers?sort_key=host&sort_dir=desc', self.admin_get, 2))
        self.assertEqual(len(servers), len(want))
        # ignored sort keys (before 2.75) fall back to the default order
        resp = self.user_get('/servers?sort_key=vcpus')
        self.assertEqual([s['uuid'] for s in reversed(servers)],
                         [s['id'] for s in resp.json['servers']])

    def test_marker_in_other_cell_and_max_limit(self):
        servers = self._spread(6)
        newest_first = [s['uuid'] for s in reversed(servers)]
        resp = self.user_get('/servers?marker=%s' % newest_first[1])
        self.assertEqual(newest_first[2:],
                         [s['id'] for s in resp.json['servers']])
        self.conf.set_override('max_limit', 4, group='api')
        resp = self.user_get('/servers?limit=100')
        self.assertEqual(newest_first[:4],
                         [s['id'] for s in resp.json['servers']])
        self.assertIn('marker=%s' % newest_first[3],
                      resp.json['servers_links'][0]['href'])

    # -- queries -------------------------------------------------------------

    def test_detail_query_count_is_fixed(self):
        self.conf.set_override('cell_cache_ttl', 3600, group='api_database')
        self.make_service(0, 'compute1')
        self.make_service(1, 'compute2')
        counts = {}
        made = 0
        for total in (1, 2, 10, 500):
            self.make_servers_bulk(total - made,
                                   cell_of=lambda i, base=made: (base + i) % 2)
            made = total
            path = '/servers/detail?limit=1000'
            self.admin_get(path, version='2.100')  # warm the cell cache
            counter = self.useFixture(nf_fixtures.QueryCounter(
                self.deployment))
            resp = self.admin_get(path, version='2.100')
            self.assertEqual(total, len(resp.json['servers']))
            counts[total] = dict(counter.by_database, total=counter.count)
        # Per cell: the page, faults, metadata, system metadata, tags,
        # block devices and compute services (7); the API database: the
        # request specs (1). Whatever the number of servers.
        # (A cell without servers on the page costs only the page query,
        # and the fault query is skipped when no server is in ERROR.)
        for total, by_db in counts.items():
            for db, n in by_db.items():
                if db != 'total':
                    self.assertLessEqual(n, 7, counts)
        self.assertEqual(counts[10], counts[500], counts)
        self.assertEqual(2 * 7 + 1, counts[500]['total'], counts)
        with open(self.state_path + '/query_counts.json', 'w') as out:
            json.dump({str(k): v for k, v in counts.items()}, out)


class SQLiteServersTest(ServersTestMixin, sb.ServersTestCase):
    cell_count = 2

    def _down_cell(self):
        from nova_faults import cells
        down = db_mappings.cell_mapping_create(self.admin_ctx, {
            'name': 'down', 'transport_url': 'none:///',
            'database_connection':
                'mysql+pymysql://nobody:secret@127.0.0.1:1/nova'})
        cells.reset_cache()
        return down

    def test_down_cell_skipped_or_503(self):
        up = self.make_server(0)
        down = self._down_cell()
        lost = '3f0d4d6c-1111-4c1e-9a53-0c6a4f2b7e01'
        db_mappings.instance_mapping_create(self.admin_ctx, {
            'instance_uuid': lost, 'cell_uuid': down['uuid'],
            'project_id': sb.PROJECT, 'user_id': 'demo'})
        # skipped by default (logged), below and at 2.69 with paging
        for path in ('/servers', '/servers/detail?limit=5'):
            resp = self.user_get(path)
            self.assertEqual([up['uuid']],
                             [s['id'] for s in resp.json['servers']])
        self.conf.set_override('list_records_by_skipping_down_cells', False,
                               group='api')
        message = self.assertFault(self.user_get('/servers'), 503,
                                   'serviceUnavailable')
        self.assertIn(down['uuid'], message)
        self.assertNotIn('secret', message)
        # the server of a down cell: 503 naming the cell, never its URL
        message = self.assertFault(self.user_get('/servers/%s' % lost),
                                   503, 'serviceUnavailable')
        self.assertIn(down['uuid'], message)
        self.assertNotIn('127.0.0.1', message)
        # a marker in the down cell
        self.assertFault(self.user_get('/servers?marker=%s' % lost), 503,
                         'serviceUnavailable')


class DownCellMinimalTest(sb.ServersTestCase):
    """2.69 minimal records for servers of a cell that does not answer."""

    cell_count = 1

    def setUp(self):
        super().setUp()
        from nova_faults import cells
        self.up = self.make_server(0)
        self.down = db_mappings.cell_mapping_create(self.admin_ctx, {
            'name': 'down', 'transport_url': 'none:///',
            'database_connection':
                'mysql+pymysql://nobody:secret@127.0.0.1:1/nova'})
        cells.reset_cache()
        self.lost = {}
        for name, project, queued in (('mine', sb.PROJECT, False),
                                      ('other', sb.OTHER, False),
                                      ('queued', sb.PROJECT, True)):
            uuid = '3f0d4d6c-1111-4c1e-9a53-0c6a4f2b7e0%d' % len(self.lost)
            db_mappings.instance_mapping_create(self.admin_ctx, {
                'instance_uuid': uuid, 'cell_uuid': self.down['uuid'],
                'project_id': project, 'user_id': 'demo',
                'queued_for_delete': queued})
            self.lost[name] = uuid
        spec = {'nova_object.name': 'RequestSpec', 'nova_object.data': {
            'image': {'nova_object.data': {'id': 'img-1'}},
            'flavor': json.loads(sb.flavor_json(
                extra_specs={'a': 'b'}))['cur'],
            'availability_zone': None, 'user_id': 'demo'}}
        db_request_specs.request_spec_create(self.admin_ctx, self.lost['mine'],
                                             json.dumps(spec))

    def ids(self, resp):
        self.assertEqual(200, resp.status_int, resp.text)
        return [s['id'] for s in resp.json['servers']]

    def test_lists(self):
        resp = self.user_get('/servers', version='2.69')
        self.assertEqual([self.lost['mine'], self.up['uuid']],
                         self.ids(resp))
        self.assertEqual({'id', 'status', 'links'},
                         set(resp.json['servers'][0]))
        self.assertEqual('UNKNOWN', resp.json['servers'][0]['status'])
        resp = self.user_get('/servers/detail', version='2.69')
        self.assertEqual({'id', 'status', 'tenant_id', 'created', 'links'},
                         set(resp.json['servers'][0]))
        resp = self.admin_get('/servers?all_tenants=1', version='2.69')
        self.assertEqual({self.lost['mine'], self.lost['other'],
                          self.up['uuid']}, set(self.ids(resp)))
        # before 2.69, or with paging, sorting or filters: skipped
        for path, version in (('/servers', '2.68'),
                              ('/servers?limit=5', '2.69'),
                              ('/servers?sort_key=display_name', '2.69'),
                              ('/servers?name=server', '2.69')):
            self.assertEqual([self.up['uuid']],
                             self.ids(self.user_get(path, version=version)),
                             path)
        # a non-admin's deleted=true is dropped: still minimal records
        self.assertEqual([self.lost['mine'], self.up['uuid']], self.ids(
            self.user_get('/servers?deleted=true', version='2.69')))

    def test_show(self):
        path = '/servers/%s' % self.lost['mine']
        message = self.assertFault(self.user_get(path, version='2.68'), 503,
                                   'serviceUnavailable')
        self.assertNotIn('secret', message)
        resp = self.user_get(path, version='2.69')
        self.assertEqual(200, resp.status_int, resp.text)
        server = resp.json['server']
        self.assertEqual({'id', 'status', 'tenant_id', 'created', 'links',
                          'image', 'flavor', 'OS-EXT-AZ:availability_zone',
                          'OS-EXT-STS:power_state', 'user_id'}, set(server))
        self.assertEqual('UNKNOWN', server['status'])
        self.assertEqual('UNKNOWN', server['OS-EXT-AZ:availability_zone'])
        self.assertEqual(0, server['OS-EXT-STS:power_state'])
        self.assertEqual('img-1', server['image']['id'])
        self.assertEqual({'vcpus': 1, 'ram': 512, 'disk': 1, 'ephemeral': 0,
                          'swap': 0, 'original_name': 'm1.tiny',
                          'extra_specs': {'a': 'b'}}, server['flavor'])
        resp = self.user_get(path, version='2.71')
        self.assertEqual([], resp.json['server']['server_groups'])
        # queued for delete, no request spec, another project: 404
        for name, who in (('queued', self.user_get),
                          ('other', self.admin_get),
                          ('other', self.user_get)):
            resp = who('/servers/%s' % self.lost[name], version='2.69')
            self.assertFault(resp, 404, 'itemNotFound')


class MixedBackendsServersTest(ServersTestMixin, sb.ServersTestCase):
    """One MariaDB cell and one PostgreSQL cell."""

    backends = ['mysql', 'postgresql']
