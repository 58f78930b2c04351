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

"""Failure notifications on a real RabbitMQ (127.0.0.1:5672, guest).

A conductor-like service records a failed resize through the recording
library (``record_action_start``, then an ``EventReporter`` whose block
raises a NoValidHost-like library exception, then the instance fault);
a consumer reads both versioned notifications from the bus. Each test
uses its own exchange and topic, deleted afterwards, so runs never see
each other's messages.

Skipped when RabbitMQ is unreachable, unless
``NOVA_FAULTS_REQUIRE_BACKENDS=1`` (CI): then it fails.
"""

import json
import sys
import time

import fixtures
import kombu
from oslo_utils import uuidutils
import testtools

from nova_faults.db import actions as db_actions
from nova_faults.db import api as db_api
from nova_faults.db import faults as db_faults
from nova_faults import exception
from nova_faults import notifications
from nova_faults import recording
from nova_faults.tests import fixtures as nf_fixtures

GLOBAL_ID = 'req-' + uuidutils.generate_uuid()
RECEIVE_TIMEOUT = 20


class NoValidHost(exception.NovaFaultsException):
    msg_fmt = 'No valid host was found. %(reason)s'


def _amqp_url(rabbit_url):
    return 'amqp' + rabbit_url[len('rabbit'):]


class NotificationsTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.deployment = self.useFixture(nf_fixtures.Deployment())
        self.conf = self.deployment.conf
        self.conf.set_override('host', 'conductor-1')
        self.addCleanup(notifications.reset)

    def use_messaging(self, transport_url, **overrides):
        """Send with messagingv2 to our own exchange and topic."""
        from oslo_messaging import opts as messaging_opts
        notifications.register_opts(self.conf)
        for group, opts in messaging_opts.list_opts():
            if group is None:
                # control_exchange, transport_url: oslo.messaging's own.
                self.conf.register_opts(opts)
        suffix = uuidutils.generate_uuid().replace('-', '')[:12]
        self.exchange = 'nova_faults_test_%s' % suffix
        self.topic = 'nova_faults_test_%s' % suffix
        self.conf.set_override('control_exchange', self.exchange)
        self.conf.set_override('driver', ['messagingv2'],
                               group='oslo_messaging_notifications')
        self.conf.set_override('transport_url', transport_url,
                               group='oslo_messaging_notifications')
        self.conf.set_override('versioned_notifications_topics',
                               [self.topic], group='notifications')
        for name, value in overrides.items():
            self.conf.set_override(name, value,
                                   group='oslo_messaging_notifications')

    def record_failed_resize(self):
        """What an API and a conductor record for a resize that failed."""
        instance = self.deployment.create_instance(project_id='demo')
        ctx = self.deployment.context(
            user_id='alice', project_id='demo', cell=0,
            global_request_id=GLOBAL_ID)
        # The API side.
        recording.record_action_start(ctx, instance, 'resize')
        # The conductor side, with its configuration.
        recorder = recording.Recorder(self.conf)
        try:
            with recorder.event_reporter(ctx, 'cold_migrate',
                                         instance['uuid']):
                raise NoValidHost(reason='There are not enough hosts '
                                         'available.')
        except NoValidHost:
            recorder.add_instance_fault_from_exc(
                ctx, instance, sys.exc_info()[1], exc_info=sys.exc_info())
        return ctx, instance


