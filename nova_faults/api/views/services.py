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

"""The os-services representation (pure functions on service rows)."""

from nova_faults.api.views import common


def service_detail(service, version, state_up, zone, with_forced_down):
    """One service as ``GET /os-services`` shows it.

    ``state_up`` (servicegroup ``service_is_up``) and ``zone`` are decided
    by the caller. ``updated_at`` is the row's own, as Nova's db
    servicegroup driver reports it (the heartbeat is ``last_seen_up``).
    """
    view = {
        'binary': service['binary'],
        'host': service['host'],
        'id': service['uuid'] if version >= (2, 53) else service['id'],
        'zone': zone,
        'status': 'disabled' if service['disabled'] else 'enabled',
        'state': 'up' if state_up else 'down',
        'updated_at': common.strtime(service['updated_at']),
        'disabled_reason': service['disabled_reason'],
    }
    if with_forced_down:
        view['forced_down'] = bool(service['forced_down'])
    return view


def minimal_service(host):
    """A compute service of a cell that did not answer (2.69)."""
    return {'binary': 'nova-compute', 'host': host, 'status': 'UNKNOWN'}


def action_result(host, binary, status=None, disabled_reason=None,
                  forced_down=None):
    """The response of ``PUT /os-services/<action>`` (before 2.53)."""
    service = {'host': host, 'binary': binary}
    if forced_down is not None:
        service['forced_down'] = forced_down
    else:
        service['status'] = status
        if disabled_reason:
            service['disabled_reason'] = disabled_reason
    return {'service': service}
