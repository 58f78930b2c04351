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

"""Availability zones of hosts, from host aggregates (API database).

A compute host's zone is the ``availability_zone`` metadata of the
aggregates it belongs to, else ``[DEFAULT] default_availability_zone``;
services other than computes are in ``[DEFAULT]
internal_service_availability_zone``. The rules are Nova's
(``nova/availability_zones.py``):

* a server (:meth:`AggregateList.instance_zones`): without a host, the
  zone recorded on the instance (None shows ``""``); with one, the zone
  of its host's first aggregate (by id) with a zone, else the default;
* a service (:meth:`AggregateList.service_zones`): a compute's zones are
  every distinct zone of its aggregates joined by ``,``.

:func:`create` writes an aggregate (tests, demo data),
:func:`remove_host` takes a deleted compute out of its aggregates. One
query reads
the zones of all the hosts of a page; host zones are
cached per process for ``[api_database] availability_zone_cache_ttl``
seconds (Nova caches them for an hour). As in Nova, a cached zone that
differs from a server's recorded zone is read again, so a server moved
to another zone's host shows the new zone at once.
"""

import threading
import time

from nova_faults.db import aggregates as db_aggregates
from nova_faults.db import api as db_api

COMPUTE_TOPIC = 'compute'

# (API database URL, host) -> (monotonic time, [zones in aggregate order])
_CACHE = {}
_CACHE_LOCK = threading.Lock()


def reset_cache():
    """Forget the cached zones (tests)."""
    with _CACHE_LOCK:
        _CACHE.clear()


class AggregateList:
    """Zones of hosts, read in one batch and cached briefly."""

    @classmethod
    def zones_by_host(cls, ctx, conf, hosts, refresh=()):
        """``{host: [zones of its aggregates]}`` (empty: no zone).

        ``refresh``: hosts read from the database even when cached.
        """
        return _zones(ctx, conf, hosts, refresh)[0]

    @classmethod
    def instance_zones(cls, ctx, conf, instances):
        """``{uuid: zone}`` of instance rows.

        From their ``host`` and ``availability_zone``, as Nova's
        ``get_instance_availability_zone``.
        """
        hosts = {inst['host'] for inst in instances if inst.get('host')}
        zones, fresh = _zones(ctx, conf, hosts)
        # NOTE: as Nova, a cached host zone that differs from the zone
        # recorded on one of its instances is read again.
        stale = {inst['host'] for inst in instances
                 if inst.get('host') and inst['host'] not in fresh and
                 inst.get('availability_zone') is not None and
                 _host_zone(conf, zones[inst['host']]) !=
                 inst['availability_zone']}
        if stale:
            zones.update(_zones(ctx, conf, stale, refresh=stale)[0])
        result = {}
        for inst in instances:
            if inst.get('host'):
                result[inst['uuid']] = _host_zone(conf, zones[inst['host']])
            else:
                result[inst['uuid']] = inst.get('availability_zone')
        return result

    @classmethod
    def service_zones(cls, ctx, conf, services):
        """``[zone]`` of service rows, in order.

        Nova's ``set_availability_zones``.
        """
        computes = {s['host'] for s in services
                    if s.get('topic') == COMPUTE_TOPIC and s.get('host')}
        zones = _zones(ctx, conf, computes)[0]
        # NOTE: the two configured zones read once, not once per service.
        internal = conf.internal_service_availability_zone
        default = conf.default_availability_zone
        return [_service_zone(service, zones, internal, default)
                for service in services]


def _zones(ctx, conf, hosts, refresh=()):
    """(``{host: zones}``, hosts read from the database now)."""
    hosts = set(h for h in hosts if h)
    ttl = conf.api_database.availability_zone_cache_ttl
    url = db_api.api_connection_url(conf)
    now = time.monotonic()
    result = {}
    missing = set()
    with _CACHE_LOCK:
        for host in hosts:
            entry = _CACHE.get((url, host))
            if (ttl > 0 and entry is not None and host not in refresh
                    and now - entry[0] < ttl):
                result[host] = entry[1]
            else:
                missing.add(host)
    if missing:
        fresh = db_aggregates.zones_by_host(ctx, missing)
        with _CACHE_LOCK:
            for host, zones in fresh.items():
                _CACHE[(url, host)] = (now, zones)
        result.update(fresh)
    return result, missing


def create(ctx, name, hosts=(), metadata=None):
    """Create an aggregate with its hosts and metadata (API database).

    For tests and demo data; ``metadata={'availability_zone': 'az1'}``
    makes it a zone. Returns its id.
    """
    agg_id = db_aggregates.aggregate_create(ctx, name, hosts, metadata)
    # This process's cached zones of those hosts are stale now.
    reset_cache()
    return agg_id


def remove_host(ctx, host):
    """Take ``host`` out of every aggregate (a compute service deleted).

    As Nova's ``DELETE /os-services/{id}``; the host's aggregates in
    Placement are not updated (Placement is not reached).
    """
    db_aggregates.aggregate_host_delete_all(ctx, host)
    reset_cache()


def _host_zone(conf, zones):
    # NOTE: Nova's get_host_availability_zone: the first aggregate's.
    return zones[0] if zones else conf.default_availability_zone


def _service_zone(service, zones, internal_zone, default_zone):
    if service.get('topic') != COMPUTE_TOPIC:
        return internal_zone
    host_zones = zones.get(service.get('host')) or []
    if not host_zones:
        return default_zone
    # NOTE: Nova joins the distinct zones of a host's aggregates with ","
    # in set order; they are sorted here so the answer is stable (Nova
    # refuses a host in two zones since 2016, so one zone is the rule).
    return ','.join(sorted(set(host_zones)))
