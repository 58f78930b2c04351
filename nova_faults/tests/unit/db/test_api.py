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

"""The query functions of nova_faults.db.api on a SQLite deployment.

The same behaviour is checked on MariaDB and PostgreSQL by the
functional ``test_db_backends``.
"""

import datetime

from oslo_utils import timeutils
from oslo_utils import uuidutils
import testtools

from nova_faults.db import api as db_api
from nova_faults import exception
from nova_faults.tests import fixtures as nf_fixtures

T0 = datetime.datetime(2026, 1, 2, 3, 4, 5)


def at(seconds):
    return T0 + datetime.timedelta(seconds=seconds)


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
        return db_api.action_start(self.ctx, values)


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
        actions = db_api.actions_get(self.ctx, self.uuid)
        self.assertEqual(['req-4', 'req-3', 'req-2', 'req-1'],
                         self.ids(actions))
        self.assertEqual(1, self.queries.count)

    def test_limit_and_marker_strictly_after(self):
        page = db_api.actions_get(self.ctx, self.uuid, limit=2)
        self.assertEqual(['req-4', 'req-3'], self.ids(page))
        self.queries.reset()
        page = db_api.actions_get(self.ctx, self.uuid, limit=2,
                                  marker='req-3')
        self.assertEqual(['req-2', 'req-1'], self.ids(page))
        self.assertEqual(2, self.queries.count)  # marker + page
        self.assertEqual([], db_api.actions_get(self.ctx, self.uuid,
                                                marker='req-1'))
        self.assertEqual([], db_api.actions_get(self.ctx, self.uuid,
                                                limit=0))

    def test_unknown_marker_is_named(self):
        error = self.assertRaises(exception.MarkerNotFound,
                                  db_api.actions_get, self.ctx, self.uuid,
                                  marker='req-nope')
        self.assertIn('req-nope', error.format_message())
        # A marker of another instance is unknown here.
        self.assertRaises(exception.MarkerNotFound, db_api.actions_get,
                          self.ctx, self.uuid, marker='req-x')

    def test_changes_since_and_before_are_inclusive_on_updated_at(self):
        since = db_api.actions_get(self.ctx, self.uuid,
                                   filters={'changes-since': at(20)})
        self.assertEqual(['req-4', 'req-3', 'req-1'], self.ids(since))
        before = db_api.actions_get(self.ctx, self.uuid,
                                    filters={'changes-before': at(20)})
        self.assertEqual(['req-4', 'req-2'], self.ids(before))
        both = db_api.actions_get(
            self.ctx, self.uuid,
            filters={'changes-since': at(10), 'changes-before': at(50)})
        self.assertEqual(['req-4', 'req-3', 'req-2'], self.ids(both))
        aware = at(20).replace(tzinfo=datetime.timezone.utc)
        self.assertEqual(['req-4', 'req-3', 'req-1'], self.ids(
            db_api.actions_get(self.ctx, self.uuid,
                               filters={'changes-since': aware})))

    def test_marker_with_filters(self):
        page = db_api.actions_get(self.ctx, self.uuid, marker='req-4',
                                  filters={'changes-since': at(20)})
        self.assertEqual(['req-3', 'req-1'], self.ids(page))

    def test_get_by_request_id_newest(self):
        dup = self.action(self.uuid, 'req-2', 40)
        self.assertEqual(dup['id'], db_api.action_get_by_request_id(
            self.ctx, self.uuid, 'req-2')['id'])
        self.assertIsNone(db_api.action_get_by_request_id(
            self.ctx, self.uuid, 'req-none'))

    def test_event_start_and_finish(self):
        event = db_api.action_event_start(self.ctx, {
            'instance_uuid': self.uuid, 'request_id': 'req-2',
            'event': 'compute_reboot', 'start_time': at(60), 'host': 'c1'})
        self.assertEqual(self.a2['id'], event['action_id'])
        action = db_api.action_get_by_request_id(self.ctx, self.uuid,
                                                 'req-2')
        self.assertEqual(at(60), action['updated_at'])
        self.assertIsNone(action['message'])
        db_api.action_event_finish(self.ctx, {
            'instance_uuid': self.uuid, 'request_id': 'req-2',
            'event': 'compute_reboot', 'finish_time': at(70),
            'result': 'Error', 'traceback': 'tb', 'details': 'bad'})
        action = db_api.action_get_by_request_id(self.ctx, self.uuid,
                                                 'req-2')
        self.assertEqual(at(70), action['updated_at'])
        self.assertEqual('Error', action['message'])
        (event,) = db_api.action_events_get(self.ctx, action['id'])
        self.assertEqual(('Error', 'tb', 'bad', 'c1', at(70)),
                         (event['result'], event['traceback'],
                          event['details'], event['host'],
                          event['finish_time']))

    def test_event_success_keeps_message(self):
        for fn, values in ((db_api.action_event_start,
                            {'start_time': at(60)}),
                           (db_api.action_event_finish,
                            {'finish_time': at(61), 'result': 'Success'})):
            values.update(instance_uuid=self.uuid, request_id='req-1',
                          event='e')
            fn(self.ctx, values)
        action = db_api.action_get_by_request_id(self.ctx, self.uuid,
                                                 'req-1')
        self.assertIsNone(action['message'])
        self.assertEqual(at(61), action['updated_at'])

    def test_event_without_action(self):
        user_ctx = self.deployment.context(cell=0)
        self.assertRaises(exception.InstanceActionNotFound,
                          db_api.action_event_start, user_ctx,
                          {'instance_uuid': self.uuid,
                           'request_id': 'req-none', 'event': 'e',
                           'start_time': at(60)})
        self.assertRaises(exception.InstanceActionEventNotFound,
                          db_api.action_event_finish, self.ctx,
                          {'instance_uuid': self.uuid, 'request_id': 'req-1',
                           'event': 'never-started', 'finish_time': at(60),
                           'result': 'Success'})

    def test_no_project_falls_back_to_newest_action(self):
        # A service context (no project) with a new request id: the event
        # goes to the newest action, whose updated_at is left alone.
        service_ctx = self.deployment.admin_context(cell=0)
        self.assertIsNone(service_ctx.project_id)
        event = db_api.action_event_start(service_ctx, {
            'instance_uuid': self.uuid, 'request_id': 'req-restart',
            'event': 'init_host', 'start_time': at(90)})
        self.assertEqual(self.a4['id'], event['action_id'])
        action = db_api.action_get_by_request_id(self.ctx, self.uuid,
                                                 'req-4')
        self.assertEqual(at(20), action['updated_at'])

    def test_events_newest_first(self):
        for n in range(3):
            db_api.action_event_start(self.ctx, {
                'instance_uuid': self.uuid, 'request_id': 'req-1',
                'event': 'e%d' % n, 'start_time': at(n),
                'created_at': at(n)})
        self.queries.reset()
        events = db_api.action_events_get(self.ctx, self.a1['id'])
        self.assertEqual(['e2', 'e1', 'e0'], [e['event'] for e in events])
        self.assertEqual(1, self.queries.count)
        batched = db_api.action_events_get_by_action_ids(
            self.ctx, [self.a1['id'], self.a2['id']])
        self.assertEqual(3, len(batched[self.a1['id']]))
        self.assertEqual([], batched[self.a2['id']])

    def test_read_deleted_actions(self):
        deleted = db_api.instance_get_by_uuid(self.ctx, self.uuid)
        db_api.instance_destroy(self.ctx, deleted['uuid'])
        # Actions survive the instance's deletion (2.21 shows them).
        self.assertEqual(4, len(db_api.actions_get(self.ctx, self.uuid)))


