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

"""Server (instance) queries for the API, as Core selects on one database.

Every function takes a SQLAlchemy ``Connection`` on one cell database and
returns plain mappings or dicts: no ORM objects, no lazy loads. The list
query and each batched loader cost one query whatever the number of
instances, so a page of servers costs a fixed number of queries per cell.

The filters are Nova's (``nova/db/main/api.py``
``instance_get_all_by_filters_sort``): exact matches for a few columns,
regular expressions for the other instance columns, tags, changes-since/
before and the deleted/soft-deleted rules.
"""

import collections
import functools
import json
import threading

import sqlalchemy as sa

from nova_faults.db import models
from nova_faults.db import utils

INST = models.Instance.__table__
EXTRA = models.InstanceExtra.__table__
INFO_CACHE = models.InstanceInfoCache.__table__
METADATA = models.InstanceMetadata.__table__
SYSMETA = models.InstanceSystemMetadata.__table__
TAGS = models.Tag.__table__
BDMS = models.BlockDeviceMapping.__table__

# Filters matched exactly (a list means IN); the other instance columns are
# matched as regular expressions.
EXACT_FILTERS = ('project_id', 'user_id', 'image_ref', 'vm_state',
                 'instance_type_id', 'uuid', 'host', 'task_state', 'locked',
                 'hidden')
TAG_FILTERS = ('tags', 'tags-any', 'not-tags', 'not-tags-any')
# Filters applied in Python on the network info cache, as Nova does
# without Neutron's substring port filtering.
IP_FILTERS = ('ip', 'ip6')

# NOTE: sort keys that Nova's schema accepts but whose column is NOT NULL
# or never null in practice; every other key sorts NULLs as the smallest
# value on every database, so that pages merge identically across cells
# on MySQL, PostgreSQL and SQLite.
_NOT_NULL_SORT_KEYS = ('uuid', 'id', 'created_at', 'deleted')

