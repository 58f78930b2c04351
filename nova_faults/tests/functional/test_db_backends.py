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

"""The query layer, the schema and the migrations on every backend.

The unit query tests run again with an API database and a cell on
MariaDB and on PostgreSQL (skipped when a server is unreachable, unless
``NOVA_FAULTS_REQUIRE_BACKENDS=1``).
"""

import sqlalchemy as sa
import testtools

from nova_faults.db import migrations
from nova_faults.tests import fixtures as nf_fixtures
from nova_faults.tests.unit.db import nova_schema
from nova_faults.tests.unit.db import test_api


class _MySQL:
    cells = ('mysql',)
    api = 'mysql'


class _PostgreSQL:
    cells = ('postgresql',)
    api = 'postgresql'


class MySQLActionsTestCase(_MySQL, test_api.ActionsTestMixin,
                           test_api.DbApiTestBase):
    pass


class PostgreSQLActionsTestCase(_PostgreSQL, test_api.ActionsTestMixin,
                                test_api.DbApiTestBase):
    pass


class MySQLFaultsTestCase(_MySQL, test_api.FaultsTestMixin,
                          test_api.DbApiTestBase):
    pass


class PostgreSQLFaultsTestCase(_PostgreSQL, test_api.FaultsTestMixin,
                               test_api.DbApiTestBase):
    pass


class MySQLInstancesTestCase(_MySQL, test_api.InstancesTestMixin,
                             test_api.DbApiTestBase):
    pass


class PostgreSQLInstancesTestCase(_PostgreSQL, test_api.InstancesTestMixin,
                                  test_api.DbApiTestBase):
    pass


class MySQLServicesTestCase(_MySQL, test_api.ServicesTestMixin,
                            test_api.DbApiTestBase):
    pass


class PostgreSQLServicesTestCase(_PostgreSQL, test_api.ServicesTestMixin,
                                 test_api.DbApiTestBase):
    pass


def _expected_type(snapshot_type, dialect):
    """The reflected type name a snapshot type becomes on ``dialect``."""
    if snapshot_type == 'MediumText':
        return 'MEDIUMTEXT' if dialect == 'mysql' else 'TEXT'
    if snapshot_type == 'IPAddress':
        return 'INET' if dialect == 'postgresql' else 'VARCHAR(39)'
    if snapshot_type.startswith('Enum('):
        if dialect == 'sqlite':
            # SQLite stores an Enum as a VARCHAR of its longest value.
            return 'VARCHAR(%d)' % max(
                len(value) for value in snapshot_type[5:-1].split(','))
        return 'ENUM(%s)' % snapshot_type[5:-1]
    if snapshot_type.startswith(('String(', 'Unicode(')):
        return 'VARCHAR(%s)' % snapshot_type.split('(')[1][:-1]
    if snapshot_type == 'Boolean':
        return 'TINYINT' if dialect == 'mysql' else 'BOOLEAN'
    if snapshot_type == 'DateTime':
        return 'TIMESTAMP' if dialect == 'postgresql' else 'DATETIME'
    return {'Integer': 'INTEGER', 'BigInteger': 'BIGINT',
            'Text': 'TEXT'}[snapshot_type]


def _reflected_type(sa_type):
    if isinstance(sa_type, sa.Enum):
        return 'ENUM(%s)' % ','.join(sa_type.enums)
    name = type(sa_type).__name__.upper()
    if name in ('VARCHAR', 'NVARCHAR', 'STRING'):
        return 'VARCHAR(%s)' % sa_type.length
    if name == 'INT':
        return 'INTEGER'
    return name


class MigratedSchemaTestMixin:
    """A database made by ``db sync`` has Nova's schema."""

    backend = 'sqlite'

    def _check(self, tree, snapshot):
        db = self.useFixture(nf_fixtures.Database(self.backend, tree=tree,
                                                  template=False))
        engine = sa.create_engine(db.url, poolclass=sa.pool.NullPool)
        self.addCleanup(engine.dispose)
        inspector = sa.inspect(engine)
        dialect = engine.dialect.name
        tables = set(inspector.get_table_names())
        self.assertEqual(set(snapshot) | {migrations.VERSION_TABLE}, tables)
        for name, expected in snapshot.items():
            columns = {c['name']: c for c in inspector.get_columns(name)}
            self.assertEqual(sorted(expected['columns']), sorted(columns),
                             name)
            for cname, spec in expected['columns'].items():
                column = columns[cname]
                self.assertEqual(spec['nullable'], column['nullable'],
                                 '%s.%s nullable' % (name, cname))
                self.assertEqual(_expected_type(spec['type'], dialect),
                                 _reflected_type(column['type']),
                                 '%s.%s type' % (name, cname))
            pk = inspector.get_pk_constraint(name)['constrained_columns']
            self.assertEqual(sorted(c for c, s in expected['columns'].items()
                                    if s['primary_key']), sorted(pk), name)
            fk_columns = {tuple(fk['constrained_columns'])
                          for fk in inspector.get_foreign_keys(name)}
            indexes = {i['name']: (tuple(i['column_names']),
                                   bool(i['unique']))
                       for i in inspector.get_indexes(name)
                       if not i.get('duplicates_constraint') and
                       i['name'] not in expected['unique_constraints']}
            for iname, (cols, unique) in expected['indexes'].items():
                self.assertEqual((tuple(cols), unique), indexes.pop(iname),
                                 '%s index %s' % (name, iname))
            # MySQL adds an index for each foreign key without one.
            leftover = {n: v for n, v in indexes.items()
                        if v[0] not in fk_columns}
            self.assertEqual({}, leftover, name)
            uniques = {u['name']: tuple(u['column_names'])
                       for u in inspector.get_unique_constraints(name)
                       if u['name'] not in expected['indexes']}
            self.assertEqual(
                {n: tuple(c) for n, c in
                 expected['unique_constraints'].items()}, uniques, name)

    def test_api_schema(self):
        self._check('api', nova_schema.API_TABLES)

    def test_main_schema(self):
        self._check('main', nova_schema.MAIN_TABLES)


class SQLiteSchemaTestCase(MigratedSchemaTestMixin, testtools.TestCase):
    backend = 'sqlite'


class MySQLSchemaTestCase(MigratedSchemaTestMixin, testtools.TestCase):
    backend = 'mysql'


class PostgreSQLSchemaTestCase(MigratedSchemaTestMixin, testtools.TestCase):
    backend = 'postgresql'
