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

"""Recording what happened to a server: actions, events and faults.

This is the write side of nova-faults, for the services that do the work
(an API that accepts a request, a conductor, a compute service). It writes
rows Nova reads (``instance_actions``, ``instance_actions_events``,
``instance_faults``) through :mod:`nova_faults.db.api` and knows nothing
of HTTP.

The context
-----------

Every function takes a :class:`nova_faults.context.RequestContext` whose
``cell`` is the instance's cell database (use
:func:`nova_faults.cells.target_cell`, or set
``ctx.cell = nova_faults.db.api.get_context_manager(conf, url)`` in a
service that only knows its own cell). Its ``request_id`` (the *local*
request id of the API request that started the work, carried to the
services with the context) ties events to their action.

Instances may be given as objects (anything with ``uuid``), dicts with a
``'uuid'`` key, or plain UUID strings.

Public API
----------

* :func:`record_action_start` ``(context, instance, action)``: the API
  side, once per request and instance.
* :class:`EventReporter` ``(context, event_name, host, *instance_uuids,
  graceful_exit=False)``: a context manager recording one step (an
  *event*) of the action of each instance.
* :func:`wrap_instance_event` ``(prefix, graceful_exit=False)``: a
  decorator doing the same for a method ``(self, context, ...,
  instance, ...)``; the event is named ``<prefix>_<method name>`` and its
  host is ``self.host``.
* :func:`add_instance_fault_from_exc` ``(context, instance, exc,
  exc_info=None, fault_message=None, host=None)``: record an instance
  fault.
* :class:`Recorder` ``(conf, host=None)``: the same functions bound to a
  service's configuration, so the host recorded is ``[DEFAULT] host``
  without passing it around: ``recorder.event_reporter(ctx, name,
  uuid)``, ``recorder.add_instance_fault_from_exc(ctx, instance, exc)``.

Notifications: given a configuration (``Recorder(conf)``, or ``conf=``
on :class:`EventReporter` and :func:`add_instance_fault_from_exc`; a
method decorated with :func:`wrap_instance_event` uses ``self.conf``), a
failed event and a recorded fault are also sent as versioned
notifications (:mod:`nova_faults.notifications`). Sending never breaks
the recording.

What is stored is Nova's, plus one improvement: every message (event
``details`` and ``traceback``, fault ``message`` and ``details``) is
scrubbed of credentials first (:func:`nova_faults.exception.
scrub_credentials`).
"""

import functools
import inspect
import logging
import socket
import sys
import traceback

from oslo_utils import timeutils

from nova_faults.db import actions as db_actions
from nova_faults.db import faults as db_faults
from nova_faults import exception

LOG = logging.getLogger(__name__)

RESULT_SUCCESS = 'Success'
RESULT_ERROR = 'Error'


def _instance_uuid(instance):
    if isinstance(instance, str):
        return instance
    if isinstance(instance, dict):
        return instance['uuid']
    return instance.uuid


def _notify(conf, function_name, *args):
    """Send a failure notification; never let it break the recording."""
    if conf is None:
        return
    try:
        # Imported here: oslo.messaging is only loaded when notifying.
        from nova_faults import notifications
        getattr(notifications, function_name)(conf, *args)
    except Exception:
        LOG.exception('Could not send a failure notification')


def _default_host():
    # The default of [DEFAULT] host; a service passes its configured host
    # (or uses a Recorder) so that an operator's setting is honoured.
    return socket.gethostname()


# ---------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------


def record_action_start(context, instance, action):
    """Record the start of ``action`` (e.g. ``'resize'``) on ``instance``.

    As Nova's ``InstanceAction.action_start``: the request id is the
    context's local request id, user and project come from the context,
    ``start_time`` and ``updated_at`` are the context's timestamp. There
    is one action per (instance, request id): when it already exists it is
    returned unchanged. Returns the action row (a dict).
    """
    instance_uuid = _instance_uuid(instance)
    # NOTE: Nova inserts a second row when called twice for one request
    # (and then reads the newest); we keep its intended invariant instead,
    # which also makes replaying a request (or the demo) harmless, even
    # when the replays run at the same time.
    return db_actions.action_start_once(context, {
        'action': action,
        'instance_uuid': instance_uuid,
        'request_id': context.request_id,
        'user_id': context.user_id,
        'project_id': context.project_id,
        'start_time': context.timestamp,
        'updated_at': context.timestamp,
    })


