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

"""Create and migrate the databases nova-faults owns; refuse the others.

:func:`db_sync` migrates the API database and then every cell database
named in ``cell_mappings``. A database that already holds Nova's tables
(``instances``, ``cell_mappings``, ...) but not our version table
(:data:`nova_faults.db.migrations.VERSION_TABLE`) was created by someone
else (typically Nova itself): it raises ``ForeignDatabase`` and nothing is
changed. Beside Nova, nova-faults reads such databases as they are.

:func:`ensure_embedded` is what the API calls at start-up with no
``[api_database] connection``: the SQLite API database and one cell,
``cell1``, under ``state_path``, created and migrated on first start.
It never waits on a cell it cannot reach: a cell whose database server
does not accept a connection within :data:`PROBE_TIMEOUT` seconds is left
alone, with a warning naming the cell (never its URL), and the API serves
it as a down cell. When every database is already at its head revision
it returns after one query per database, without loading Alembic (a
quarter of the API's start-up time).
"""

import contextlib
import fcntl
import os
import socket

from oslo_db.sqlalchemy import engines
from oslo_log import log as logging
import sqlalchemy as sa
from sqlalchemy.engine import url as sa_url

from nova_faults import context as nf_context
from nova_faults.db import api as db_api
from nova_faults.db import mappings as db_mappings
from nova_faults.db import migrations
from nova_faults.db import models
from nova_faults import exception

LOG = logging.getLogger(__name__)

API = 'api'
MAIN = 'main'

EMBEDDED_CELL_NAME = 'cell1'
EMBEDDED_CELL_SQLITE_NAME = 'nova_faults_cell1.sqlite'

_TABLES = {API: set(models.API_TABLES), MAIN: set(models.MAIN_TABLES)}

# NOTE: a database holding any of these (Nova's tables, or Nova's own
# Alembic / sqlalchemy-migrate version tables) without ours is foreign.
_FOREIGN_MARKERS = (set(models.API_TABLES) | set(models.MAIN_TABLES) |
                    {'alembic_version', 'migrate_version'})

#: Seconds start-up waits for a cell's database server to accept a TCP
#: connection before it leaves that cell alone as unreachable.
PROBE_TIMEOUT = 3

_DEFAULT_PORTS = {'mysql': 3306, 'mariadb': 3306, 'postgresql': 5432}


def _config(database):
    from alembic import config as alembic_config
    config = alembic_config.Config()
    config.set_main_option('script_location', os.path.join(
        os.path.dirname(migrations.__file__), database))
    return config


def _engine(url):
    # NOTE: max_retries=0: fail at once on an unreachable server rather
    # than oslo.db's default of ten attempts ten seconds apart.
    return engines.create_engine(url, sqlite_fk=False, max_retries=0,
                                 mysql_sql_mode='TRADITIONAL')


def head(database):
    """The newest revision of the ``api`` or ``main`` tree."""
    from alembic import script as alembic_script
    return alembic_script.ScriptDirectory.from_config(
        _config(database)).get_current_head()


def _check_ours(connection, database, url):
    tables = set(sa.inspect(connection).get_table_names())
    if migrations.VERSION_TABLE in tables:
        return
    foreign = sorted(tables & _FOREIGN_MARKERS)
    if foreign:
        raise exception.ForeignDatabase(
            database=db_api.mask_url(url),
            reason='it already holds %s but no %s table' % (
                ', '.join(foreign[:4]) + (', ...' if len(foreign) > 4
                                          else ''),
                migrations.VERSION_TABLE))


def get_version(url, database):
    """The nova-faults revision of a database; None if it has none."""
    from alembic import migration as alembic_migration
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            ctx = alembic_migration.MigrationContext.configure(
                connection,
                opts={'version_table': migrations.VERSION_TABLE})
            return ctx.get_current_revision()
    finally:
        engine.dispose()


def upgrade(url, database, revision='head'):
    """Migrate one database (``database`` is ``'api'`` or ``'main'``).

    Raises ``ForeignDatabase`` for a database nova-faults did not create.
    """
    try:
        engine = _engine(url)
    except Exception as exc:
        raise exception.DatabaseMigrationFailed(
            database=db_api.mask_url(url), reason=type(exc).__name__)
    try:
        with engine.begin() as connection:
            _check_ours(connection, database, url)
            config = _config(database)
            config.attributes['connection'] = connection
            from alembic import command as alembic_command
            alembic_command.upgrade(config, revision)
    except exception.NovaFaultsException:
        raise
    except Exception as exc:
        # NOTE: a driver's message may carry the URL and its password; the
        # log has the details, the exception only the class name.
        LOG.debug('Migrating %s failed', db_api.mask_url(url),
                  exc_info=True)
        raise exception.DatabaseMigrationFailed(
            database=db_api.mask_url(url), reason=type(exc).__name__)
    finally:
        engine.dispose()


