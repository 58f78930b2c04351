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

"""Database engines and transactions of nova-faults.

One oslo.db enginefacade transaction context per database URL, cached
for the life of the process: :func:`get_api_context_manager` for the API
database, :func:`get_context_manager` for a cell database.

Where a query goes
------------------

Every query function takes a :class:`nova_faults.context.RequestContext`
first. API database queries (:mod:`~nova_faults.db.mappings`,
:mod:`~nova_faults.db.request_specs`) use ``context.api_db``
(:func:`api_db`); cell database queries (everything else) use
``context.cell`` (:func:`cell_db`). :func:`nova_faults.cells.target_cell`
gives a context copy whose ``cell`` is a cell's database; a service that
only knows its own cell database can set
``ctx.cell = get_context_manager(conf, url)`` itself.

The queries live in one module per noun: :mod:`~nova_faults.db.mappings`,
:mod:`~nova_faults.db.request_specs`, :mod:`~nova_faults.db.servers` (the
instance reads of the API), :mod:`~nova_faults.db.instances` (instance
writes), :mod:`~nova_faults.db.faults`, :mod:`~nova_faults.db.actions`
and :mod:`~nova_faults.db.services`; the API reaches them through
:mod:`nova_faults.objects`. They return plain ``dict`` rows (never ORM
objects), cost a fixed number of queries whatever the number of rows, and
raise the matching ``nova_faults.exception.*NotFound`` when one row is
asked for and none is found.
"""

import functools
import os
import threading
import types

from oslo_db.sqlalchemy import enginefacade
from oslo_log import log as logging
import sqlalchemy as sa
from sqlalchemy.engine import url as sa_url

from nova_faults import exception

LOG = logging.getLogger(__name__)

API_SQLITE_NAME = 'nova_faults_api.sqlite'
"""File name of the embedded API database under ``[DEFAULT] state_path``."""

_LOCK = threading.Lock()
_FACTORIES = {}
# (url, option values) -> the factory of _FACTORIES they give.
_BY_VALUES = {}


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
    state_path = conf.state_path
    if not os.path.isabs(state_path):
        # A relative path (or "~") names another directory after a chdir.
        state_path = os.path.abspath(os.path.expanduser(state_path))
    path, url = _sqlite_url(state_path, filename)
    if not os.path.isdir(path):
        os.makedirs(path, mode=0o700, exist_ok=True)
    return url


@functools.lru_cache(maxsize=64)
def _sqlite_url(state_path, filename):
    # NOTE: asked on every request on the embedded default (the API
    # database's URL); the path (absolute here) is normalized once, the
    # directory looked at each time.
    path = os.path.abspath(state_path)
    return path, 'sqlite:///' + os.path.join(path, filename)


# The [api_database] options engines are built from (see _option_values).
_ENGINE_OPTIONS = ('sqlite_synchronous', 'connection_recycle_time',
                   'max_pool_size', 'max_overflow', 'pool_timeout',
                   'connection_debug')


def _database_group(conf):
    if conf is None:
        # Option defaults, for callers without a configuration.
        from nova_faults.conf import database
        return types.SimpleNamespace(
            **{opt.dest: opt.default for opt in database.opts})
    return conf.api_database


def _cell_timeout(conf):
    api = getattr(conf, 'api', None) if conf is not None else None
    return getattr(api, 'cell_timeout', None)


def _engine_options(conf):
    group = _database_group(conf)
    options = {name: getattr(group, name) for name in _ENGINE_OPTIONS}
    options.update(
        sqlite_fk=False,  # NOTE: Nova does not enforce SQLite foreign keys.
        # NOTE: no connection test at engine creation (oslo.db's default
        # retries ten times, ten seconds apart): a down cell must fail
        # fast and be reported, not stall the worker.
        max_retries=0,
        # NOTE: oslo.db's sleep(0) at every connection check-in only helps
        # eventlet; with real threads it costs a scheduler round trip per
        # query under load.
        thread_checkin=False,
    )
    return options


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
    timeout = _cell_timeout(conf)
    if not timeout:
        return None
    return _driver_timeouts(url, timeout)


