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

"""Versioned notifications of failures, through oslo.messaging.

Two notifications, both at priority ``ERROR``, with the payloads of
:mod:`nova_faults.objects.notification` in Nova's ``nova_object.*``
envelope:

* ``instance.action_event.error``: an event of an instance action
  finished with an error (:func:`notify_event_error`);
* ``instance.fault.create``: an instance fault was recorded
  (:func:`notify_instance_fault`).

The recording library calls them when it is given a configuration
(``Recorder(conf)``, or ``conf=``). The publisher is
``nova-faults:<host>``; the topics are ``[notifications]
versioned_notifications_topics``. The driver and the transport come from
``[oslo_messaging_notifications]``: ``messagingv2`` sends to the message
bus (RabbitMQ), ``log`` writes the notification to the log, ``noop`` (and
no driver at all, the default) sends nothing and opens no transport.

Tracebacks (event ``traceback``, fault ``details``) are sent only with
``[notifications] include_traceback``; every text is scrubbed of
credentials. Sending never raises: a failure is logged and the recorded
action goes on.

There is no global configuration: one notifier is built and cached per
``ConfigOpts`` (:func:`get_notifier`); :func:`reset` drops it.
"""

import logging
import threading
import weakref

from nova_faults.db import actions as db_actions
from nova_faults import exception

LOG = logging.getLogger(__name__)

PUBLISHER = 'nova-faults'
EVENT_ERROR = 'instance.action_event.error'
FAULT_CREATE = 'instance.fault.create'
PRIORITY = 'error'

MESSAGING_GROUP = 'oslo_messaging_notifications'
NOOP_DRIVERS = ('noop',)

# NOTE: oslo.messaging retries a notification forever by default
# ([oslo_messaging_notifications] retry = -1), which would hang the
# service recording a failure while the bus is down. Our default, on our
# ConfigOpts only, is a few attempts; an operator may still set -1.
DEFAULT_RETRY = 3

_MESSAGING_OPTS = None
_NOTIFIERS = {}
# NOTE: re-entrant: the weak reference callback of a ConfigOpts may run
# (garbage collection) while this thread holds the lock.
_LOCK = threading.RLock()


# ---------------------------------------------------------------------------
# The notifier of a configuration
# ---------------------------------------------------------------------------


def register_opts(conf):
    """Register oslo.messaging's notification options on ``conf``.

    Done before the driver is read, so that no transport is built when
    notifications are off. Our default for ``retry`` is set here.
    """
    global _MESSAGING_OPTS
    if _MESSAGING_OPTS is None:
        # list_opts() copies every option of oslo.messaging: keep ours.
        from oslo_messaging import opts as messaging_opts
        _MESSAGING_OPTS = [opts for group, opts in messaging_opts.list_opts()
                           if group == MESSAGING_GROUP][0]
    conf.register_opts(_MESSAGING_OPTS, group=MESSAGING_GROUP)
    conf.set_default('retry', DEFAULT_RETRY, group=MESSAGING_GROUP)


def drivers(conf):
    """The configured notification drivers, without ``noop``."""
    register_opts(conf)
    return [name for name in conf.oslo_messaging_notifications.driver
            if name and name not in NOOP_DRIVERS]


def is_enabled(conf):
    """Whether notifications are sent at all (a driver other than noop)."""
    return bool(drivers(conf))


def publisher_id(host):
    return '%s:%s' % (PUBLISHER, host)


def _context_serializer():
    import oslo_messaging

    class ContextSerializer(oslo_messaging.NoOpSerializer):
        """The request context as a dict, without credentials.

        NOTE: unlike Nova's RPC serializer, the token never goes on the
        notification bus: consumers only need the identity and the IDs.
        """

        def serialize_context(self, ctxt):
            if ctxt is None:
                return {}
            values = ctxt.to_dict() if hasattr(ctxt, 'to_dict') else \
                dict(ctxt)
            values.pop('auth_token', None)
            values.pop('service_catalog', None)
            return values

    return ContextSerializer()


def _build_notifier(conf):
    import oslo_messaging
    transport = oslo_messaging.get_notification_transport(conf)
    return oslo_messaging.Notifier(
        transport, publisher_id=publisher_id(conf.host),
        # NOTE: driver=None: the configured list of drivers, all of them.
        driver=None,
        topics=list(conf.notifications.versioned_notifications_topics),
        serializer=_context_serializer())


def get_notifier(conf):
    """The notifier of ``conf``, built once; None when notifications are off.

    Cached per ``ConfigOpts`` object (and forgotten when it goes away).
    """
    if not is_enabled(conf):
        return None
    key = id(conf)
    with _LOCK:
        entry = _NOTIFIERS.get(key)
        if entry is not None and entry[0]() is conf:
            return entry[1]
        notifier = _build_notifier(conf)
        _NOTIFIERS[key] = (weakref.ref(conf, lambda ref: _forget(key)),
                           notifier)
        return notifier


