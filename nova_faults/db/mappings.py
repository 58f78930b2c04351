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

"""Queries of the API database's mappings: cells, instances, hosts.

Which cell a request goes to: ``cell_mappings`` (the cells and how to
reach their databases), ``instance_mappings`` (the cell of each
instance; None until it is scheduled) and ``host_mappings`` (the cell
of each compute host). Every function uses ``context.api_db``.
"""

import functools

from oslo_utils import uuidutils
import sqlalchemy as sa

from nova_faults.db import api as db_api
from nova_faults.db import models
from nova_faults.db import utils
from nova_faults import exception

_CELLS = models.CellMapping.__table__
_HMAPS = models.HostMapping.__table__

# The prefix of the cell mapping columns joined to a mapping row.
_CELL_PREFIX = 'cell_mapping__'
_IMAPS = models.InstanceMapping.__table__


def cell_mapping_get_all(ctx):
    """Every cell mapping, ordered by id."""
    with db_api.reader(db_api.api_db(ctx), ctx) as conn:
        return utils.rows(conn, sa.select(_CELLS).order_by(_CELLS.c.id))


def cell_mapping_get_by_name(ctx, name):
    """The cell mappings named ``name`` (names are not unique in Nova)."""
    with db_api.reader(db_api.api_db(ctx), ctx) as conn:
        return utils.rows(conn, sa.select(_CELLS)
                          .where(_CELLS.c.name == name)
                          .order_by(_CELLS.c.id))


def cell_mapping_create(ctx, values):
    """Create a cell mapping (``uuid`` generated when absent)."""
    values = dict(values)
    values.setdefault('uuid', uuidutils.generate_uuid())
    with db_api.writer(db_api.api_db(ctx), ctx) as conn:
        return utils.insert(conn, _CELLS, utils.table_values(_CELLS, values))


def _imap_select():
    cell_cols = [c.label(_CELL_PREFIX + c.name) for c in _CELLS.c]
    return sa.select(_IMAPS, *cell_cols).select_from(
        _IMAPS.outerjoin(_CELLS, _IMAPS.c.cell_id == _CELLS.c.id))


# NOTE: built once. Every request about one server reads its mapping;
# building this select (a label per cell column) and its cache key cost
# ten times what running it costs on SQLite.
_IMAP_BY_INSTANCE_UUID = _imap_select().where(
    _IMAPS.c.instance_uuid == sa.bindparam('instance_uuid'))


def _split_cell(row):
    cell = {}
    for key in list(row):
        if key.startswith(_CELL_PREFIX):
            cell[key[len(_CELL_PREFIX):]] = row.pop(key)
    row['cell_mapping'] = cell if cell.get('id') is not None else None
    return row


def instance_mapping_get_by_instance_uuid(ctx, instance_uuid, then=None):
    """An instance mapping with its cell, in one query.

    The instance mapping with its ``cell_mapping`` (a dict or None: not
    scheduled yet) in one query. ``then(conn)``, when given, runs in the
    same transaction once the mapping is found (other API database reads
    of the same request); the result is then ``(mapping, its result)``.
    """
    with db_api.reader(db_api.api_db(ctx), ctx) as conn:
        row = utils.one(conn, _IMAP_BY_INSTANCE_UUID,
                        {'instance_uuid': instance_uuid})
        if row is None:
            raise exception.InstanceMappingNotFound(uuid=instance_uuid)
        if then is not None:
            return _split_cell(row), then(conn)
    return _split_cell(row)


