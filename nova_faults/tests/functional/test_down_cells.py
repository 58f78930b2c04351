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

"""Down cells (issue 5): partial, clearly marked results.

``SQLiteDownCellTest`` repeats the edge cases of Nova's down-cell
functional tests (limit, marker in a down cell, marker in an up cell,
sorting, filters, all_tenants, a non-admin's ``deleted``) with one
healthy SQLite cell and one whose SQLite file cannot be opened.

``RealServersDownCellTest`` runs a deployment whose cells live on real
MariaDB and PostgreSQL servers: two private servers the test stops and
starts again, a cell on a listener that accepts connections and never
answers (``cell_timeout`` 1 s) and one with wrong credentials. The
private servers start once per class.
"""

import json
import uuid as uuidlib

import fixtures
from oslo_db import exception as db_exc
from sqlalchemy import exc as sa_exc

from nova_faults import cells
from nova_faults.db import api as db_api
from nova_faults.db import mappings as db_mappings
from nova_faults.db import request_specs as db_request_specs
from nova_faults import exception
from nova_faults import recording
from nova_faults.tests import fixtures as nf_fixtures
from nova_faults.tests.functional import base
from nova_faults.tests.functional import servers_base as sb

IMAGE = '70a599e0-31e7-49b7-b260-868f441e862b'
MINIMAL_INDEX = {'id', 'status', 'links'}
MINIMAL_DETAIL = {'id', 'status', 'tenant_id', 'created', 'links'}
MINIMAL_SHOW = {'id', 'status', 'tenant_id', 'created', 'links', 'image',
                'flavor', 'OS-EXT-AZ:availability_zone',
                'OS-EXT-STS:power_state', 'user_id'}


def spec(availability_zone=None, image=IMAGE, user_id='demo'):
    """A serialized RequestSpec as Nova stores it."""
    data = {'flavor': json.loads(sb.flavor_json())['cur'],
            'availability_zone': availability_zone, 'user_id': user_id,
            'project_id': sb.PROJECT}
    if image is not None:
        data['image'] = {'nova_object.name': 'ImageMeta',
                         'nova_object.data': {'id': image}}
    return json.dumps({'nova_object.name': 'RequestSpec',
                       'nova_object.data': data})


class DownCellMixin:
    """Helpers: servers of a down cell exist only in the API database."""

    def lost_server(self, cell, project=sb.PROJECT, queued=False,
                    with_spec=True, **spec_kwargs):
        uuid = str(uuidlib.uuid4())
        db_mappings.instance_mapping_create(self.admin_ctx, {
            'instance_uuid': uuid, 'cell_uuid': cell['uuid'],
            'project_id': project, 'user_id': 'demo',
            'queued_for_delete': queued})
        if with_spec:
            db_request_specs.request_spec_create(self.admin_ctx, uuid,
                                                 spec(**spec_kwargs))
        return uuid

    def ids(self, resp):
        self.assertEqual(200, resp.status_int, resp.text)
        return [s['id'] for s in resp.json['servers']]

    def assertMinimal(self, servers, keys):
        for server in servers:
            self.assertEqual(keys, set(server))
            self.assertEqual('UNKNOWN', server['status'])

    def assertNoSecrets(self, message, *secrets):
        for secret in ('127.0.0.1', 'mysql', 'postgresql', 'sqlite',
                       'wrong-secret') + secrets:
            self.assertNotIn(secret, message)


