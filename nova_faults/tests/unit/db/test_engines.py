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

"""Engine caching, URL masking and templated cell URLs."""

import concurrent.futures
import os

import fixtures
import sqlalchemy as sa
import testtools

from nova_faults import context as nf_context
from nova_faults.db import api as db_api
from nova_faults.db import mappings as db_mappings
from nova_faults.db import services as db_services
from nova_faults import exception
from nova_faults.tests import fixtures as nf_fixtures


class EnginesTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.conf = nf_fixtures.make_conf(os.path.join(self.tmp, 'state'))

    def test_one_context_manager_per_url(self):
        url = 'sqlite:///%s/a.sqlite' % self.tmp
        self.addCleanup(db_api.dispose, url)
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            found = list(pool.map(
                lambda _: db_api.get_context_manager(self.conf, url),
                range(32)))
        self.assertEqual(1, len({id(f) for f in found}))
        other = db_api.get_context_manager(
            self.conf, 'sqlite:///%s/b.sqlite' % self.tmp)
        self.addCleanup(db_api.dispose, 'sqlite:///%s/b.sqlite' % self.tmp)
        self.assertIsNot(found[0], other)
        db_api.dispose(url)
        self.assertIsNot(found[0],
                         db_api.get_context_manager(self.conf, url))

    def test_embedded_api_url(self):
        url = db_api.api_connection_url(self.conf)
        path = os.path.join(self.tmp, 'state', db_api.API_SQLITE_NAME)
        self.assertEqual('sqlite:///' + path, url)
        self.assertTrue(os.path.isdir(os.path.dirname(path)))
        self.conf.set_override('connection', 'mysql+pymysql://a@b/c',
                               group='api_database')
        self.assertEqual('mysql+pymysql://a@b/c',
                         db_api.api_connection_url(self.conf))

    def test_changed_options_are_seen_at_once(self):
        url = 'sqlite:///%s/a.sqlite' % self.tmp
        self.addCleanup(db_api.dispose, url)
        first = db_api.get_context_manager(self.conf, url)
        self.assertIs(first, db_api.get_context_manager(self.conf, url))
        for group, name, value in (('api_database', 'max_pool_size', 3),
                                   ('api_database', 'sqlite_synchronous',
                                    False),
                                   ('api_database', 'connection_debug', 50),
                                   ('api', 'cell_timeout', 7)):
            self.conf.set_override(name, value, group=group)
            changed = db_api.get_context_manager(self.conf, url)
            options, _pool, key = db_api._options_key(self.conf, url)
            self.assertIs(db_api._FACTORIES[key], changed)
            self.conf.clear_override(name, group=group)
            self.assertIs(first, db_api.get_context_manager(self.conf, url))
        # cell_timeout reaches a server's engine as its driver timeouts.
        mysql = 'mysql+pymysql://u@127.0.0.1:1/nf_unused'
        self.addCleanup(db_api.dispose, mysql)
        before = db_api.get_context_manager(self.conf, mysql)
        self.conf.set_override('cell_timeout', 9, group='api')
        after = db_api.get_context_manager(self.conf, mysql)
        self.assertIsNot(before, after)
        self.assertIn('read_timeout=9',
                      str(db_api.get_engine(after).url))

    def test_state_path_is_created_again(self):
        url = db_api.api_connection_url(self.conf)
        state = os.path.join(self.tmp, 'state')
        os.rmdir(state)
        self.assertEqual(url, db_api.api_connection_url(self.conf))
        self.assertTrue(os.path.isdir(state))

    def test_relative_state_path_follows_the_working_directory(self):
        self.conf.set_override('state_path', 'rel')
        here = os.getcwd()
        self.addCleanup(os.chdir, here)
        for name in ('one', 'two'):
            os.makedirs(os.path.join(self.tmp, name))
            os.chdir(os.path.join(self.tmp, name))
            self.assertEqual(
                'sqlite:///' + os.path.join(self.tmp, name, 'rel',
                                            db_api.API_SQLITE_NAME),
                db_api.api_connection_url(self.conf))
            self.assertTrue(os.path.isdir(os.path.join(self.tmp, name,
                                                       'rel')))

    def test_mask_url(self):
        self.assertEqual('mysql+pymysql://nova:***@db/nova',
                         db_api.mask_url('mysql+pymysql://nova:pw@db/nova'))
        self.assertEqual('rabbit://guest:***@mq:5672/',
                         db_api.mask_url('rabbit://guest:guest@mq:5672/'))
        self.assertEqual('sqlite:////x.sqlite',
                         db_api.mask_url('sqlite:////x.sqlite'))
        self.assertIsNone(db_api.mask_url(None))
        self.assertNotIn('pw', db_api.mask_url('::pw@@'))

    def test_templated_cell_url(self):
        self.conf.set_override(
            'connection',
            'mysql+pymysql://nova:pw@db.example.org:3307/nova_api'
            '?charset=utf8',
            group='api_database')
        self.assertEqual(
            'mysql+pymysql://nova:pw@db.example.org:3307/nova_cell1',
            db_api.format_db_url(
                self.conf,
                '{scheme}://{username}:{password}@{hostname}:{port}/'
                'nova_cell1'))
        self.assertEqual('sqlite://', db_api.format_db_url(self.conf,
                                                           'sqlite://'))
        error = self.assertRaises(exception.ConfigInvalid,
                                  db_api.format_db_url, self.conf,
                                  'mysql://u:secret@{nope}/x')
        self.assertNotIn('secret', error.format_message())

    def test_context_without_database(self):
        from nova_faults import context as nf_context
        ctx = nf_context.get_admin_context()
        self.assertRaises(exception.ConfigInvalid, db_services.service_get_all,
                          ctx)
        self.assertRaises(exception.ConfigInvalid,
                          db_mappings.cell_mapping_get_all, ctx)


