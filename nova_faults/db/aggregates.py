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

"""Queries of host aggregates (API database).

An aggregate's ``availability_zone`` metadata is the zone of its hosts;
:mod:`nova_faults.objects.aggregate` applies Nova's rules and caches.
"""

from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from nova_faults.db import api as db_api
from nova_faults.db import models
from nova_faults.db import utils

AZ_KEY = 'availability_zone'

_AGG = models.Aggregate.__table__
_HOSTS = models.AggregateHost.__table__
_META = models.AggregateMetadata.__table__


def zones_by_host(ctx, hosts):
    """``{host: [zone, ...]}`` by aggregate id, for ``hosts``; one query."""
    zones = {host: [] for host in hosts}
    if not hosts:
        return zones
    stmt = (sa.select(_HOSTS.c.host, _META.c.value)
            .select_from(_AGG.join(_HOSTS, _HOSTS.c.aggregate_id == _AGG.c.id)
                         .join(_META, _META.c.aggregate_id == _AGG.c.id))
            .where(_META.c.key == AZ_KEY, _HOSTS.c.host.in_(sorted(hosts)))
            # NOTE: Nova takes "the first" aggregate of a host without an
            # ORDER BY, which databases answer in id order.
            .order_by(_AGG.c.id))
    with db_api.reader(db_api.api_db(ctx), ctx) as conn:
        for host, value in conn.execute(stmt):
            zones[host].append(value)
    return zones


def aggregate_create(ctx, name, hosts=(), metadata=None):
    """Create an aggregate with its hosts and metadata; returns its id."""
    now = timeutils.utcnow()
    with db_api.writer(db_api.api_db(ctx), ctx) as conn:
        agg = utils.insert(conn, _AGG, {
            'uuid': uuidutils.generate_uuid(), 'name': name,
            'created_at': now})
        for host in hosts:
            utils.insert(conn, _HOSTS, {'host': host, 'created_at': now,
                                        'aggregate_id': agg['id']})
        for key, value in (metadata or {}).items():
            utils.insert(conn, _META, {'key': key, 'value': value,
                                       'created_at': now,
                                       'aggregate_id': agg['id']})
    return agg['id']


def aggregate_host_delete_all(ctx, host):
    """Take ``host`` out of every aggregate."""
    with db_api.writer(db_api.api_db(ctx), ctx) as conn:
        conn.execute(_HOSTS.delete().where(_HOSTS.c.host == host))