def _admin(conf):
    ctx = nf_context.get_admin_context()
    ctx.api_db = db_api.get_api_context_manager(conf)
    return ctx


def db_sync(conf, revision='head'):
    """Migrate the API database, then every cell database.

    Returns ``[(name, masked URL, revision)]`` for each database. Stops at
    the first foreign database (``ForeignDatabase``).
    """
    api_url = db_api.api_connection_url(conf)
    upgrade(api_url, API, revision)
    done = [('API', db_api.mask_url(api_url), head(API))]
    ctx = _admin(conf)
    for cell in db_mappings.cell_mapping_get_all(ctx):
        url = db_api.format_db_url(conf, cell['database_connection'])
        if not url:
            LOG.warning('Cell %s has no database connection; skipped',
                        cell['uuid'])
            continue
        upgrade(url, MAIN, revision)
        done.append((cell['name'] or cell['uuid'], db_api.mask_url(url),
                     head(MAIN)))
    return done


def create_cell(conf, name, database_connection, transport_url=None,
                sync=False):
    """Write a cell mapping (and migrate its database when ``sync``)."""
    ctx = _admin(conf)
    if sync:
        upgrade(db_api.format_db_url(conf, database_connection), MAIN)
    return db_mappings.cell_mapping_create(ctx, {
        'name': name, 'database_connection': database_connection,
        'transport_url': transport_url or 'none:///', 'disabled': False})


_METADATA = {API: models.APIBase.metadata, MAIN: models.MainBase.metadata}


def _sqlite_path(url):
    """The file of a ``sqlite:///`` URL; None for any other URL."""
    if not url.startswith('sqlite:///'):
        return None
    path = url[len('sqlite:///'):].split('?', 1)[0]
    return path if path and path != ':memory:' else None


def is_new_sqlite(url):
    """Whether ``url`` names a SQLite file that is not there (or empty)."""
    path = _sqlite_path(url)
    if path is None:
        return False
    try:
        return os.path.getsize(path) == 0
    except FileNotFoundError:
        return True


