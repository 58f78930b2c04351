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

"""The query functions of nova_faults.db on a SQLite deployment.

The same behaviour is checked on MariaDB and PostgreSQL by the
functional ``test_db_backends``.
"""

import datetime

import fixtures
import hypothesis
from hypothesis import given
from hypothesis import strategies as st
from oslo_utils import timeutils
from oslo_utils import uuidutils
import testtools

from nova_faults.api import server_query
from nova_faults.db import actions as db_actions
from nova_faults.db import api as db_api
from nova_faults.db import faults as db_faults
from nova_faults.db import instances as db_instances
from nova_faults.db import mappings as db_mappings
from nova_faults.db import servers as db_servers
from nova_faults.db import services as db_services
from nova_faults import exception
from nova_faults.objects import instance as instance_obj
from nova_faults.objects import instance_list
from nova_faults.tests import fixtures as nf_fixtures
from nova_faults.tests import hypothesis_profiles

T0 = datetime.datetime(2026, 1, 2, 3, 4, 5)


def at(seconds):
    return T0 + datetime.timedelta(seconds=seconds)


# Server list filters as the API passes them to the database layer.
_PAGE_FILTERS = st.fixed_dictionaries({}, optional={
    'deleted': st.booleans(),
    'display_name': st.sampled_from(['web', 'db', '1$', '^w', '']),
    'host': st.one_of(st.sampled_from(['c1', 'c2', 'c3']),
                      st.lists(st.sampled_from(['c1', 'c2']), max_size=2)),
    'project_id': st.sampled_from(['demo', 'other', ['demo', 'other']]),
    'tags': st.lists(st.sampled_from(['a', 'b', 'c']), min_size=1,
                     max_size=2),
    'tags-any': st.lists(st.sampled_from(['a', 'b']), min_size=1,
                         max_size=2),
    'not-tags': st.lists(st.sampled_from(['a', 'b']), min_size=1,
                         max_size=2),
    'changes-since': st.integers(0, 6).map(at),
    'changes-before': st.integers(0, 6).map(at),
    'locked': st.booleans(),
})


class DbApiTestBase(testtools.TestCase):

    cells = ('sqlite',)
    api = 'sqlite'

    def setUp(self):
        super().setUp()
        self.deployment = self.useFixture(nf_fixtures.Deployment(
            cells=self.cells, api=self.api))
        self.ctx = self.deployment.admin_context(cell=0)
        self.queries = self.useFixture(nf_fixtures.QueryCounter(
            self.deployment))

    def action(self, instance_uuid, request_id, created, updated=None,
               **values):
        values.update(instance_uuid=instance_uuid, request_id=request_id,
                      action=values.get('action', 'reboot'),
                      project_id='demo', user_id='demo',
                      start_time=at(created), created_at=at(created),
                      updated_at=at(updated if updated is not None
                                    else created))
        return db_actions.action_start(self.ctx, values)