# ---------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------


def format_traceback(exc_tb):
    """The frames of a traceback only, as Nova stores them.

    ``''.join(traceback.format_tb(tb))``: the ``File "...", line N, in f``
    lines and their code, without the "Traceback (most recent call last)"
    header and without the exception line (whose text could carry
    anything). Scrubbed of credentials.
    """
    if exc_tb is None:
        return None
    return exception.scrub_credentials(
        ''.join(traceback.format_tb(exc_tb)))


def event_details(exc_val):
    """The ``details`` of a failed event, or None.

    A library exception (one with ``format_message()``) gives its
    formatted message; any other exception only its class name (so a
    hypervisor's error text never reaches users, admins included), as in
    Nova. Scrubbed of credentials and cut to 255 bytes. An empty message
    gives None, as in Nova.
    """
    if exc_val is None:
        return None
    if isinstance(exc_val, str):
        message = exc_val
    else:
        try:
            message = exc_val.format_message()
        except Exception:
            message = type(exc_val).__name__
    if not message:
        return None
    return exception.exception_to_dict(exc_val, message=message)['message']


def event_start(context, instance_uuid, event_name, host=None):
    """Record the start of event ``event_name`` of the context's action."""
    return db_actions.action_event_start(context, {
        'event': event_name,
        'instance_uuid': instance_uuid,
        'request_id': context.request_id,
        'start_time': timeutils.utcnow(),
        'host': host,
    })


def event_finish(context, instance_uuid, event_name, exc_val=None,
                 exc_tb=None, conf=None):
    """Record the end of event ``event_name``; failed when ``exc_tb``.

    ``result`` is ``Success`` without a traceback, ``Error`` with one; a
    failure stores the frames of ``exc_tb`` as ``traceback`` and the
    message of ``exc_val`` as ``details`` (see :func:`event_details`).
    With ``conf``, a failure is also notified
    (``instance.action_event.error``).
    """
    values = {
        'event': event_name,
        'instance_uuid': instance_uuid,
        'request_id': context.request_id,
        'finish_time': timeutils.utcnow(),
    }
    if exc_tb is None:
        values['result'] = RESULT_SUCCESS
    else:
        values['result'] = RESULT_ERROR
        values['traceback'] = format_traceback(exc_tb)
        values['details'] = event_details(exc_val)
    event = db_actions.action_event_finish(context, values)
    if exc_tb is not None:
        _notify(conf, 'notify_event_error', context, instance_uuid, event)
    return event


class EventReporter:
    """Record one event of the context's action for each instance.

    ::

        with EventReporter(ctx, 'cold_migrate', conf.host, instance.uuid):
            ...   # raise to record the event as failed

    On entry an event starts for each instance (a missing action raises
    ``InstanceActionNotFound``); on exit it finishes, ``Success`` or
    ``Error`` with traceback and details, and the original exception
    propagates unchanged.

    ``graceful_exit=True``: when the action is gone by the time the event
    finishes (``InstanceActionNotFound``), do not raise.

    NOTE: kept from Nova on purpose: with ``graceful_exit=True`` that
    case returns True from ``__exit__``, which also swallows any exception
    raised inside the block, and the events of the remaining instances are
    not finished.
    """

    def __init__(self, context, event_name, host, *instance_uuids,
                 graceful_exit=False, conf=None):
        self.context = context
        self.event_name = event_name
        self.host = host
        self.instance_uuids = [_instance_uuid(uuid)
                               for uuid in instance_uuids]
        self.graceful_exit = graceful_exit
        # With a configuration, failed events are notified.
        self.conf = conf

    def __enter__(self):
        for uuid in self.instance_uuids:
            event_start(self.context, uuid, self.event_name, host=self.host)
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        for uuid in self.instance_uuids:
            try:
                event_finish(self.context, uuid, self.event_name,
                             exc_val=exc_val, exc_tb=exc_tb, conf=self.conf)
            except exception.InstanceActionNotFound:
                if self.graceful_exit:
                    return True
                raise
        return False


