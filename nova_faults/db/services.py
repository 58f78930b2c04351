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

"""Queries of services (cell databases).

Services heartbeat through :mod:`nova_faults.servicegroup`; the
``os-services`` API lists, updates and deletes them, and the server view
reads the nova-compute service of each host for ``host_status``.
"""

import functools

from oslo_db import exception as db_exc
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from nova_faults.db import api as db_api
from nova_faults.db import models
from nova_faults.db import utils
from nova_faults import exception

_INSTANCES = models.Instance.__table__
_SERVICES = models.Service.__table__


# NOTE: os-services reads the services of every cell on every request:
# the statement is built once per shape (which filters, read_deleted),
# its values bound, as building a select and its cache key costs more
# than running it on SQLite (about 0.09 ms a cell).
@functools.lru_cache(maxsize=None)
def _service_list_stmt(read_deleted, disabled, host, binary):
    stmt = sa.select(_SERVICES).order_by(_SERVICES.c.id)
    deleted = utils.deleted_clause(_SERVICES, read_deleted)
    if deleted is not None:
        stmt = stmt.where(deleted)
    for given, column in ((disabled, 'disabled'), (host, 'host'),
                          (binary, 'binary')):
        if given:
            stmt = stmt.where(_SERVICES.c[column] == sa.bindparam(column))
    return stmt


def service_get_all(ctx, disabled=None, host=None, binary=None):
    """Services of this cell.

    Services of this cell (read_deleted from the context), ordered by
    id; optional exact filters.
    """
    params = {}
    if disabled is not None:
        params['disabled'] = bool(disabled)
    if host is not None:
        params['host'] = host
    if binary is not None:
        params['binary'] = binary
    stmt = _service_list_stmt(ctx.read_deleted, 'disabled' in params,
                              'host' in params, 'binary' in params)
    with db_api.reader(db_api.cell_db(ctx), ctx) as conn:
        return utils.rows(conn, stmt, params)


def service_get(ctx, service_id):
    stmt = utils.where_deleted(
        sa.select(_SERVICES).where(_SERVICES.c.id == service_id),
        _SERVICES, ctx)
    with db_api.reader(db_api.cell_db(ctx), ctx) as conn:
        row = utils.one(conn, stmt)
    if row is None:
        raise exception.ServiceNotFound(service_id=service_id)
    return row


def service_get_by_uuid(ctx, service_uuid):
    stmt = (sa.select(_SERVICES).where(_SERVICES.c.uuid == service_uuid)
            .where(_SERVICES.c.deleted == 0))
    with db_api.reader(db_api.cell_db(ctx), ctx) as conn:
        row = utils.one(conn, stmt)
    if row is None:
        raise exception.ServiceNotFound(service_id=service_uuid)
    return row


def service_get_by_host_and_binary(ctx, host, binary):
    stmt = (sa.select(_SERVICES).where(_SERVICES.c.host == host)
            .where(_SERVICES.c.binary == binary)
            .where(_SERVICES.c.deleted == 0))
    with db_api.reader(db_api.cell_db(ctx), ctx) as conn:
        row = utils.one(conn, stmt)
    if row is None:
        raise exception.ServiceNotFound(service_id='%s/%s' % (host, binary))
    return row


def service_create(ctx, values):
    """Create a service.

    Create a service (``uuid`` generated when absent, ``topic``
    defaults to the binary without its ``nova-`` prefix).

    Raises ``ServiceBinaryExists`` for a live duplicate host/binary.
    """
    values = utils.normalize_times(dict(values))
    values.setdefault('uuid', uuidutils.generate_uuid())
    binary = values.get('binary') or ''
    values.setdefault('topic', binary[5:] if binary.startswith('nova-')
                      else binary)
    try:
        with db_api.writer(db_api.cell_db(ctx), ctx) as conn:
            return utils.insert(conn, _SERVICES,
                                utils.table_values(_SERVICES, values))
    except db_exc.DBDuplicateEntry:
        raise exception.ServiceBinaryExists(host=values.get('host'),
                                            binary=binary)


def service_update(ctx, service_id, values):
    """Update a live service by id; returns the row.

    As in Nova, a growing ``report_count`` (a heartbeat) also sets
    ``last_seen_up`` to now.
    """
    values = utils.normalize_times(utils.table_values(_SERVICES, dict(values)))
    with db_api.writer(db_api.cell_db(ctx), ctx) as conn:
        row = utils.one(conn, sa.select(_SERVICES)
                        .where(_SERVICES.c.id == service_id)
                        .where(_SERVICES.c.deleted == 0))
        if row is None:
            raise exception.ServiceNotFound(service_id=service_id)
        if ('report_count' in values and
                values['report_count'] > row['report_count']):
            values.setdefault('last_seen_up', timeutils.utcnow())
        values.setdefault('updated_at', timeutils.utcnow())
        conn.execute(_SERVICES.update().where(_SERVICES.c.id == service_id)
                     .values(**values))
        row.update(values)
        return row


def service_heartbeat(ctx, service_id):
    """Record one heartbeat of a service.

    One heartbeat: ``report_count + 1``, ``last_seen_up`` and
    ``updated_at`` set to now (what Nova's db servicegroup driver
    writes).
    """
    now = timeutils.utcnow()
    with db_api.writer(db_api.cell_db(ctx), ctx) as conn:
        count = conn.execute(
            _SERVICES.update().where(_SERVICES.c.id == service_id)
            .where(_SERVICES.c.deleted == 0)
            .values(report_count=_SERVICES.c.report_count + 1,
                    last_seen_up=now, updated_at=now)).rowcount
        if not count:
            raise exception.ServiceNotFound(service_id=service_id)
        return utils.one(conn, sa.select(_SERVICES)
                         .where(_SERVICES.c.id == service_id))


def service_destroy(ctx, service_id):
    """Soft-delete a service (``deleted = id``)."""
    now = timeutils.utcnow()
    with db_api.writer(db_api.cell_db(ctx), ctx) as conn:
        count = conn.execute(
            _SERVICES.update().where(_SERVICES.c.id == service_id)
            .where(_SERVICES.c.deleted == 0)
            .values(deleted=_SERVICES.c.id, deleted_at=now,
                    updated_at=_SERVICES.c.updated_at)).rowcount
    if not count:
        raise exception.ServiceNotFound(service_id=service_id)


def instance_count_by_hosts(ctx, hosts):
    """``{host: number of live instances}`` (for service delete checks)."""
    hosts = [h for h in set(hosts) if h]
    if not hosts:
        return {}
    stmt = (sa.select(_INSTANCES.c.host, sa.func.count(_INSTANCES.c.id))
            .where(_INSTANCES.c.host.in_(hosts))
            .where(_INSTANCES.c.deleted == 0)
            .group_by(_INSTANCES.c.host))
    with db_api.reader(db_api.cell_db(ctx), ctx) as conn:
        return {host: count for host, count in conn.execute(stmt)}


# NOTE: built once (see nova_faults.db.servers): read for every server
# whose host status is shown.
_COMPUTE_SERVICES = utils.KeyedSelect(lambda match: sa.select(
    _SERVICES).where(match(_SERVICES.c.host),
                     _SERVICES.c.binary == 'nova-compute',
                     _SERVICES.c.deleted == 0))


def compute_services(conn, hosts):
    """``{host: service row}`` of the live nova-compute services."""
    if not hosts:
        return {}
    return {row['host']: row for row in _COMPUTE_SERVICES.execute(
        conn, hosts).mappings()}