class ActionsTestMixin:

    def setUp(self):
        super().setUp()
        self.uuid = self.deployment.create_instance()['uuid']
        # Two actions share a created_at: id breaks the tie.
        self.a1 = self.action(self.uuid, 'req-1', 0, 100)
        self.a2 = self.action(self.uuid, 'req-2', 10, 10)
        self.a3 = self.action(self.uuid, 'req-3', 10, 50)
        self.a4 = self.action(self.uuid, 'req-4', 20, 20)
        other = self.deployment.create_instance()['uuid']
        self.action(other, 'req-x', 30)

    def ids(self, actions):
        return [a['request_id'] for a in actions]

    def test_order_newest_first_id_tiebreak(self):
        self.queries.reset()
        actions = db_actions.actions_get(self.ctx, self.uuid)
        self.assertEqual(['req-4', 'req-3', 'req-2', 'req-1'],
                         self.ids(actions))
        self.assertEqual(1, self.queries.count)

    def test_limit_and_marker_strictly_after(self):
        page = db_actions.actions_get(self.ctx, self.uuid, limit=2)
        self.assertEqual(['req-4', 'req-3'], self.ids(page))
        self.queries.reset()
        page = db_actions.actions_get(self.ctx, self.uuid, limit=2,
                                      marker='req-3')
        self.assertEqual(['req-2', 'req-1'], self.ids(page))
        self.assertEqual(2, self.queries.count)  # marker + page
        self.assertEqual([], db_actions.actions_get(self.ctx, self.uuid,
                                                    marker='req-1'))
        self.assertEqual([], db_actions.actions_get(self.ctx, self.uuid,
                                                    limit=0))

    def test_unknown_marker_is_named(self):
        error = self.assertRaises(exception.MarkerNotFound,
                                  db_actions.actions_get, self.ctx, self.uuid,
                                  marker='req-nope')
        self.assertIn('req-nope', error.format_message())
        # A marker of another instance is unknown here.
        self.assertRaises(exception.MarkerNotFound, db_actions.actions_get,
                          self.ctx, self.uuid, marker='req-x')

    def test_changes_since_and_before_are_inclusive_on_updated_at(self):
        since = db_actions.actions_get(self.ctx, self.uuid,
                                       filters={'changes-since': at(20)})
        self.assertEqual(['req-4', 'req-3', 'req-1'], self.ids(since))
        before = db_actions.actions_get(self.ctx, self.uuid,
                                        filters={'changes-before': at(20)})
        self.assertEqual(['req-4', 'req-2'], self.ids(before))
        both = db_actions.actions_get(
            self.ctx, self.uuid,
            filters={'changes-since': at(10), 'changes-before': at(50)})
        self.assertEqual(['req-4', 'req-3', 'req-2'], self.ids(both))
        aware = at(20).replace(tzinfo=datetime.timezone.utc)
        self.assertEqual(['req-4', 'req-3', 'req-1'], self.ids(
            db_actions.actions_get(self.ctx, self.uuid,
                                   filters={'changes-since': aware})))

    def test_marker_with_filters(self):
        page = db_actions.actions_get(self.ctx, self.uuid, marker='req-4',
                                      filters={'changes-since': at(20)})
        self.assertEqual(['req-3', 'req-1'], self.ids(page))

    def test_get_by_request_id_newest(self):
        dup = self.action(self.uuid, 'req-2', 40)
        self.assertEqual(dup['id'], db_actions.action_get_by_request_id(
            self.ctx, self.uuid, 'req-2')['id'])
        self.assertIsNone(db_actions.action_get_by_request_id(
            self.ctx, self.uuid, 'req-none'))

    def test_event_start_and_finish(self):
        event = db_actions.action_event_start(self.ctx, {
            'instance_uuid': self.uuid, 'request_id': 'req-2',
            'event': 'compute_reboot', 'start_time': at(60), 'host': 'c1'})
        self.assertEqual(self.a2['id'], event['action_id'])
        action = db_actions.action_get_by_request_id(self.ctx, self.uuid,
                                                     'req-2')
        self.assertEqual(at(60), action['updated_at'])
        self.assertIsNone(action['message'])
        db_actions.action_event_finish(self.ctx, {
            'instance_uuid': self.uuid, 'request_id': 'req-2',
            'event': 'compute_reboot', 'finish_time': at(70),
            'result': 'Error', 'traceback': 'tb', 'details': 'bad'})
        action = db_actions.action_get_by_request_id(self.ctx, self.uuid,
                                                     'req-2')
        self.assertEqual(at(70), action['updated_at'])
        self.assertEqual('Error', action['message'])
        (event,) = db_actions.action_events_get(self.ctx, action['id'])
        self.assertEqual(('Error', 'tb', 'bad', 'c1', at(70)),
                         (event['result'], event['traceback'],
                          event['details'], event['host'],
                          event['finish_time']))

    def test_event_success_keeps_message(self):
        for fn, values in ((db_actions.action_event_start,
                            {'start_time': at(60)}),
                           (db_actions.action_event_finish,
                            {'finish_time': at(61), 'result': 'Success'})):
            values.update(instance_uuid=self.uuid, request_id='req-1',
                          event='e')
            fn(self.ctx, values)
        action = db_actions.action_get_by_request_id(self.ctx, self.uuid,
                                                     'req-1')
        self.assertIsNone(action['message'])
        self.assertEqual(at(61), action['updated_at'])

    def test_event_without_action(self):
        user_ctx = self.deployment.context(cell=0)
        self.assertRaises(exception.InstanceActionNotFound,
                          db_actions.action_event_start, user_ctx,
                          {'instance_uuid': self.uuid,
                           'request_id': 'req-none', 'event': 'e',
                           'start_time': at(60)})
        self.assertRaises(exception.InstanceActionEventNotFound,
                          db_actions.action_event_finish, self.ctx,
                          {'instance_uuid': self.uuid, 'request_id': 'req-1',
                           'event': 'never-started', 'finish_time': at(60),
                           'result': 'Success'})

    def test_no_project_falls_back_to_newest_action(self):
        # A service context (no project) with a new request id: the event
        # goes to the newest action, whose updated_at is left alone.
        service_ctx = self.deployment.admin_context(cell=0)
        self.assertIsNone(service_ctx.project_id)
        event = db_actions.action_event_start(service_ctx, {
            'instance_uuid': self.uuid, 'request_id': 'req-restart',
            'event': 'init_host', 'start_time': at(90)})
        self.assertEqual(self.a4['id'], event['action_id'])
        action = db_actions.action_get_by_request_id(self.ctx, self.uuid,
                                                     'req-4')
        self.assertEqual(at(20), action['updated_at'])

    def test_events_newest_first(self):
        for n in range(3):
            db_actions.action_event_start(self.ctx, {
                'instance_uuid': self.uuid, 'request_id': 'req-1',
                'event': 'e%d' % n, 'start_time': at(n),
                'created_at': at(n)})
        self.queries.reset()
        events = db_actions.action_events_get(self.ctx, self.a1['id'])
        self.assertEqual(['e2', 'e1', 'e0'], [e['event'] for e in events])
        self.assertEqual(1, self.queries.count)
        self.assertEqual([], db_actions.action_events_get(self.ctx,
                                                          self.a2['id']))

    def test_read_deleted_actions(self):
        deleted = instance_obj.Instance.get_by_uuid(self.ctx, self.uuid)
        db_instances.instance_destroy(self.ctx, deleted['uuid'])
        # Actions survive the instance's deletion (2.21 shows them).
        self.assertEqual(4, len(db_actions.actions_get(self.ctx, self.uuid)))


