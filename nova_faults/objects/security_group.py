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
"""

import logging
import threading
import time

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
        try:
            return neutron.security_group_names(conf, ctx, instance_uuids)
        except neutron.NeutronUnavailable as exc:
            _warn(exc)
            return None
