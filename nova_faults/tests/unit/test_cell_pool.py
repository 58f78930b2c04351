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

"""Unit tests of the cell pool: daemon threads, bursts, driver timeouts."""

import subprocess
import sys
import textwrap
import threading
import time

import fixtures
import testtools

from nova_faults import cells
from nova_faults import daemon_pool
from nova_faults.db import api as db_api
from nova_faults.tests import fixtures as nf_fixtures


class DaemonPoolTestCase(testtools.TestCase):

    def test_result_and_exception(self):
        pool = daemon_pool.DaemonPool(4, 'test-pool')
        self.assertEqual(3, pool.submit(lambda a, b: a + b, 1, 2).result(5))
        future = pool.submit(lambda: 1 / 0)
        self.assertRaises(ZeroDivisionError, future.result, 5)

    def test_threads_are_daemons_and_reused(self):
        pool = daemon_pool.DaemonPool(4, 'test-pool')
        names = [pool.submit(lambda: threading.current_thread()).result(5)
                 for _ in range(10)]
        self.assertTrue(all(thread.daemon for thread in names))
        # Sequential calls reuse one waiting thread.
        self.assertEqual(1, pool.size)

    def test_bounded(self):
        pool = daemon_pool.DaemonPool(2, 'test-pool')
        release = threading.Event()
        self.addCleanup(release.set)
        futures = [pool.submit(release.wait, 10) for _ in range(5)]
        self.assertEqual(2, pool.size)
        release.set()
        self.assertTrue(all(f.result(10) for f in futures))
        self.assertEqual(2, pool.size)

    def test_process_exits_while_a_call_hangs(self):
        # A call that never returns must not keep the interpreter from
        # exiting (ThreadPoolExecutor joins its threads at exit).
        script = textwrap.dedent('''
            import threading
            from nova_faults import cells
            ctx = type('Ctx', (), {})()
            cell = {'uuid': 'c1', 'database_connection': 'sqlite://'}
            result = cells.scatter_gather(
                ctx, [cell], lambda cctx: threading.Event().wait(),
                timeout=0.2)
            print(result['c1'])
        ''')
        proc = subprocess.run([sys.executable, '-c', script],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(0, proc.returncode, proc.stderr)
        self.assertEqual('DID_NOT_RESPOND', proc.stdout.strip())


class LazyPoolTestCase(testtools.TestCase):

    def test_one_pool_per_process(self):
        lazy = daemon_pool.LazyPool(2, 'test-lazy')
        self.assertIs(lazy.get(), lazy.get())
        self.assertEqual(3, lazy.submit(lambda: 3).result(5))

    def test_a_forked_child_gets_a_working_pool(self):
        # The parent's pool threads do not exist in a forked worker: a
        # pool kept across the fork would queue calls no thread runs.
        lazy = daemon_pool.LazyPool(2, 'test-lazy')
        self.assertEqual(1, lazy.submit(lambda: 1).result(5))
        script = textwrap.dedent('''
            import os, sys
            from nova_faults import daemon_pool
            lazy = daemon_pool.LazyPool(2, 'test-lazy')
            lazy.submit(lambda: 1).result(5)
            parent_pool = lazy.get()
            pid = os.fork()
            if pid == 0:
                ok = (lazy.get() is not parent_pool and
                      lazy.submit(lambda: 2).result(5) == 2)
                os._exit(0 if ok else 1)
            _pid, status = os.waitpid(pid, 0)
            sys.exit(os.waitstatus_to_exitcode(status))
        ''')
        proc = subprocess.run([sys.executable, '-c', script],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(0, proc.returncode, proc.stderr)


class BurstTestCase(testtools.TestCase):
    """A burst against a hung cell holds at most its slots."""

    def setUp(self):
        super().setUp()
        cells.reset()
        self.addCleanup(cells.reset)
        self.deployment = self.useFixture(nf_fixtures.Deployment(
            cells=('sqlite', 'sqlite'),
            overrides={('api', 'max_concurrent_per_cell'): 2}))
        self.ctx = self.deployment.admin_context()
        # The hung cell is on a database server (never connected to: fn
        # does not query); a SQLite file is called in the caller's thread.
        self.hung = dict(
            self.deployment.cells[0], name='cell1',
            database_connection='mysql+pymysql://nobody@127.0.0.1:1/none')
        self.healthy = self.deployment.cells[1]
        self.cells = [self.hung, self.healthy]

    def test_burst(self):
        release = threading.Event()
        self.addCleanup(release.set)
        in_hung = []

        def fn(cctx):
            if cctx.cell_mapping['uuid'] == self.hung['uuid']:
                in_hung.append(1)
                release.wait(30)
            return cctx.cell_mapping['name']

        results = []

        def request():
            results.append(cells.scatter_gather(
                self.ctx, self.cells, fn, timeout=0.5))
        threads = [threading.Thread(target=request) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertEqual(10, len(results))
        # Never more calls in the hung cell than its slots.
        self.assertEqual(2, len(in_hung))
        for result in results:
            self.assertIs(cells.DID_NOT_RESPOND, result[self.hung['uuid']])
            self.assertEqual('cell2', result[self.healthy['uuid']])
        # Once the hung calls outlived the timeout, the cell fails fast.
        self.assertTrue(cells._semaphore(self.hung['uuid'], 2).stuck())
        result = cells.scatter_gather(self.ctx, self.cells, fn, timeout=30)
        self.assertIs(cells.DID_NOT_RESPOND, result[self.hung['uuid']])
        self.assertEqual('cell2', result[self.healthy['uuid']])
        # When the cell answers again, the next call sees it (once the
        # released calls have given their slots back: they need to be
        # scheduled first, which a loaded machine may take a while to do).
        release.set()
        deadline = time.monotonic() + 10
        while True:
            result = cells.scatter_gather(self.ctx, [self.hung], fn,
                                          timeout=5)
            if result[self.hung['uuid']] == 'cell1' or \
                    time.monotonic() > deadline:
                break
            time.sleep(0.01)
        self.assertEqual('cell1', result[self.hung['uuid']])


class TimeoutParametersTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.conf = nf_fixtures.make_conf(
            self.useFixture(fixtures.TempDir()).path,
            {('api', 'cell_timeout'): 1})

    def test_mysql(self):
        self.assertEqual(
            'connect_timeout=2&read_timeout=2',
            db_api._timeout_parameters(
                self.conf, 'mysql+pymysql://root@127.0.0.1/x'))

    def test_postgresql(self):
        self.conf.set_override('cell_timeout', 7, group='api')
        self.assertEqual(
            'connect_timeout=7',
            db_api._timeout_parameters(
                self.conf, 'postgresql+psycopg://u@127.0.0.1/x'))

    def test_kept_from_url(self):
        self.assertEqual(
            'read_timeout=2',
            db_api._timeout_parameters(
                self.conf,
                'mysql+pymysql://root@127.0.0.1/x?connect_timeout=9'))

    def test_sqlite_and_no_conf(self):
        self.assertIsNone(db_api._timeout_parameters(self.conf,
                                                     'sqlite:///x'))
        self.assertIsNone(db_api._timeout_parameters(
            None, 'mysql+pymysql://root@127.0.0.1/x'))

    def test_engine_gets_them(self):
        factory = db_api.get_context_manager(
            self.conf, 'mysql+pymysql://root@127.0.0.1:1/nf_unused')
        self.addCleanup(db_api.dispose,
                        'mysql+pymysql://root@127.0.0.1:1/nf_unused')
        engine = factory.writer.get_engine()
        self.assertEqual('2', engine.url.query['read_timeout'])
        self.assertEqual('2', engine.url.query['connect_timeout'])
