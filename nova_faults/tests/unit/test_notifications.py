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

"""Unit tests of the failure notifications: payloads, drivers, caching.

The payloads are built from real rows written by the recording library
on a throw-away SQLite cell; the ``log`` driver is read back from the
log it writes.
"""

import datetime
import logging
import sys

import fixtures
from oslo_config import cfg
from oslo_serialization import jsonutils
from oslo_utils import uuidutils
import testtools

from nova_faults import conf as nf_conf
from nova_faults import context as nf_context
from nova_faults.db import actions as db_actions
from nova_faults.db import api as db_api
from nova_faults.db import models
from nova_faults import exception
from nova_faults import notifications
from nova_faults.objects import notification
from nova_faults import recording

PROJECT = '6f70656e737461636b20342065766572'
GLOBAL_ID = 'req-0f2d6e4c-6a55-4b6e-9a51-2c4f0c6d7e8f'
ENVELOPE = {'nova_object.name', 'nova_object.namespace',
            'nova_object.version', 'nova_object.data'}
NOTIFICATION_LOGGER = 'oslo.messaging.notification'


class NoValidHost(exception.NovaFaultsException):
    msg_fmt = 'No valid host was found. %(reason)s'


class HypervisorError(Exception):
    pass


def make_conf(state_path, **overrides):
    conf = cfg.ConfigOpts()
    nf_conf.register_opts(conf)
    conf([], project='nova-faults', default_config_files=[])
    conf.set_override('state_path', state_path)
    conf.set_override('host', 'conductor-1')
    for name, value in overrides.items():
        group, _sep, name = name.rpartition('__')
        conf.set_override(name, value, group=group or None)
    return conf


class NotificationTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.conf = make_conf(self.tmp)
        self.addCleanup(notifications.reset)
        url = db_api.sqlite_url(self.conf, 'cell1.sqlite')
        self.cell = db_api.get_context_manager(self.conf, url)
        models.MainBase.metadata.create_all(self.cell.writer.get_engine())
        self.addCleanup(db_api.dispose, url)
        self.ctx = nf_context.RequestContext(
            user_id='demo', project_id=PROJECT, is_admin=False,
            global_request_id=GLOBAL_ID, auth_token='s3cr3t-token')
        self.ctx.cell = self.cell
        self.instance = uuidutils.generate_uuid()
        recording.record_action_start(self.ctx, self.instance, 'resize')

    def use_log_driver(self, **overrides):
        notifications.register_opts(self.conf)
        self.conf.set_override('driver', ['log'],
                               group='oslo_messaging_notifications')
        # No bus is used by the log driver; the fake transport opens
        # nothing.
        self.conf.set_override('transport_url', 'fake:/',
                               group='oslo_messaging_notifications')
        for name, value in overrides.items():
            self.conf.set_override(name, value, group='notifications')
        return self.useFixture(fixtures.FakeLogger(
            name=NOTIFICATION_LOGGER, level=logging.DEBUG,
            format='%(name)s %(levelname)s %(message)s'))

    def sent(self, logger):
        """The notifications the log driver wrote, as dicts."""
        found = []
        for line in logger.output.splitlines():
            name, level, message = line.split(' ', 2)
            found.append((name, level, jsonutils.loads(message)))
        return found

    def fail_event(self, exc, event='cold_migrate', conf=None,
                   host='conductor-1'):
        try:
            with recording.EventReporter(self.ctx, event, host,
                                         self.instance, conf=conf):
                raise exc
        except type(exc):
            pass

    def event_row(self, **values):
        row = {'event': 'cold_migrate', 'result': 'Error',
               'details': 'No valid host was found. ',
               'traceback': '  File "conductor.py", line 1, in f\n',
               'host': 'conductor-1',
               'start_time': datetime.datetime(2026, 1, 2, 3, 4, 5),
               'finish_time': datetime.datetime(2026, 1, 2, 3, 4, 6)}
        row.update(values)
        return row