class ActionsTestCase(ActionsTestMixin, DbApiTestBase):
    pass


class FaultsTestMixin:

    def test_latest_fault_batch(self):
        uuids = [self.deployment.create_instance()['uuid'] for _ in range(5)]
        for n, uuid in enumerate(uuids[:4]):
            for code in range(n + 1):
                db_faults.instance_fault_create(self.ctx, {
                    'instance_uuid': uuid, 'code': 500 + code,
                    'message': 'm%d' % code, 'created_at': at(code)})
        self.queries.reset()
        with db_api.cell_reader(self.ctx) as conn:
            faults = db_faults.latest_faults(conn, uuids)
            self.assertEqual({}, db_faults.latest_faults(conn, []))
        self.assertEqual(1, self.queries.count)
        self.assertIn('max', self.queries.statements[0].lower())
        for n, uuid in enumerate(uuids[:4]):
            self.assertEqual(500 + n, faults[uuid]['code'])
        self.assertNotIn(uuids[4], faults)

    def test_a_page_of_instances_costs_one_query(self):
        uuids = [uuidutils.generate_uuid() for _ in range(1200)]
        self.queries.reset()
        with db_api.cell_reader(self.ctx) as conn:
            self.assertEqual({}, db_faults.latest_faults(conn, uuids))
        self.assertEqual(1, self.queries.count)


class FaultsTestCase(FaultsTestMixin, DbApiTestBase):
    pass


