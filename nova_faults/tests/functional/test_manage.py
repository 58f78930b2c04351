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

"""``nova-faults-manage`` db sync, cell create and cell list on every
backend, and the refusal to migrate a database nova-faults did not make.
"""

import io
import logging
import os
import socket
import subprocess
import sys

import fixtures
from oslo_utils import uuidutils
import sqlalchemy as sa
import testtools

from nova_faults.cmd import manage
from nova_faults import context as nf_context
from nova_faults.db import api as db_api
from nova_faults.db import mappings as db_mappings
from nova_faults.db import migration
from nova_faults.db import migrations
from nova_faults.db import models
from nova_faults import exception
from nova_faults.tests import fixtures as nf_fixtures


class ManageTestMixin:

    backend = 'sqlite'

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.api_db = self.useFixture(nf_fixtures.Database(
            self.backend, directory=self.tmp, tag='api'))
        self.cell_db = self.useFixture(nf_fixtures.Database(
            self.backend, directory=self.tmp, tag='cell'))
        self.config = os.path.join(self.tmp, 'nova-faults.conf')
        with open(self.config, 'w') as handle:
            handle.write('[DEFAULT]\nstate_path = %s\n'
                         '[api_database]\nconnection = %s\n'
                         % (self.tmp, self.api_db.url))

    def manage(self, *args):
        out, err = io.StringIO(), io.StringIO()
        with fixtures.MonkeyPatch('sys.stdout', out), \
                fixtures.MonkeyPatch('sys.stderr', err):
            code = manage.main(['--config-file', self.config] + list(args))
        return code, out.getvalue(), err.getvalue()

    def tables(self, url):
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            return set(sa.inspect(engine).get_table_names())
        finally:
            engine.dispose()

    def test_sync_create_list(self):
        code, out, err = self.manage('db', 'sync')
        self.assertEqual(0, code, err)
        self.assertIn('cell_mappings', self.tables(self.api_db.url))
        self.assertIn(migrations.VERSION_TABLE, self.tables(self.api_db.url))

        code, out, err = self.manage(
            'cell', 'create', '--name', 'cell1',
            '--database-connection', self.cell_db.url)
        self.assertEqual(0, code, err)
        cell_uuid = out.strip()
        self.assertTrue(uuidutils.is_uuid_like(cell_uuid), out)
        self.assertNotIn('instances', self.tables(self.cell_db.url))

        code, out, err = self.manage('db', 'sync')
        self.assertEqual(0, code, err)
        self.assertIn('instances', self.tables(self.cell_db.url))
        self.assertEqual(migration.head('main'),
                         migration.get_version(self.cell_db.url, 'main'))
        # Idempotent.
        self.assertEqual(0, self.manage('db', 'sync')[0])

        code, out, err = self.manage('cell', 'list')
        self.assertEqual(0, code, err)
        self.assertIn(cell_uuid, out)
        self.assertIn('cell1', out)
        self.assertIn('| Name ', out)

        code, out, err = self.manage('db', 'version')
        self.assertEqual(0, code, err)
        self.assertIn('cell1: %s' % migration.head('main'), out)

    def test_list_masks_passwords(self):
        self.assertEqual(0, self.manage('db', 'sync')[0])
        code, out, err = self.manage(
            'cell', 'create', '--name', 'remote', '--database-connection',
            'mysql+pymysql://nova:s3cr3t@db.example.org/nova_cell9',
            '--transport-url', 'rabbit://nova:r4bbit@mq.example.org:5672/')
        self.assertEqual(0, code, err)
        code, out, err = self.manage('cell', 'list')
        self.assertEqual(0, code, err)
        self.assertNotIn('s3cr3t', out)
        self.assertNotIn('r4bbit', out)
        self.assertIn('mysql+pymysql://nova:***@db.example.org/nova_cell9',
                      out)

    def test_bad_url(self):
        self.assertEqual(0, self.manage('db', 'sync')[0])
        code, out, err = self.manage('cell', 'create', '--name', 'x',
                                     '--database-connection', 'not a url')
        self.assertEqual(manage.USAGE, code)
        self.assertEqual('', out)

    def test_usage(self):
        with fixtures.MonkeyPatch('sys.stderr', io.StringIO()):
            self.assertEqual(2, self.manage('cell')[0])
            self.assertEqual(2, self.manage('bogus')[0])

    def _make_foreign(self, url, table):
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql(
                    'CREATE TABLE %s (id INTEGER PRIMARY KEY)' % table)
        finally:
            engine.dispose()

    def test_refuses_foreign_api_database(self):
        self._make_foreign(self.api_db.url, 'cell_mappings')
        code, out, err = self.manage('db', 'sync')
        self.assertEqual(manage.REFUSED, code)
        self.assertIn('never migrates a database it did not create', err)
        self.assertEqual({'cell_mappings'}, self.tables(self.api_db.url))

    def test_refuses_foreign_cell_database(self):
        self.assertEqual(0, self.manage('db', 'sync')[0])
        self._make_foreign(self.cell_db.url, 'instances')
        self.assertEqual(0, self.manage(
            'cell', 'create', '--name', 'nova-cell',
            '--database-connection', self.cell_db.url)[0])
        code, out, err = self.manage('db', 'sync')
        self.assertEqual(manage.REFUSED, code)
        self.assertIn('instances', err)
        self.assertIn('not created by nova-faults', err)
        self.assertEqual({'instances'}, self.tables(self.cell_db.url))