INDEX_COLUMNS = ('uuid', 'display_name', 'deleted')
# The instances columns the server view reads (a list page fetches only
# these, plus its sort keys): about a third fewer values to convert.
VIEW_COLUMNS = (
    'id', 'uuid', 'deleted', 'created_at', 'updated_at', 'user_id',
    'project_id', 'image_ref', 'kernel_id', 'ramdisk_id', 'hostname',
    'launch_index', 'key_name', 'power_state', 'vm_state', 'task_state',
    'host', 'node', 'user_data', 'reservation_id', 'launched_at',
    'terminated_at', 'availability_zone', 'display_name',
    'display_description', 'locked_by', 'root_device_name', 'config_drive',
    'access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'progress')


def _soft_deleted_vm_state():
    return 'soft-delete'


def _regex_clause(dialect, column, value):
    value = str(value)
    if dialect == 'postgresql':
        return column.op('~')(value)
    if dialect == 'mysql':
        # NOTE: Nova escapes "|" for MySQL (a lone "|" is an error there).
        return column.op('REGEXP')(value.replace('|', '\\|'))
    if dialect == 'sqlite':
        return column.op('REGEXP')(value)
    return column.like('%' + value + '%')


def _deleted_clauses(filters):
    """Nova's ``deleted``/``soft_deleted`` rules (pops them)."""
    soft_deleted = filters.pop('soft_deleted', None)
    if 'deleted' not in filters:
        return []
    if filters.pop('deleted'):
        if soft_deleted is None or soft_deleted:
            return [sa.or_(INST.c.deleted == INST.c.id,
                           INST.c.vm_state == _soft_deleted_vm_state())]
        return [INST.c.deleted == INST.c.id]
    clauses = [INST.c.deleted == 0]
    if not soft_deleted:
        # NOTE: as Nova, "not deleted" also hides soft-deleted servers
        # unless soft_deleted is asked for.
        clauses.append(sa.or_(INST.c.vm_state != _soft_deleted_vm_state(),
                              INST.c.vm_state.is_(None)))
    return clauses


def _tag_clauses(filters):
    """``tags``, ``tags-any``, ``not-tags``, ``not-tags-any`` (pops them)."""
    clauses = []
    for tag in filters.pop('tags', None) or ():
        clauses.append(INST.c.uuid.in_(
            sa.select(TAGS.c.resource_id).where(TAGS.c.tag == tag)))
    tags_any = filters.pop('tags-any', None)
    if tags_any:
        clauses.append(INST.c.uuid.in_(
            sa.select(TAGS.c.resource_id).where(TAGS.c.tag.in_(tags_any))))
    not_tags = filters.pop('not-tags', None)
    if not_tags:
        sub = sa.select(TAGS.c.resource_id).where(TAGS.c.tag == not_tags[0])
        for tag in not_tags[1:]:
            sub = sub.where(TAGS.c.resource_id.in_(
                sa.select(TAGS.c.resource_id).where(TAGS.c.tag == tag)))
        clauses.append(~INST.c.uuid.in_(sub))
    not_tags_any = filters.pop('not-tags-any', None)
    if not_tags_any:
        clauses.append(~INST.c.uuid.in_(
            sa.select(TAGS.c.resource_id).where(
                TAGS.c.tag.in_(not_tags_any))))
    return clauses


def _flavor_clauses(filters):
    """The ``flavor`` filter (pops it)."""
    flavor = filters.pop('flavor', None)
    if flavor is None:
        return []
    # NOTE: Nova maps the flavor id to the API database's flavors table
    # and filters on instance_type_id. nova-faults reads the flavor the
    # instance carries (instance_extra.flavor JSON), which also works
    # without access to the flavors table. The id is matched literally:
    # LIKE's "%" and "_" in it are escaped (flavor=% must not match every
    # flavor).
    flavorid = json.dumps(str(flavor))
    for char in ('!', '%', '_'):
        flavorid = flavorid.replace(char, '!' + char)
    pattern = '%%"flavorid": %s%%' % flavorid
    return [INST.c.uuid.in_(sa.select(EXTRA.c.instance_uuid).where(
        EXTRA.c.flavor.like(pattern, escape='!')))]


def _regex_clauses(dialect, filters):
    """A regular expression per remaining instance column filter."""
    clauses = []
    for name, value in filters.items():
        if name not in INST.c or value is None:
            continue
        column = INST.c[name]
        if not isinstance(column.type, sa.String) or isinstance(
                column.type, sa.Enum):
            # NOTE: Nova applies the regular expression to the column as
            # is, which PostgreSQL refuses for integers, booleans, dates,
            # enums and INET ("operator does not exist"); matching their
            # text works on every database.
            column = sa.cast(column, sa.String)
        clauses.append(_regex_clause(dialect, column, value))
    return clauses


def build_filters(dialect, filters):
    """WHERE clauses for Nova-style ``filters`` on the instances table.

    ``dialect`` is the database's dialect name (``sqlite``, ``mysql``,
    ``postgresql``): regular expressions are written its way.

    ``filters`` is not modified. Unknown names are ignored, as in Nova.
    Returns a list of clauses, or None when the filters cannot match
    anything (an empty IN list).
    """
    filters = dict(filters)
    clauses = []
    since = filters.pop('changes-since', None)
    if since is not None:
        clauses.append(INST.c.updated_at >= since)
    before = filters.pop('changes-before', None)
    if before is not None:
        clauses.append(INST.c.updated_at <= before)
    clauses.extend(_deleted_clauses(filters))
    filters.pop('cleaned', None)
    clauses.extend(_tag_clauses(filters))
    if filters.pop('hidden', False):
        clauses.append(INST.c.hidden == sa.true())
    else:
        clauses.append(sa.or_(INST.c.hidden == sa.false(),
                              INST.c.hidden.is_(None)))
    clauses.extend(_flavor_clauses(filters))
    for name in IP_FILTERS:
        filters.pop(name, None)
    for name in EXACT_FILTERS:
        if name not in filters:
            continue
        value = filters.pop(name)
        column = INST.c[name]
        if isinstance(value, (list, tuple, set, frozenset)):
            if not value:
                return None
            clauses.append(column.in_(list(value)))
        else:
            clauses.append(column == value)
    return clauses + _regex_clauses(dialect, filters)


def _order_by(sort_keys, sort_dirs, columns=None):
    columns = INST.c if columns is None else columns
    order = []
    for key, direction in zip(sort_keys, sort_dirs):
        column = columns[key]
        desc = direction == 'desc'
        if key not in _NOT_NULL_SORT_KEYS:
            rank = sa.case((column.is_(None), 0), else_=1)
            order.append(rank.desc() if desc else rank.asc())
        order.append(column.desc() if desc else column.asc())
    return order


def _after_marker(sort_keys, sort_dirs, marker):
    """Rows strictly after ``marker`` (a mapping) in the sort order.

    NULLs are the smallest values (see :func:`_order_by`).
    """
    alternatives = []
    equal_so_far = []
    for key, direction in zip(sort_keys, sort_dirs):
        column = INST.c[key]
        value = marker[key]
        desc = direction == 'desc'
        if value is None:
            after = sa.false() if desc else column.isnot(None)
            equal = column.is_(None)
        else:
            if desc:
                after = sa.or_(column < value, column.is_(None))
            else:
                after = column > value
            equal = column == value
        alternatives.append(sa.and_(*(equal_so_far + [after])))
        equal_so_far.append(equal)
    return sa.or_(*alternatives)


def detail_select(page=None):
    """The instances columns plus the joined one-to-one JSON blobs.

    ``page`` is an optional subquery of instances rows to join (the
    sorted, limited page); by default the whole instances table.
    """
    page = INST if page is None else page
    return sa.select(
        page,
        INFO_CACHE.c.network_info.label('info_cache'),
        EXTRA.c.flavor.label('flavor'),
        EXTRA.c.trusted_certs.label('trusted_certs'),
    ).select_from(
        page.outerjoin(
            INFO_CACHE, INFO_CACHE.c.instance_uuid == page.c.uuid
        ).outerjoin(EXTRA, EXTRA.c.instance_uuid == page.c.uuid))


def _columns_select(base, sort_keys):
    names = list(base) + [k for k in sort_keys if k not in base]
    return sa.select(*[INST.c[name] for name in names])


def index_select(sort_keys):
    return _columns_select(INDEX_COLUMNS, sort_keys)


def instance_list(conn, filters, sort_keys, sort_dirs, limit=None,
                  marker=None, detail=True):
    """One sorted page of instances of this database.

    ``marker`` is the sort-key values (a mapping) of the last row already
    seen, possibly from another cell. Returns a list of row mappings.
    """
    if limit == 0:
        return []
    stmt = _page_statement(conn.dialect.name, filters, sort_keys, sort_dirs,
                           limit, marker, detail)
    if stmt is None:
        return []
    return conn.execute(stmt).mappings().all()


def _page_statement(dialect_name, filters, sort_keys, sort_dirs, limit,
                    marker, detail):
    """The page's select (None: nothing can match), built once per values.

    NOTE: building a page's select (32 columns, its filters, the page
    subquery and the joined blobs) and its cache key costs 0.6 to 0.8
    ms, ten times what running it costs on an empty cell; a list asks
    every cell for the same page. The select is kept for the same
    dialect and the same values of everything it is built from (the
    filter values included, typed: ``True`` is not ``1``), so a page is
    built once per request, and once for all the requests that ask for
    it again (a dashboard polling the same list). Values that cannot be
    a key (none of the API's filters) are built each time.
    """
    try:
        key = (dialect_name, _frozen(filters), tuple(sort_keys),
               tuple(sort_dirs), limit,
               None if marker is None else _frozen(dict(marker)), detail)
        hash(key)
    except TypeError:
        return _build_page_statement(dialect_name, filters, sort_keys,
                                     sort_dirs, limit, marker, detail)
    return _cached_page_statement(key, filters, marker)


def _frozen(value):
    """A hashable, typed image of a filter value (TypeError if none)."""
    if isinstance(value, dict):
        return ('dict', tuple(sorted(
            (key, _frozen(item)) for key, item in value.items())))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_frozen(v) for v in value))
    if isinstance(value, (set, frozenset)):
        return ('set', frozenset(_frozen(v) for v in value))
    return (type(value).__name__, value)