class SQLiteDownCellTest(DownCellMixin, sb.ServersTestCase):
    """Nova's down-cell functional edge cases, on SQLite."""

    cell_count = 1

    def setUp(self):
        super().setUp()
        self.down = db_mappings.cell_mapping_create(self.admin_ctx, {
            'name': 'down', 'transport_url': 'none:///',
            'database_connection':
                'sqlite:///' + self.state_path + '/missing/dir/cell.sqlite'})
        cells.reset_cache()
        # 4 servers up (oldest first), 4 down; one of another project in
        # each, and one queued for delete in the down cell.
        self.up = [self.make_server(0) for _ in range(3)]
        self.up_other = self.make_server(0, project_id=sb.OTHER)
        self.lost = [self.lost_server(self.down) for _ in range(3)]
        self.lost_other = self.lost_server(self.down, project=sb.OTHER)
        self.queued = self.lost_server(self.down, queued=True)
        self.make_service(0, host='up-host')
        db_mappings.host_mapping_create(self.admin_ctx, 'down-host1',
                                        self.down['uuid'])
        db_mappings.host_mapping_create(self.admin_ctx, 'down-host2',
                                        self.down['uuid'])
        self.mine_up = [s['uuid'] for s in reversed(self.up)]

    def test_minimal_records_first(self):
        resp = self.user_get('/servers', version='2.69')
        ids = self.ids(resp)
        self.assertEqual(set(self.lost), set(ids[:3]))
        self.assertEqual(self.mine_up, ids[3:])
        self.assertMinimal(resp.json['servers'][:3], MINIMAL_INDEX)
        self.assertEqual('server-1', resp.json['servers'][-1]['name'])
        resp = self.user_get('/servers/detail', version='2.69')
        self.assertMinimal(resp.json['servers'][:3], MINIMAL_DETAIL)
        self.assertEqual(sb.PROJECT, resp.json['servers'][0]['tenant_id'])
        self.assertEqual('ACTIVE', resp.json['servers'][3]['status'])
        links = resp.json['servers'][0]['links']
        self.assertEqual(['self', 'bookmark'], [link['rel'] for link in links])

    def test_all_tenants(self):
        ids = self.ids(self.admin_get('/servers?all_tenants=1',
                                      version='2.69'))
        self.assertEqual(set(self.lost + [self.lost_other]), set(ids[:4]))
        self.assertEqual(8, len(ids))
        self.assertNotIn(self.queued, ids)
        # An admin without all_tenants sees their own project only.
        ids = self.ids(self.admin_get('/servers', version='2.69'))
        self.assertEqual(set(self.lost), set(ids[:3]))

    def test_limit_skips_down_cell(self):
        ids = self.ids(self.user_get('/servers?limit=5', version='2.69'))
        self.assertEqual(self.mine_up, ids)

    def test_marker_in_up_cell(self):
        ids = self.ids(self.user_get('/servers?marker=%s' % self.mine_up[0],
                                     version='2.69'))
        self.assertEqual(self.mine_up[1:], ids)

    def test_marker_in_down_cell(self):
        # NOTE: Nova answers 500; we answer 503 and say why.
        for version in ('2.1', '2.69'):
            message = self.assertFault(
                self.user_get('/servers?marker=%s' % self.lost[0],
                              version=version),
                503, 'serviceUnavailable')
            self.assertIn('marker', message)
            self.assertIn(self.lost[0], message)
            self.assertIn(self.down['uuid'], message)
            self.assertNoSecrets(message, self.state_path)

    def test_sorting_and_filters_skip_down_cell(self):
        for query in ('sort_key=display_name', 'sort_dir=asc',
                      'name=server', 'status=ACTIVE',
                      'changes-since=2000-01-01T00:00:00Z'):
            ids = self.ids(self.user_get('/servers/detail?' + query,
                                         version='2.69'))
            self.assertEqual(set(self.mine_up), set(ids), query)
        # An admin's deleted filter is kept: no minimal records.
        ids = self.ids(self.admin_get('/servers?deleted=false',
                                      version='2.69'))
        self.assertEqual(set(self.mine_up), set(ids))

    def test_non_admin_deleted_is_ignored(self):
        ids = self.ids(self.user_get('/servers?deleted=true',
                                     version='2.69'))
        self.assertEqual(set(self.lost), set(ids[:3]))

    def test_below_2_69_skipped_or_503(self):
        ids = self.ids(self.user_get('/servers', version='2.68'))
        self.assertEqual(self.mine_up, ids)
        self.conf.set_override('list_records_by_skipping_down_cells', False,
                               group='api')
        for path, version in (('/servers', '2.68'),
                              ('/servers/detail', '2.1'),
                              ('/servers?limit=2', '2.69')):
            message = self.assertFault(self.user_get(path, version=version),
                                       503, 'serviceUnavailable')
            self.assertIn(self.down['uuid'], message)
            self.assertNoSecrets(message, self.state_path)
        # The switch does not matter when minimal records are used.
        ids = self.ids(self.user_get('/servers', version='2.69'))
        self.assertEqual(6, len(ids))

    def test_max_limit_bounds_minimal_records(self):
        # As Nova: the down cells fill what the up cells left of the
        # limit (max_limit, since no limit was given).
        self.conf.set_override('max_limit', 5, group='api')
        ids = self.ids(self.user_get('/servers', version='2.69'))
        self.assertEqual(5, len(ids))
        self.assertLessEqual(set(ids[:2]), set(self.lost))
        self.assertEqual(self.mine_up, ids[2:])
        self.conf.set_override('max_limit', 3, group='api')
        ids = self.ids(self.user_get('/servers', version='2.69'))
        self.assertEqual(self.mine_up, ids)

    def test_show(self):
        group = str(uuidlib.uuid4())
        db_request_specs.instance_group_create(
            self.admin_ctx, {'uuid': group, 'project_id': sb.PROJECT,
                             'user_id': 'demo', 'name': 'g'},
            policy='anti-affinity', members=[self.lost[0]])
        path = '/servers/%s' % self.lost[0]
        message = self.assertFault(self.user_get(path, version='2.68'), 503,
                                   'serviceUnavailable')
        self.assertIn(self.down['uuid'], message)
        self.assertNoSecrets(message, self.state_path)
        resp = self.user_get(path, version='2.69')
        self.assertEqual(200, resp.status_int, resp.text)
        server = resp.json['server']
        self.assertEqual(MINIMAL_SHOW, set(server))
        self.assertEqual('UNKNOWN', server['OS-EXT-AZ:availability_zone'])
        self.assertEqual(0, server['OS-EXT-STS:power_state'])
        self.assertEqual(IMAGE, server['image']['id'])
        self.assertEqual(['bookmark'],
                         [link['rel'] for link in server['image']['links']])
        self.assertEqual('m1.tiny', server['flavor']['original_name'])
        self.assertEqual('demo', server['user_id'])
        resp = self.user_get(path, version='2.71')
        self.assertEqual([group], resp.json['server']['server_groups'])

    def test_show_az_and_boot_from_volume(self):
        uuid = self.lost_server(self.down, availability_zone='geneva',
                                image=None)
        server = self.user_get('/servers/%s' % uuid,
                               version='2.69').json['server']
        self.assertEqual('geneva', server['OS-EXT-AZ:availability_zone'])
        self.assertEqual('', server['image'])

    def test_show_not_found(self):
        no_spec = self.lost_server(self.down, with_spec=False)
        for uuid, get in ((self.queued, self.user_get),
                          (no_spec, self.user_get),
                          (self.lost_other, self.user_get)):
            self.assertFault(get('/servers/%s' % uuid, version='2.69'), 404,
                             'itemNotFound')
        # An admin sees another project's server.
        resp = self.admin_get('/servers/%s' % self.lost_other,
                              version='2.69')
        self.assertEqual(sb.OTHER, resp.json['server']['tenant_id'])

    def test_instance_actions(self):
        for version in ('2.1', '2.69', '2.84'):
            message = self.assertFault(
                self.user_get('/servers/%s/os-instance-actions'
                              % self.lost[0], version=version),
                503, 'serviceUnavailable')
            self.assertIn(self.down['uuid'], message)
            self.assertNoSecrets(message, self.state_path)

    def test_services(self):
        resp = self.admin_get('/os-services', version='2.69')
        self.assertEqual(200, resp.status_int, resp.text)
        minimal = [s for s in resp.json['services']
                   if s.get('status') == 'UNKNOWN']
        self.assertEqual(
            [{'binary': 'nova-compute', 'host': 'down-host1',
              'status': 'UNKNOWN'},
             {'binary': 'nova-compute', 'host': 'down-host2',
              'status': 'UNKNOWN'}],
            sorted(minimal, key=lambda s: s['host']))
        self.assertIn('up-host', [s['host'] for s in resp.json['services']])
        resp = self.admin_get('/os-services?host=down-host2', version='2.69')
        self.assertEqual(['down-host2'],
                         [s['host'] for s in resp.json['services']])
        resp = self.admin_get('/os-services?binary=nova-scheduler',
                              version='2.69')
        self.assertEqual([], resp.json['services'])
        # Below 2.69 the down cell's hosts are omitted.
        resp = self.admin_get('/os-services', version='2.68')
        self.assertEqual(['up-host'],
                         [s['host'] for s in resp.json['services']])