class ActionsTestCase(ActionsTestMixin, DbApiTestBase):
    pass


class FaultsTestMixin:

    def test_latest_fault_batch(self):
        uuids = [self.deployment.create_instance()['uuid'] for _ in range(5)]
        for n, uuid in enumerate(uuids[:4]):
            for code in range(n + 1):
                db_api.instance_fault_create(self.ctx, {
                    'instance_uuid': uuid, 'code': 500 + code,
                    'message': 'm%d' % code, 'created_at': at(code)})
        self.queries.reset()
        faults = db_api.instance_fault_get_by_instance_uuids(
            self.ctx, uuids, latest=True)
        self.assertEqual(1, self.queries.count)
        self.assertIn('max', self.queries.statements[0].lower())
        for n, uuid in enumerate(uuids[:4]):
            (fault,) = faults[uuid]
            self.assertEqual(500 + n, fault['code'])
        self.assertEqual([], faults[uuids[4]])
        every = db_api.instance_fault_get_by_instance_uuids(self.ctx, uuids)
        self.assertEqual([503, 502, 501, 500],
                         [f['code'] for f in every[uuids[3]]])
        self.assertEqual({}, db_api.instance_fault_get_by_instance_uuids(
            self.ctx, []))

    def test_many_instances_fixed_query_count(self):
        uuids = [uuidutils.generate_uuid() for _ in range(1200)]
        self.queries.reset()
        db_api.instance_fault_get_by_instance_uuids(self.ctx, uuids,
                                                    latest=True)
        # Chunks of 500 UUIDs keep IN lists portable: 3 queries for 1200.
        self.assertEqual(3, self.queries.count)