def instance_mapping_get_not_deleted_by_cell_and_project(
        ctx, cell_uuid, project_id=None, limit=None):
    """Mappings of a cell not queued for delete.

    Mappings of a cell not queued for delete, for down-cell minimal
    records (Nova's ``get_not_deleted_by_cell_and_project``).

    ``project_id`` is one id, a list of ids, or None for every project.
    Ordered by id.
    """
    stmt = (sa.select(_IMAPS)
            .select_from(_IMAPS.join(_CELLS, _IMAPS.c.cell_id == _CELLS.c.id))
            .where(_CELLS.c.uuid == cell_uuid)
            # NOTE: queued_for_delete is NULL on mappings older than the
            # column; Nova treats NULL as "not queued".
            .where(sa.or_(_IMAPS.c.queued_for_delete == sa.false(),
                          _IMAPS.c.queued_for_delete.is_(None)))
            .order_by(_IMAPS.c.id))
    if isinstance(project_id, (list, tuple, set, frozenset)):
        stmt = stmt.where(_IMAPS.c.project_id.in_(list(project_id)))
    elif project_id is not None:
        stmt = stmt.where(_IMAPS.c.project_id == project_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    with db_api.reader(db_api.api_db(ctx), ctx) as conn:
        return utils.rows(conn, stmt)


def instance_mapping_create(ctx, values):
    """Create an instance mapping.

    Create an instance mapping. ``cell_id`` or ``cell_uuid`` names the
    cell (neither: not scheduled yet).
    """
    values = dict(values)
    cell_uuid = values.pop('cell_uuid', None)
    with db_api.writer(db_api.api_db(ctx), ctx) as conn:
        if cell_uuid is not None:
            cell_id = conn.execute(sa.select(_CELLS.c.id).where(
                _CELLS.c.uuid == cell_uuid)).scalar()
            if cell_id is None:
                raise exception.CellMappingNotFound(uuid=cell_uuid)
            values['cell_id'] = cell_id
        return utils.insert(conn, _IMAPS, utils.table_values(_IMAPS, values))


def instance_mapping_update(ctx, instance_uuid, values):
    values = utils.table_values(_IMAPS, dict(values))
    with db_api.writer(db_api.api_db(ctx), ctx) as conn:
        count = conn.execute(
            _IMAPS.update().where(_IMAPS.c.instance_uuid == instance_uuid)
            .values(**values)).rowcount
    if not count:
        raise exception.InstanceMappingNotFound(uuid=instance_uuid)


def host_mapping_get_by_host(ctx, host):
    """The host mapping of ``host`` with its ``cell_mapping``."""
    cell_cols = [c.label(_CELL_PREFIX + c.name) for c in _CELLS.c]
    stmt = (sa.select(_HMAPS, *cell_cols)
            .select_from(_HMAPS.join(_CELLS, _HMAPS.c.cell_id == _CELLS.c.id))
            .where(_HMAPS.c.host == host))
    with db_api.reader(db_api.api_db(ctx), ctx) as conn:
        row = utils.one(conn, stmt)
    if row is None:
        raise exception.HostMappingNotFound(name=host)
    return _split_cell(row)


def host_mapping_get_all(ctx, cell_uuid=None):
    """Host mappings, each with its cell_uuid.

    Host mappings (of one cell when ``cell_uuid`` is given), each with
    ``cell_uuid``.
    """
    params = {} if cell_uuid is None else {'cell_uuid': cell_uuid}
    stmt = _host_mappings_stmt(cell_uuid is not None)
    with db_api.reader(db_api.api_db(ctx), ctx) as conn:
        return utils.rows(conn, stmt, params)


# NOTE: built once per shape, its values bound (read on every os-services
# request; building it costs more than running it on SQLite).
@functools.lru_cache(maxsize=None)
def _host_mappings_stmt(one_cell):
    stmt = (sa.select(_HMAPS, _CELLS.c.uuid.label('cell_uuid'))
            .select_from(_HMAPS.join(_CELLS, _HMAPS.c.cell_id == _CELLS.c.id))
            .order_by(_HMAPS.c.id))
    if one_cell:
        stmt = stmt.where(_CELLS.c.uuid == sa.bindparam('cell_uuid'))
    return stmt


def host_mapping_create(ctx, host, cell_uuid):
    with db_api.writer(db_api.api_db(ctx), ctx) as conn:
        cell_id = conn.execute(sa.select(_CELLS.c.id).where(
            _CELLS.c.uuid == cell_uuid)).scalar()
        if cell_id is None:
            raise exception.CellMappingNotFound(uuid=cell_uuid)
        return utils.insert(conn, _HMAPS, {'host': host, 'cell_id': cell_id})


def host_mapping_destroy(ctx, host):
    """Delete the host mapping of ``host``.

    No error when there is none, as Nova ignores a compute that was
    never mapped.
    """
    with db_api.writer(db_api.api_db(ctx), ctx) as conn:
        conn.execute(sa.delete(_HMAPS).where(_HMAPS.c.host == host))
