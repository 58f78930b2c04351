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

"""Is a service up? The host status of many servers at once; heartbeats.

These are the semantics of Nova's default ``db`` servicegroup driver:
a service is up when it is not forced down and its last heartbeat
(``last_seen_up``, or ``created_at`` for a service that never reported)
is at most ``[DEFAULT] service_down_time`` seconds away from now. A
service heartbeats by bumping ``report_count``, which sets
``last_seen_up`` (and ``updated_at``).

Everything here takes plain mappings (rows of the ``services`` table or
dicts with the same keys), so it is used alike by the API views and by
services that record their own state with :func:`report_state`.
"""

import logging

from oslo_utils import timeutils

LOG = logging.getLogger(__name__)

# Values of the server "host_status" field (Nova's HostStatus enum).
UP = 'UP'
DOWN = 'DOWN'
MAINTENANCE = 'MAINTENANCE'
UNKNOWN = 'UNKNOWN'
NONE = ''
HOST_STATUSES = (UP, DOWN, MAINTENANCE, UNKNOWN, NONE)

COMPUTE_BINARY = 'nova-compute'

_warned = set()


def service_down_time(conf):
    """The effective ``service_down_time`` for ``conf``.

    NOTE: as Nova does, a ``service_down_time`` not greater than
    ``report_interval`` is raised to ``int(report_interval * 2.5)`` (with
    a warning, once per process and value pair), so that a service that
    reports on time is never seen as down.
    """
    down_time = conf.service_down_time
    interval = conf.report_interval
    if interval and down_time <= interval:
        new = int(interval * 2.5)
        if (down_time, interval) not in _warned:
            _warned.add((down_time, interval))
            LOG.warning('Report interval must be less than service down '
                        'time. Current config: <service_down_time: '
                        '%(down)s, report_interval: %(interval)s>. Using '
                        'service_down_time %(new)s.',
                        {'down': down_time, 'interval': interval,
                         'new': new})
        return new
    return down_time


def _naive(value):
    if isinstance(value, str):
        value = timeutils.parse_isotime(value)
    if value is not None and value.tzinfo is not None:
        value = timeutils.normalize_time(value)
    return value


def service_is_up(service, down_time, now=None):
    """Whether ``service`` (a mapping) is up.

    ``down_time`` is :func:`service_down_time` of the configuration,
    computed once by the caller. A forced-down service is never up.
    """
    if service.get('forced_down'):
        return False
    last = _naive(service.get('last_seen_up') or service.get('created_at'))
    if last is None:
        return False
    now = _naive(now) if now is not None else timeutils.utcnow()
    # NOTE: abs() as in Nova: a heartbeat "in the future" (clock skew
    # between hosts) counts as up only within the same window.
    return abs((now - last).total_seconds()) <= down_time


def host_status(service, down_time, now=None):
    """The ``host_status`` of a server whose compute service is ``service``.

    ``service`` is None when the server has no host or its host has no
    live ``nova-compute`` service: the status is then ``""``. Precedence
    is forced_down (DOWN) > disabled (MAINTENANCE) > heartbeat (UP or
    UNKNOWN).
    """
    # NOTE: Nova's api-ref lists MAINTENANCE as overriding DOWN; its code
    # (kept here) checks forced_down first.
    if service is None:
        return NONE
    if service.get('forced_down'):
        return DOWN
    if service.get('disabled'):
        return MAINTENANCE
    if service_is_up(service, down_time, now):
        return UP
    return UNKNOWN


def host_statuses(instances, services_by_host, down_time, now=None):
    """``{instance uuid: host_status}`` for many instances at once.

    ``services_by_host`` maps a host name to its ``nova-compute`` service
    row (hosts without one are simply absent). The status is computed once
    per host, however many servers it carries. Deleted instances have no
    service (Nova only joins services of live instances): ``""``.
    """
    now = now if now is not None else timeutils.utcnow()
    by_host = {}
    result = {}
    for inst in instances:
        host = inst.get('host')
        if not host or inst.get('deleted'):
            result[inst['uuid']] = NONE
            continue
        if host not in by_host:
            by_host[host] = host_status(services_by_host.get(host),
                                        down_time, now)
        result[inst['uuid']] = by_host[host]
    return result


def report_state(context, conf, binary, host=None, topic=None):
    """Record one heartbeat of service ``binary`` on ``host`` in its cell.

    ``context`` must be targeted at the cell database of the host (see
    :func:`nova_faults.cells.target_cell`). The service row is created on
    first use (with a new UUID, enabled, not forced down); afterwards its
    ``report_count`` is bumped and ``last_seen_up``/``updated_at`` are set
    to now, which is what makes :func:`service_is_up` true. Returns the
    service row (a dict).
    """
    from nova_faults.db import services as db_services
    from nova_faults import exception
    host = host or conf.host
    try:
        service = db_services.service_get_by_host_and_binary(
            context, host, binary)
    except exception.ServiceNotFound:
        now = timeutils.utcnow()
        values = {'host': host, 'binary': binary, 'report_count': 1,
                  'last_seen_up': now, 'created_at': now, 'updated_at': now,
                  'disabled': False, 'forced_down': False}
        if topic:
            values['topic'] = topic
        try:
            return db_services.service_create(context, values)
        except exception.ServiceBinaryExists:
            # Another process created it meanwhile: heartbeat that one.
            service = db_services.service_get_by_host_and_binary(
                context, host, binary)
    return db_services.service_heartbeat(context, service['id'])


class Heartbeat:
    """Report a service's state every ``[DEFAULT] report_interval``.

    ``Heartbeat(cell_ctx, conf, 'nova-compute').start()`` runs
    :func:`report_state` in a daemon thread until :meth:`stop`. As Nova's
    db driver does, an error is logged (once until the next success) and
    the thread goes on, so a database hiccup never stops the heartbeat.
    """

    def __init__(self, context, conf, binary, host=None, topic=None):
        import threading
        self.context = context
        self.conf = conf
        self.binary = binary
        self.host = host or conf.host
        self.topic = topic
        self._stop = threading.Event()
        self._thread = None
        self.disconnected = False

    def beat(self):
        """One heartbeat; returns the service row, or None on failure."""
        from nova_faults import cells
        try:
            row = report_state(self.context, self.conf, self.binary,
                               host=self.host, topic=self.topic)
        except Exception as exc:
            if not cells.is_database_down(exc):
                # NOTE: as Nova's db driver: only a database that cannot
                # be reached makes the service "disconnected"; anything
                # else is a bug, logged with its traceback on every beat.
                LOG.exception('Unexpected error while reporting the state '
                              'of %s on %s', self.binary, self.host)
                return None
            if not self.disconnected:
                LOG.warning('Lost the connection to the database while '
                            'reporting the state of %s on %s (%s)',
                            self.binary, self.host, type(exc).__name__)
            self.disconnected = True
            return None
        if self.disconnected:
            LOG.info('Recovered from being unable to report status.')
            self.disconnected = False
        return row

    def _run(self):
        while not self._stop.is_set():
            self.beat()
            self._stop.wait(self.conf.report_interval)

    def start(self):
        import threading
        self._thread = threading.Thread(
            target=self._run, daemon=True,
            name='nova-faults-heartbeat-%s' % self.binary)
        self._thread.start()
        return self

    def stop(self, timeout=None):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