def wrap_instance_event(prefix, graceful_exit=False):
    """Decorate a service method so that each call is recorded as an event.

    The method is called as ``method(self, context, *args, **kwargs)`` and
    must have an ``instance`` argument (checked when decorating). The
    event is ``'<prefix>_<method name>'`` (e.g. ``compute_reboot_instance``),
    its host ``self.host`` (or None). See :class:`EventReporter`.
    """
    def helper(function):
        signature = inspect.signature(function)
        if 'instance' not in signature.parameters:
            raise TypeError('%s must have an "instance" argument to be '
                            'wrapped by wrap_instance_event'
                            % function.__qualname__)
        event_name = '%s_%s' % (prefix, function.__name__)

        @functools.wraps(function)
        def decorated_function(self, context, *args, **kwargs):
            bound = signature.bind(self, context, *args, **kwargs)
            instance = bound.arguments['instance']
            host = getattr(self, 'host', None)
            with EventReporter(context, event_name, host, instance,
                               graceful_exit=graceful_exit,
                               conf=getattr(self, 'conf', None)):
                return function(self, context, *args, **kwargs)
        return decorated_function
    return helper


# ---------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------


def fault_details(exc_info, code):
    """The ``details`` of a fault: the full formatted exception, or ''.

    As Nova: only when ``exc_info`` is given and the code is 500. Unlike
    event tracebacks it includes the exception line, so it is shown to
    admins only (by the server views); it is scrubbed of credentials.
    """
    if not exc_info or code != 500:
        return ''
    if exc_info is True:
        exc_info = sys.exc_info()
    return exception.scrub_credentials(
        ''.join(traceback.format_exception(*exc_info)))


def add_instance_fault_from_exc(context, instance, exc, exc_info=None,
                                fault_message=None, host=None, conf=None):
    """Record an instance fault for ``exc`` on ``instance``.

    ``code`` and ``message`` come from
    :func:`nova_faults.exception.exception_to_dict` (``fault_message``
    replaces the exception's message); ``details`` is the full formatted
    exception when ``exc_info`` (a ``sys.exc_info()`` tuple, or True for
    the current one) is given and the code is 500, else ''. ``host`` is
    the recording service's host (default: this machine's name; a
    :class:`Recorder` passes ``[DEFAULT] host``). Faults accumulate; the
    newest one is what the server shows. With ``conf``, the fault is also
    notified (``instance.fault.create``). Returns the fault row.
    """
    fault = exception.exception_to_dict(exc, message=fault_message)
    row = db_faults.instance_fault_create(context, {
        'instance_uuid': _instance_uuid(instance),
        'code': fault['code'],
        'message': fault['message'],
        'details': fault_details(exc_info, fault['code']),
        'host': host if host is not None else _default_host(),
    })
    _notify(conf, 'notify_instance_fault', context, row)
    return row


# ---------------------------------------------------------------------------
# Bound to a service's configuration
# ---------------------------------------------------------------------------


class Recorder:
    """The recording functions for one service, with its host.

    ``Recorder(conf)`` records ``conf.host`` (``[DEFAULT] host``) as the
    host of events and faults; ``host=`` overrides it. The object also
    serves as the ``self`` of methods decorated with
    :func:`wrap_instance_event` when a service class inherits from it.
    """

    def __init__(self, conf=None, host=None):
        if host is None:
            host = conf.host if conf is not None else _default_host()
        self.conf = conf
        self.host = host

    def record_action_start(self, context, instance, action):
        return record_action_start(context, instance, action)

    def event_reporter(self, context, event_name, *instances,
                       graceful_exit=False):
        return EventReporter(context, event_name, self.host, *instances,
                             graceful_exit=graceful_exit, conf=self.conf)

    def add_instance_fault_from_exc(self, context, instance, exc,
                                    exc_info=None, fault_message=None):
        return add_instance_fault_from_exc(
            context, instance, exc, exc_info=exc_info,
            fault_message=fault_message, host=self.host, conf=self.conf)