@functools.lru_cache(maxsize=256)
def _driver_timeouts(url, timeout):
    # Parsing the URL is the cost; once per URL and timeout, not per call.
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


def is_sqlite_file(url):
    """Whether ``url`` names a SQLite database file (not in memory)."""
    return url.startswith('sqlite') and ':memory:' not in url and \
        'mode=memory' not in url and not url.rstrip('/').endswith(':')


def _pool_sqlite_file(engine, pool_size, max_overflow, timeout):
    """Keep SQLite file connections open between requests.

    NOTE: oslo.db gives SQLite files a NullPool: every request opened the
    file, ran oslo.db's connect hooks (REGEXP, PRAGMAs) and closed it
    again, a third of the time of a small request. This swaps in a
    QueuePool (what SQLAlchemy itself uses for SQLite files) sized by
    ``[api_database]``, keeping oslo.db's connection events (the pool's
    dispatch, as ``Pool.recreate`` does). Each connection is used by one
    thread at a time, so ``check_same_thread`` is off for these URLs;
    oslo.db's process guard still replaces connections inherited across
    a fork. The file is switched to WAL, so readers run while a writer
    commits. No ``SELECT 1`` is sent before each checkout (oslo.db's
    ``pool_pre_ping``): a file has no server to have gone away.
    """
    old = engine.pool
    # NOTE: the private attributes are the ones Pool.recreate() passes.
    engine.pool = sa.pool.QueuePool(
        old._creator, pool_size=pool_size, max_overflow=max_overflow,
        timeout=timeout, recycle=old._recycle, pre_ping=False,
        echo=old.echo, logging_name=old._orig_logging_name,
        reset_on_return=old._reset_on_return, dialect=old._dialect,
        _dispatch=old.dispatch)
    old.dispose()
    sa.event.listen(engine, 'connect', _sqlite_wal)
    _begin_through_the_driver(engine)


def _begin_through_the_driver(engine):
    """Start SQLite transactions with the driver's ``execute('BEGIN')``.

    NOTE: oslo.db turns pysqlite's own transaction handling off and
    emits ``BEGIN`` from a ``begin`` listener through SQLAlchemy's whole
    statement execution (compilation cache, execution context, events):
    on a small read that cost as much as the query itself. The listener
    is replaced by one that sends the same ``BEGIN`` on the DBAPI
    connection, with oslo.db's marker (``in_transaction``, removed by
    its commit and rollback listeners), so transactions are unchanged.
    """
    for listener in list(engine.dispatch.begin):
        if getattr(listener, '__name__', None) == '_sqlite_emit_begin':
            sa.event.remove(engine, 'begin', listener)
            sa.event.listen(engine, 'begin', _sqlite_begin)


def _sqlite_begin(conn):
    if 'in_transaction' not in conn.info:
        conn.connection.dbapi_connection.execute('BEGIN')
        conn.info['in_transaction'] = True


def _sqlite_wal(dbapi_connection, connection_record):
    # The journal mode is a property of the file: a no-op once set. Run on
    # the new connection, outside the BEGIN oslo.db emits for SQLite
    # transactions; a failure is a connection error like any other.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute('PRAGMA journal_mode=WAL')
    finally:
        cursor.close()


def _options_key(conf, url):
    """Engine options and the cache key for ``url``, computed once."""
    options = _engine_options(conf)
    parameters = '&'.join(filter(None, (_timeout_parameters(conf, url),
                                        _charset_parameter(url))))
    if parameters:
        options['connection_parameters'] = parameters
    pool = None
    if url.startswith('sqlite'):
        # NOTE: oslo.db's SQLite pools reject the pool sizing arguments.
        pool = {'pool_size': options.pop('max_pool_size'),
                'max_overflow': options.pop('max_overflow'),
                'timeout': options.pop('pool_timeout')}
        if is_sqlite_file(url):
            options['connection_parameters'] = 'check_same_thread=0'
        else:
            pool = None
    return options, pool, (url, tuple(sorted(options.items())))