_PAGE_STATEMENTS = collections.OrderedDict()
_PAGE_STATEMENTS_LOCK = threading.Lock()
# Pages whose select is kept (least recently used forgotten first): a
# select with its cache key is about 80 KB.
MAX_PAGE_STATEMENTS = 32
_NOTHING = object()


def _cached_page_statement(key, filters, marker):
    with _PAGE_STATEMENTS_LOCK:
        stmt = _PAGE_STATEMENTS.get(key, _NOTHING)
        if stmt is not _NOTHING:
            _PAGE_STATEMENTS.move_to_end(key)
            return stmt
    dialect_name, _f, sort_keys, sort_dirs, limit, _m, detail = key
    stmt = _build_page_statement(dialect_name, filters, sort_keys,
                                 sort_dirs, limit, marker, detail)
    with _PAGE_STATEMENTS_LOCK:
        _PAGE_STATEMENTS[key] = stmt
        while len(_PAGE_STATEMENTS) > MAX_PAGE_STATEMENTS:
            _PAGE_STATEMENTS.popitem(last=False)
    return stmt


def _build_page_statement(dialect_name, filters, sort_keys, sort_dirs,
                          limit, marker, detail):
    clauses = build_filters(dialect_name, filters)
    if clauses is None:
        return None
    stmt = (_columns_select(VIEW_COLUMNS, sort_keys) if detail
            else index_select(sort_keys))
    if clauses:
        stmt = stmt.where(*clauses)
    if marker is not None:
        stmt = stmt.where(_after_marker(sort_keys, sort_dirs, marker))
    stmt = stmt.order_by(*_order_by(sort_keys, sort_dirs))
    if limit is not None:
        stmt = stmt.limit(limit)
    if detail:
        # NOTE: the page of instances is sorted and cut first, then the
        # blobs are joined to it (as Nova wraps its paginated subquery):
        # planners estimate the sort on the narrow table, which keeps
        # PostgreSQL from JIT-compiling a query over an empty database.
        page = stmt.subquery('page')
        stmt = detail_select(page).order_by(
            *_order_by(sort_keys, sort_dirs, page.c))
    return stmt