class SQLiteFilePoolTestCase(testtools.TestCase):
    """SQLite files keep their connections open across threads."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.conf = nf_fixtures.make_conf(os.path.join(self.tmp, 'state'))
        self.url = 'sqlite:///%s/pooled.sqlite' % self.tmp
        self.addCleanup(db_api.dispose, self.url)
        self.factory = db_api.get_context_manager(self.conf, self.url)
        self.engine = db_api.get_engine(self.factory)
        self.connects = []
        sa.event.listen(self.engine, 'connect',
                        lambda dbapi_con, record: self.connects.append(1))

    def _query(self, sql):
        ctx = nf_context.get_admin_context()
        with self.factory.reader.connection.using(ctx) as conn:
            return conn.execute(sa.text(sql)).scalar()

    def test_connections_are_reused_by_other_threads(self):
        self._query('SELECT 1')
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: self._query('SELECT 1'),
                                    range(200)))
        self.assertEqual([1] * 200, results)
        # At most one connection per thread at once; none per request.
        self.assertLessEqual(len(self.connects), 5)
        self.assertIsInstance(self.engine.pool, sa.pool.QueuePool)

    def test_oslo_db_connection_setup_is_kept(self):
        # oslo.db's connect hook adds REGEXP to every SQLite connection.
        self.assertEqual(1, self._query("SELECT 'abc' REGEXP 'b'"))
        self.assertEqual('wal', self._query('PRAGMA journal_mode'))

    def test_transactions_begin_through_the_driver(self):
        listeners = [getattr(fn, '__name__', None)
                     for fn in self.engine.dispatch.begin]
        self.assertEqual(['_sqlite_begin'], listeners)
        ctx = nf_context.get_admin_context()
        with self.factory.writer.connection.using(ctx) as conn:
            conn.execute(sa.text('CREATE TABLE t (x INTEGER)'))
            conn.execute(sa.text('INSERT INTO t VALUES (1)'))
        # A reader's transaction is one: it keeps its snapshot while a
        # writer commits (it would not, were BEGIN not sent).
        with self.factory.reader.connection.using(ctx) as conn:
            self.assertEqual(1, conn.execute(
                sa.text('SELECT count(*) FROM t')).scalar())
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                pool.submit(self._insert, 2).result()
            self.assertEqual(1, conn.execute(
                sa.text('SELECT count(*) FROM t')).scalar())
        self.assertEqual(2, self._query('SELECT count(*) FROM t'))
        # A writer's failure rolls back what it wrote.
        try:
            with self.factory.writer.connection.using(ctx) as conn:
                conn.execute(sa.text('INSERT INTO t VALUES (3)'))
                raise ValueError('rolled back')
        except ValueError:
            pass
        self.assertEqual(2, self._query('SELECT count(*) FROM t'))

    def _insert(self, value):
        ctx = nf_context.get_admin_context()
        with self.factory.writer.connection.using(ctx) as conn:
            conn.execute(sa.text('INSERT INTO t VALUES (:x)'), {'x': value})

    def test_no_ping_before_each_checkout(self):
        self.assertFalse(self.engine.pool._pre_ping)

    def test_pool_size_follows_configuration(self):
        self.conf.set_override('max_pool_size', 2, group='api_database')
        url = 'sqlite:///%s/small.sqlite' % self.tmp
        self.addCleanup(db_api.dispose, url)
        engine = db_api.get_engine(db_api.get_context_manager(self.conf,
                                                              url))
        self.assertEqual(2, engine.pool.size())

    def test_memory_database_is_not_pooled_per_file(self):
        url = 'sqlite://'
        self.addCleanup(db_api.dispose, url)
        engine = db_api.get_engine(db_api.get_context_manager(self.conf,
                                                              url))
        self.assertNotIsInstance(engine.pool, sa.pool.QueuePool)
