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

"""Database access: engines and the query functions of nova-faults.

Where a query goes
------------------

Every function takes a :class:`nova_faults.context.RequestContext` first.

* API database functions (``cell_mapping_*``, ``instance_mapping_*``,
  ``host_mapping_*``, ``request_spec_*``, ``instance_group_*``) use
  ``context.api_db``.
* Cell database functions (everything else) use ``context.cell``.

Both attributes hold an oslo.db enginefacade transaction context, as
returned by :func:`get_api_context_manager` and :func:`get_context_manager`
(one per database URL, cached for the life of the process).
:func:`nova_faults.cells.target_cell` gives a context copy whose ``cell``
is a cell's database; a service that only knows its own cell database can
set ``ctx.cell = get_context_manager(conf, url)`` itself.

What comes back
---------------

Plain ``dict`` rows keyed by column name (never ORM objects: building
objects is the slowest part of a list request) and, for batched helpers,
dicts keyed by instance UUID. A function that finds nothing raises the
matching ``nova_faults.exception.*NotFound`` when it returns one row, and
returns an empty list or dict when it returns many.

Every function costs a fixed number of queries whatever the number of
rows; batched helpers take lists of instance UUIDs (or action ids).

Soft delete follows Nova: ``context.read_deleted`` (``'no'``, ``'yes'``,
``'only'``) decides whether rows with ``deleted != 0`` are seen, except
where a function says otherwise.
"""

import copy
import datetime
import os
import threading
import types

from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import utils as sqlalchemyutils
from oslo_log import log as logging
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa
from sqlalchemy.engine import url as sa_url

from nova_faults.db import models
from nova_faults import exception

LOG = logging.getLogger(__name__)

API_SQLITE_NAME = 'nova_faults_api.sqlite'
"""File name of the embedded API database under ``[DEFAULT] state_path``."""

_LOCK = threading.Lock()
_FACTORIES = {}

# Table shortcuts (Core tables: select() on them returns plain rows).
_CELLS = models.CellMapping.__table__
_IMAPS = models.InstanceMapping.__table__
_HMAPS = models.HostMapping.__table__
_SPECS = models.RequestSpec.__table__
_GROUPS = models.InstanceGroup.__table__
_GROUP_MEMBERS = models.InstanceGroupMember.__table__
_GROUP_POLICIES = models.InstanceGroupPolicy.__table__
_INSTANCES = models.Instance.__table__
_EXTRA = models.InstanceExtra.__table__
_FAULTS = models.InstanceFault.__table__
_ACTIONS = models.InstanceAction.__table__
_EVENTS = models.InstanceActionEvent.__table__
_SERVICES = models.Service.__table__
_INFO_CACHES = models.InstanceInfoCache.__table__
_METADATA = models.InstanceMetadata.__table__
_SYSMETA = models.InstanceSystemMetadata.__table__
_TAGS = models.Tag.__table__
_BDMS = models.BlockDeviceMapping.__table__

# The instance_extra columns holding JSON blobs.
EXTRA_COLUMNS = ('numa_topology', 'pci_requests', 'flavor', 'vcpu_model',
                 'migration_context', 'keypairs', 'device_metadata',
                 'trusted_certs', 'resources')

_retry_on_deadlock = oslo_db_api.wrap_db_retry(max_retries=5,
                                               retry_on_deadlock=True)


# ---------------------------------------------------------------------------
# Engines
# ---------------------------------------------------------------------------


def api_connection_url(conf):
    """The API database URL.

    The API database URL: ``[api_database] connection`` or the embedded
    SQLite file under ``[DEFAULT] state_path`` (its directory is created).
    """
    url = conf.api_database.connection
    if url:
        return url
    return sqlite_url(conf, API_SQLITE_NAME)


def sqlite_url(conf, filename):
    """A SQLite URL for ``filename`` under ``state_path`` (created)."""
    path = os.path.abspath(os.path.expanduser(conf.state_path))
    os.makedirs(path, mode=0o700, exist_ok=True)
    return 'sqlite:///' + os.path.join(path, filename)


def _engine_options(conf):
    if conf is None:
        # Option defaults, for callers without a configuration.
        from nova_faults.conf import database
        group = types.SimpleNamespace(
            **{opt.dest: opt.default for opt in database.opts})
    else:
        group = conf.api_database
    return dict(
        sqlite_fk=False,  # NOTE: Nova does not enforce SQLite foreign keys.
        sqlite_synchronous=group.sqlite_synchronous,
        connection_recycle_time=group.connection_recycle_time,
        max_pool_size=group.max_pool_size,
        max_overflow=group.max_overflow,
        pool_timeout=group.pool_timeout,
        connection_debug=group.connection_debug,
        # NOTE: no connection test at engine creation (oslo.db's default
        # retries ten times, ten seconds apart): a down cell must fail
        # fast and be reported, not stall the worker.
        max_retries=0,
        # NOTE: oslo.db's sleep(0) at every connection check-in only helps
        # eventlet; with real threads it costs a scheduler round trip per
        # query under load.
        thread_checkin=False,
    )


