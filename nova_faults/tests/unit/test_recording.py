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

"""Unit tests of the recording library on a throw-away SQLite cell."""

import sys

import fixtures
from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_utils import uuidutils
import sqlalchemy as sa
import testtools

from nova_faults import conf as nf_conf
from nova_faults import context as nf_context
from nova_faults.db import actions as db_actions
from nova_faults.db import api as db_api
from nova_faults.db import models
from nova_faults import exception
from nova_faults import recording

PROJECT = '6f70656e737461636b20342065766572'


class NoValidHost(exception.NovaFaultsException):
    msg_fmt = 'No valid host was found. %(reason)s'


class HypervisorError(Exception):
    pass


class EmptyMessage(exception.NovaFaultsException):
    def format_message(self):
        return ''


class RecordingTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fixtures.TempDir()).path
        self.conf = cfg.ConfigOpts()
        nf_conf.register_opts(self.conf)
        self.conf([], project='nova-faults', default_config_files=[])
        self.conf.set_override('state_path', tmp)
        self.conf.set_override('host', 'conductor-1')
        self.url = db_api.sqlite_url(self.conf, 'cell1.sqlite')
        self.cell = db_api.get_context_manager(self.conf, self.url)
        models.MainBase.metadata.create_all(self.cell.writer.get_engine())
        self.addCleanup(db_api.dispose, self.url)
        self.ctx = self.context()
        self.instance = uuidutils.generate_uuid()
        self.action = recording.record_action_start(
            self.ctx, self.instance, 'resize')

    def context(self, project_id=PROJECT, request_id=None, user_id='demo'):
        ctx = nf_context.RequestContext(
            user_id=user_id, project_id=project_id, is_admin=False,
            request_id=request_id or 'req-' + uuidutils.generate_uuid())
        ctx.cell = self.cell
        return ctx

    def rows(self, table):
        engine = self.cell.writer.get_engine()
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(
                sa.select(table).order_by(table.c.id)).mappings()]

    def actions(self):
        return self.rows(models.InstanceAction.__table__)

    def events(self):
        return self.rows(models.InstanceActionEvent.__table__)

    def faults(self):
        return self.rows(models.InstanceFault.__table__)


class ActionStartTestCase(RecordingTestCase):

    def test_action_row(self):
        (action,) = self.actions()
        self.assertEqual('resize', action['action'])
        self.assertEqual(self.instance, action['instance_uuid'])
        self.assertEqual(self.ctx.request_id, action['request_id'])
        self.assertEqual('demo', action['user_id'])
        self.assertEqual(PROJECT, action['project_id'])
        self.assertEqual(self.ctx.timestamp, action['start_time'])
        self.assertEqual(self.ctx.timestamp, action['updated_at'])
        self.assertIsNone(action['message'])
        self.assertIsNone(action['finish_time'])
        self.assertEqual(0, action['deleted'])

    def test_one_action_per_instance_and_request(self):
        again = recording.record_action_start(self.ctx, {'uuid':
                                                         self.instance},
                                              'resize')
        self.assertEqual(self.action['id'], again['id'])
        self.assertEqual(1, len(self.actions()))

    def test_instance_as_object(self):
        class Instance:
            uuid = uuidutils.generate_uuid()
        recording.record_action_start(self.ctx, Instance(), 'stop')
        self.assertEqual(Instance.uuid, self.actions()[1]['instance_uuid'])