class RealServersDownCellTest(DownCellMixin, sb.ServersTestCase):
    """Cells on MariaDB and PostgreSQL, some of them unreachable."""

    # NOTE: long enough that a healthy cell answers in time on a loaded
    # 2-core machine (1 s was seen to fail there), short enough that each
    # request touching the hung cell stays cheap.
    conf_overrides = {('api', 'cell_timeout'): 3}

    @classmethod
    def _start(cls, fixture):
        try:
            fixture.setUp()
        except Exception as exc:
            # fixtures wraps a failed setUp; raise the first error (a
            # SkipTest when the server cannot be used).
            args = getattr(exc, 'args', ())
            if args and isinstance(args[0], tuple) and len(args[0]) == 3:
                raise args[0][1]
            raise
        return fixture

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for backend in ('mysql', 'postgresql'):
            nf_fixtures.require_backend(backend)
        cls.pg = cls._start(nf_fixtures.PrivatePostgreSQL())
        try:
            cls.maria = cls._start(nf_fixtures.PrivateMariaDB())
        except BaseException:
            cls.pg.cleanUp()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.maria.cleanUp()
        cls.pg.cleanUp()
        super().tearDownClass()

    def _make_deployment(self, deployment_cls):
        return deployment_cls(cells=('postgresql', 'mysql'), api='mysql')

    def setUp(self):
        super().setUp()
        for server in (self.pg, self.maria):
            if not server.running:
                server.start()
        self.hung_listener = hung = self.useFixture(
            nf_fixtures.HungListener())
        suffix = uuidlib.uuid4().hex[:10]
        add = nf_fixtures.add_cell
        self.private_pg = add(self.deployment, self.pg.create_database(
            'nf_ppg_' + suffix), 'private-pg')
        self.private_maria = add(self.deployment, self.maria.create_database(
            'nf_pmaria_' + suffix), 'private-maria')
        self.hung = add(self.deployment, hung.url('mysql'), 'hung', tree=None)
        self.wrong = add(self.deployment, nf_fixtures.wrong_credentials_url(
            self.deployment.cells[1]['database_connection']), 'wrong',
            tree=None)
        self.wrong_pg = add(self.deployment, nf_fixtures.wrong_credentials_url(
            self.deployment.cells[0]['database_connection']), 'wrong-pg',
            tree=None)
        self.addCleanup(db_api.dispose)
        self.cells = db_mappings.cell_mapping_get_all(self.admin_ctx)
        by_name = {cell['name']: cell for cell in self.cells}
        self.servers = {}
        for name in ('cell1', 'cell2', 'private-pg', 'private-maria'):
            self.servers[name] = self.make_server(
                by_name[name],
                request_spec=json.loads(spec())['nova_object.data'])['uuid']
            self.make_service(by_name[name], host='host-' + name)
        for name in ('hung', 'wrong', 'wrong-pg'):
            self.servers[name] = self.lost_server(by_name[name])
            db_mappings.host_mapping_create(self.admin_ctx, 'host-' + name,
                                            by_name[name]['uuid'])
        self.always_down = {self.servers[n] for n in ('hung', 'wrong',
                                                      'wrong-pg')}

    def _get(self, *args, **kwargs):
        # Down and hung cells never hang a request (base.returns is the
        # hang detector; what a hung cell costs is measured by
        # benchmarks/down_cell_bench.py).
        return base.returns(self, lambda: self.user_get(*args, **kwargs))

    def _list(self, version='2.69'):
        resp = self._get('/servers/detail', version=version)
        self.assertEqual(200, resp.status_int, resp.text)
        unknown = {s['id'] for s in resp.json['servers']
                   if s['status'] == 'UNKNOWN'}
        return resp.json['servers'], unknown

    def test_outage_and_recovery(self):
        servers, unknown = self._list()
        self.assertEqual(self.always_down, unknown)
        self.assertMinimal(servers[:3], MINIMAL_DETAIL)
        self.assertEqual(7, len(servers))
        # Stop both private servers: their servers become minimal.
        self.pg.stop()
        self.maria.stop()
        servers, unknown = self._list()
        lost = self.always_down | {self.servers['private-pg'],
                                   self.servers['private-maria']}
        self.assertEqual(lost, unknown)
        self.assertEqual(lost, {s['id'] for s in servers[:5]})
        self.assertMinimal(servers[:5], MINIMAL_DETAIL)
        # Below 2.69: skipped, or 503 when configured to fail.
        servers, unknown = self._list(version='2.68')
        self.assertEqual({self.servers['cell1'], self.servers['cell2']},
                         {s['id'] for s in servers})
        self.conf.set_override('list_records_by_skipping_down_cells', False,
                               group='api')
        message = self.assertFault(self.user_get('/servers', version='2.68'),
                                   503, 'serviceUnavailable')
        self.assertNoSecrets(message, 'nf_ppg', 'nf_pmaria')
        self.conf.clear_override('list_records_by_skipping_down_cells',
                                 group='api')
        # Show and actions of a server whose cell is down.
        for name in ('private-pg', 'private-maria', 'hung', 'wrong',
                     'wrong-pg'):
            path = '/servers/%s' % self.servers[name]
            message = self.assertFault(self.user_get(path, version='2.68'),
                                       503, 'serviceUnavailable')
            self.assertNoSecrets(message)
            self.assertFault(
                self.user_get(path + '/os-instance-actions'), 503,
                'serviceUnavailable')
            resp = self.user_get(path, version='2.69')
            self.assertEqual(200, resp.status_int, (name, resp.text))
            self.assertEqual(MINIMAL_SHOW, set(resp.json['server']))
        # Services: a minimal record per host of each down cell.
        resp = self.admin_get('/os-services', version='2.69')
        minimal = sorted(s['host'] for s in resp.json['services']
                         if s['status'] == 'UNKNOWN')
        self.assertEqual(['host-hung', 'host-private-maria',
                          'host-private-pg', 'host-wrong', 'host-wrong-pg'],
                         minimal)
        resp = self.admin_get('/os-services', version='2.68')
        self.assertEqual(['host-cell1', 'host-cell2'],
                         sorted(s['host'] for s in resp.json['services']))
        # The servers come back: the next request sees them, no restart.
        self.pg.start()
        self.maria.start()
        servers, unknown = self._list()
        self.assertEqual(self.always_down, unknown)
        resp = self.user_get('/servers/%s' % self.servers['private-pg'],
                             version='2.69')
        self.assertEqual('ACTIVE', resp.json['server']['status'])
        resp = self.user_get('/servers/%s/os-instance-actions'
                             % self.servers['private-maria'])
        self.assertEqual(200, resp.status_int, resp.text)

    def test_restart_under_requests(self):
        # A restart between two requests: pooled connections of the old
        # server are dropped, not reused (oslo.db's pool_pre_ping).
        paths = ['/servers/%s' % self.servers[name]
                 for name in ('private-pg', 'private-maria')]
        for path in paths:
            self.assertEqual(200, self._get(path).status_int)
        stops = (self.pg.stops, self.maria.stops)
        self.pg.stop()
        self.maria.stop()
        # The outage happened: both stops succeeded (the fixture checks
        # the exit status and the refused port), and the servers of both
        # cells are a 503 below 2.69 and minimal records at 2.69.
        self.assertEqual((stops[0] + 1, stops[1] + 1),
                         (self.pg.stops, self.maria.stops))
        for path in paths:
            self.assertFault(self._get(path, version='2.68'), 503,
                             'serviceUnavailable')
            resp = self._get(path, version='2.69')
            self.assertEqual(200, resp.status_int, resp.text)
            self.assertEqual('UNKNOWN', resp.json['server']['status'])
        self.pg.start()
        self.maria.start()
        for path in paths:
            resp = self._get(path, version='2.69')
            self.assertEqual(200, resp.status_int, resp.text)
            self.assertEqual('ACTIVE', resp.json['server']['status'])

    def test_hung_cell_does_not_hang_requests(self):
        # Many requests against the hung cell: each returns (a 503) and
        # the healthy cells keep answering. What each one costs (about
        # the cell timeout) is measured by benchmarks/down_cell_bench.py.
        accepted = self.hung_listener.accepted
        for _ in range(5):
            resp = self._get('/servers/%s' % self.servers['hung'],
                             version='2.68')
            self.assertEqual(503, resp.status_int)
            resp = self._get('/servers/%s' % self.servers['cell1'])
            self.assertEqual(200, resp.status_int)
        # The cell was really reached, and really hung.
        self.assertGreater(self.hung_listener.accepted, accepted)