class PayloadTestCase(NotificationTestCase):

    def test_event_payload_envelope(self):
        payload = notifications.event_error_payload(
            self.conf, self.ctx, self.instance, self.event_row(),
            action={'action': 'resize', 'request_id': self.ctx.request_id,
                    'user_id': 'demo', 'project_id': PROJECT})
        primitive = payload.notification_primitive()
        self.assertEqual(ENVELOPE, set(primitive))
        self.assertEqual('InstanceActionEventPayload',
                         primitive['nova_object.name'])
        self.assertEqual('nova', primitive['nova_object.namespace'])
        self.assertEqual('1.0', primitive['nova_object.version'])
        self.assertEqual({
            'request_id': self.ctx.request_id,
            'global_request_id': GLOBAL_ID,
            'instance_uuid': self.instance,
            'host': 'conductor-1',
            'action': 'resize',
            'event': 'cold_migrate',
            'result': 'Error',
            'details': 'No valid host was found. ',
            'traceback': None,
            'user_id': 'demo',
            'project_id': PROJECT,
            'start_time': '2026-01-02T03:04:05Z',
            'finish_time': '2026-01-02T03:04:06Z',
        }, primitive['nova_object.data'])

    def test_event_traceback_only_when_configured(self):
        row = self.event_row()
        payload = notifications.event_error_payload(
            self.conf, self.ctx, self.instance, row)
        self.assertIsNone(payload.traceback)
        self.conf.set_override('include_traceback', True,
                               group='notifications')
        payload = notifications.event_error_payload(
            self.conf, self.ctx, self.instance, row)
        self.assertEqual(row['traceback'], payload.traceback)

    def test_event_details_and_traceback_scrubbed(self):
        self.conf.set_override('include_traceback', True,
                               group='notifications')
        payload = notifications.event_error_payload(
            self.conf, self.ctx, self.instance, self.event_row(
                details='connect to rabbit://nova:hunter2@mq failed',
                traceback='    login(password="hunter2")\n'))
        self.assertNotIn('hunter2', payload.details)
        self.assertIn('rabbit://nova:***@mq', payload.details)
        self.assertNotIn('hunter2', payload.traceback)

    def test_event_without_action_uses_context(self):
        payload = notifications.event_error_payload(
            self.conf, self.ctx, self.instance, self.event_row())
        self.assertIsNone(payload.action)
        self.assertEqual(self.ctx.request_id, payload.request_id)
        self.assertEqual(PROJECT, payload.project_id)

    def fault_row(self, exc_info=None, exc=None):
        exc = exc or NoValidHost(reason='password=hunter2')
        return recording.add_instance_fault_from_exc(
            self.ctx, self.instance, exc, exc_info=exc_info,
            host='conductor-1')

    def _raise(self, exc):
        try:
            raise exc
        except Exception:
            return sys.exc_info()

    def test_fault_payload_envelope(self):
        fault = self.fault_row()
        primitive = notifications.instance_fault_payload(
            self.conf, self.ctx, fault).notification_primitive()
        self.assertEqual(ENVELOPE, set(primitive))
        self.assertEqual('InstanceFaultPayload',
                         primitive['nova_object.name'])
        self.assertEqual('nova', primitive['nova_object.namespace'])
        data = primitive['nova_object.data']
        self.assertEqual({
            'request_id': self.ctx.request_id,
            'global_request_id': GLOBAL_ID,
            'instance_uuid': self.instance,
            'host': 'conductor-1',
            'code': 500,
            'message': 'No valid host was found. password=***',
            'details': None,
            'created': fault['created_at'].strftime('%Y-%m-%dT%H:%M:%SZ'),
        }, data)

    def test_fault_details_only_when_configured(self):
        exc = NoValidHost(reason='no hosts')
        fault = self.fault_row(exc_info=self._raise(exc), exc=exc)
        self.assertIn('Traceback (most recent call last)', fault['details'])
        payload = notifications.instance_fault_payload(
            self.conf, self.ctx, fault)
        self.assertIsNone(payload.details)
        self.conf.set_override('include_traceback', True,
                               group='notifications')
        payload = notifications.instance_fault_payload(
            self.conf, self.ctx, fault)
        self.assertEqual(fault['details'], payload.details)

    def test_fault_details_scrubbed(self):
        self.conf.set_override('include_traceback', True,
                               group='notifications')
        fault = {'instance_uuid': self.instance, 'code': 500,
                 'message': 'token=abc', 'host': 'h',
                 'details': 'Traceback...\nError: password=hunter2\n',
                 'created_at': None}
        payload = notifications.instance_fault_payload(
            self.conf, self.ctx, fault)
        self.assertNotIn('hunter2', payload.details)
        self.assertNotIn('abc', payload.message)

    def test_payloads_not_registered(self):
        # Notification payloads are sent, never received: they stay out
        # of the object registry.
        from nova_faults import objects
        self.assertFalse(hasattr(objects, 'InstanceFaultPayload'))
        self.assertTrue(issubclass(notification.InstanceFaultPayload,
                                   notification.NotificationPayloadBase))