class EventReporterTestCase(RecordingTestCase):

    def test_success(self):
        with recording.EventReporter(self.ctx, 'compute_stop_instance',
                                     'compute-1', self.instance) as rep:
            self.assertIsInstance(rep, recording.EventReporter)
            (event,) = self.events()
            self.assertIsNone(event['result'])
            self.assertIsNone(event['finish_time'])
            self.assertEqual(event['start_time'],
                             self.actions()[0]['updated_at'])
        (event,) = self.events()
        self.assertEqual('compute_stop_instance', event['event'])
        self.assertEqual('Success', event['result'])
        self.assertEqual('compute-1', event['host'])
        self.assertEqual(self.action['id'], event['action_id'])
        self.assertIsNone(event['traceback'])
        self.assertIsNone(event['details'])
        self.assertLessEqual(event['start_time'], event['finish_time'])
        (action,) = self.actions()
        self.assertIsNone(action['message'])
        self.assertEqual(event['finish_time'], action['updated_at'])

    def _fail_cold_migrate(self):
        with recording.EventReporter(self.ctx, 'cold_migrate', 'conductor-1',
                                     self.instance):
            raise NoValidHost(reason='There are not enough hosts '
                                     'available.')

    def test_library_exception(self):
        exc = self.assertRaises(NoValidHost, self._fail_cold_migrate)
        self.assertIn('not enough hosts', str(exc))
        (event,) = self.events()
        self.assertEqual('Error', event['result'])
        self.assertEqual('No valid host was found. There are not enough '
                         'hosts available.', event['details'])
        (action,) = self.actions()
        self.assertEqual('Error', action['message'])
        self.assertEqual(event['finish_time'], action['updated_at'])

    def test_traceback_is_frames_only(self):
        self.assertRaises(NoValidHost, self._fail_cold_migrate)
        tb = self.events()[0]['traceback']
        self.assertTrue(tb.startswith('  File "'), tb)
        self.assertIn('in _fail_cold_migrate\n', tb)
        self.assertIn('raise NoValidHost(', tb)
        self.assertNotIn('Traceback (most recent call last)', tb)
        # No exception line: neither the class nor the message.
        self.assertNotIn('NoValidHost:', tb)
        self.assertNotIn('No valid host was found', tb)
        self.assertTrue(tb.endswith('\n'))

    def test_other_exception_gives_class_name_only(self):
        def fail():
            with recording.EventReporter(self.ctx, 'compute_reboot_instance',
                                         'compute-1', self.instance):
                raise HypervisorError('virsh: /var/lib/secret disk error')
        self.assertRaises(HypervisorError, fail)
        (event,) = self.events()
        self.assertEqual('HypervisorError', event['details'])
        self.assertEqual('Error', event['result'])

    def test_empty_message_gives_no_details(self):
        def fail():
            with recording.EventReporter(self.ctx, 'x', None, self.instance):
                raise EmptyMessage()
        self.assertRaises(EmptyMessage, fail)
        (event,) = self.events()
        self.assertEqual('Error', event['result'])
        self.assertIsNone(event['details'])
        self.assertIsNotNone(event['traceback'])

    def test_details_scrubbed_and_truncated(self):
        def fail():
            with recording.EventReporter(self.ctx, 'x', None, self.instance):
                raise NoValidHost(
                    reason='db mysql://nova:hunter2@db/nova token=abc123 ' +
                    '\u00e9' * 200)
        self.assertRaises(NoValidHost, fail)
        details = self.events()[0]['details']
        self.assertNotIn('hunter2', details)
        self.assertNotIn('abc123', details)
        self.assertIn('mysql://nova:***@db/nova token=***', details)
        self.assertLessEqual(len(details.encode('utf-8')), 255)
        self.assertTrue(details.endswith('\u00e9'))

    def test_failing_event_inside_failing_event(self):
        def migrate_server():
            with recording.EventReporter(self.ctx, 'conductor_migrate_server',
                                         'conductor-1', self.instance):
                self._fail_cold_migrate()

        self.assertRaises(NoValidHost, migrate_server)
        events = {e['event']: e for e in self.events()}
        self.assertEqual({'conductor_migrate_server', 'cold_migrate'},
                         set(events))
        outer = events['conductor_migrate_server']
        inner = events['cold_migrate']
        for event in (outer, inner):
            self.assertEqual('Error', event['result'])
            self.assertEqual('No valid host was found. There are not '
                             'enough hosts available.', event['details'])
        # The outer traceback holds the inner frames and its own.
        self.assertIn('in migrate_server\n', outer['traceback'])
        self.assertNotIn('in migrate_server\n', inner['traceback'])
        self.assertTrue(outer['traceback'].endswith(inner['traceback']))
        (action,) = self.actions()
        self.assertEqual('Error', action['message'])
        # The action's updated_at is the last finish: the outer event's.
        self.assertEqual(outer['finish_time'], action['updated_at'])
        self.assertGreaterEqual(outer['finish_time'], inner['finish_time'])

    def test_several_instances(self):
        other = uuidutils.generate_uuid()
        recording.record_action_start(self.ctx, other, 'resize')
        with recording.EventReporter(self.ctx, 'schedule_instances', 'c',
                                     self.instance, other):
            pass
        self.assertEqual(
            sorted([self.instance, other]),
            sorted(a['instance_uuid'] for a in self.actions()))
        self.assertEqual(2, len(self.events()))

    def test_no_action_at_start_raises(self):
        ctx = self.context()  # another request id, with a project
        reporter = recording.EventReporter(ctx, 'x', None, self.instance,
                                           graceful_exit=True)
        # NOTE: as in Nova, graceful_exit does not cover the start.
        self.assertRaises(exception.InstanceActionNotFound,
                          reporter.__enter__)

    def _delete_action(self):
        engine = self.cell.writer.get_engine()
        table = models.InstanceAction.__table__
        with engine.begin() as conn:
            conn.execute(table.delete())

    def test_action_gone_at_finish_raises(self):
        def run():
            with recording.EventReporter(self.ctx, 'x', None, self.instance):
                self._delete_action()
        self.assertRaises(exception.InstanceActionNotFound, run)

    def test_action_gone_at_finish_replaces_original_error(self):
        def run():
            with recording.EventReporter(self.ctx, 'x', None, self.instance):
                self._delete_action()
                raise HypervisorError()
        self.assertRaises(exception.InstanceActionNotFound, run)

    def _assert_gone_quietly(self):
        # The action was gone at the finish: nothing was finished, and
        # nothing was raised.
        self.assertEqual([], self.actions())
        self.assertEqual(['x'], [e['event'] for e in self.events()])
        self.assertEqual([None], [e['finish_time'] for e in self.events()])

    def test_graceful_exit(self):
        ran = []
        with recording.EventReporter(self.ctx, 'x', None, self.instance,
                                     graceful_exit=True):
            self._delete_action()
            ran.append('block')
        self.assertEqual(['block'], ran)
        self._assert_gone_quietly()

    def test_graceful_exit_swallows_original_error(self):
        # NOTE: Nova's quirk, kept: the block's own exception is lost too.
        ran = []
        with recording.EventReporter(self.ctx, 'x', None, self.instance,
                                     graceful_exit=True):
            self._delete_action()
            ran.append('block')
            raise HypervisorError()
        self.assertEqual(['block'], ran)
        self._assert_gone_quietly()

    def test_graceful_exit_keeps_original_error_with_action(self):
        def run():
            with recording.EventReporter(self.ctx, 'x', None, self.instance,
                                         graceful_exit=True):
                raise HypervisorError()
        self.assertRaises(HypervisorError, run)

    def test_no_project_falls_back_to_newest_action(self):
        ctx = self.context(project_id=None, user_id=None)
        older = self.actions()[0]
        newer_ctx = self.context()
        newer = recording.record_action_start(newer_ctx, self.instance,
                                              'reboot')
        with recording.EventReporter(ctx, 'compute_init_host', 'compute-1',
                                     self.instance):
            pass
        (event,) = self.events()
        self.assertEqual(newer['id'], event['action_id'])
        self.assertEqual('Success', event['result'])
        # The action's updated_at is not touched by such events.
        actions = {a['id']: a for a in self.actions()}
        self.assertEqual(newer_ctx.timestamp,
                         actions[newer['id']]['updated_at'])
        self.assertEqual(older['updated_at'],
                         actions[older['id']]['updated_at'])

    def test_no_project_and_no_action_raises(self):
        ctx = self.context(project_id=None, user_id=None)
        reporter = recording.EventReporter(ctx, 'x', None,
                                           uuidutils.generate_uuid())
        self.assertRaises(exception.InstanceActionNotFound,
                          reporter.__enter__)


