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

"""Security groups of servers, from Neutron (not a database).

:meth:`SecurityGroupList.names_by_instance` is what server views need:
``{instance uuid: [{'name': ...}]}`` for a page of servers, or None when
the groups are unknown, in which case views omit ``security_groups``.

They are unknown when ``[neutron]`` is not configured (nova-faults then
has no Neutron, as before), and when Neutron fails (refused, slower than
``[neutron] timeout``, an error status, a malformed body). Nova answers
a ``500`` then; nova-faults still serves the servers without the key:
a server view of a cloud whose Neutron is down is what an operator needs
most, and the groups are not what that view is for. The failure is
logged as a WARNING at most once per :data:`WARNING_INTERVAL` seconds
per process (then at DEBUG), so a Neutron outage does not flood the
logs with one line per request.

:meth:`SecurityGroupList.start_names_by_instance` asks Neutron while
the request reads its databases, and returns what waits for the answer:
a server's groups cost the longer of the two, not their sum. Over
``http://`` the requests leave from the request's own thread and are
read when the view needs them; otherwise a thread of a pool of this
process makes the calls.
"""

import logging
import threading
import time

from nova_faults import daemon_pool
from nova_faults import neutron

LOG = logging.getLogger(__name__)

WARNING_INTERVAL = 60
_last_warning = {'at': None}
_warning_lock = threading.Lock()


def _warn(exc):
    now = time.monotonic()
    with _warning_lock:
        last = _last_warning['at']
        loud = last is None or now - last >= WARNING_INTERVAL
        if loud:
            _last_warning['at'] = now
    message = ('Neutron is not available (%s): server views omit '
               'security_groups until it answers again.')
    if loud:
        LOG.warning(message + ' (Logged at most once every %d seconds.)',
                    exc.kwargs.get('reason'), WARNING_INTERVAL)
    else:
        LOG.debug(message, exc.kwargs.get('reason'))


def _or_none(fn, *args):
    """``fn(*args)``, or None (said, see _warn) when Neutron fails."""
    try:
        return fn(*args)
    except neutron.NeutronUnavailable as exc:
        _warn(exc)
        return None


_POOL = daemon_pool.LazyPool(64, 'nova-faults-neutron')


def _ask(ctx, conf, instance_uuids):
    # The pool thread logs with the request's IDs (oslo.log reads the
    # thread's current context).
    update_store = getattr(ctx, 'update_store', None)
    if update_store is not None:
        update_store()
    return SecurityGroupList.names_by_instance(ctx, conf, instance_uuids)


def reset_warnings():
    """Let the next failure warn again (for tests)."""
    with _warning_lock:
        _last_warning['at'] = None


class SecurityGroupList:
    """Security groups of servers, by instance, in one batch."""

    @classmethod
    def names_by_instance(cls, ctx, conf, instance_uuids):
        """``{uuid: [{'name': ...}]}``, or None when groups are unknown."""
        if not neutron.is_configured(conf):
            return None
        return _or_none(neutron.security_group_names, conf, ctx,
                        instance_uuids)

    @classmethod
    def start_names_by_instance(cls, ctx, conf, instance_uuids):
        """Start :meth:`names_by_instance` now; returns its waiter.

        Neutron is asked now while the caller goes on (reads its
        databases); calling the returned function waits for the answer
        and returns it. Over ``http://``, the requests are sent from
        this thread and their answers read by the waiter
        (:func:`nova_faults.neutron.start_security_group_names`);
        otherwise the calls are made in a thread of this process' pool.
        Each call to Neutron is bounded by ``[neutron] timeout``. A
        caller that finds it needs no groups (the server is not found,
        or not the caller's to see) just does not call the waiter;
        Neutron applied its own visibility rules to the caller's token
        anyway.
        """
        if not neutron.is_configured(conf):
            return lambda: None
        instance_uuids = list(instance_uuids)
        if not instance_uuids:
            return dict
        read = neutron.start_security_group_names(conf, ctx,
                                                  instance_uuids)
        if read is None:
            return _POOL.submit(_ask, ctx, conf, instance_uuids).result
        return lambda: _or_none(read)