class FaultsTestCase(FaultsTestMixin, DbApiTestBase):
    pass


class InstancesTestMixin:

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

    def test_default_order_and_deleted(self):
        rows = db_api.instance_get_all_by_filters_sort(self.ctx, {})
        self.assertEqual(['gone', 'db-1', 'web-2', 'web-1'],
                         self.names(rows))
        rows = db_api.instance_get_all_by_filters_sort(
            self.ctx, {'deleted': False})
        self.assertEqual(['db-1', 'web-2', 'web-1'], self.names(rows))
        rows = db_api.instance_get_all_by_filters_sort(
            self.ctx, {'deleted': True})
        self.assertEqual(['gone'], self.names(rows))

    def test_filters(self):
        def names(filters, **kwargs):
            return self.names(db_api.instance_get_all_by_filters_sort(
                self.ctx, dict(filters, deleted=False), **kwargs))

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
        self.assertEqual(['web-1'], names({'metadata': {'k': 'v'}}))
        self.assertEqual(['web-2'], names({'changes-since': at(4)}))
        self.assertEqual(['db-1', 'web-1'], names({'changes-before': at(3)}))
        self.assertEqual(['web-2', 'web-1', 'db-1'],
                         names({}, sort_keys=['display_name'],
                               sort_dirs=['desc']))

    def test_user_context_sees_its_project_only(self):
        user = self.deployment.context(project_id='other', cell=0)
        rows = db_api.instance_get_all_by_filters_sort(
            user, {'project_id': 'demo'})
        self.assertEqual(['db-1'], self.names(rows))
        self.assertRaises(exception.InstanceNotFound,
                          db_api.instance_get_by_uuid, user, self.i1['uuid'])
        self.assertEqual(self.i3['uuid'], db_api.instance_get_by_uuid(
            user, self.i3['uuid'])['uuid'])

    def test_read_deleted(self):
        self.assertRaises(exception.InstanceNotFound,
                          db_api.instance_get_by_uuid, self.ctx,
                          self.i4['uuid'])
        row = db_api.instance_get_by_uuid(self.ctx, self.i4['uuid'],
                                          read_deleted='yes')
        self.assertEqual(row['id'], row['deleted'])
        self.assertIsNotNone(row['deleted_at'])
        self.assertEqual(at(4), row['updated_at'])  # kept, as in Nova

    def test_paging(self):
        self.queries.reset()
        page = db_api.instance_get_all_by_filters_sort(self.ctx, {},
                                                       limit=2)
        self.assertEqual(['gone', 'db-1'], self.names(page))
        self.assertEqual(1, self.queries.count)
        page = db_api.instance_get_all_by_filters_sort(
            self.ctx, {}, limit=2, marker=self.i3['uuid'])
        self.assertEqual(['web-2', 'web-1'], self.names(page))
        page = db_api.instance_get_all_by_filters_sort(
            self.ctx, {}, limit=2, marker_values=self.i3)
        self.assertEqual(['web-2', 'web-1'], self.names(page))
        self.assertRaises(exception.MarkerNotFound,
                          db_api.instance_get_all_by_filters_sort,
                          self.ctx, {}, marker=uuidutils.generate_uuid())
        self.assertRaises(exception.InvalidInput,
                          db_api.instance_get_all_by_filters_sort,
                          self.ctx, {}, sort_keys=['nope'])

    def test_satellites_batched(self):
        uuids = [self.i1['uuid'], self.i2['uuid'], self.i3['uuid']]
        self.queries.reset()
        tags = db_api.instance_tags_get_by_instance_uuids(self.ctx, uuids)
        meta = db_api.instance_metadata_get_by_instance_uuids(self.ctx,
                                                              uuids)
        extra = db_api.instance_extra_get_by_instance_uuids(self.ctx, uuids)
        caches = db_api.instance_info_cache_get_by_instance_uuids(self.ctx,
                                                                  uuids)
        bdms = db_api.block_device_mapping_get_all_by_instance_uuids(
            self.ctx, uuids)
        self.assertEqual(5, self.queries.count)
        self.assertEqual({self.i1['uuid']: ['a', 'b'],
                          self.i2['uuid']: ['b']}, tags)
        self.assertEqual({self.i1['uuid']: {'k': 'v'}}, meta)
        self.assertEqual(set(uuids), set(extra))
        self.assertEqual(set(uuids), set(caches))
        self.assertEqual({}, bdms)

    def test_mappings(self):
        mapping = db_api.instance_mapping_get_by_instance_uuid(
            self.ctx, self.i1['uuid'])
        self.assertEqual(self.deployment.cells[0]['uuid'],
                         mapping['cell_mapping']['uuid'])
        found = db_api.instance_mapping_get_not_deleted_by_cell_and_project(
            self.ctx, self.deployment.cells[0]['uuid'], ['demo'])
        self.assertEqual({self.i1['uuid'], self.i2['uuid']},
                         {m['instance_uuid'] for m in found})
        self.assertRaises(exception.InstanceMappingNotFound,
                          db_api.instance_mapping_get_by_instance_uuid,
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
                          db_api.service_create, self.ctx,
                          {'host': 'c1', 'binary': 'nova-compute'})
        self.assertEqual(3, len(db_api.service_get_all(self.ctx)))
        self.assertEqual(['c1', 'c2'], sorted(db_api.service_get_by_hosts(
            self.ctx, ['c1', 'c2', 'c3'])))
        self.assertEqual(s1['id'], db_api.service_get_by_uuid(
            self.ctx, s1['uuid'])['id'])
        updated = db_api.service_update(self.ctx, s1['id'], {
            'disabled': True, 'disabled_reason': 'why'})
        self.assertTrue(updated['disabled'])
        self.assertEqual('compute', s1['topic'])
        before = db_api.service_get(self.ctx, s1['id'])
        beat = db_api.service_heartbeat(self.ctx, s1['id'])
        self.assertEqual(before['report_count'] + 1, beat['report_count'])
        self.assertGreaterEqual(beat['last_seen_up'],
                                before['last_seen_up'])
        db_api.service_destroy(self.ctx, s1['id'])
        self.assertRaises(exception.ServiceNotFound, db_api.service_get,
                          self.ctx, s1['id'])
        deleted = db_api.service_get(
            self.deployment.admin_context(cell=0, read_deleted='yes'),
            s1['id'])
        self.assertEqual(s1['id'], deleted['deleted'])
        # A new live service on the same host and binary is allowed.
        d.create_service(host='c1', host_mapping=False)
        self.assertRaises(exception.ServiceNotFound, db_api.service_destroy,
                          self.ctx, s1['id'])

    def test_report_count_sets_last_seen_up(self):
        s1 = self.deployment.create_service(
            host='c1', last_seen_up=at(0), report_count=1)
        now = timeutils.utcnow()
        row = db_api.service_update(self.ctx, s1['id'], {'report_count': 2})
        self.assertGreaterEqual(row['last_seen_up'], now.replace(
            microsecond=0))
        row = db_api.service_update(self.ctx, s1['id'], {'disabled': True})
        self.assertEqual(2, row['report_count'])

    def test_host_mappings(self):
        self.deployment.create_service(host='c1')
        mapping = db_api.host_mapping_get_by_host(self.ctx, 'c1')
        self.assertEqual('cell1', mapping['cell_mapping']['name'])
        self.assertEqual(['c1'], [m['host'] for m in db_api.
                                  host_mapping_get_all(self.ctx)])
        self.assertRaises(exception.HostMappingNotFound,
                          db_api.host_mapping_get_by_host, self.ctx, 'c9')


class ServicesTestCase(ServicesTestMixin, DbApiTestBase):
    pass