def _version_table(metadata):
    # NOTE: the table Alembic creates, constraint name included, so that
    # Alembic reads and moves this stamp as if it had written it.
    return sa.Table(
        migrations.VERSION_TABLE, metadata,
        sa.Column('version_num', sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint('version_num',
                                name='%s_pkc' % migrations.VERSION_TABLE))


def _fsync(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_at_head(url, database):
    """Create a new SQLite database from the models, stamped at head.

    What :func:`upgrade` makes of a new file, without loading Alembic or
    running each migration (on the embedded default, 130 ms of the first
    start on the benchmark machine). The file is built beside its final
    name and renamed onto it, so a start-up that dies half way leaves no
    half-made database behind. Only for a file that is not there yet
    (:func:`is_new_sqlite`).
    """
    path = _sqlite_path(url)
    building = '%s.building-%d' % (path, os.getpid())
    with contextlib.suppress(FileNotFoundError):
        os.unlink(building)
    engine = sa.create_engine('sqlite:///' + building,
                              poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            # NOTE: no journal and no sync per statement while the file
            # has its building name (SQLite runs each CREATE in its own
            # transaction, each with its syncs: 40 ms a database): the
            # whole file is synced once, before it takes its real name.
            connection.exec_driver_sql('PRAGMA journal_mode = OFF')
            connection.exec_driver_sql('PRAGMA synchronous = OFF')
            _METADATA[database].create_all(connection)
            version = _version_table(sa.MetaData())
            version.create(connection)
            connection.execute(version.insert().values(
                version_num=migrations.HEADS[database]))
            connection.commit()
        engine.dispose()
        _fsync(building)
        os.replace(building, path)
        _fsync(os.path.dirname(path))
    except Exception as exc:
        engine.dispose()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(building)
        LOG.debug('Creating %s failed', db_api.mask_url(url), exc_info=True)
        raise exception.DatabaseMigrationFailed(
            database=db_api.mask_url(url), reason=type(exc).__name__)


def _create_or_upgrade(url, database):
    """Bring a start-up database to head the cheapest way there is."""
    if is_new_sqlite(url):
        create_at_head(url, database)
    elif not _at_head(url, database):
        upgrade(url, database)


def _at_head(url, database):
    """Whether an existing SQLite file holds the head revision."""
    path = _sqlite_path(url)
    if path is None or not os.path.exists(path):
        return False
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            version = connection.execute(sa.text(
                'SELECT version_num FROM %s' % migrations.VERSION_TABLE)
            ).scalars().all()
    except sa.exc.DBAPIError:
        return False
    finally:
        engine.dispose()
    return version == [migrations.HEADS[database]]


def _embedded_at_head(conf, api_url):
    """The embedded databases exist and are migrated: nothing to do."""
    if not _at_head(api_url, API):
        return False
    cells = db_mappings.cell_mapping_get_all(_admin(conf))
    return bool(cells) and all(
        _at_head(db_api.format_db_url(conf, cell['database_connection']),
                 MAIN)
        for cell in cells)


@contextlib.contextmanager
def _file_lock(path):
    with open(path, 'a') as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def reachable(url, timeout=PROBE_TIMEOUT):
    """Whether the server of database ``url`` accepts a TCP connection.

    Only a connection is opened (no credentials are sent). SQLite files,
    Unix sockets and URLs this cannot parse count as reachable: migrating
    them is what tells.
    """
    try:
        parsed = sa_url.make_url(url)
    except Exception:
        return True
    backend = parsed.get_backend_name()
    if backend == 'sqlite' or 'unix_socket' in parsed.query:
        return True
    host = parsed.host or 'localhost'
    if host.startswith('/'):
        return True
    port = parsed.port or _DEFAULT_PORTS.get(backend)
    if port is None:
        return True
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError:
        return False
    return True


def _sync_cells_at_start(conf):
    """Migrate the cell databases that answer; warn about the others.

    Returns the cell mappings left alone. A SQLite cell (the embedded
    ``cell1``) that cannot be migrated is an error; a database server that
    does not answer, or refuses the migration, costs only its cell.
    """
    skipped = []
    for cell in db_mappings.cell_mapping_get_all(_admin(conf)):
        label = '%s (%s)' % (cell['name'] or '-', cell['uuid'])
        url = db_api.format_db_url(conf, cell['database_connection'])
        if not url:
            continue
        if not reachable(url):
            # NOTE: never the URL: a cell's connection may hold a
            # password, and the log is read by more people than the
            # configuration.
            LOG.warning('Cell %s is not reachable: it is not migrated at '
                        'start-up and its servers are shown as in a down '
                        'cell until it answers.', label)
            skipped.append(cell)
            continue
        try:
            _create_or_upgrade(url, MAIN)
        except (exception.DatabaseMigrationFailed,
                exception.ForeignDatabase) as exc:
            if url.startswith('sqlite'):
                raise
            LOG.warning('Cell %s could not be migrated at start-up (%s); '
                        'serving it as it is.', label,
                        exc.kwargs.get('reason', type(exc).__name__))
            skipped.append(cell)
    return skipped


def ensure_embedded(conf):
    """Create and migrate the embedded SQLite deployment when it is used.

    With no ``[api_database] connection``: the API database and one cell
    (``cell1``) under ``state_path`` are created and migrated; safe to call
    from several processes at once. Returns True when the embedded default
    is in use, False otherwise (then nothing is touched: a configured
    database is migrated only by ``nova-faults-manage db sync``).

    Cells that do not answer are left alone (see
    :func:`_sync_cells_at_start`): start-up never fails or waits for them.
    """
    if conf.api_database.connection:
        return False
    api_url = db_api.api_connection_url(conf)  # creates state_path
    if _embedded_at_head(conf, api_url):
        return True
    lock = os.path.join(os.path.dirname(_sqlite_path(api_url)),
                        '.nova_faults_sync.lock')
    with _file_lock(lock):
        _create_or_upgrade(api_url, API)
        ctx = _admin(conf)
        cells = db_mappings.cell_mapping_get_all(ctx)
        if not cells:
            cell_url = db_api.sqlite_url(conf, EMBEDDED_CELL_SQLITE_NAME)
            create_cell(conf, EMBEDDED_CELL_NAME, cell_url)
        _sync_cells_at_start(conf)
    return True