class NoopTestCase(NotificationTestCase):

    def test_default_is_noop_and_opens_no_transport(self):
        transport = self.useFixture(fixtures.MockPatch(
            'oslo_messaging.get_notification_transport'))
        self.assertFalse(notifications.is_enabled(self.conf))
        self.assertIsNone(notifications.get_notifier(self.conf))
        recorder = recording.Recorder(self.conf)
        self.assertRaises(NoValidHost, self._fail, recorder)
        self.assertEqual([], transport.mock.call_args_list)
        (event,) = db_actions.action_events_get(self.ctx, self._action_id())
        self.assertEqual('Error', event['result'])

    def _action_id(self):
        return db_actions.action_get_by_request_id(
            self.ctx, self.instance, self.ctx.request_id)['id']

    def _fail(self, recorder):
        with recorder.event_reporter(self.ctx, 'cold_migrate',
                                     self.instance):
            raise NoValidHost(reason='')

    def test_explicit_noop(self):
        notifications.register_opts(self.conf)
        self.conf.set_override('driver', ['noop'],
                               group='oslo_messaging_notifications')
        self.assertFalse(notifications.is_enabled(self.conf))
        self.assertFalse(notifications.notify_event_error(
            self.conf, self.ctx, self.instance, self.event_row()))

    def test_no_conf_no_notification(self):
        self.assertFalse(notifications.notify_event_error(
            None, self.ctx, self.instance, self.event_row()))

    def test_bounded_retry_by_default(self):
        notifications.register_opts(self.conf)
        self.assertEqual(notifications.DEFAULT_RETRY,
                         self.conf.oslo_messaging_notifications.retry)


class LogDriverTestCase(NotificationTestCase):

    def test_failed_event_notified(self):
        logger = self.use_log_driver()
        self.fail_event(NoValidHost(reason='password=hunter2'),
                        conf=self.conf)
        ((name, level, message),) = self.sent(logger)
        self.assertEqual(
            NOTIFICATION_LOGGER + '.instance.action_event.error', name)
        self.assertEqual('ERROR', level)
        self.assertEqual('nova-faults:conductor-1', message['publisher_id'])
        self.assertEqual('instance.action_event.error',
                         message['event_type'])
        self.assertEqual('ERROR', message['priority'])
        payload = message['payload']
        self.assertEqual(ENVELOPE, set(payload))
        data = payload['nova_object.data']
        self.assertEqual('resize', data['action'])
        self.assertEqual('cold_migrate', data['event'])
        self.assertEqual('Error', data['result'])
        self.assertEqual('No valid host was found. password=***',
                         data['details'])
        self.assertIsNone(data['traceback'])
        self.assertEqual(GLOBAL_ID, data['global_request_id'])
        self.assertEqual(self.ctx.request_id, data['request_id'])
        self.assertNotIn('hunter2', logger.output)

    def test_traceback_with_include_traceback(self):
        logger = self.use_log_driver(include_traceback=True)
        self.fail_event(HypervisorError('libvirt said password=hunter2'),
                        conf=self.conf)
        ((_name, _level, message),) = self.sent(logger)
        data = message['payload']['nova_object.data']
        # NOTE: not a library exception: only its class name, as Nova.
        self.assertEqual('HypervisorError', data['details'])
        self.assertIn('in fail_event', data['traceback'])
        self.assertNotIn('hunter2', logger.output)

    def test_success_not_notified(self):
        logger = self.use_log_driver()
        with recording.EventReporter(self.ctx, 'cold_migrate', 'c-1',
                                     self.instance, conf=self.conf):
            pass
        self.assertEqual([], self.sent(logger))

    def test_publisher_is_the_event_host(self):
        logger = self.use_log_driver()
        self.fail_event(NoValidHost(reason=''), conf=self.conf,
                        host='compute-7')
        ((_name, _level, message),) = self.sent(logger)
        self.assertEqual('nova-faults:compute-7', message['publisher_id'])

    def test_fault_notified(self):
        logger = self.use_log_driver()
        recorder = recording.Recorder(self.conf)
        recorder.add_instance_fault_from_exc(
            self.ctx, self.instance, NoValidHost(reason='x'))
        ((name, level, message),) = self.sent(logger)
        self.assertEqual(NOTIFICATION_LOGGER + '.instance.fault.create',
                         name)
        self.assertEqual('instance.fault.create', message['event_type'])
        self.assertEqual('ERROR', message['priority'])
        data = message['payload']['nova_object.data']
        self.assertEqual(500, data['code'])
        self.assertEqual('No valid host was found. x', data['message'])
        self.assertEqual('conductor-1', data['host'])

    def test_wrap_instance_event_uses_self_conf(self):
        logger = self.use_log_driver()

        class Conductor(recording.Recorder):
            @recording.wrap_instance_event(prefix='conductor')
            def migrate_server(self, context, instance):
                raise NoValidHost(reason='')

        self.assertRaises(NoValidHost, Conductor(self.conf).migrate_server,
                          self.ctx, self.instance)
        ((_name, _level, message),) = self.sent(logger)
        self.assertEqual('conductor_migrate_server',
                         message['payload']['nova_object.data']['event'])

    def test_service_context_without_project_finds_action(self):
        logger = self.use_log_driver()
        service_ctx = nf_context.get_admin_context()
        service_ctx.cell = self.cell
        self.ctx = service_ctx
        self.fail_event(NoValidHost(reason=''), conf=self.conf)
        ((_name, _level, message),) = self.sent(logger)
        self.assertEqual('resize',
                         message['payload']['nova_object.data']['action'])