class SQLiteManageTestCase(ManageTestMixin, testtools.TestCase):
    backend = 'sqlite'

    def test_console_script_exit_codes(self):
        env = dict(os.environ, PYTHONPATH=os.getcwd())
        run = [sys.executable, '-m', 'nova_faults.cmd.manage',
               '--config-file', self.config]
        result = subprocess.run(run + ['db', 'sync'], env=env,
                                capture_output=True, text=True)
        self.assertEqual(0, result.returncode, result.stderr)
        result = subprocess.run(run + ['cell', 'list'], env=env,
                                capture_output=True, text=True)
        self.assertEqual(0, result.returncode, result.stderr)
        result = subprocess.run(run + ['nope'], env=env,
                                capture_output=True, text=True)
        self.assertEqual(2, result.returncode)

    def test_unreachable_cell_fails_without_leaking(self):
        self.assertEqual(0, self.manage('db', 'sync')[0])
        self.manage('cell', 'create', '--name', 'gone',
                    '--database-connection',
                    'mysql+pymysql://u:pa55@127.0.0.1:1/x')
        code, out, err = self.manage('db', 'sync')
        self.assertEqual(manage.FAILURE, code)
        self.assertNotIn('pa55', err + out)
        self.assertIn('could not be migrated', err)


def sqlite_schema(url):
    """Every CREATE statement of a SQLite database, by object."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text(
                'SELECT type, name, tbl_name, sql FROM sqlite_master'))
            return {(kind, name, table): ' '.join((sql or '').split())
                    for kind, name, table, sql in rows}
    finally:
        engine.dispose()


class CreateAtHeadTestCase(testtools.TestCase):
    """A new file made from the models equals the migrations' one."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def _both(self, database):
        migrated = 'sqlite:///%s/migrated-%s.sqlite' % (self.tmp, database)
        created = 'sqlite:///%s/created-%s.sqlite' % (self.tmp, database)
        migration.upgrade(migrated, database)
        self.assertTrue(migration.is_new_sqlite(created))
        migration.create_at_head(created, database)
        self.assertFalse(migration.is_new_sqlite(created))
        return migrated, created

    def _check_same(self, database):
        migrated, created = self._both(database)
        expected = sqlite_schema(migrated)
        self.assertIn(('table', migrations.VERSION_TABLE,
                       migrations.VERSION_TABLE), expected)
        self.assertEqual(len(migration._METADATA[database].tables) + 1,
                         sum(1 for kind, _, _ in expected if kind == 'table'))
        self.assertEqual(expected, sqlite_schema(created))
        self.assertEqual(migration.head(database),
                         migration.get_version(created, database))
        # Alembic takes the stamp as its own: nothing left to run.
        migration.upgrade(created, database)
        self.assertEqual(expected, sqlite_schema(created))

    def test_api_schema_is_the_migrated_one(self):
        self._check_same(migration.API)

    def test_main_schema_is_the_migrated_one(self):
        self._check_same(migration.MAIN)

    def test_comparison_sees_a_missing_index(self):
        migrated, created = self._both(migration.MAIN)
        engine = sa.create_engine(created, poolclass=sa.pool.NullPool)
        self.addCleanup(engine.dispose)
        with engine.begin() as connection:
            connection.execute(sa.text(
                'DROP INDEX instance_actions_instance_uuid_updated_at_idx'))
        self.assertNotEqual(sqlite_schema(migrated), sqlite_schema(created))

    def test_is_new_sqlite(self):
        path = os.path.join(self.tmp, 'x.sqlite')
        self.assertTrue(migration.is_new_sqlite('sqlite:///' + path))
        open(path, 'w').close()
        self.assertTrue(migration.is_new_sqlite('sqlite:///' + path))
        with open(path, 'w') as handle:
            handle.write('x')
        self.assertFalse(migration.is_new_sqlite('sqlite:///' + path))
        for url in ('sqlite://', 'sqlite:///:memory:',
                    'mysql+pymysql://u:p@127.0.0.1/nowhere'):
            self.assertFalse(migration.is_new_sqlite(url), url)

    def test_failure_leaves_no_file(self):
        url = 'sqlite:///%s/cell.sqlite' % self.tmp
        self.useFixture(fixtures.MockPatchObject(
            models.MainBase.metadata, 'create_all',
            side_effect=sa.exc.OperationalError('CREATE', {}, 'disk I/O')))
        exc = self.assertRaises(exception.DatabaseMigrationFailed,
                                migration.create_at_head, url,
                                migration.MAIN)
        self.assertIn('OperationalError', str(exc))
        self.assertEqual([], os.listdir(self.tmp))