class InstancesTestMixin:
    """The instance reads of the API (the list query and its loaders)."""

    def setUp(self):
        super().setUp()
        d = self.deployment
        self.i1 = d.create_instance(display_name='web-1', host='c1',
                                    created_at=at(1), updated_at=at(1),
                                    tags=['a', 'b'], metadata={'k': 'v'})
        self.i2 = d.create_instance(display_name='web-2', host='c2',
                                    created_at=at(2), updated_at=at(5),
                                    tags=['b'])
        self.i3 = d.create_instance(display_name='db-1', host='c1',
                                    project_id='other', created_at=at(3),
                                    updated_at=at(3))
        self.i4 = d.create_instance(display_name='gone', created_at=at(4),
                                    updated_at=at(4), deleted=True)

    def names(self, rows):
        return [r['display_name'] for r in rows]

    def page(self, filters, sort_keys=('created_at',), sort_dirs=('desc',),
             limit=None, marker=None, ctx=None):
        keys, dirs = server_query.sort_params(list(sort_keys),
                                              list(sort_dirs))
        rows, failed = instance_list.InstanceList.get_page(
            ctx or self.ctx, self.deployment.conf, self.deployment.cells,
            filters, keys, dirs, limit=limit, marker=marker)
        self.assertEqual({}, failed)
        return self.names(rows)

    def test_default_order_and_deleted(self):
        self.assertEqual(['gone', 'db-1', 'web-2', 'web-1'], self.page({}))
        self.assertEqual(['db-1', 'web-2', 'web-1'],
                         self.page({'deleted': False}))
        self.assertEqual(['gone'], self.page({'deleted': True}))

    def test_filters(self):
        def names(filters, **kwargs):
            return self.page(dict(filters, deleted=False), **kwargs)

        self.assertEqual(['web-2', 'web-1'], names({'display_name': 'web'}))
        self.assertEqual(['db-1', 'web-1'], names({'host': 'c1'}))
        self.assertEqual(['db-1'], names({'project_id': 'other'}))
        self.assertEqual(['db-1', 'web-2'],
                         names({'project_id': ['other', 'demo'],
                                'uuid': [self.i2['uuid'], self.i3['uuid']]}))
        self.assertEqual([], names({'uuid': []}))
        self.assertEqual(['web-1'], names({'tags': ['a', 'b']}))
        self.assertEqual(['web-2', 'web-1'], names({'tags-any': ['a', 'b']}))
        self.assertEqual(['db-1', 'web-2'], names({'not-tags': ['a', 'b']}))
        self.assertEqual(['db-1'], names({'not-tags-any': ['a', 'b']}))
        self.assertEqual(['web-2'], names({'changes-since': at(4)}))
        self.assertEqual(['db-1', 'web-1'], names({'changes-before': at(3)}))
        self.assertEqual(['web-2', 'web-1', 'db-1'],
                         names({}, sort_keys=['display_name'],
                               sort_dirs=['desc']))

    def test_page_statements_kept_per_values(self):
        db_servers._PAGE_STATEMENTS.clear()
        built = self.useFixture(fixtures.MockPatchObject(
            db_servers, '_build_page_statement',
            wraps=db_servers._build_page_statement)).mock
        web = {'deleted': False, 'display_name': 'web'}
        self.assertEqual(['web-2', 'web-1'], self.page(web))
        self.assertEqual(1, built.call_count)
        # Asked again (another request, another cell): not built again.
        self.assertEqual(['web-2', 'web-1'], self.page(dict(web)))
        self.assertEqual(1, built.call_count)
        # Another value is another select.
        self.assertEqual(['db-1'], self.page(dict(web, display_name='db')))
        self.assertEqual(2, built.call_count)
        # Equal in Python, not in SQL: 1 is not True ("1" and "True"
        # as regular expressions).
        self.assertEqual(['db-1', 'web-1'],
                         self.page({'deleted': False, 'display_name': 1}))
        self.assertEqual([], self.page({'deleted': False,
                                        'display_name': True}))
        self.assertEqual(4, built.call_count)
        # A value that cannot be a key is built each time.
        count = built.call_count

        class Web:
            __hash__ = None

            def __str__(self):
                return 'web'

        for _twice in range(2):
            self.assertEqual(['web-2', 'web-1'],
                             self.page({'deleted': False,
                                        'display_name': Web()}))
        self.assertEqual(count + 2, built.call_count)

    def test_page_statements_are_bounded(self):
        db_servers._PAGE_STATEMENTS.clear()
        self.useFixture(fixtures.MockPatchObject(
            db_servers, 'MAX_PAGE_STATEMENTS', 3))
        for number in range(5):
            self.page({'display_name': 'web-%d' % number})
        self.assertEqual(3, len(db_servers._PAGE_STATEMENTS))

    @hypothesis_profiles.seeded
    @hypothesis_profiles.settings(
        max_examples=60,
        suppress_health_check=[
            # The deployment is made once per test, not per example:
            # the examples only read it.
            hypothesis.HealthCheck.function_scoped_fixture])
    @given(filters=_PAGE_FILTERS, sort=st.sampled_from(
        [('created_at', 'desc'), ('display_name', 'asc'),
         ('host', 'desc')]), limit=st.sampled_from([None, 1, 3]),
        marker=st.booleans())
    def test_kept_page_statements_find_what_a_new_one_finds(
            self, filters, sort, limit, marker):
        keys, dirs = server_query.sort_params([sort[0]], [sort[1]])
        marker_row = None
        if marker:
            marker_row = {key: self.i2[key] for key in keys}
        with db_api.cell_reader(self.ctx) as conn:
            fresh = db_servers._build_page_statement(
                conn.dialect.name, filters, keys, dirs, limit, marker_row,
                True)
            expected = ([] if fresh is None else
                        [row.uuid for row in conn.execute(fresh)])
            for _twice in range(2):
                got = db_servers.instance_list(conn, filters, keys, dirs,
                                               limit, marker_row)
                self.assertEqual(expected, [row['uuid'] for row in got])

    def test_user_context_finds_its_project_only(self):
        user = self.deployment.context(project_id='other', cell=0)
        self.assertRaises(exception.InstanceNotFound,
                          instance_obj.Instance.get_by_uuid, user,
                          self.i1['uuid'])
        self.assertEqual(self.i3['uuid'], instance_obj.Instance.get_by_uuid(
            user, self.i3['uuid'])['uuid'])

    def test_read_deleted(self):
        self.assertRaises(exception.InstanceNotFound,
                          instance_obj.Instance.get_by_uuid, self.ctx,
                          self.i4['uuid'])
        row = instance_obj.Instance.get_by_uuid(self.ctx, self.i4['uuid'],
                                                read_deleted='yes')
        self.assertEqual(row['id'], row['deleted'])
        self.assertIsNotNone(row['deleted_at'])
        self.assertEqual(at(4), row['updated_at'])  # kept, as in Nova

    def test_paging(self):
        self.queries.reset()
        self.assertEqual(['gone', 'db-1'], self.page({}, limit=2))
        self.assertEqual(1, self.queries.count)
        self.assertEqual(['web-2', 'web-1'],
                         self.page({}, limit=2, marker=self.i3['uuid']))
        self.assertRaises(exception.MarkerNotFound, self.page, {},
                          marker=uuidutils.generate_uuid())

    def test_related_rows_batched(self):
        rows = [self.i1, self.i2, self.i3]
        related = instance_list.Related(
            faults=True, metadata=True, system_metadata=(['k'], None),
            tags=True, bdms=True, services=True)
        self.queries.reset()
        with db_api.cell_reader(self.ctx) as conn:
            data = instance_list.related_rows(conn, 'cell', rows, related)
        self.assertEqual(6, self.queries.count)
        self.assertEqual({self.i1['uuid']: ['a', 'b'],
                          self.i2['uuid']: ['b']}, data['tags'])
        self.assertEqual({self.i1['uuid']: {'k': 'v'}}, data['metadata'])
        self.assertEqual({}, data['bdms'])
        self.assertEqual({}, data['faults'])

    @hypothesis_profiles.seeded
    @hypothesis_profiles.settings(
        max_examples=25,
        suppress_health_check=[
            hypothesis.HealthCheck.function_scoped_fixture])
    @given(picks=st.lists(st.integers(0, 4), min_size=1, max_size=5),
           keys=st.sampled_from([None, ('k',), ('k', 'image_a')]))
    def test_related_rows_of_one_server_as_of_several(self, picks, keys):
        # One server's related rows are selected with "=", several
        # servers' with "IN": the rows of each server are the same.
        if not getattr(self, '_related_seeded', False):
            self._related_seeded = True
            for uuid, code in ((self.i1['uuid'], 500), (self.i1['uuid'], 404),
                               (self.i3['uuid'], 409)):
                db_faults.instance_fault_create(self.ctx, {
                    'instance_uuid': uuid, 'code': code, 'message': 'm',
                    'details': '', 'host': 'c1'})
            self.deployment.create_service(host='c1')
            self.deployment.create_service(host='c2', host_mapping=False)
            self.i5 = self.deployment.create_instance(
                display_name='sys', host='c2', created_at=at(5),
                updated_at=at(5), system_metadata={'k': '1', 'image_a': 'b',
                                                   'other': 'c'})
        servers = [self.i1, self.i2, self.i3, self.i4, self.i5]
        rows = [servers[pick] for pick in dict.fromkeys(picks)]
        related = instance_list.Related(
            faults=True, metadata=True, system_metadata=(keys, 'image_'),
            tags=True, bdms=True, services=True)
        with db_api.cell_reader(self.ctx) as conn:
            together = instance_list.related_rows(conn, 'cell', rows, related)
            apart = {kind: {} for kind in together}
            for row in rows:
                for kind, values in instance_list.related_rows(
                        conn, 'cell', [row], related).items():
                    apart[kind].update(values)
        self.assertEqual(apart, together)
        self.assertTrue(together['faults'] or together['tags'] or
                        together['system_metadata'] or
                        together['services'] or
                        set(picks) <= {3})
        if self.i1 in rows:
            # The newest of its faults.
            self.assertEqual(404, together['faults'][self.i1['uuid']]['code'])

    @hypothesis_profiles.seeded
    @hypothesis_profiles.settings(
        max_examples=20,
        suppress_health_check=[
            hypothesis.HealthCheck.function_scoped_fixture])
    @given(key=st.sampled_from(['k', 'K', 'k%', 'image_a', 'other', 'none']),
           prefix=st.sampled_from([None, 'image_', 'k']),
           picks=st.lists(st.integers(0, 2), min_size=1, max_size=3))
    def test_system_metadata_of_one_key(self, key, prefix, picks):
        # One key is selected with "=", several with "IN": one key alone
        # selects what it selects among others that match nothing.
        if not getattr(self, '_sysmeta_seeded', False):
            self._sysmeta_seeded = True
            self.sysmeta_servers = [self.deployment.create_instance(
                display_name='sys%d' % i, system_metadata=values)
                for i, values in enumerate((
                    {'k': '1', 'image_a': 'b', 'other': 'c'},
                    {'K': '2', 'k%': '3'}, {}))]
        uuids = [self.sysmeta_servers[pick]['uuid']
                 for pick in dict.fromkeys(picks)]
        with db_api.cell_reader(self.ctx) as conn:
            alone = db_servers.system_metadata(conn, uuids, keys=[key],
                                               prefix=prefix)
            among = db_servers.system_metadata(
                conn, uuids, keys=[key, 'absent-1', 'absent-2'],
                prefix=prefix)
        self.assertEqual(among, alone)
        if key == 'k' and self.sysmeta_servers[0]['uuid'] in uuids:
            self.assertEqual('1', alone[self.sysmeta_servers[0]['uuid']]['k'])

    def test_mappings(self):
        mapping = db_mappings.instance_mapping_get_by_instance_uuid(
            self.ctx, self.i1['uuid'])
        self.assertEqual(self.deployment.cells[0]['uuid'],
                         mapping['cell_mapping']['uuid'])
        not_deleted = (
            db_mappings.instance_mapping_get_not_deleted_by_cell_and_project)
        found = not_deleted(
            self.ctx, self.deployment.cells[0]['uuid'], ['demo'])
        self.assertEqual({self.i1['uuid'], self.i2['uuid']},
                         {m['instance_uuid'] for m in found})
        self.assertRaises(exception.InstanceMappingNotFound,
                          db_mappings.instance_mapping_get_by_instance_uuid,
                          self.ctx, uuidutils.generate_uuid())


