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
"""

import contextlib
import fcntl
import os

from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script
from oslo_db.sqlalchemy import engines
from oslo_log import log as logging
import sqlalchemy as sa

from nova_faults import context as nf_context
from nova_faults.db import api as db_api
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


def _config(database):
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
    for cell in db_api.cell_mapping_get_all(ctx):
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
    return db_api.cell_mapping_create(ctx, {
        'name': name, 'database_connection': database_connection,
        'transport_url': transport_url or 'none:///', 'disabled': False})


@contextlib.contextmanager
def _file_lock(path):
    with open(path, 'a') as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_embedded(conf):
    """Create and migrate the embedded SQLite deployment when it is used.

    With no ``[api_database] connection``: the API database and one cell
    (``cell1``) under ``state_path`` are created and migrated; safe to call
    from several processes at once. Returns True when the embedded default
    is in use, False otherwise (then nothing is touched: a configured
    database is migrated only by ``nova-faults-manage db sync``).
    """
    if conf.api_database.connection:
        return False
    api_url = db_api.api_connection_url(conf)  # creates state_path
    lock = os.path.join(os.path.dirname(api_url[len('sqlite:///'):]),
                        '.nova_faults_sync.lock')
    with _file_lock(lock):
        upgrade(api_url, API)
        ctx = _admin(conf)
        cells = db_api.cell_mapping_get_all(ctx)
        if not cells:
            cell_url = db_api.sqlite_url(conf, EMBEDDED_CELL_SQLITE_NAME)
            create_cell(conf, EMBEDDED_CELL_NAME, cell_url)
        db_sync(conf)
    return True