class TestRabbitMQ(NotificationsTestCase):

    def setUp(self):
        super().setUp()
        nf_fixtures.require_rabbitmq()
        self.use_messaging(nf_fixtures.RABBIT_URL)
        self.connection = kombu.Connection(
            _amqp_url(nf_fixtures.RABBIT_URL), connect_timeout=5)
        self.addCleanup(self.connection.release)
        self.addCleanup(self._delete_bus_objects)

    def _delete_bus_objects(self):
        channel = self.connection.channel()
        try:
            channel.queue_delete(self.topic + '.error')
            channel.exchange_delete(self.exchange)
        finally:
            channel.close()

    def receive(self, count):
        """``count`` notifications from our topic's ERROR queue."""
        queue = self.topic + '.error'
        received = []
        channel = self.connection.channel()
        self.addCleanup(channel.close)
        deadline = time.monotonic() + RECEIVE_TIMEOUT
        while len(received) < count and time.monotonic() < deadline:
            message = None
            try:
                message = channel.basic_get(queue=queue, no_ack=True)
            except Exception:
                # The sender creates the queue with its first message.
                channel = self.connection.channel()
                self.addCleanup(channel.close)
            if message is None:
                time.sleep(0.1)
                continue
            envelope = json.loads(message.body)
            # messagingv2: the message itself is a JSON string inside.
            self.assertEqual('2.0', envelope['oslo.version'])
            received.append(json.loads(envelope['oslo.message']))
        self.assertEqual(count, len(received), received)
        return received

    def test_failed_resize_notified(self):
        ctx, instance = self.record_failed_resize()
        event, fault = self.receive(2)

        self.assertEqual('instance.action_event.error', event['event_type'])
        self.assertEqual('ERROR', event['priority'])
        self.assertEqual('nova-faults:conductor-1', event['publisher_id'])
        payload = event['payload']
        self.assertEqual('InstanceActionEventPayload',
                         payload['nova_object.name'])
        self.assertEqual('nova', payload['nova_object.namespace'])
        self.assertEqual('1.0', payload['nova_object.version'])
        data = payload['nova_object.data']
        self.assertEqual(ctx.request_id, data['request_id'])
        self.assertEqual(GLOBAL_ID, data['global_request_id'])
        self.assertEqual(instance['uuid'], data['instance_uuid'])
        self.assertEqual('resize', data['action'])
        self.assertEqual('cold_migrate', data['event'])
        self.assertEqual('Error', data['result'])
        self.assertEqual('No valid host was found. There are not enough '
                         'hosts available.', data['details'])
        self.assertEqual('conductor-1', data['host'])
        self.assertIsNone(data['traceback'])
        self.assertTrue(data['start_time'].endswith('Z'))
        self.assertTrue(data['finish_time'].endswith('Z'))
        # The request context travels with the message, without a token.
        self.assertEqual(GLOBAL_ID, event['_context_global_request_id'])
        self.assertEqual(ctx.request_id, event['_context_request_id'])
        self.assertNotIn('_context_auth_token', event)

        self.assertEqual('instance.fault.create', fault['event_type'])
        self.assertEqual('ERROR', fault['priority'])
        data = fault['payload']['nova_object.data']
        self.assertEqual('InstanceFaultPayload',
                         fault['payload']['nova_object.name'])
        self.assertEqual(500, data['code'])
        self.assertEqual('No valid host was found. There are not enough '
                         'hosts available.', data['message'])
        self.assertIsNone(data['details'])
        self.assertEqual(GLOBAL_ID, data['global_request_id'])
        self.assertTrue(data['created'].endswith('Z'))

    def test_traceback_only_with_include_traceback(self):
        self.conf.set_override('include_traceback', True,
                               group='notifications')
        self.record_failed_resize()
        event, fault = self.receive(2)
        self.assertIn('in record_failed_resize',
                      event['payload']['nova_object.data']['traceback'])
        self.assertIn('Traceback (most recent call last)',
                      fault['payload']['nova_object.data']['details'])


class TestBusDown(NotificationsTestCase):
    """No broker listening: the failure is still recorded."""

    def test_recording_goes_on(self):
        from nova_faults.tests.functional import base
        port = base.free_port()
        self.use_messaging('rabbit://guest:guest@127.0.0.1:%d/' % port,
                           retry=0)
        logs = self.useFixture(fixtures.FakeLogger(level=40))
        ctx, instance = self.record_failed_resize()
        cell_ctx = self.deployment.cell_context(0, ctx)
        action = db_actions.action_get_by_request_id(
            cell_ctx, instance['uuid'], ctx.request_id)
        self.assertEqual('Error', action['message'])
        (event,) = db_actions.action_events_get(cell_ctx, action['id'])
        self.assertEqual('Error', event['result'])
        with db_api.cell_reader(cell_ctx) as conn:
            faults = db_faults.latest_faults(conn, [instance['uuid']])
        self.assertIn('No valid host', faults[instance['uuid']]['message'])
        # oslo.messaging logged that it could not deliver.
        self.assertTrue(logs.output, 'no error logged')