class Conductor(recording.Recorder):

    @recording.wrap_instance_event(prefix='conductor')
    def migrate_server(self, context, instance, flavor, fail=False):
        if fail:
            raise NoValidHost(reason='')
        return flavor

    @recording.wrap_instance_event(prefix='conductor', graceful_exit=True)
    def delete(self, context, instance):
        raise HypervisorError()


class WrapInstanceEventTestCase(RecordingTestCase):

    def test_name_host_and_return_value(self):
        conductor = Conductor(self.conf)
        self.assertEqual('m1.small', conductor.migrate_server(
            self.ctx, {'uuid': self.instance}, 'm1.small'))
        (event,) = self.events()
        self.assertEqual('conductor_migrate_server', event['event'])
        self.assertEqual('conductor-1', event['host'])
        self.assertEqual('Success', event['result'])

    def test_instance_as_keyword_and_failure(self):
        conductor = Conductor(host='conductor-9')
        self.assertRaises(NoValidHost, conductor.migrate_server, self.ctx,
                          flavor='m1.small', instance=self.instance,
                          fail=True)
        (event,) = self.events()
        self.assertEqual('conductor-9', event['host'])
        self.assertEqual('Error', event['result'])
        self.assertEqual('No valid host was found. ', event['details'])
        self.assertIn('in decorated_function\n', event['traceback'])
        self.assertIn('in migrate_server\n', event['traceback'])

    def test_wrapped_name_kept(self):
        self.assertEqual('migrate_server', Conductor.migrate_server.__name__)

    def test_no_host_attribute(self):
        class Service:
            @recording.wrap_instance_event('api')
            def lock(self, context, instance):
                pass
        Service().lock(self.ctx, self.instance)
        (event,) = self.events()
        self.assertEqual('api_lock', event['event'])
        self.assertIsNone(event['host'])

    def test_needs_instance_argument(self):
        def no_instance(self, context, server):
            pass
        self.assertRaises(TypeError,
                          recording.wrap_instance_event('compute'),
                          no_instance)