def _forget(key):
    with _LOCK:
        entry = _NOTIFIERS.pop(key, None)
    if entry is not None:
        _cleanup(entry[1])


def _cleanup(notifier):
    try:
        notifier.transport.cleanup()
    except Exception:
        LOG.debug('Error cleaning up a notification transport',
                  exc_info=True)


def reset(conf=None):
    """Drop the cached notifier of ``conf`` (of every conf when None)."""
    with _LOCK:
        if conf is None:
            entries = list(_NOTIFIERS.values())
            _NOTIFIERS.clear()
        else:
            entry = _NOTIFIERS.pop(id(conf), None)
            entries = [entry] if entry is not None else []
    for _ref, notifier in entries:
        _cleanup(notifier)


# ---------------------------------------------------------------------------
# Payloads
# ---------------------------------------------------------------------------


def _scrub(text):
    return exception.scrub_credentials(text) if text else text


def event_error_payload(conf, context, instance_uuid, event, action=None):
    """The payload of a failed event.

    ``event`` is the event row (``event``, ``result``, ``details``,
    ``traceback``, ``host``, ``start_time``, ``finish_time``); ``action``
    the action row, if known.
    """
    from nova_faults.objects import notification
    action = action or {}
    include_traceback = conf.notifications.include_traceback
    return notification.InstanceActionEventPayload(
        request_id=action.get('request_id') or context.request_id,
        global_request_id=context.global_request_id,
        instance_uuid=instance_uuid,
        host=event.get('host'),
        action=action.get('action'),
        event=event['event'],
        result=event.get('result'),
        details=_scrub(event.get('details')),
        traceback=_scrub(event.get('traceback')) if include_traceback
        else None,
        user_id=action.get('user_id', context.user_id),
        project_id=action.get('project_id', context.project_id),
        start_time=event.get('start_time'),
        finish_time=event.get('finish_time'))


def instance_fault_payload(conf, context, fault):
    """The payload of a recorded fault; ``fault`` is the fault row."""
    from nova_faults.objects import notification
    include_traceback = conf.notifications.include_traceback
    return notification.InstanceFaultPayload(
        request_id=context.request_id,
        global_request_id=context.global_request_id,
        instance_uuid=fault['instance_uuid'],
        host=fault.get('host'),
        code=fault['code'],
        message=_scrub(fault.get('message')),
        details=(_scrub(fault.get('details')) or None) if include_traceback
        else None,
        created=fault.get('created_at'))


# ---------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------


def _emit(conf, context, event_type, payload, host):
    notifier = get_notifier(conf)
    if notifier is None:
        return False
    if host and host != conf.host:
        notifier = notifier.prepare(publisher_id=publisher_id(host))
    notify = getattr(notifier, PRIORITY)
    notify(context, event_type, payload.notification_primitive())
    return True


def _find_action(context, instance_uuid):
    action = db_actions.action_get_by_request_id(context, instance_uuid,
                                                 context.request_id)
    if action is None and not context.project_id:
        # NOTE: a service context without a project attaches its events to
        # the newest action of the instance (see the recording library).
        actions = db_actions.actions_get(context, instance_uuid, limit=1)
        action = actions[0] if actions else None
    return action


def notify_event_error(conf, context, instance_uuid, event, action=None):
    """Send ``instance.action_event.error`` for a failed event.

    ``event`` is the finished event row; the action (for its name) is
    looked up when not given. Returns True when a notification was sent;
    never raises.
    """
    try:
        if conf is None or not is_enabled(conf):
            return False
        if action is None:
            action = _find_action(context, instance_uuid)
        payload = event_error_payload(conf, context, instance_uuid, event,
                                      action=action)
        return _emit(conf, context, EVENT_ERROR, payload, event.get('host'))
    except Exception:
        LOG.exception('Failed to send the %s notification of instance %s',
                      EVENT_ERROR, instance_uuid)
        return False


def notify_instance_fault(conf, context, fault):
    """Send ``instance.fault.create`` for a recorded fault row.

    Returns True when a notification was sent; never raises.
    """
    try:
        if conf is None or not is_enabled(conf):
            return False
        payload = instance_fault_payload(conf, context, fault)
        return _emit(conf, context, FAULT_CREATE, payload, fault.get('host'))
    except Exception:
        LOG.exception('Failed to send the %s notification of instance %s',
                      FAULT_CREATE, fault.get('instance_uuid'))
        return False