# NOTE: the statements of the reads every request about one server makes
# are built once per shape (values are bound parameters): building a
# select and its cache key costs several times what running it costs on
# SQLite, and a server costs eight of them. The reads of related rows,
# by a list of instance uuids, are built in two shapes
# (utils.KeyedSelect): most requests ask for one server's.


@functools.lru_cache(maxsize=None)
def _instance_get_stmt(read_deleted, scoped, detail):
    stmt = detail_select() if detail else sa.select(INST)
    stmt = stmt.where(INST.c.uuid == sa.bindparam('uuid'))
    if read_deleted == 'no':
        stmt = stmt.where(INST.c.deleted == 0)
    elif read_deleted == 'only':
        stmt = stmt.where(INST.c.deleted != 0)
    if scoped:
        stmt = stmt.where(INST.c.project_id == sa.bindparam('project_id'))
    return stmt


def instance_get(conn, uuid, read_deleted='no', project_id=None,
                 detail=True):
    """One instance row by uuid (None when not found).

    ``project_id`` scopes the lookup (non-admin callers): another
    project's instance is "not found".
    """
    stmt = _instance_get_stmt(read_deleted, project_id is not None, detail)
    params = {'uuid': uuid}
    if project_id is not None:
        params['project_id'] = project_id
    return conn.execute(stmt, params).mappings().first()


@functools.lru_cache(maxsize=None)
def _key_values_stmt(table, keys=None, prefix=None):
    def build(match):
        stmt = sa.select(table.c.instance_uuid, table.c.key, table.c.value
                         ).where(match(table.c.instance_uuid),
                                 table.c.deleted == 0)
        wanted = []
        if keys and len(keys) == 1:
            # NOTE: as KeyedSelect: an IN of one value (an expanding
            # parameter) would have its SQL rewritten at every execution.
            wanted.append(table.c.key == keys[0])
        elif keys:
            wanted.append(table.c.key.in_(list(keys)))
        if prefix:
            wanted.append(table.c.key.like(prefix + '%'))
        if wanted:
            stmt = stmt.where(sa.or_(*wanted))
        return stmt.order_by(table.c.id)
    return utils.KeyedSelect(build)


def _key_values(conn, table, uuids, keys=None, prefix=None):
    stmt = _key_values_stmt(table, tuple(keys) if keys else None, prefix)
    result = {}
    for uuid, key, value in stmt.execute(conn, uuids):
        result.setdefault(uuid, {})[key] = value
    return result


def metadata(conn, uuids):
    """``{uuid: {key: value}}`` of the user metadata."""
    if not uuids:
        return {}
    return _key_values(conn, METADATA, uuids)


def system_metadata(conn, uuids, keys=None, prefix=None):
    """``{uuid: {key: value}}`` of the system metadata.

    Only ``keys`` and keys starting with ``prefix`` when given.
    """
    if not uuids:
        return {}
    return _key_values(conn, SYSMETA, uuids, keys, prefix)


_TAGS_STMT = utils.KeyedSelect(lambda match: sa.select(
    TAGS.c.resource_id, TAGS.c.tag).where(
    match(TAGS.c.resource_id)).order_by(TAGS.c.tag))


def tags(conn, uuids):
    """``{uuid: [tag, ...]}`` sorted by tag."""
    if not uuids:
        return {}
    result = {}
    for uuid, tag in _TAGS_STMT.execute(conn, uuids):
        result.setdefault(uuid, []).append(tag)
    return result


_BDMS_STMT = utils.KeyedSelect(lambda match: sa.select(
    BDMS.c.instance_uuid, BDMS.c.volume_id, BDMS.c.delete_on_termination
).where(match(BDMS.c.instance_uuid), BDMS.c.deleted == 0,
        BDMS.c.volume_id.isnot(None)).order_by(BDMS.c.id))


def volume_bdms(conn, uuids):
    """``{uuid: [bdm row]}`` of the live volume block device mappings."""
    if not uuids:
        return {}
    result = {}
    for row in _BDMS_STMT.execute(conn, uuids).mappings():
        result.setdefault(row['instance_uuid'], []).append(row)
    return result