class InstanceFaultTestCase(RecordingTestCase):

    def test_library_exception_without_exc_info(self):
        recording.add_instance_fault_from_exc(
            self.ctx, self.instance, NoValidHost(reason='x'), host='h1')
        (fault,) = self.faults()
        self.assertEqual(500, fault['code'])
        self.assertEqual('No valid host was found. x', fault['message'])
        self.assertEqual('', fault['details'])
        self.assertEqual('h1', fault['host'])
        self.assertEqual(self.instance, fault['instance_uuid'])

    def test_details_with_exc_info_and_500(self):
        try:
            raise HypervisorError('libvirt said password=swordfish no')
        except HypervisorError as exc:
            recording.add_instance_fault_from_exc(
                self.ctx, self.instance, exc, exc_info=sys.exc_info())
        (fault,) = self.faults()
        self.assertEqual(500, fault['code'])
        self.assertEqual('HypervisorError', fault['message'])
        details = fault['details']
        self.assertTrue(details.startswith(
            'Traceback (most recent call last):\n'), details)
        # The full exception (with its text, scrubbed) is in the details.
        self.assertIn('HypervisorError: libvirt said password=*** no',
                      details)
        self.assertNotIn('swordfish', details)

    def test_exc_info_true_means_current(self):
        try:
            raise HypervisorError('boom')
        except HypervisorError as exc:
            recording.add_instance_fault_from_exc(
                self.ctx, self.instance, exc, exc_info=True)
        self.assertIn('HypervisorError: boom', self.faults()[0]['details'])

    def test_no_details_for_non_500(self):
        try:
            raise exception.InstanceNotFound(instance_id='x')
        except exception.InstanceNotFound as exc:
            recording.add_instance_fault_from_exc(
                self.ctx, self.instance, exc, exc_info=sys.exc_info())
        (fault,) = self.faults()
        self.assertEqual(404, fault['code'])
        self.assertEqual('Instance x could not be found.', fault['message'])
        self.assertEqual('', fault['details'])

    def test_fault_message_overrides(self):
        recording.add_instance_fault_from_exc(
            self.ctx, self.instance, HypervisorError('secret'),
            fault_message='Build of instance aborted: token=abc')
        (fault,) = self.faults()
        self.assertEqual('Build of instance aborted: token=***',
                         fault['message'])

    def test_message_truncated(self):
        recording.add_instance_fault_from_exc(
            self.ctx, self.instance, NoValidHost(reason='\u00e9' * 300))
        message = self.faults()[0]['message']
        self.assertLessEqual(len(message.encode('utf-8')), 255)
        self.assertGreater(len(message.encode('utf-8')), 252)

    def test_recorder_host(self):
        recorder = recording.Recorder(self.conf)
        recorder.add_instance_fault_from_exc(self.ctx, self.instance,
                                             NoValidHost(reason=''))
        self.assertEqual('conductor-1', self.faults()[0]['host'])

    def test_default_host(self):
        recording.add_instance_fault_from_exc(self.ctx, self.instance,
                                              NoValidHost(reason=''))
        self.assertTrue(self.faults()[0]['host'])

    def test_faults_accumulate(self):
        for i in range(3):
            recording.add_instance_fault_from_exc(
                self.ctx, self.instance, NoValidHost(reason=str(i)))
        self.assertEqual(3, len(self.faults()))


class RecorderTestCase(RecordingTestCase):

    def test_event_reporter_uses_host(self):
        recorder = recording.Recorder(self.conf)
        self.assertEqual(self.action['id'], recorder.record_action_start(
            self.ctx, self.instance, 'resize')['id'])
        with recorder.event_reporter(self.ctx, 'cold_migrate',
                                     self.instance):
            pass
        self.assertEqual('conductor-1', self.events()[0]['host'])


class DeadlockTestCase(RecordingTestCase):
    """Event start and finish are retried when the database deadlocks."""

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.MockPatch('oslo_db.api.time.sleep'))
        real = db_actions._event_action
        self.calls = []

        def flaky(conn, ctx, values):
            self.calls.append(values.get('finish_time') is None)
            if len(self.calls) in (1, 3):
                raise db_exc.DBDeadlock()
            return real(conn, ctx, values)
        self.useFixture(fixtures.MonkeyPatch(
            'nova_faults.db.actions._event_action', flaky))

    def test_retried(self):
        with recording.EventReporter(self.ctx, 'x', 'h', self.instance):
            pass
        # start: deadlock, retry; finish: deadlock, retry.
        self.assertEqual(4, len(self.calls))
        (event,) = self.events()
        self.assertEqual('Success', event['result'])