@functools.lru_cache(maxsize=256)
def _charset_parameter(url):
    """``charset=utf8mb4`` for a MySQL URL that names no charset.

    NOTE: oslo.db connects to MySQL with the 3-byte ``utf8`` charset
    unless the URL says otherwise, so a 4-byte character (an emoji, a
    CJK extension character) sent in a request failed to be stored even
    in our utf8mb4 tables.
    """
    try:
        parsed = sa_url.make_url(url)
    except Exception:
        return None
    if parsed.get_backend_name() != 'mysql' or 'charset' in parsed.query:
        return None
    return 'charset=utf8mb4'


def _option_values(conf):
    """The values :func:`_options_key` depends on, read as they are now."""
    if conf is None:
        return None
    group = conf.api_database
    return tuple(getattr(group, name) for name in _ENGINE_OPTIONS) + (
        _cell_timeout(conf),)


def get_context_manager(conf, url):
    """The enginefacade transaction context for database ``url``.

    One per URL (and engine options) in the process, created on first use
    and cached; safe to call from any thread. ``conf`` gives the engine
    options (``[api_database]`` pool settings); None means their defaults.
    SQLite files get a pool too (see :func:`_pool_sqlite_file`).

    NOTE: asked twice per request (the API database and the cell's); the
    options are read each time, so a changed option is seen at once, and
    the engine options and key are worked out once per set of values.
    """
    values = (url, _option_values(conf))
    factory = _BY_VALUES.get(values)
    if factory is not None:
        return factory
    options, pool, key = _options_key(conf, url)
    with _LOCK:
        factory = _FACTORIES.get(key)
        if factory is None:
            factory = enginefacade.transaction_context()
            factory.configure(connection=url, **options)
            if pool is not None:
                factory.append_on_engine_create(
                    lambda engine: _pool_sqlite_file(engine, **pool))
            factory.nova_faults_url = url
            _FACTORIES[key] = factory
        _BY_VALUES[values] = factory
    return factory


def get_api_context_manager(conf):
    """The transaction context of the API database."""
    return get_context_manager(conf, api_connection_url(conf))


def get_engine(factory):
    """The SQLAlchemy engine behind a transaction context (starts it)."""
    return factory.writer.get_engine()


def dispose(url=None):
    """Close pooled connections and forget engines.

    Close the pooled connections of ``url`` (all URLs when None) and
    forget the engines; used before dropping a database and in tests.
    """
    with _LOCK:
        for values in list(_BY_VALUES):
            if url is None or values[0] == url:
                del _BY_VALUES[values]
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


def api_db(ctx):
    factory = getattr(ctx, 'api_db', None)
    if factory is None:
        raise exception.ConfigInvalid(
            reason='the request context has no API database (context.api_db)')
    return factory


def cell_db(ctx):
    factory = getattr(ctx, 'cell', None)
    if factory is None:
        raise exception.ConfigInvalid(
            reason='the request context is not targeted at a cell '
                   '(context.cell); use nova_faults.cells.target_cell')
    return factory


def reader(factory, ctx):
    return factory.reader.connection.using(ctx)


def writer(factory, ctx):
    return factory.writer.connection.using(ctx)


def cell_reader(ctx):
    """One read transaction on ``ctx``'s cell for several calls.

    ``with db_api.cell_reader(ctx): ...`` makes every query function called
    inside (on the same thread and context) share one connection and
    transaction: one pool checkout instead of one per call. Yields the
    SQLAlchemy connection.
    """
    return reader(cell_db(ctx), ctx)