class MySQLManageTestCase(ManageTestMixin, testtools.TestCase):
    backend = 'mysql'


class PostgreSQLManageTestCase(ManageTestMixin, testtools.TestCase):
    backend = 'postgresql'


class EmbeddedDefaultTestCase(testtools.TestCase):

    def test_ensure_embedded(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        state = os.path.join(tmp, 'state')
        conf = nf_fixtures.make_conf(state)
        self.assertTrue(migration.ensure_embedded(conf))
        self.assertTrue(migration.ensure_embedded(conf))
        api_url = db_api.api_connection_url(conf)
        self.addCleanup(db_api.dispose)
        self.assertEqual('sqlite:///' + os.path.join(
            state, 'nova_faults_api.sqlite'), api_url)
        ctx = nf_context.get_admin_context()
        ctx.api_db = db_api.get_api_context_manager(conf)
        cells = db_mappings.cell_mapping_get_all(ctx)
        self.assertEqual(['cell1'], [c['name'] for c in cells])
        self.assertEqual('sqlite:///' + os.path.join(
            state, 'nova_faults_cell1.sqlite'),
            cells[0]['database_connection'])
        self.assertEqual(migration.head('main'), migration.get_version(
            cells[0]['database_connection'], 'main'))

    def test_unreachable_cell_is_left_alone_at_start(self):
        # A cell whose database server does not answer (a closed port, as
        # the demo's cell-unreachable) neither fails nor holds up
        # start-up: it is named in a warning, never by its URL, and the
        # other cells are migrated.
        tmp = self.useFixture(fixtures.TempDir()).path
        conf = nf_fixtures.make_conf(tmp)
        self.addCleanup(db_api.dispose)
        self.assertTrue(migration.ensure_embedded(conf))
        closed = socket.socket()
        closed.bind(('127.0.0.1', 0))
        port = closed.getsockname()[1]
        closed.close()
        url = 'mysql+pymysql://nova:s3cret@127.0.0.1:%d/nova_down' % port
        down = migration.create_cell(conf, 'cell-down', url)
        second = db_api.sqlite_url(conf, 'second.sqlite')
        migration.create_cell(conf, 'cell2', second)
        logs = self.useFixture(fixtures.FakeLogger(
            name='nova_faults.db.migration', level=logging.WARNING))

        self.assertTrue(migration.ensure_embedded(conf))
        self.assertIn('Cell cell-down (%s) is not reachable' % down['uuid'],
                      logs.output)
        self.assertNotIn(str(port), logs.output)
        self.assertNotIn('s3cret', logs.output)
        self.assertNotIn('nova_down', logs.output)
        self.assertEqual(migration.head('main'),
                         migration.get_version(second, 'main'))
        # Every start says so again, and serves.
        self.assertTrue(migration.ensure_embedded(conf))
        self.assertEqual(2, logs.output.count('cell-down'))

    def test_reachable(self):
        listener = socket.socket()
        listener.bind(('127.0.0.1', 0))
        listener.listen(1)
        self.addCleanup(listener.close)
        port = listener.getsockname()[1]
        self.assertTrue(migration.reachable(
            'postgresql://u:p@127.0.0.1:%d/db' % port))
        listener.close()
        self.assertFalse(migration.reachable(
            'postgresql://u:p@127.0.0.1:%d/db' % port))
        self.assertTrue(migration.reachable('sqlite:////nowhere/x.sqlite'))
        self.assertTrue(migration.reachable(
            'mysql+pymysql://u@localhost/db?unix_socket=/run/x.sock'))

    def test_heads_are_known_without_alembic(self):
        for database in (migration.API, migration.MAIN):
            self.assertEqual(migration.head(database),
                             migrations.HEADS[database])

    def test_next_start_does_not_load_alembic(self):
        # The first start migrates; a later process finds every database
        # at its head with one query each and never imports Alembic.
        state = os.path.join(self.useFixture(fixtures.TempDir()).path,
                             'state')
        self.addCleanup(db_api.dispose)
        self.assertTrue(migration.ensure_embedded(
            nf_fixtures.make_conf(state)))
        self.assertFalse(self._start_loads_alembic(state))

    def _start_loads_alembic(self, state):
        """Whether a new process' ensure_embedded imports Alembic."""
        code = (
            'import sys\n'
            'from nova_faults.db import migration\n'
            'from nova_faults.tests import fixtures\n'
            'assert migration.ensure_embedded(fixtures.make_conf(%r))\n'
            'print("alembic" in sys.modules)\n' % state)
        out = subprocess.run([sys.executable, '-c', code], check=True,
                             capture_output=True, text=True).stdout
        return {'True': True, 'False': False}[out.strip()]

    def test_first_start_does_not_load_alembic(self):
        # New files are created from the models and stamped at head.
        state = os.path.join(self.useFixture(fixtures.TempDir()).path,
                             'state')
        self.assertFalse(self._start_loads_alembic(state))
        for name, database in (('nova_faults_api.sqlite', migration.API),
                               (migration.EMBEDDED_CELL_SQLITE_NAME,
                                migration.MAIN)):
            self.assertEqual(migration.head(database), migration.get_version(
                'sqlite:///' + os.path.join(state, name), database))
        self.assertEqual(
            ['.nova_faults_sync.lock', 'nova_faults_api.sqlite',
             migration.EMBEDDED_CELL_SQLITE_NAME], sorted(os.listdir(state)))

    def test_missing_cell_database_is_created_again(self):
        state = os.path.join(self.useFixture(fixtures.TempDir()).path,
                             'state')
        conf = nf_fixtures.make_conf(state)
        self.addCleanup(db_api.dispose)
        self.assertTrue(migration.ensure_embedded(conf))
        cell_file = os.path.join(state, migration.EMBEDDED_CELL_SQLITE_NAME)
        db_api.dispose()
        os.unlink(cell_file)
        self.assertTrue(migration.ensure_embedded(conf))
        self.assertEqual(migration.head(migration.MAIN),
                         migration.get_version('sqlite:///' + cell_file,
                                               migration.MAIN))

    def test_configured_database_is_not_touched(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        conf = nf_fixtures.make_conf(tmp, overrides={
            ('api_database', 'connection'): 'sqlite:///%s/x.sqlite' % tmp})
        self.assertFalse(migration.ensure_embedded(conf))
        self.assertFalse(os.path.exists(os.path.join(tmp, 'x.sqlite')))