def _timeout_parameters(conf, url):
    """Driver timeouts for ``url``, derived from ``[api] cell_timeout``.

    A database server that accepts connections and never answers must not
    hold a thread forever: PyMySQL gets ``connect_timeout`` and
    ``read_timeout``, psycopg (libpq) ``connect_timeout``, each the cell
    timeout rounded up (at least 2 s, libpq's minimum). Parameters already
    in the URL are kept. NOTE: libpq has no read timeout; a PostgreSQL
    server that stops answering mid-query holds its call until TCP gives
    up, which the per-cell concurrency limit of :mod:`nova_faults.cells`
    bounds.
    """
    api = getattr(conf, 'api', None) if conf is not None else None
    timeout = getattr(api, 'cell_timeout', None)
    if not timeout:
        return None
    try:
        parsed = sa_url.make_url(url)
    except Exception:
        return None
    seconds = max(2, int(-(-timeout // 1)))
    backend = parsed.get_backend_name()
    if backend == 'mysql':
        names = ('connect_timeout', 'read_timeout')
    elif backend == 'postgresql':
        names = ('connect_timeout',)
    else:
        return None
    pairs = ['%s=%d' % (name, seconds) for name in names
             if name not in parsed.query]
    return '&'.join(pairs) or None


def get_context_manager(conf, url):
    """The enginefacade transaction context for database ``url``.

    One per URL (and engine options) in the process, created on first use
    and cached; safe to call from any thread. ``conf`` gives the engine
    options (``[api_database]`` pool settings); None means their defaults.
    """
    options = _engine_options(conf)
    parameters = _timeout_parameters(conf, url)
    if parameters:
        options['connection_parameters'] = parameters
    if url.startswith('sqlite'):
        # NOTE: oslo.db gives SQLite files a NullPool, which rejects the
        # pool sizing arguments.
        for name in ('max_pool_size', 'max_overflow', 'pool_timeout'):
            options.pop(name)
    key = (url, tuple(sorted(options.items())))
    factory = _FACTORIES.get(key)
    if factory is not None:
        return factory
    with _LOCK:
        factory = _FACTORIES.get(key)
        if factory is None:
            factory = enginefacade.transaction_context()
            factory.configure(connection=url, **options)
            factory.nova_faults_url = url
            _FACTORIES[key] = factory
    return factory


def get_api_context_manager(conf):
    """The transaction context of the API database."""
    return get_context_manager(conf, api_connection_url(conf))


def get_engine(factory):
    """The SQLAlchemy engine behind a transaction context (starts it)."""
    engine = factory.writer.get_engine()
    if engine.dialect.name == 'sqlite' and not getattr(
            engine, '_nova_faults_wal', False):
        database = engine.url.database
        if database and database != ':memory:':
            # NOTE: WAL lets API readers run while a writer commits. The
            # journal mode is a property of the file, set once.
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                cursor.execute('PRAGMA journal_mode=WAL')
                cursor.close()
            finally:
                raw.close()
        engine._nova_faults_wal = True
    return engine


def dispose(url=None):
    """Close pooled connections and forget engines.

    Close the pooled connections of ``url`` (all URLs when None) and
    forget the engines; used before dropping a database and in tests.
    """
    with _LOCK:
        for key in list(_FACTORIES):
            if url is None or key[0] == url:
                factory = _FACTORIES.pop(key)
                try:
                    factory.dispose_pool()
                except AttributeError:
                    pass
                except Exception:
                    LOG.debug('Could not dispose the engine of a database',
                              exc_info=True)


def mask_url(url):
    """``url`` with its password replaced by ``***`` (for display)."""
    if not url:
        return url
    try:
        return sa_url.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return '<unparsable database URL>'


def format_db_url(conf, url):
    """Expand a Nova-style templated cell database URL.

    Nova lets ``cell_mappings.database_connection`` hold ``{scheme}``,
    ``{username}``, ``{password}``, ``{hostname}``, ``{port}``, ``{path}``
    and ``{query}`` placeholders, filled from the local database URL. Here
    they are filled from ``[api_database] connection``.
    """
    if not url or '{' not in url:
        return url
    base = sa_url.make_url(api_connection_url(conf))
    values = {
        'scheme': base.drivername,
        'username': base.username or '',
        'password': base.password or '',
        'hostname': base.host or '',
        'port': base.port or '',
        'path': base.database or '',
        'query': '&'.join('%s=%s' % (k, v) for k, v in base.query.items()),
    }
    try:
        return url.format(**values)
    except (KeyError, IndexError, ValueError):
        raise exception.ConfigInvalid(
            reason='cell database URL %s has an unknown placeholder'
                   % mask_url(url))


def _api(ctx):
    factory = getattr(ctx, 'api_db', None)
    if factory is None:
        raise exception.ConfigInvalid(
            reason='the request context has no API database (context.api_db)')
    return factory


def _cell(ctx):
    factory = getattr(ctx, 'cell', None)
    if factory is None:
        raise exception.ConfigInvalid(
            reason='the request context is not targeted at a cell '
                   '(context.cell); use nova_faults.cells.target_cell')
    return factory


def _reader(factory, ctx):
    return factory.reader.connection.using(ctx)


def _writer(factory, ctx):
    return factory.writer.connection.using(ctx)


def cell_reader(ctx):
    """One read transaction on ``ctx``'s cell for several calls.

    ``with db_api.cell_reader(ctx): ...`` makes every query function called
    inside (on the same thread and context) share one connection and
    transaction: one pool checkout instead of one per call. Yields the
    SQLAlchemy connection.
    """
    return _reader(_cell(ctx), ctx)


def cell_writer(ctx):
    """One write transaction on ``ctx``'s cell (see :func:`cell_reader`)."""
    return _writer(_cell(ctx), ctx)


def api_reader(ctx):
    """One read transaction on the API database (see :func:`cell_reader`)."""
    return _reader(_api(ctx), ctx)


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _rows(conn, stmt):
    return [dict(row) for row in conn.execute(stmt).mappings()]


def _one(conn, stmt):
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row is not None else None


def _deleted_clause(table, read_deleted):
    if read_deleted == 'no':
        return table.c.deleted == 0
    if read_deleted == 'only':
        return table.c.deleted != 0
    if read_deleted == 'yes':
        return None
    raise ValueError('Unrecognized read_deleted value %r' % read_deleted)


def _where_deleted(stmt, table, ctx, read_deleted=None):
    clause = _deleted_clause(table, read_deleted or ctx.read_deleted)
    return stmt if clause is None else stmt.where(clause)


def _is_user_context(ctx):
    return bool(not ctx.is_admin and ctx.user_id and ctx.project_id)


def _where_project(stmt, table, ctx, project_only):
    if project_only and _is_user_context(ctx):
        stmt = stmt.where(table.c.project_id == ctx.project_id)
    return stmt


def _normalize_times(values):
    for key, value in values.items():
        if isinstance(value, datetime.datetime):
            values[key] = timeutils.normalize_time(value)
        elif isinstance(value, str) and key.endswith(('_at', '_time',
                                                     '_up')):
            values[key] = timeutils.normalize_time(
                timeutils.parse_isotime(value))
    return values


def _table_values(table, values):
    """The entries of ``values`` that are columns of ``table``."""
    return {k: v for k, v in values.items() if k in table.c}


def row_with_defaults(table, values):
    """``values`` plus the model's Python-side column defaults."""
    row = {}
    for column in table.c:
        if column.name in values:
            row[column.name] = values[column.name]
        elif column.default is not None and not column.primary_key:
            default = column.default
            if default.is_callable:
                row[column.name] = default.arg(None)
            elif default.is_scalar:
                row[column.name] = default.arg
    return row


def _insert(conn, table, values):
    """Insert a row with the model's Python defaults; return it as a dict."""
    row = row_with_defaults(table, values)
    pk = [c for c in table.primary_key.columns]
    result = conn.execute(table.insert().values(**row))
    if len(pk) == 1 and pk[0].name not in row:
        row[pk[0].name] = result.inserted_primary_key[0]
    for column in table.c:
        row.setdefault(column.name, None)
    return row


def _chunks(items, size=500):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _by_uuid_in(conn, stmt_factory, uuids):
    """Run a query per chunk of UUIDs (so huge IN lists stay portable)."""
    rows = []
    for chunk in _chunks(uuids):
        rows.extend(_rows(conn, stmt_factory(chunk)))
    return rows


# ---------------------------------------------------------------------------
# API database: cell mappings
# ---------------------------------------------------------------------------


def cell_mapping_get_all(ctx):
    """Every cell mapping, ordered by id."""
    with _reader(_api(ctx), ctx) as conn:
        return _rows(conn, sa.select(_CELLS).order_by(_CELLS.c.id))


def cell_mapping_get_by_uuid(ctx, cell_uuid):
    with _reader(_api(ctx), ctx) as conn:
        row = _one(conn, sa.select(_CELLS).where(_CELLS.c.uuid == cell_uuid))
    if row is None:
        raise exception.CellMappingNotFound(uuid=cell_uuid)
    return row


def cell_mapping_get_by_name(ctx, name):
    """The cell mappings named ``name`` (names are not unique in Nova)."""
    with _reader(_api(ctx), ctx) as conn:
        return _rows(conn, sa.select(_CELLS).where(_CELLS.c.name == name)
                     .order_by(_CELLS.c.id))


def cell_mapping_create(ctx, values):
    """Create a cell mapping (``uuid`` generated when absent)."""
    values = dict(values)
    values.setdefault('uuid', uuidutils.generate_uuid())
    with _writer(_api(ctx), ctx) as conn:
        return _insert(conn, _CELLS, _table_values(_CELLS, values))


def cell_mapping_update(ctx, cell_uuid, values):
    values = _table_values(_CELLS, _normalize_times(dict(values)))
    with _writer(_api(ctx), ctx) as conn:
        count = conn.execute(_CELLS.update()
                             .where(_CELLS.c.uuid == cell_uuid)
                             .values(**values)).rowcount
        if not count:
            raise exception.CellMappingNotFound(uuid=cell_uuid)
        return _one(conn, sa.select(_CELLS)
                    .where(_CELLS.c.uuid == cell_uuid))


# ---------------------------------------------------------------------------
# API database: instance and host mappings
# ---------------------------------------------------------------------------


_CELL_PREFIX = 'cell_mapping__'


def _imap_select():
    cell_cols = [c.label(_CELL_PREFIX + c.name) for c in _CELLS.c]
    return sa.select(_IMAPS, *cell_cols).select_from(
        _IMAPS.outerjoin(_CELLS, _IMAPS.c.cell_id == _CELLS.c.id))


def _split_cell(row):
    cell = {}
    for key in list(row):
        if key.startswith(_CELL_PREFIX):
            cell[key[len(_CELL_PREFIX):]] = row.pop(key)
    row['cell_mapping'] = cell if cell.get('id') is not None else None
    return row


def instance_mapping_get_by_instance_uuid(ctx, instance_uuid):
    """An instance mapping with its cell, in one query.

    The instance mapping with its ``cell_mapping`` (a dict or None: not
    scheduled yet) in one query.
    """
    with _reader(_api(ctx), ctx) as conn:
        row = _one(conn, _imap_select()
                   .where(_IMAPS.c.instance_uuid == instance_uuid))
    if row is None:
        raise exception.InstanceMappingNotFound(uuid=instance_uuid)
    return _split_cell(row)


def instance_mapping_get_by_instance_uuids(ctx, instance_uuids):
    """``{instance_uuid: mapping with cell_mapping}`` for those found."""
    if not instance_uuids:
        return {}
    with _reader(_api(ctx), ctx) as conn:
        rows = _by_uuid_in(
            conn, lambda chunk: _imap_select().where(
                _IMAPS.c.instance_uuid.in_(chunk)), instance_uuids)
    return {row['instance_uuid']: _split_cell(row) for row in rows}


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
    with _reader(_api(ctx), ctx) as conn:
        return _rows(conn, stmt)


def instance_mapping_get_by_project(ctx, project_id):
    """Every mapping of a project (one id or a list), with cell mappings."""
    stmt = _imap_select().order_by(_IMAPS.c.id)
    if isinstance(project_id, (list, tuple, set, frozenset)):
        stmt = stmt.where(_IMAPS.c.project_id.in_(list(project_id)))
    else:
        stmt = stmt.where(_IMAPS.c.project_id == project_id)
    with _reader(_api(ctx), ctx) as conn:
        return [_split_cell(row) for row in _rows(conn, stmt)]


def instance_mapping_create(ctx, values):
    """Create an instance mapping.

    Create an instance mapping. ``cell_id`` or ``cell_uuid`` names the
    cell (neither: not scheduled yet).
    """
    values = dict(values)
    cell_uuid = values.pop('cell_uuid', None)
    with _writer(_api(ctx), ctx) as conn:
        if cell_uuid is not None:
            cell_id = conn.execute(sa.select(_CELLS.c.id).where(
                _CELLS.c.uuid == cell_uuid)).scalar()
            if cell_id is None:
                raise exception.CellMappingNotFound(uuid=cell_uuid)
            values['cell_id'] = cell_id
        return _insert(conn, _IMAPS, _table_values(_IMAPS, values))


def instance_mapping_update(ctx, instance_uuid, values):
    values = _table_values(_IMAPS, dict(values))
    with _writer(_api(ctx), ctx) as conn:
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
    with _reader(_api(ctx), ctx) as conn:
        row = _one(conn, stmt)
    if row is None:
        raise exception.HostMappingNotFound(name=host)
    return _split_cell(row)


def host_mapping_get_all(ctx, cell_uuid=None):
    """Host mappings, each with its cell_uuid.

    Host mappings (of one cell when ``cell_uuid`` is given), each with
    ``cell_uuid``.
    """
    stmt = (sa.select(_HMAPS, _CELLS.c.uuid.label('cell_uuid'))
            .select_from(_HMAPS.join(_CELLS, _HMAPS.c.cell_id == _CELLS.c.id))
            .order_by(_HMAPS.c.id))
    if cell_uuid is not None:
        stmt = stmt.where(_CELLS.c.uuid == cell_uuid)
    with _reader(_api(ctx), ctx) as conn:
        return _rows(conn, stmt)


def host_mapping_create(ctx, host, cell_uuid):
    with _writer(_api(ctx), ctx) as conn:
        cell_id = conn.execute(sa.select(_CELLS.c.id).where(
            _CELLS.c.uuid == cell_uuid)).scalar()
        if cell_id is None:
            raise exception.CellMappingNotFound(uuid=cell_uuid)
        return _insert(conn, _HMAPS, {'host': host, 'cell_id': cell_id})


# ---------------------------------------------------------------------------
# API database: request specs and server groups
# ---------------------------------------------------------------------------


def request_spec_get_by_instance_uuid(ctx, instance_uuid):
    """The request_specs row (``spec`` is Nova's serialized JSON)."""
    with _reader(_api(ctx), ctx) as conn:
        row = _one(conn, sa.select(_SPECS)
                   .where(_SPECS.c.instance_uuid == instance_uuid))
    if row is None:
        raise exception.RequestSpecNotFound(instance_uuid=instance_uuid)
    return row


def request_spec_get_by_instance_uuids(ctx, instance_uuids):
    """``{instance_uuid: request_specs row}`` for those found."""
    if not instance_uuids:
        return {}
    with _reader(_api(ctx), ctx) as conn:
        rows = _by_uuid_in(conn, lambda chunk: sa.select(_SPECS).where(
            _SPECS.c.instance_uuid.in_(chunk)), instance_uuids)
    return {row['instance_uuid']: row for row in rows}


def request_spec_create(ctx, instance_uuid, spec):
    """Store ``spec`` (a JSON string) for an instance."""
    with _writer(_api(ctx), ctx) as conn:
        return _insert(conn, _SPECS, {'instance_uuid': instance_uuid,
                                      'spec': spec})


def instance_group_get_by_instance_uuids(ctx, instance_uuids):
    """Server group UUIDs of instances, batched.

    ``{instance_uuid: [group uuid, ...]}`` of the server groups the
    instances are members of (one query).
    """
    if not instance_uuids:
        return {}
    result = {}
    with _reader(_api(ctx), ctx) as conn:
        rows = _by_uuid_in(
            conn, lambda chunk: sa.select(
                _GROUP_MEMBERS.c.instance_uuid, _GROUPS.c.uuid)
            .select_from(_GROUP_MEMBERS.join(
                _GROUPS, _GROUP_MEMBERS.c.group_id == _GROUPS.c.id))
            .where(_GROUP_MEMBERS.c.instance_uuid.in_(chunk))
            .order_by(_GROUP_MEMBERS.c.id), instance_uuids)
    for row in rows:
        result.setdefault(row['instance_uuid'], []).append(row['uuid'])
    return result


def instance_group_create(ctx, values, policy=None, members=None):
    """Create a server group with an optional policy and member UUIDs."""
    values = dict(values)
    values.setdefault('uuid', uuidutils.generate_uuid())
    with _writer(_api(ctx), ctx) as conn:
        group = _insert(conn, _GROUPS, _table_values(_GROUPS, values))
        if policy:
            _insert(conn, _GROUP_POLICIES,
                    {'policy': policy, 'group_id': group['id']})
        for member in members or ():
            _insert(conn, _GROUP_MEMBERS,
                    {'instance_uuid': member, 'group_id': group['id']})
    group['policy'] = policy
    group['members'] = list(members or ())
    return group


# ---------------------------------------------------------------------------
# Cell database: instances
# ---------------------------------------------------------------------------


def instance_get_by_uuid(ctx, instance_uuid, read_deleted=None,
                         project_only=True):
    """The instances row of ``instance_uuid``.

    As in Nova, a non-admin user context only finds its own project's
    instances (``project_only``), and ``read_deleted`` (default: the
    context's) decides whether a deleted instance is found. Raises
    ``InstanceNotFound``.
    """
    stmt = sa.select(_INSTANCES).where(_INSTANCES.c.uuid == instance_uuid)
    stmt = _where_deleted(stmt, _INSTANCES, ctx, read_deleted)
    stmt = _where_project(stmt, _INSTANCES, ctx, project_only)
    with _reader(_cell(ctx), ctx) as conn:
        row = _one(conn, stmt)
    if row is None:
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    return row


def instance_get_all_by_uuids(ctx, instance_uuids, read_deleted=None):
    """``{uuid: instances row}`` for the UUIDs found (no project scoping)."""
    if not instance_uuids:
        return {}
    with _reader(_cell(ctx), ctx) as conn:
        rows = _by_uuid_in(conn, lambda chunk: _where_deleted(
            sa.select(_INSTANCES).where(_INSTANCES.c.uuid.in_(chunk)),
            _INSTANCES, ctx, read_deleted), instance_uuids)
    return {row['uuid']: row for row in rows}


def process_sort_params(sort_keys, sort_dirs,
                        default_keys=('created_at', 'id'),
                        default_dir='desc'):
    """Nova's sort parameter processing.

    Nova's sort parameter processing: default keys are appended with
    the first direction (or ``default_dir``).
    """
    default_dir_value = sort_dirs[0] if sort_dirs else default_dir
    keys = list(sort_keys or [])
    if sort_dirs:
        dirs = []
        for sort_dir in sort_dirs:
            if sort_dir not in ('asc', 'desc'):
                raise exception.InvalidInput(
                    reason="Unknown sort direction, must be 'desc' or 'asc'")
            dirs.append(sort_dir)
    else:
        dirs = [default_dir_value for _key in keys]
    while len(dirs) < len(keys):
        dirs.append(default_dir_value)
    if len(dirs) > len(keys):
        raise exception.InvalidInput(
            reason='Sort direction size exceeds sort key size')
    for key in default_keys:
        if key not in keys:
            keys.append(key)
            dirs.append(default_dir_value)
    return keys, dirs


# Filters matched exactly, as in Nova; other instance columns are regular
# expressions.
_EXACT_FILTERS = ('project_id', 'user_id', 'image_ref', 'vm_state',
                  'instance_type_id', 'uuid', 'metadata', 'host',
                  'task_state', 'system_metadata', 'locked', 'hidden')

SOFT_DELETED = 'soft-delete'


def _regexp_op(dialect_name):
    return {'postgresql': '~', 'mysql': 'REGEXP',
            'sqlite': 'REGEXP'}.get(dialect_name, 'LIKE')


def _safe_regex_mysql(raw):
    # NOTE: as in Nova, a backslash is doubled for MySQL's REGEXP.
    return raw.replace('\\', '\\\\') if isinstance(raw, str) else raw


def _instance_filters(ctx, stmt, filters, dialect_name):
    filters = copy.deepcopy(dict(filters or {}))
    table = _INSTANCES
    for key in ('changes-since', 'changes-before'):
        if filters.get(key):
            when = timeutils.normalize_time(filters[key])
            stmt = stmt.where(table.c.updated_at >= when
                              if key == 'changes-since'
                              else table.c.updated_at <= when)
        filters.pop(key, None)

    if 'deleted' in filters:
        deleted = filters.pop('deleted')
        if deleted:
            if filters.pop('soft_deleted', True):
                stmt = stmt.where(sa.or_(
                    table.c.deleted == table.c.id,
                    table.c.vm_state == SOFT_DELETED))
            else:
                stmt = stmt.where(table.c.deleted == table.c.id)
        else:
            stmt = stmt.where(table.c.deleted == 0)
            if not filters.pop('soft_deleted', False):
                stmt = stmt.where(sa.or_(table.c.vm_state != SOFT_DELETED,
                                         table.c.vm_state.is_(None)))
    filters.pop('soft_deleted', None)

    if 'cleaned' in filters:
        stmt = stmt.where(table.c.cleaned == (
            1 if filters.pop('cleaned') else 0))

    tag_col = _TAGS.c.tag
    if filters.get('tags'):
        for tag in filters.pop('tags'):
            stmt = stmt.where(table.c.uuid.in_(
                sa.select(_TAGS.c.resource_id).where(tag_col == tag)))
    if filters.get('tags-any'):
        stmt = stmt.where(table.c.uuid.in_(
            sa.select(_TAGS.c.resource_id).where(
                tag_col.in_(list(filters.pop('tags-any'))))))
    if filters.get('not-tags'):
        tags = list(filters.pop('not-tags'))
        subq = sa.select(_TAGS.c.resource_id).where(tag_col == tags[0])
        for tag in tags[1:]:
            subq = subq.where(_TAGS.c.resource_id.in_(
                sa.select(_TAGS.c.resource_id).where(tag_col == tag)))
        stmt = stmt.where(~table.c.uuid.in_(subq))
    if filters.get('not-tags-any'):
        stmt = stmt.where(~table.c.uuid.in_(
            sa.select(_TAGS.c.resource_id).where(
                tag_col.in_(list(filters.pop('not-tags-any'))))))
    for key in ('tags', 'tags-any', 'not-tags', 'not-tags-any'):
        filters.pop(key, None)

    if not ctx.is_admin:
        # NOTE: as in Nova, a non-admin context only lists its own
        # project's instances whatever the filters say.
        if ctx.project_id:
            filters['project_id'] = ctx.project_id
        else:
            filters['user_id'] = ctx.user_id

    if filters.pop('hidden', False):
        stmt = stmt.where(table.c.hidden == sa.true())
    else:
        stmt = stmt.where(sa.or_(table.c.hidden == sa.false(),
                                 table.c.hidden.is_(None)))

    for key in _EXACT_FILTERS:
        if key not in filters:
            continue
        value = filters.pop(key)
        if key in ('metadata', 'system_metadata'):
            meta = _METADATA if key == 'metadata' else _SYSMETA
            items = value if isinstance(value, list) else [value]
            for item in items:
                for k, v in item.items():
                    # NOTE: Nova matches key and value separately (any
                    # row with the key, any row with the value).
                    for cond in (meta.c.key == k, meta.c.value == v):
                        stmt = stmt.where(table.c.uuid.in_(
                            sa.select(meta.c.instance_uuid).where(
                                cond, meta.c.deleted == 0)))
        elif isinstance(value, (list, tuple, set, frozenset)):
            if not value:
                return None
            stmt = stmt.where(table.c[key].in_(list(value)))
        else:
            stmt = stmt.where(table.c[key] == value)

    op = _regexp_op(dialect_name)
    for key, value in filters.items():
        if key not in table.c:
            continue
        if not isinstance(value, str):
            value = str(value)
        if op == 'LIKE':
            stmt = stmt.where(table.c[key].op('LIKE')('%' + value + '%'))
        else:
            if dialect_name == 'mysql':
                value = _safe_regex_mysql(value)
            stmt = stmt.where(table.c[key].op(op)(value))
    return stmt


def instance_get_all_by_filters_sort(ctx, filters, limit=None, marker=None,
                                     sort_keys=None, sort_dirs=None,
                                     marker_values=None):
    """A page of instances rows of this cell, Nova style.

    ``filters`` as in Nova's ``instance_get_all_by_filters_sort``: exact
    filters (project_id, user_id, image_ref, vm_state, instance_type_id,
    uuid, metadata, host, task_state, system_metadata, locked, hidden;
    lists mean IN), ``changes-since``/``changes-before`` (updated_at
    bounds, inclusive), ``deleted``/``soft_deleted``, ``cleaned``,
    ``tags``/``tags-any``/``not-tags``/``not-tags-any``; any other key
    that is an instances column is a regular expression (``display_name``,
    ``node``, ``availability_zone``, ...). A non-admin context is limited
    to its project. Deleted instances are included unless
    ``deleted`` says otherwise.

    ``sort_keys``/``sort_dirs`` default to ``created_at``, ``id``
    descending (those two are always appended). ``marker`` is an instance
    UUID of this cell (any deleted state; ``MarkerNotFound`` otherwise);
    ``marker_values`` instead gives the marker's sort key values directly
    (for paging across cells). Results start strictly after the marker.
    """
    if limit == 0:
        return []
    sort_keys, sort_dirs = process_sort_params(sort_keys, sort_dirs)
    factory = _cell(ctx)
    with _reader(factory, ctx) as conn:
        stmt = _instance_filters(ctx, sa.select(_INSTANCES), filters,
                                 conn.dialect.name)
        if stmt is None:
            return []
        marker_obj = None
        if marker is not None:
            row = _one(conn, sa.select(_INSTANCES).where(
                _INSTANCES.c.uuid == marker))
            if row is None:
                raise exception.MarkerNotFound(marker=marker)
            marker_obj = types.SimpleNamespace(**row)
        elif marker_values is not None:
            values = {k: marker_values.get(k) for k in sort_keys}
            marker_obj = types.SimpleNamespace(**values)
        try:
            stmt = sqlalchemyutils.paginate_query(
                stmt, models.Instance, limit, sort_keys,
                marker=marker_obj, sort_dirs=sort_dirs)
        except db_exc.InvalidSortKey as exc:
            raise exception.InvalidInput(
                reason='Sort key supplied is invalid: %s' % exc.key)
        return _rows(conn, stmt)


def instance_create(ctx, values):
    """Create an instance and its satellite rows.

    Create an instance with its extra, info cache, metadata, system
    metadata and tags (for tools, tests and the demo).

    ``values`` may hold ``metadata`` and ``system_metadata`` dicts, a
    ``tags`` list, ``network_info`` (JSON string) and any instance_extra
    column (``flavor``, ...). Returns the instances row.
    """
    values = _normalize_times(dict(values))
    values.setdefault('uuid', uuidutils.generate_uuid())
    metadata = values.pop('metadata', None) or {}
    system_metadata = values.pop('system_metadata', None) or {}
    tags = values.pop('tags', None) or []
    network_info = values.pop('network_info', None)
    if 'info_cache' in values:
        network_info = (values.pop('info_cache') or {}).get('network_info')
    extra = {k: values.pop(k) for k in EXTRA_COLUMNS if k in values}
    uuid = values['uuid']
    with _writer(_cell(ctx), ctx) as conn:
        row = _insert(conn, _INSTANCES, _table_values(_INSTANCES, values))
        now = row['created_at']
        extra.update(instance_uuid=uuid, created_at=now)
        _insert(conn, _EXTRA, extra)
        _insert(conn, _INFO_CACHES, {'instance_uuid': uuid,
                                     'network_info': network_info,
                                     'created_at': now})
        if metadata:
            conn.execute(_METADATA.insert(), [
                {'instance_uuid': uuid, 'key': k, 'value': v,
                 'deleted': 0, 'created_at': now}
                for k, v in metadata.items()])
        if system_metadata:
            conn.execute(_SYSMETA.insert(), [
                {'instance_uuid': uuid, 'key': k, 'value': v,
                 'deleted': 0, 'created_at': now}
                for k, v in system_metadata.items()])
        if tags:
            conn.execute(_TAGS.insert(), [
                {'resource_id': uuid, 'tag': tag} for tag in set(tags)])
    return row


def instance_update(ctx, instance_uuid, values):
    """Update columns of an instance.

    Update columns of an instance (updated_at set to now unless given);
    returns the updated row.
    """
    values = _normalize_times(_table_values(_INSTANCES, dict(values)))
    values.setdefault('updated_at', timeutils.utcnow())
    with _writer(_cell(ctx), ctx) as conn:
        count = conn.execute(_INSTANCES.update().where(
            _INSTANCES.c.uuid == instance_uuid).values(**values)).rowcount
        if not count:
            raise exception.InstanceNotFound(instance_id=instance_uuid)
        return _one(conn, sa.select(_INSTANCES).where(
            _INSTANCES.c.uuid == instance_uuid))


def instance_destroy(ctx, instance_uuid):
    """Soft-delete an instance as Nova does.

    Soft-delete an instance as Nova does: ``deleted = id``; its info
    cache, metadata, faults, extra, system metadata and block devices are
    soft-deleted too and its tags removed. Actions are kept (so a deleted
    server's history stays readable).
    """
    now = timeutils.utcnow()
    with _writer(_cell(ctx), ctx) as conn:
        count = conn.execute(
            _INSTANCES.update()
            .where(_INSTANCES.c.uuid == instance_uuid)
            .where(_INSTANCES.c.deleted == 0)
            # NOTE: Nova's soft_delete keeps updated_at as it was.
            .values(deleted=_INSTANCES.c.id, deleted_at=now,
                    updated_at=_INSTANCES.c.updated_at)).rowcount
        if not count:
            raise exception.InstanceNotFound(instance_id=instance_uuid)
        for table in (_INFO_CACHES, _METADATA, _FAULTS, _EXTRA, _SYSMETA,
                      _BDMS):
            conn.execute(table.update()
                         .where(table.c.instance_uuid == instance_uuid)
                         .where(table.c.deleted == 0)
                         .values(deleted=table.c.id, deleted_at=now,
                                 updated_at=table.c.updated_at))
        conn.execute(_TAGS.delete().where(
            _TAGS.c.resource_id == instance_uuid))


# ---------------------------------------------------------------------------
# Cell database: what the server view needs, batched by instance UUID
# ---------------------------------------------------------------------------


def instance_metadata_get_by_instance_uuids(ctx, instance_uuids):
    """``{uuid: {key: value}}`` of live user metadata."""
    return _kv_by_uuid(ctx, _METADATA, instance_uuids)


def instance_system_metadata_get_by_instance_uuids(ctx, instance_uuids):
    """``{uuid: {key: value}}`` of live system metadata."""
    return _kv_by_uuid(ctx, _SYSMETA, instance_uuids)


def _kv_by_uuid(ctx, table, instance_uuids):
    if not instance_uuids:
        return {}
    result = {}
    with _reader(_cell(ctx), ctx) as conn:
        for chunk in _chunks(instance_uuids):
            stmt = (sa.select(table.c.instance_uuid, table.c.key,
                              table.c.value)
                    .where(table.c.instance_uuid.in_(chunk))
                    .where(table.c.deleted == 0)
                    .order_by(table.c.id))
            for uuid, key, value in conn.execute(stmt):
                result.setdefault(uuid, {})[key] = value
    return result


def instance_tags_get_by_instance_uuids(ctx, instance_uuids):
    """``{uuid: [tag, ...]}`` sorted by tag."""
    if not instance_uuids:
        return {}
    result = {}
    with _reader(_cell(ctx), ctx) as conn:
        for chunk in _chunks(instance_uuids):
            stmt = (sa.select(_TAGS.c.resource_id, _TAGS.c.tag)
                    .where(_TAGS.c.resource_id.in_(chunk))
                    .order_by(_TAGS.c.resource_id, _TAGS.c.tag))
            for uuid, tag in conn.execute(stmt):
                result.setdefault(uuid, []).append(tag)
    return result


def instance_info_cache_get_by_instance_uuids(ctx, instance_uuids):
    """``{uuid: network_info JSON string or None}``.

    Deleted caches are included when the context reads deleted rows (a
    deleted server's addresses).
    """
    if not instance_uuids:
        return {}
    result = {}
    with _reader(_cell(ctx), ctx) as conn:
        for chunk in _chunks(instance_uuids):
            stmt = _where_deleted(
                sa.select(_INFO_CACHES.c.instance_uuid,
                          _INFO_CACHES.c.network_info)
                .where(_INFO_CACHES.c.instance_uuid.in_(chunk))
                .order_by(_INFO_CACHES.c.id), _INFO_CACHES, ctx)
            for uuid, network_info in conn.execute(stmt):
                result[uuid] = network_info
    return result


def instance_extra_get_by_instance_uuids(ctx, instance_uuids,
                                         columns=('flavor',)):
    """instance_extra JSON columns, batched.

    ``{uuid: {column: JSON string}}`` of instance_extra ``columns``
    (deleted rows included when the context reads deleted rows).
    """
    if not instance_uuids:
        return {}
    cols = [_EXTRA.c[name] for name in columns]
    result = {}
    with _reader(_cell(ctx), ctx) as conn:
        for chunk in _chunks(instance_uuids):
            stmt = _where_deleted(
                sa.select(_EXTRA.c.instance_uuid, *cols)
                .where(_EXTRA.c.instance_uuid.in_(chunk))
                .order_by(_EXTRA.c.id), _EXTRA, ctx)
            for row in conn.execute(stmt).mappings():
                row = dict(row)
                result[row.pop('instance_uuid')] = row
    return result


def block_device_mapping_get_all_by_instance_uuids(ctx, instance_uuids):
    """Block device mappings, batched.

    ``{uuid: [block_device_mapping row, ...]}`` ordered by id (live
    rows only, as Nova's server view reads them).
    """
    if not instance_uuids:
        return {}
    result = {}
    with _reader(_cell(ctx), ctx) as conn:
        rows = _by_uuid_in(conn, lambda chunk: sa.select(_BDMS)
                           .where(_BDMS.c.instance_uuid.in_(chunk))
                           .where(_BDMS.c.deleted == 0)
                           .order_by(_BDMS.c.id), instance_uuids)
    for row in rows:
        result.setdefault(row['instance_uuid'], []).append(row)
    return result


def block_device_mapping_create(ctx, values):
    values = _normalize_times(dict(values))
    values.setdefault('uuid', uuidutils.generate_uuid())
    with _writer(_cell(ctx), ctx) as conn:
        return _insert(conn, _BDMS, _table_values(_BDMS, values))


# ---------------------------------------------------------------------------
# Cell database: instance faults
# ---------------------------------------------------------------------------


def instance_fault_create(ctx, values):
    """Record an instance fault.

    Record a fault: ``instance_uuid``, ``code``, ``message``,
    ``details``, ``host``. Returns the row.
    """
    values = _normalize_times(_table_values(_FAULTS, dict(values)))
    with _writer(_cell(ctx), ctx) as conn:
        return _insert(conn, _FAULTS, values)


def instance_fault_get_by_instance_uuids(ctx, instance_uuids, latest=False):
    """Instance faults, batched, newest first.

    ``{uuid: [fault rows, newest first]}`` for every given UUID (an
    empty list when it has none); live faults only, as in Nova.

    ``latest=True`` returns only the newest fault of each instance with
    Nova's query: a join to ``SELECT instance_uuid, MAX(id) ... GROUP BY
    instance_uuid``.
    """
    if not instance_uuids:
        return {}
    result = {uuid: [] for uuid in instance_uuids}
    with _reader(_cell(ctx), ctx) as conn:
        for chunk in _chunks(instance_uuids):
            if latest:
                latest_faults = (
                    sa.select(_FAULTS.c.instance_uuid,
                              sa.func.max(_FAULTS.c.id).label('max_id'))
                    .where(_FAULTS.c.instance_uuid.in_(chunk))
                    .where(_FAULTS.c.deleted == 0)
                    .group_by(_FAULTS.c.instance_uuid)
                    .subquery('latest_faults'))
                stmt = (sa.select(_FAULTS)
                        .select_from(_FAULTS.join(
                            latest_faults,
                            _FAULTS.c.id == latest_faults.c.max_id))
                        .where(_FAULTS.c.instance_uuid.in_(chunk))
                        .where(_FAULTS.c.deleted == 0))
            else:
                stmt = (sa.select(_FAULTS)
                        .where(_FAULTS.c.instance_uuid.in_(chunk))
                        .where(_FAULTS.c.deleted == 0)
                        .order_by(_FAULTS.c.created_at.desc(),
                                  _FAULTS.c.id.desc()))
            for row in _rows(conn, stmt):
                result.setdefault(row['instance_uuid'], []).append(row)
    return result


# ---------------------------------------------------------------------------
# Cell database: instance actions and events
# ---------------------------------------------------------------------------


def _action_by_request_id(conn, instance_uuid, request_id, read_deleted,
                          for_update=False):
    """The newest action of an instance for ``request_id``.

    With ``request_id=None``: the newest action of the instance.
    """
    stmt = (sa.select(_ACTIONS)
            .where(_ACTIONS.c.instance_uuid == instance_uuid)
            .order_by(_ACTIONS.c.created_at.desc(), _ACTIONS.c.id.desc())
            .limit(1))
    if request_id is not None:
        stmt = stmt.where(_ACTIONS.c.request_id == request_id)
    clause = _deleted_clause(_ACTIONS, read_deleted)
    if clause is not None:
        stmt = stmt.where(clause)
    if for_update:
        stmt = stmt.with_for_update()
    return _one(conn, stmt)


def _touch_action(conn, action_id, touch, values=None):
    """Update an action after one of its events was written.

    ``values`` (e.g. ``message``) are set; with ``touch``, ``updated_at``
    becomes the latest start or finish time of the action's events.

    NOTE: event times are taken before their transaction starts, so
    concurrent events commit out of order: with Nova's "the event being
    written sets updated_at", the last to commit would win even with an
    older time. The action row is locked by the caller, so the latest
    time read here is the final one.
    """
    values = dict(values or {})
    if touch:
        latest = conn.execute(
            sa.select(sa.func.max(_EVENTS.c.start_time),
                      sa.func.max(_EVENTS.c.finish_time))
            .where(_EVENTS.c.action_id == action_id)).first()
        times = [t for t in latest if t is not None]
        if times:
            values['updated_at'] = max(times)
    if not values:
        return
    # updated_at kept as is unless set above (not the column's onupdate).
    values.setdefault('updated_at', _ACTIONS.c.updated_at)
    conn.execute(_ACTIONS.update().where(_ACTIONS.c.id == action_id)
                 .values(**values))


def action_start(ctx, values):
    """Create an instance action row.

    Create an instance action row (``action``, ``instance_uuid``,
    ``request_id``, ``user_id``, ``project_id``, ``start_time``,
    ``updated_at``, ...). Returns it.
    """
    values = _normalize_times(_table_values(_ACTIONS, dict(values)))
    with _writer(_cell(ctx), ctx) as conn:
        return _insert(conn, _ACTIONS, values)


@_retry_on_deadlock
def action_start_once(ctx, values):
    """The action of ``values``' instance and request id, created if new.

    Like :func:`action_start`, but when an action of that instance and
    request id exists it is returned unchanged. The lookup and the insert
    are one transaction holding the instance row's lock, so requests
    replayed at the same time create the action once. (Nova's schema has
    no unique key on (instance_uuid, request_id) to lean on.)
    """
    values = _normalize_times(_table_values(_ACTIONS, dict(values)))
    with _writer(_cell(ctx), ctx) as conn:
        # NOTE: no row to lock when the instance is not in this cell's
        # table (a service recording for an instance it does not own);
        # then the lookup is best effort, as in Nova.
        conn.execute(sa.select(_INSTANCES.c.id)
                     .where(_INSTANCES.c.uuid == values['instance_uuid'])
                     .with_for_update()).first()
        existing = _action_by_request_id(conn, values['instance_uuid'],
                                         values['request_id'],
                                         ctx.read_deleted)
        if existing is not None:
            return existing
        return _insert(conn, _ACTIONS, values)


def action_finish(ctx, values):
    """Finish the action of an instance and request id.

    Set ``finish_time`` (and other values) on the action of
    ``values['instance_uuid']`` and ``values['request_id']``.
    """
    values = _normalize_times(dict(values))
    with _writer(_cell(ctx), ctx) as conn:
        action = _action_by_request_id(conn, values['instance_uuid'],
                                       values['request_id'],
                                       ctx.read_deleted)
        if action is None:
            raise exception.InstanceActionNotFound(
                request_id=values['request_id'],
                instance_uuid=values['instance_uuid'])
        update = _table_values(_ACTIONS, values)
        for key in ('id', 'instance_uuid', 'request_id'):
            update.pop(key, None)
        conn.execute(_ACTIONS.update().where(_ACTIONS.c.id == action['id'])
                     .values(**update))
        action.update(update)
        return action


def action_get_by_request_id(ctx, instance_uuid, request_id):
    """The newest action of an instance for a request id, or None."""
    with _reader(_cell(ctx), ctx) as conn:
        return _action_by_request_id(conn, instance_uuid, request_id,
                                     ctx.read_deleted)


def actions_get(ctx, instance_uuid, limit=None, marker=None, filters=None):
    """The actions of an instance, newest first.

    The actions of an instance, newest first (``created_at`` desc, then
    ``id`` desc), as Nova's ``actions_get``.

    ``filters`` may hold ``changes-since`` / ``changes-before``
    (inclusive bounds on ``updated_at``). ``marker`` is a request id; the
    page starts strictly after that action; an unknown marker raises
    ``MarkerNotFound`` naming it. ``limit=0`` returns nothing.
    """
    if limit == 0:
        return []
    sort_keys = ['created_at', 'id']
    sort_dirs = ['desc', 'desc']
    stmt = _where_deleted(
        sa.select(_ACTIONS).where(_ACTIONS.c.instance_uuid == instance_uuid),
        _ACTIONS, ctx)
    filters = filters or {}
    if filters.get('changes-since'):
        stmt = stmt.where(_ACTIONS.c.updated_at >= timeutils.normalize_time(
            filters['changes-since']))
    if filters.get('changes-before'):
        stmt = stmt.where(_ACTIONS.c.updated_at <= timeutils.normalize_time(
            filters['changes-before']))
    with _reader(_cell(ctx), ctx) as conn:
        marker_obj = None
        if marker is not None:
            row = _action_by_request_id(conn, instance_uuid, marker,
                                        ctx.read_deleted)
            if row is None:
                # NOTE: Nova says "Marker None could not be found."; we
                # name the marker the caller sent.
                raise exception.MarkerNotFound(marker=marker)
            marker_obj = types.SimpleNamespace(**row)
        stmt = sqlalchemyutils.paginate_query(
            stmt, models.InstanceAction, limit, sort_keys,
            marker=marker_obj, sort_dirs=sort_dirs)
        return _rows(conn, stmt)


def _event_action(conn, ctx, values):
    """The action an event belongs to.

    The action an event belongs to, and whether to bump its
    updated_at (Nova's no-project fallback).
    """
    # NOTE: the action row is locked first: the events of one action are
    # written one transaction at a time, so inserting an event (whose
    # foreign key check share-locks the action on MySQL) and updating the
    # action never deadlock against each other.
    action = _action_by_request_id(conn, values['instance_uuid'],
                                   values['request_id'], ctx.read_deleted,
                                   for_update=True)
    update_action = True
    if action is None and not ctx.project_id:
        # NOTE: as in Nova: a service restarted with a new request id (no
        # project in its context) attaches its events to the newest
        # action of the instance, but does not touch that action.
        action = _action_by_request_id(conn, values['instance_uuid'],
                                       None, ctx.read_deleted,
                                       for_update=True)
        update_action = False
    if action is None:
        raise exception.InstanceActionNotFound(
            request_id=values['request_id'],
            instance_uuid=values['instance_uuid'])
    return action, update_action


@_retry_on_deadlock
def action_event_start(ctx, values):
    """Start an event of an action.

    Start an event of the action of ``values['instance_uuid']`` /
    ``values['request_id']``: ``event``, ``start_time``, ``host``. The
    action's ``updated_at`` becomes the event's ``start_time``. Returns the
    event row.
    """
    values = _normalize_times(dict(values))
    values.setdefault('start_time', timeutils.utcnow())
    with _writer(_cell(ctx), ctx) as conn:
        action, update_action = _event_action(conn, ctx, values)
        event = _table_values(_EVENTS, values)
        event['action_id'] = action['id']
        row = _insert(conn, _EVENTS, event)
        if update_action:
            _touch_action(conn, action['id'], True)
        return row


@_retry_on_deadlock
def action_event_finish(ctx, values):
    """Finish an event of an action.

    Finish an event: ``event``, ``finish_time``, ``result``
    (``Success``/``Error``), ``traceback``, ``details``. A failed event
    sets the action's ``message`` to ``Error``; the action's
    ``updated_at`` becomes the event's ``finish_time``. Raises
    ``InstanceActionEventNotFound`` when the event was never started.
    """
    values = _normalize_times(dict(values))
    with _writer(_cell(ctx), ctx) as conn:
        action, update_action = _event_action(conn, ctx, values)
        # NOTE: Nova takes "the first" event of that name; with ids
        # ascending here, so the choice is deterministic.
        stmt = _where_deleted(
            sa.select(_EVENTS).where(_EVENTS.c.action_id == action['id'])
            .where(_EVENTS.c.event == values['event'])
            .order_by(_EVENTS.c.id).limit(1), _EVENTS, ctx)
        event = _one(conn, stmt)
        if event is None:
            raise exception.InstanceActionEventNotFound(
                action_id=action['id'], event=values['event'])
        update = _table_values(_EVENTS, values)
        for key in ('id', 'action_id'):
            update.pop(key, None)
        update.setdefault('updated_at', timeutils.utcnow())
        conn.execute(_EVENTS.update().where(_EVENTS.c.id == event['id'])
                     .values(**update))
        event.update(update)
        action_update = {}
        if (values.get('result') or '').lower() == 'error':
            action_update['message'] = 'Error'
        _touch_action(conn, action['id'],
                      update_action and bool(values.get('finish_time')),
                      action_update)
        return event


def action_events_get(ctx, action_id):
    """The events of an action, newest first (created_at, id desc)."""
    stmt = _where_deleted(
        sa.select(_EVENTS).where(_EVENTS.c.action_id == action_id)
        .order_by(_EVENTS.c.created_at.desc(), _EVENTS.c.id.desc()),
        _EVENTS, ctx)
    with _reader(_cell(ctx), ctx) as conn:
        return _rows(conn, stmt)


def action_events_get_by_action_ids(ctx, action_ids):
    """``{action_id: [events, newest first]}`` in one query."""
    if not action_ids:
        return {}
    result = {action_id: [] for action_id in action_ids}
    with _reader(_cell(ctx), ctx) as conn:
        rows = _by_uuid_in(conn, lambda chunk: _where_deleted(
            sa.select(_EVENTS).where(_EVENTS.c.action_id.in_(chunk))
            .order_by(_EVENTS.c.created_at.desc(), _EVENTS.c.id.desc()),
            _EVENTS, ctx), action_ids)
    for row in rows:
        result.setdefault(row['action_id'], []).append(row)
    return result


def action_event_get_by_id(ctx, action_id, event_id):
    stmt = _where_deleted(
        sa.select(_EVENTS).where(_EVENTS.c.action_id == action_id)
        .where(_EVENTS.c.id == event_id), _EVENTS, ctx)
    with _reader(_cell(ctx), ctx) as conn:
        return _one(conn, stmt)


# ---------------------------------------------------------------------------
# Cell database: services
# ---------------------------------------------------------------------------


def service_get_all(ctx, disabled=None, host=None, binary=None):
    """Services of this cell.

    Services of this cell (read_deleted from the context), ordered by
    id; optional exact filters.
    """
    stmt = _where_deleted(sa.select(_SERVICES).order_by(_SERVICES.c.id),
                          _SERVICES, ctx)
    if disabled is not None:
        stmt = stmt.where(_SERVICES.c.disabled == bool(disabled))
    if host is not None:
        stmt = stmt.where(_SERVICES.c.host == host)
    if binary is not None:
        stmt = stmt.where(_SERVICES.c.binary == binary)
    with _reader(_cell(ctx), ctx) as conn:
        return _rows(conn, stmt)


def service_get_by_hosts(ctx, hosts, binary='nova-compute'):
    """Live services of hosts, batched.

    ``{host: service row}`` of live ``binary`` services (for
    host_status: one query for a page of servers).
    """
    hosts = [h for h in set(hosts) if h]
    if not hosts:
        return {}
    result = {}
    with _reader(_cell(ctx), ctx) as conn:
        rows = _by_uuid_in(conn, lambda chunk: sa.select(_SERVICES)
                           .where(_SERVICES.c.host.in_(chunk))
                           .where(_SERVICES.c.binary == binary)
                           .where(_SERVICES.c.deleted == 0)
                           .order_by(_SERVICES.c.id), hosts)
    for row in rows:
        result[row['host']] = row
    return result


def service_get(ctx, service_id):
    stmt = _where_deleted(
        sa.select(_SERVICES).where(_SERVICES.c.id == service_id),
        _SERVICES, ctx)
    with _reader(_cell(ctx), ctx) as conn:
        row = _one(conn, stmt)
    if row is None:
        raise exception.ServiceNotFound(service_id=service_id)
    return row


def service_get_by_uuid(ctx, service_uuid):
    stmt = (sa.select(_SERVICES).where(_SERVICES.c.uuid == service_uuid)
            .where(_SERVICES.c.deleted == 0))
    with _reader(_cell(ctx), ctx) as conn:
        row = _one(conn, stmt)
    if row is None:
        raise exception.ServiceNotFound(service_id=service_uuid)
    return row


def service_get_by_host_and_binary(ctx, host, binary):
    stmt = (sa.select(_SERVICES).where(_SERVICES.c.host == host)
            .where(_SERVICES.c.binary == binary)
            .where(_SERVICES.c.deleted == 0))
    with _reader(_cell(ctx), ctx) as conn:
        row = _one(conn, stmt)
    if row is None:
        raise exception.ServiceNotFound(service_id='%s/%s' % (host, binary))
    return row


def service_create(ctx, values):
    """Create a service.

    Create a service (``uuid`` generated when absent, ``topic``
    defaults to the binary without its ``nova-`` prefix).

    Raises ``ServiceBinaryExists`` for a live duplicate host/binary.
    """
    values = _normalize_times(dict(values))
    values.setdefault('uuid', uuidutils.generate_uuid())
    binary = values.get('binary') or ''
    values.setdefault('topic', binary[5:] if binary.startswith('nova-')
                      else binary)
    try:
        with _writer(_cell(ctx), ctx) as conn:
            return _insert(conn, _SERVICES, _table_values(_SERVICES, values))
    except db_exc.DBDuplicateEntry:
        raise exception.ServiceBinaryExists(host=values.get('host'),
                                            binary=binary)


def service_update(ctx, service_id, values):
    """Update a live service by id; returns the row.

    As in Nova, a growing ``report_count`` (a heartbeat) also sets
    ``last_seen_up`` to now.
    """
    values = _normalize_times(_table_values(_SERVICES, dict(values)))
    with _writer(_cell(ctx), ctx) as conn:
        row = _one(conn, sa.select(_SERVICES)
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
    with _writer(_cell(ctx), ctx) as conn:
        count = conn.execute(
            _SERVICES.update().where(_SERVICES.c.id == service_id)
            .where(_SERVICES.c.deleted == 0)
            .values(report_count=_SERVICES.c.report_count + 1,
                    last_seen_up=now, updated_at=now)).rowcount
        if not count:
            raise exception.ServiceNotFound(service_id=service_id)
        return _one(conn, sa.select(_SERVICES)
                    .where(_SERVICES.c.id == service_id))


def service_destroy(ctx, service_id):
    """Soft-delete a service (``deleted = id``)."""
    now = timeutils.utcnow()
    with _writer(_cell(ctx), ctx) as conn:
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
    with _reader(_cell(ctx), ctx) as conn:
        return {host: count for host, count in conn.execute(stmt)}