class ErrorsInsideCellCallsTest(sb.ServersTestCase):
    """An error raised inside a cell call is that error, not a down cell.

    Every route that calls a cell, with the function the cell call runs
    made to raise: a library exception keeps its code, anything else is
    a 500 ``computeFault`` of ours; never a 503 naming a healthy cell
    and never minimal (2.69) records. A database error that says the
    database is unreachable is still a 503.
    """

    cell_count = 2

    def setUp(self):
        super().setUp()
        self.server = self.make_server(cell=0)
        self.make_server(cell=1)
        self.make_service(cell=0, host='compute1')
        ctx = self.cell_ctx(self.cell(0))
        ctx.user_id, ctx.project_id = 'demo', sb.PROJECT
        self.action = recording.record_action_start(
            ctx, self.server['uuid'], 'reboot')

    # (route, function run inside its cell calls)
    TARGETS = (
        ('/servers', 'nova_faults.db.servers.instance_list'),
        ('/servers/detail', 'nova_faults.db.servers.instance_list'),
        ('/servers/detail', 'nova_faults.objects.instance_list.related_rows'),
        ('/servers/%(server)s', 'nova_faults.db.servers.instance_get'),
        ('/servers/%(server)s/os-instance-actions',
         'nova_faults.objects.instance_action.InstanceActionList.'
         'get_by_instance_uuid'),
        ('/servers/%(server)s/os-instance-actions/%(request)s',
         'nova_faults.objects.instance_action.InstanceAction.'
         'get_by_request_id'),
        ('/os-services', 'nova_faults.objects.service.ServiceList.get_all'),
    )

    def _get(self, path, version):
        path = path % {'server': self.server['uuid'],
                       'request': self.action['request_id']}
        return self.admin_get(path, version=version)

    def test_bugs_are_500_not_down_cells(self):
        for path, target in self.TARGETS:
            for error in (OverflowError('date value out of range'),
                          UnicodeEncodeError('utf-8', '\ud800', 0, 1, 'x'),
                          sa_exc.StatementError('x', 'SELECT', {},
                                                ValueError())):
                with fixtures.MonkeyPatch(target, _raiser(error)):
                    for version in ('2.1', '2.69', '2.84'):
                        resp = self._get(path, version)
                        what = '%s %s %s' % (path, target, repr(error))
                        message = self.assertFault(resp, 500,
                                                   'computeFault')
                        self.assertIn(type(error).__name__, message, what)
                        self.assertNotIn('not responding', message, what)

    def test_library_errors_keep_their_code(self):
        for path, target in self.TARGETS:
            error = exception.InstanceNotFound(instance_id='x')
            with fixtures.MonkeyPatch(target, _raiser(error)):
                resp = self._get(path, '2.84')
                self.assertFault(resp, 404, 'itemNotFound')

    def test_database_down_is_still_down(self):
        for path, target in self.TARGETS:
            with fixtures.MonkeyPatch(
                    target, _raiser(db_exc.DBConnectionError())):
                resp = self._get(path, '2.1')
                if path in ('/servers', '/servers/detail', '/os-services'):
                    # Lists skip (or, from 2.69, stand in for) down cells.
                    self.assertEqual(200, resp.status_int, resp.text)
                    continue
                message = self.assertFault(resp, 503, 'serviceUnavailable')
                self.assertIn('not responding', message, path)


def _raiser(error):
    def fail(*args, **kwargs):
        raise error
    return fail