class FailureTestCase(NotificationTestCase):

    def test_notification_failure_never_breaks_recording(self):
        self.use_log_driver()
        logs = self.useFixture(fixtures.FakeLogger(
            name='nova_faults.notifications', level=logging.INFO))
        self.useFixture(fixtures.MockPatch(
            'nova_faults.notifications.event_error_payload',
            side_effect=RuntimeError('boom')))
        self.useFixture(fixtures.MockPatch(
            'nova_faults.notifications.instance_fault_payload',
            side_effect=RuntimeError('boom')))
        recorder = recording.Recorder(self.conf)
        exc = NoValidHost(reason='')
        try:
            with recorder.event_reporter(self.ctx, 'cold_migrate',
                                         self.instance):
                raise exc
        except NoValidHost as raised:
            # The original exception still propagates, unchanged.
            self.assertIs(exc, raised)
        fault = recorder.add_instance_fault_from_exc(
            self.ctx, self.instance, exc)
        self.assertEqual(500, fault['code'])
        action = db_actions.action_get_by_request_id(
            self.ctx, self.instance, self.ctx.request_id)
        self.assertEqual('Error', action['message'])
        self.assertIn('Failed to send the instance.action_event.error',
                      logs.output)
        self.assertIn('Failed to send the instance.fault.create',
                      logs.output)

    def test_import_failure_never_breaks_recording(self):
        logs = self.useFixture(fixtures.FakeLogger(
            name='nova_faults.recording', level=logging.INFO))
        self.useFixture(fixtures.MockPatchObject(
            notifications, 'notify_instance_fault',
            side_effect=ImportError('no oslo.messaging')))
        fault = recording.add_instance_fault_from_exc(
            self.ctx, self.instance, NoValidHost(reason=''),
            conf=self.conf)
        self.assertEqual(500, fault['code'])
        self.assertIn('Could not send a failure notification', logs.output)


class NotifierCacheTestCase(NotificationTestCase):

    def test_one_notifier_per_conf(self):
        self.use_log_driver()
        notifier = notifications.get_notifier(self.conf)
        self.assertIs(notifier, notifications.get_notifier(self.conf))
        self.assertEqual('nova-faults:conductor-1', notifier.publisher_id)
        self.assertEqual(['versioned_notifications'], notifier._topics)
        other = make_conf(self.tmp)
        notifications.register_opts(other)
        other.set_override('driver', ['log'],
                           group='oslo_messaging_notifications')
        other.set_override('transport_url', 'fake:/',
                           group='oslo_messaging_notifications')
        self.assertIsNot(notifier, notifications.get_notifier(other))
        notifications.reset(self.conf)
        self.assertIsNot(notifier, notifications.get_notifier(self.conf))

    def test_context_serializer_drops_token(self):
        values = notifications._context_serializer().serialize_context(
            self.ctx)
        self.assertNotIn('auth_token', values)
        self.assertEqual(GLOBAL_ID, values['global_request_id'])
        self.assertEqual(self.ctx.request_id, values['request_id'])
