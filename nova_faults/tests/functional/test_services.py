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

"""os-services through the pipeline: list, update (both styles), delete.

Runs on two SQLite cells and on a MariaDB cell plus a PostgreSQL cell;
success bodies are validated with tempest's services schemas.
"""

import sqlalchemy

from nova_faults import cells
from nova_faults.db import mappings as db_mappings
from nova_faults.db import services as db_services
from nova_faults import exception
from nova_faults import servicegroup
from nova_faults.tests.functional import servers_base as sb

ADMIN_ROLES = ['admin', 'member', 'reader']


class ServicesTestMixin:

    def setUp(self):
        super().setUp()
        self.c1 = self.make_service(0, 'host1')
        self.s1 = self.make_service(0, 'host1', binary='nova-scheduler',
                                    disabled=True, disabled_reason='test1')
        self.c2 = self.make_service(1, 'host2', age=3600, disabled=True,
                                    disabled_reason='test4')
        self.s2 = self.make_service(1, 'host2', binary='nova-conductor')
        self.api_svc = self.make_service(0, 'host1',
                                         binary='nova-osapi_compute')
        self.meta_svc = self.make_service(1, 'host2',
                                          binary='nova-metadata')

    def list(self, version='2.1', query='', **kwargs):
        resp = self.api.get('/os-services' + query, version=version,
                            roles=ADMIN_ROLES, **kwargs)
        if resp.status_int == 200:
            sb.validate_services(self, 'list_services', resp, version)
        return resp

    def put(self, path, body, version='2.1', roles=ADMIN_ROLES, **kwargs):
        return self.api.put('/os-services/%s' % path, body, version=version,
                            roles=roles, **kwargs)

    # -- list ----------------------------------------------------------------

    def test_list_versions(self):
        for version in ('2.1', '2.10', '2.11', '2.52', '2.53', '2.68',
                        '2.75', '2.104'):
            resp = self.list(version)
            self.assertEqual(200, resp.status_int, resp.text)
            services = resp.json['services']
            self.assertEqual(
                [('nova-compute', 'host1'), ('nova-scheduler', 'host1'),
                 ('nova-compute', 'host2'), ('nova-conductor', 'host2')],
                [(s['binary'], s['host']) for s in services], version)
            v = tuple(int(x) for x in version.split('.'))
            by_binary = {s['binary']: s for s in services}
            compute = services[0]
            self.assertEqual(v >= (2, 11), 'forced_down' in compute)
            if v >= (2, 53):
                self.assertEqual(self.c1['uuid'], compute['id'])
            else:
                self.assertEqual(self.c1['id'], compute['id'])
            self.assertEqual('nova', compute['zone'])
            self.assertEqual('internal', by_binary['nova-scheduler']['zone'])
            self.assertEqual('up', compute['state'])
            self.assertEqual('enabled', compute['status'])
            self.assertIsNone(compute['disabled_reason'])
            self.assertRegex(compute['updated_at'],
                             r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$')
            self.assertEqual('disabled', by_binary['nova-scheduler']
                             ['status'])
            self.assertEqual('test1', by_binary['nova-scheduler']
                             ['disabled_reason'])
            host2 = [s for s in services if s['host'] == 'host2'][0]
            self.assertEqual('down', host2['state'])

    def test_list_filters_and_strictness(self):
        resp = self.list(query='?host=host2')
        self.assertEqual({'host2'}, {s['host'] for s in
                                     resp.json['services']})
        resp = self.list(query='?binary=nova-compute&host=host1')
        self.assertEqual([('nova-compute', 'host1')],
                         [(s['binary'], s['host'])
                          for s in resp.json['services']])
        resp = self.list(query='?binary=nova-metadata')
        self.assertEqual([], resp.json['services'])
        self.assertEqual(200, self.list('2.74', '?foo=bar').status_int)
        self.assertFault(self.list('2.75', '?foo=bar'), 400, 'badRequest')
        resp = self.api.get('/os-services', user='demo',
                            roles=['member', 'reader'])
        self.assertFault(resp, 403, 'forbidden',
                         "Policy doesn't allow os_compute_api:os-services:"
                         "list to be performed.")

    def test_state_follows_forced_down_and_heartbeat(self):
        ctx = self.cell_ctx(self.cell(0))
        db_services.service_update(ctx, self.c1['id'], {'forced_down': True})
        resp = self.list('2.11', '?binary=nova-compute&host=host1')
        service = resp.json['services'][0]
        self.assertEqual(('down', True), (service['state'],
                                          service['forced_down']))

    def test_heartbeat_brings_a_service_up(self):
        ctx = self.cell_ctx(self.cell(1))
        servicegroup.report_state(ctx, self.conf, 'nova-compute',
                                  host='host2')
        resp = self.list(query='?host=host2&binary=nova-compute')
        self.assertEqual('up', resp.json['services'][0]['state'])
        # a new service row is created on its first heartbeat
        row = servicegroup.report_state(ctx, self.conf, 'nova-compute',
                                        host='host9')
        self.assertEqual(1, row['report_count'])
        again = servicegroup.report_state(ctx, self.conf, 'nova-compute',
                                          host='host9')
        self.assertEqual(2, again['report_count'])
        resp = self.list(query='?host=host9')
        self.assertEqual('up', resp.json['services'][0]['state'])

    def test_heartbeat_thread(self):
        ctx = self.cell_ctx(self.cell(0))
        beat = servicegroup.Heartbeat(ctx, self.conf, 'nova-compute',
                                      host='host8')
        first = beat.beat()
        self.assertEqual(1, first['report_count'])
        beat.start()
        beat.stop(timeout=10)
        row = db_services.service_get_by_host_and_binary(ctx, 'host8',
                                                         'nova-compute')
        self.assertGreaterEqual(row['report_count'], 2)
        # a database that cannot be reached is logged, not raised
        unreachable = cells.cell_context(self.admin_ctx, {
            'uuid': 'c0ffee00-0000-0000-0000-000000000008',
            'database_connection':
                'mysql+pymysql://nobody:secret@127.0.0.1:1/nova'},
            self.conf)
        broken = servicegroup.Heartbeat(unreachable, self.conf,
                                        'nova-compute')
        self.assertIsNone(broken.beat())
        self.assertTrue(broken.disconnected)
        # a bug (here: a context that is not one) is logged as one; it
        # does not make the service "disconnected"
        buggy = servicegroup.Heartbeat(object(), self.conf, 'nova-compute')
        self.assertIsNone(buggy.beat())
        self.assertFalse(buggy.disconnected)

    def test_down_cell(self):
        down = db_mappings.cell_mapping_create(self.admin_ctx, {
            'name': 'down', 'transport_url': 'none:///',
            'database_connection':
                'mysql+pymysql://nobody:secret@127.0.0.1:1/nova'})
        db_mappings.host_mapping_create(
            self.admin_ctx, 'lost-host', down['uuid'])
        cells.reset_cache()
        resp = self.list('2.68')
        self.assertEqual(4, len(resp.json['services']))
        self.assertNotIn('secret', resp.text)
        resp = self.api.get('/os-services', version='2.69',
                            roles=ADMIN_ROLES)
        self.assertEqual(200, resp.status_int, resp.text)
        self.assertEqual({'binary': 'nova-compute', 'host': 'lost-host',
                          'status': 'UNKNOWN'}, resp.json['services'][-1])

    # -- update before 2.53 --------------------------------------------------

    def test_enable_disable_actions(self):
        body = {'host': 'host2', 'binary': 'nova-compute'}
        resp = self.put('enable', body)
        self.assertEqual(200, resp.status_int, resp.text)
        sb.validate_services(self, 'enable_disable_service', resp, '2.1')
        self.assertEqual({'service': {'host': 'host2',
                                      'binary': 'nova-compute',
                                      'status': 'enabled'}}, resp.json)
        resp = self.list(query='?host=host2&binary=nova-compute')
        self.assertEqual(('enabled', None),
                         (resp.json['services'][0]['status'],
                          resp.json['services'][0]['disabled_reason']))
        resp = self.put('disable', body)
        self.assertEqual({'service': {'host': 'host2',
                                      'binary': 'nova-compute',
                                      'status': 'disabled'}}, resp.json)
        resp = self.put('disable-log-reason',
                        dict(body, disabled_reason='maintenance'))
        sb.validate_services(self, 'disable_log_reason', resp, '2.1')
        self.assertEqual('maintenance',
                         resp.json['service']['disabled_reason'])
        self.assertFault(self.put('disable-log-reason', body), 400,
                         'badRequest', 'Missing disabled reason field')

    def test_force_down_action(self):
        body = {'host': 'host1', 'binary': 'nova-compute',
                'forced_down': True}
        self.assertFault(self.put('force-down', body, version='2.10'), 400,
                         'badRequest')
        self.assertFault(self.put('force-down', {
            'host': 'host1', 'binary': 'nova-compute'}, version='2.10'),
            404, 'itemNotFound', 'Unknown action')
        resp = self.put('force-down', body, version='2.11')
        self.assertEqual(200, resp.status_int, resp.text)
        sb.validate_services(self, 'update_forced_down', resp, '2.11')
        self.assertEqual({'service': {'host': 'host1',
                                      'binary': 'nova-compute',
                                      'forced_down': True}}, resp.json)
        resp = self.put('force-down', dict(body, forced_down='off'),
                        version='2.11')
        self.assertFalse(resp.json['service']['forced_down'])
        self.assertFault(self.put('force-down', {
            'host': 'host1', 'binary': 'nova-compute'}, version='2.11'),
            400, 'badRequest', 'Missing forced_down field')

    def test_action_errors(self):
        ok = {'host': 'host1', 'binary': 'nova-compute'}
        self.assertFault(self.put('reboot', ok), 404, 'itemNotFound',
                         'Unknown action')
        self.assertFault(self.put('enable', {
            'host': 'host1', 'binary': 'nova-scheduler'}), 400,
            'badRequest', 'Updating a nova-scheduler service is not '
                          'supported. Only nova-compute services can be '
                          'updated.')
        self.assertFault(self.put('enable', {
            'host': 'nowhere', 'binary': 'nova-compute'}), 404,
            'itemNotFound', "Host 'nowhere' is not mapped to any cell")
        db_mappings.host_mapping_create(self.admin_ctx, 'bare',
                                        self.cell(0)['uuid'])
        self.assertFault(self.put('enable', {
            'host': 'bare', 'binary': 'nova-compute'}), 404,
            'itemNotFound', 'Could not find binary nova-compute on host '
                            'bare.')
        self.assertFault(self.put('enable', dict(ok, extra=1)), 400,
                         'badRequest')
        self.assertFault(self.put('enable', {'host': 'bad host!',
                                             'binary': 'nova-compute'}),
                         400, 'badRequest')
        self.assertFault(self.put('enable', {'binary': 'nova-compute'}),
                         400, 'badRequest')
        self.assertFault(self.put('enable', ok, roles=['member']), 403,
                         'forbidden')

    # -- update from 2.53 ----------------------------------------------------

    def test_update_by_uuid(self):
        v = '2.53'
        uuid = self.c1['uuid']
        resp = self.put(uuid, {'status': 'disabled',
                               'disabled_reason': 'maintenance'}, version=v)
        self.assertEqual(200, resp.status_int, resp.text)
        sb.validate_services(self, 'update_service', resp, v)
        service = resp.json['service']
        self.assertEqual((uuid, 'disabled', 'maintenance', 'up', False,
                          'nova'),
                         (service['id'], service['status'],
                          service['disabled_reason'], service['state'],
                          service['forced_down'], service['zone']))
        resp = self.put(uuid, {'forced_down': True}, version=v)
        self.assertEqual(('down', True), (resp.json['service']['state'],
                                          resp.json['service']
                                          ['forced_down']))
        resp = self.put(uuid, {'status': 'enabled', 'forced_down': 'no'},
                        version=v)
        service = resp.json['service']
        self.assertEqual(('enabled', None, False, 'up'),
                         (service['status'], service['disabled_reason'],
                          service['forced_down'], service['state']))
        # and the service in the other cell
        resp = self.put(self.c2['uuid'], {'status': 'enabled'}, version=v)
        self.assertEqual('enabled', resp.json['service']['status'])

    def test_update_by_uuid_errors(self):
        v = '2.53'
        self.assertFault(self.put('enable', {'status': 'enabled'},
                                  version=v), 400, 'badRequest',
                         'Invalid uuid enable')
        unknown = 'e81d66a4-ddd3-4aba-8a84-171d1cb4d339'
        self.assertFault(self.put(unknown, {'status': 'enabled'},
                                  version=v), 404, 'itemNotFound',
                         'Service %s could not be found.' % unknown)
        self.assertFault(self.put(self.s1['uuid'], {'status': 'enabled'},
                                  version=v), 400, 'badRequest',
                         'Updating a nova-scheduler service is not '
                         'supported. Only nova-compute services can be '
                         'updated.')
        self.assertFault(self.put(self.c1['uuid'], {
            'status': 'enabled', 'disabled_reason': 'x'}, version=v), 400,
            'badRequest',
            "Specifying 'disabled_reason' with status 'enabled' is invalid.")
        self.assertFault(self.put(self.c1['uuid'], {}, version=v), 400,
                         'badRequest',
                         "No updates were requested. Fields 'status' or "
                         "'forced_down' should be specified.")
        self.assertFault(self.put(self.c1['uuid'], {
            'disabled_reason': 'x'}, version=v), 400, 'badRequest',
            "No updates were requested. Fields 'status' or "
            "'forced_down' should be specified.")
        self.assertFault(self.put(self.c1['uuid'], {'forced_down': 'maybe'},
                                  version=v), 400, 'badRequest')
        self.assertFault(self.put(self.c1['uuid'], {'status': 'up'},
                                  version=v), 400, 'badRequest')
        self.assertFault(self.put(self.c1['uuid'], {'status': 'enabled'},
                                  version=v, roles=['reader']), 403,
                         'forbidden')

    # -- delete --------------------------------------------------------------

    def delete(self, ident, version='2.1', roles=ADMIN_ROLES):
        return self.api.delete('/os-services/%s' % ident, version=version,
                               roles=roles)

    def test_delete(self):
        self.make_server(0, host='host1')
        self.assertFault(self.delete(self.c1['uuid'], version='2.53'), 409,
                         'conflictingRequest',
                         'Unable to delete compute service that is hosting '
                         'instances. Migrate or delete the instances first.')
        resp = self.delete(self.c2['uuid'], version='2.53')
        self.assertEqual(204, resp.status_int, resp.text)
        self.assertEqual(b'', resp.body)
        self.assertRaises(exception.HostMappingNotFound,
                          db_mappings.host_mapping_get_by_host,
                          self.admin_ctx, 'host2')
        resp = self.list('2.53')
        self.assertNotIn(self.c2['uuid'],
                         [s['id'] for s in resp.json['services']])
        self.assertFault(self.delete(self.c2['uuid'], version='2.53'), 404,
                         'itemNotFound',
                         'Service %s not found.' % self.c2['uuid'])

    def test_delete_by_id(self):
        # ids are per cell: the same id in two cells is ambiguous
        self.assertEqual(self.c1['id'], self.c2['id'])
        self.assertFault(self.delete(self.c1['id']), 400, 'badRequest',
                         'Service id %s refers to multiple services.'
                         % self.c1['id'])
        self.assertFault(self.delete('abc'), 400, 'badRequest',
                         'Invalid input received: id must be an integer')
        self.assertFault(self.delete('abc', version='2.53'), 400,
                         'badRequest', 'Invalid uuid abc')
        self.assertFault(self.delete(999), 404, 'itemNotFound',
                         'Service 999 not found.')
        self.assertFault(self.delete(999, roles=['member']), 403,
                         'forbidden')
        extra = self.make_service(0, 'host7', binary='nova-scheduler')
        resp = self.delete(extra['id'])
        self.assertEqual(204, resp.status_int, resp.text)


class SQLiteServicesTest(ServicesTestMixin, sb.ServersTestCase):
    cell_count = 2


class MixedBackendsServicesTest(ServicesTestMixin, sb.ServersTestCase):
    """One MariaDB cell and one PostgreSQL cell."""

    backends = ['mysql', 'postgresql']

    def test_characters_beyond_the_basic_plane(self):
        # utf8mb4 tables (ours) store them: the MySQL connection says so.
        for index, cell in enumerate((self.c1, self.c2)):
            reason = '\U0001f600 disk \U00020000 %d' % index
            resp = self.put(cell['uuid'], {'status': 'disabled',
                                           'disabled_reason': reason},
                            version='2.53')
            self.assertEqual(200, resp.status_int, resp.text)
            self.assertEqual(reason, resp.json['service']['disabled_reason'])
        # A table of Nova's, in MySQL's 3-byte utf8, cannot store them: a
        # 400, and nothing changes.
        resp = self.put(self.c1['uuid'], {'status': 'disabled',
                                          'disabled_reason': 'plain'},
                        version='2.53')
        self.assertEqual(200, resp.status_int, resp.text)
        engine = sqlalchemy.create_engine(
            self.cell(0)['database_connection'],
            poolclass=sqlalchemy.pool.NullPool)
        with engine.begin() as conn:
            conn.execute(sqlalchemy.text(
                'ALTER TABLE services MODIFY disabled_reason VARCHAR(255) '
                'CHARACTER SET utf8mb3'))
        engine.dispose()
        resp = self.put(self.c1['uuid'], {'status': 'disabled',
                                          'disabled_reason': '\U0001f600'},
                        version='2.53')
        self.assertFault(resp, 400, 'badRequest',
                         'Invalid input: the database cannot use a value '
                         'of this request.')
        row = db_services.service_get_by_uuid(self.cell_ctx(self.cell(0)),
                                              self.c1['uuid'])
        self.assertEqual('plain', row['disabled_reason'])