class InstancesTestCase(InstancesTestMixin, DbApiTestBase):
    pass


class ServicesTestMixin:

    def test_crud(self):
        d = self.deployment
        s1 = d.create_service(host='c1')
        d.create_service(host='c2')
        d.create_service(host='c1', binary='nova-conductor')
        self.assertRaises(exception.ServiceBinaryExists,
                          db_services.service_create, self.ctx,
                          {'host': 'c1', 'binary': 'nova-compute'})
        self.assertEqual(3, len(db_services.service_get_all(self.ctx)))
        with db_api.cell_reader(self.ctx) as conn:
            self.assertEqual(['c1', 'c2'], sorted(
                db_services.compute_services(conn, ['c1', 'c2', 'c3'])))
        self.assertEqual(s1['id'], db_services.service_get_by_uuid(
            self.ctx, s1['uuid'])['id'])
        updated = db_services.service_update(self.ctx, s1['id'], {
            'disabled': True, 'disabled_reason': 'why'})
        self.assertTrue(updated['disabled'])
        self.assertEqual('compute', s1['topic'])
        before = db_services.service_get(self.ctx, s1['id'])
        beat = db_services.service_heartbeat(self.ctx, s1['id'])
        self.assertEqual(before['report_count'] + 1, beat['report_count'])
        self.assertGreaterEqual(beat['last_seen_up'],
                                before['last_seen_up'])
        db_services.service_destroy(self.ctx, s1['id'])
        self.assertRaises(exception.ServiceNotFound, db_services.service_get,
                          self.ctx, s1['id'])
        deleted = db_services.service_get(
            self.deployment.admin_context(cell=0, read_deleted='yes'),
            s1['id'])
        self.assertEqual(s1['id'], deleted['deleted'])
        # A new live service on the same host and binary is allowed.
        d.create_service(host='c1', host_mapping=False)
        self.assertRaises(exception.ServiceNotFound,
                          db_services.service_destroy,
                          self.ctx, s1['id'])

    def test_report_count_sets_last_seen_up(self):
        s1 = self.deployment.create_service(
            host='c1', last_seen_up=at(0), report_count=1)
        now = timeutils.utcnow()
        row = db_services.service_update(
            self.ctx, s1['id'], {'report_count': 2})
        self.assertGreaterEqual(row['last_seen_up'], now.replace(
            microsecond=0))
        row = db_services.service_update(
            self.ctx, s1['id'], {'disabled': True})
        self.assertEqual(2, row['report_count'])

    def test_list_filters(self):
        # Every shape of the (cached) statement against the rows
        # themselves: each filter, each read_deleted, and combinations.
        d = self.deployment
        for host, binary, disabled in (('c1', 'nova-compute', False),
                                       ('c2', 'nova-compute', True),
                                       ('c1', 'nova-conductor', True),
                                       ('c3', 'nova-scheduler', False)):
            d.create_service(host=host, binary=binary, disabled=disabled)
        gone = d.create_service(host='c4', binary='nova-compute')
        db_services.service_destroy(self.ctx, gone['id'])
        every = db_services.service_get_all(
            d.admin_context(cell=0, read_deleted='yes'))
        self.assertEqual(5, len(every))
        keep = {'no': lambda row: not row['deleted'],
                'only': lambda row: bool(row['deleted']),
                'yes': lambda row: True}
        for read_deleted, kept in keep.items():
            ctx = d.admin_context(cell=0, read_deleted=read_deleted)
            for disabled in (None, True, False):
                for host in (None, 'c1', 'c4', 'c9'):
                    for binary in (None, 'nova-compute', 'nova-conductor'):
                        expected = [
                            row['id'] for row in every if kept(row) and
                            disabled in (None, row['disabled']) and
                            host in (None, row['host']) and
                            binary in (None, row['binary'])]
                        found = db_services.service_get_all(
                            ctx, disabled=disabled, host=host,
                            binary=binary)
                        self.assertEqual(
                            expected, [row['id'] for row in found],
                            (read_deleted, disabled, host, binary))

    def test_host_mappings(self):
        self.deployment.create_service(host='c1')
        mapping = db_mappings.host_mapping_get_by_host(self.ctx, 'c1')
        self.assertEqual('cell1', mapping['cell_mapping']['name'])
        self.assertEqual(['c1'], [m['host'] for m in
                                  db_mappings.host_mapping_get_all(self.ctx)])
        cell = self.deployment.cells[0]['uuid']
        self.assertEqual([('c1', cell)], [
            (m['host'], m['cell_uuid'])
            for m in db_mappings.host_mapping_get_all(self.ctx, cell)])
        self.assertEqual([], db_mappings.host_mapping_get_all(
            self.ctx, uuidutils.generate_uuid()))
        self.assertRaises(exception.HostMappingNotFound,
                          db_mappings.host_mapping_get_by_host, self.ctx, 'c9')


class ServicesTestCase(ServicesTestMixin, DbApiTestBase):
    pass
