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

"""Unit tests of nova_faults.cells: targeting and the fan-out."""

import threading

from oslo_db import exception as db_exc
from sqlalchemy import exc as sa_exc
import testtools

from nova_faults import cells
from nova_faults.db import api as db_api
from nova_faults.db import instances as db_instances
from nova_faults.db import mappings as db_mappings
from nova_faults.db import services as db_services
from nova_faults import exception
from nova_faults.objects import instance as instance_obj
from nova_faults.objects import service as service_obj
from nova_faults.tests import fixtures as nf_fixtures


class CellsTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        cells.reset()
        self.addCleanup(cells.reset)
        self.deployment = self.useFixture(nf_fixtures.Deployment(
            cells=('sqlite', 'sqlite'),
            overrides={('api', 'max_concurrent_per_cell'): 1}))
        self.ctx = self.deployment.admin_context()
        self.cell1, self.cell2 = self.deployment.cells
        # A cell on a database server (never connected to: the functions
        # run here do not query), called in a pool thread with a timeout.
        self.server_cell = dict(
            self.cell1, uuid='c0ffee00-0000-0000-0000-00000000000a',
            name='server-cell',
            database_connection='mysql+pymysql://nobody@127.0.0.1:1/none')

    def _hang(self, cell_uuid):
        """A function that blocks in ``cell_uuid`` until released."""
        release = threading.Event()
        started = threading.Event()
        self.addCleanup(release.set)
        calls = []

        def fn(cctx):
            calls.append(cctx.cell_mapping['uuid'])
            if cctx.cell_mapping['uuid'] == cell_uuid:
                started.set()
                release.wait(30)
            return cctx.cell_mapping['name']
        return fn, release, started, calls

    def test_target_cell(self):
        with cells.target_cell(self.ctx, self.cell2) as cctx:
            self.assertIsNot(self.ctx, cctx)
            self.assertIs(self.cell2, cctx.cell_mapping)
            self.assertIs(db_api.get_context_manager(
                self.deployment.conf, self.cell2['database_connection']),
                cctx.cell)
            instance = db_instances.instance_create(cctx, {'project_id': 'p'})
        self.assertIsNone(self.ctx.cell)
        with cells.target_cell(self.ctx, self.cell1) as cctx:
            self.assertRaises(exception.InstanceNotFound,
                              instance_obj.Instance.get_by_uuid, cctx,
                              instance['uuid'])

    def test_results(self):
        results = cells.scatter_gather(
            self.ctx, self.deployment.cells,
            lambda cctx, suffix: cctx.cell_mapping['name'] + suffix, '!')
        self.assertEqual({self.cell1['uuid']: 'cell1!',
                          self.cell2['uuid']: 'cell2!'}, results)
        self.assertFalse(any(cells.is_failure(r) for r in results.values()))

    def test_real_queries(self):
        self.deployment.create_service(host='c2', cell=1)
        results = cells.scatter_gather(
            self.ctx, self.deployment.cells,
            service_obj.ServiceList.get_all)
        self.assertEqual(0, len(results[self.cell1['uuid']]))
        self.assertEqual(1, len(results[self.cell2['uuid']]))

    def test_exceptions_are_returned(self):
        def fn(cctx):
            if cctx.cell_mapping['name'] == 'cell1':
                raise ValueError('boom with secret')
            raise exception.InstanceNotFound(instance_id='x')

        results = cells.scatter_gather(self.ctx, self.deployment.cells, fn)
        self.assertIsInstance(results[self.cell1['uuid']], ValueError)
        self.assertIsInstance(results[self.cell2['uuid']],
                              exception.InstanceNotFound)
        self.assertTrue(cells.is_failure(results[self.cell1['uuid']]))
        self.assertEqual('failed (ValueError)',
                         cells.failure_reason(results[self.cell1['uuid']]))

    def test_timeout(self):
        fn, release, started, _calls = self._hang(self.server_cell['uuid'])
        results = cells.scatter_gather(
            self.ctx, [self.server_cell, self.cell2], fn, timeout=0.2)
        self.assertIs(cells.DID_NOT_RESPOND,
                      results[self.server_cell['uuid']])
        self.assertEqual('cell2', results[self.cell2['uuid']])
        self.assertTrue(cells.is_failure(cells.DID_NOT_RESPOND))
        self.assertEqual('did not respond',
                         cells.failure_reason(cells.DID_NOT_RESPOND))

    def test_busy_cell_reported_at_once(self):
        fn, release, started, calls = self._hang(self.server_cell['uuid'])
        cells.scatter_gather(self.ctx, [self.server_cell], fn, timeout=0.1)
        self.assertTrue(started.wait(10))
        # The only slot of the cell is held by the hung call: the next
        # request does not queue behind it and does not call fn there.
        del calls[:]
        results = cells.scatter_gather(
            self.ctx, [self.server_cell, self.cell2], fn, timeout=30)
        self.assertIs(cells.DID_NOT_RESPOND,
                      results[self.server_cell['uuid']])
        self.assertEqual('cell2', results[self.cell2['uuid']])
        self.assertEqual([self.cell2['uuid']], calls)
        # Once the hung call returns, the slot is free again.
        release.set()
        for _attempt in range(100):
            results = cells.scatter_gather(self.ctx, [self.server_cell],
                                           lambda cctx: 'ok', timeout=30)
            if results[self.server_cell['uuid']] == 'ok':
                break
            threading.Event().wait(0.05)
        self.assertEqual('ok', results[self.server_cell['uuid']])

    def test_sqlite_files_are_called_in_the_callers_thread(self):
        here = threading.current_thread()
        seen = {}

        def fn(cctx):
            seen[cctx.cell_mapping['uuid']] = threading.current_thread()
            return cctx.cell_mapping['name']
        results = cells.scatter_gather(
            self.ctx, [self.cell1, self.server_cell, self.cell2], fn,
            timeout=30)
        self.assertEqual({self.cell1['uuid']: 'cell1',
                          self.cell2['uuid']: 'cell2',
                          self.server_cell['uuid']: 'server-cell'}, results)
        self.assertIs(here, seen[self.cell1['uuid']])
        self.assertIs(here, seen[self.cell2['uuid']])
        self.assertIsNot(here, seen[self.server_cell['uuid']])
        self.assertTrue(seen[self.server_cell['uuid']].daemon)
        with cells.target_cell(self.ctx, self.cell1) as cctx:
            self.assertTrue(cells.in_caller_thread(cctx))
        with cells.target_cell(self.ctx, self.server_cell) as cctx:
            self.assertFalse(cells.in_caller_thread(cctx))
        memory = dict(self.cell1, database_connection='sqlite://')
        with cells.target_cell(self.ctx, memory) as cctx:
            self.assertFalse(cells.in_caller_thread(cctx))

    def test_local_files_are_read_while_a_server_cell_hangs(self):
        # The server cell's call is handed to the pool first; the files
        # are read meanwhile, and the whole stays within the timeout.
        fn, release, started, calls = self._hang(self.server_cell['uuid'])
        results = cells.scatter_gather(
            self.ctx, [self.cell1, self.server_cell, self.cell2], fn,
            timeout=0.5)
        self.assertTrue(started.is_set())
        self.assertEqual({self.cell1['uuid']: 'cell1',
                          self.cell2['uuid']: 'cell2',
                          self.server_cell['uuid']: cells.DID_NOT_RESPOND},
                         results)
        self.assertEqual(3, len(calls))

    def test_bad_url_is_a_failure_without_the_url(self):
        bad = dict(self.cell1, uuid='c0ffee00-0000-0000-0000-000000000001',
                   database_connection='mysql+pymysql://u:pw@'
                                       '127.0.0.1:1/none')
        results = cells.scatter_gather(
            self.ctx, [bad], db_services.service_get_all, timeout=30)
        result = results[bad['uuid']]
        self.assertTrue(cells.is_failure(result))
        self.assertNotIn('pw', cells.failure_reason(result))
        error = self.assertRaises(exception.CellUnavailable,
                                  cells.raise_if_failed, bad, result)
        self.assertNotIn('127.0.0.1', error.format_message())
        self.assertIn(bad['uuid'], error.format_message())

    def test_raise_if_failed_passes_library_errors(self):
        error = exception.InstanceNotFound(instance_id='x')
        self.assertRaises(exception.InstanceNotFound, cells.raise_if_failed,
                          self.cell1, error)
        self.assertEqual(3, cells.raise_if_failed(self.cell1, 3))
        self.assertRaises(exception.CellUnavailable, cells.raise_if_failed,
                          self.cell1, cells.DID_NOT_RESPOND)

    def test_only_database_failures_make_a_cell_down(self):
        down = [cells.DID_NOT_RESPOND,
                exception.CellUnavailable(cell_uuid='x'),
                db_exc.DBConnectionError(), db_exc.DBNonExistentDatabase('x'),
                sa_exc.OperationalError('SELECT 1', {}, Exception()),
                sa_exc.InterfaceError('SELECT 1', {}, Exception()),
                sa_exc.TimeoutError(), ConnectionRefusedError(),
                TimeoutError(),
                db_exc.DBError(sa_exc.OperationalError('x', {}, None))]
        for result in down:
            self.assertTrue(cells.is_down(result), repr(result))
            self.assertTrue(cells.down_or_raise(result))
            self.assertRaises(exception.CellUnavailable,
                              cells.raise_if_failed, self.cell1, result)
        not_down = [OverflowError('date value out of range'),
                    RecursionError(), ValueError('boom'), KeyError('x'),
                    UnicodeEncodeError('utf-8', '\ud800', 0, 1, 'x'),
                    exception.InstanceNotFound(instance_id='x'),
                    db_exc.DBError(ValueError()),
                    sa_exc.ProgrammingError('SELECT', {}, Exception()),
                    sa_exc.StatementError('x', 'SELECT', {}, ValueError())]
        for result in not_down:
            self.assertFalse(cells.is_down(result), repr(result))
            raised = self.assertRaises(type(result), cells.down_or_raise,
                                       result)
            self.assertIs(result, raised)
            raised = self.assertRaises(type(result), cells.raise_if_failed,
                                       self.cell1, result)
            self.assertIs(result, raised)
        for result in ([], {}, 0, None, 'ok'):
            self.assertFalse(cells.is_down(result))
            self.assertFalse(cells.down_or_raise(result))
            self.assertIs(result, cells.raise_if_failed(self.cell1, result))

    def test_a_database_refusing_a_value_is_a_400(self):
        class PyMySQLError(Exception):
            pass
        regex_error = sa_exc.OperationalError(
            'SELECT', {}, PyMySQLError(1139, "Regex error 'number too big "
                                             "in {} quantifier'"))
        refused = [db_exc.DBDataError(),
                   sa_exc.DataError('SELECT', {}, Exception()),
                   db_exc.DBError(sa_exc.DataError('x', {}, Exception())),
                   regex_error, db_exc.DBError(regex_error)]
        for result in refused:
            self.assertTrue(cells.is_data_error(result), repr(result))
            self.assertFalse(cells.is_down(result), repr(result))
            self.assertRaises(exception.DatabaseRefusedInput,
                              cells.down_or_raise, result)
            error = self.assertRaises(exception.DatabaseRefusedInput,
                                      cells.raise_if_failed, self.cell1,
                                      result)
            self.assertEqual(400, error.code)
        # A MySQL server gone away is still an operational error that
        # makes the cell down.
        gone = sa_exc.OperationalError(
            'SELECT', {}, PyMySQLError(2013, 'Lost connection'))
        self.assertFalse(cells.is_data_error(gone))
        self.assertTrue(cells.is_down(gone))

    def test_a_bug_in_a_cell_call_is_that_error(self):
        def fn(cctx):
            raise OverflowError('date value out of range')

        result = cells.scatter_gather_single(self.ctx, self.cell1, fn)
        self.assertIsInstance(result, OverflowError)
        self.assertFalse(cells.is_down(result))
        self.assertRaises(OverflowError, cells.raise_if_failed, self.cell1,
                          result)

    def test_cell_list_cache(self):
        conf = self.deployment.conf
        conf.set_override('cell_cache_ttl', 3600, group='api_database')
        self.assertEqual(2, len(cells.get_cell_mappings(self.ctx, conf)))
        self.deployment.create_cell()  # resets the cache itself
        self.assertEqual(3, len(cells.get_cell_mappings(self.ctx, conf)))
        db_mappings.cell_mapping_create(self.ctx, {
            'name': 'cell4', 'database_connection': 'sqlite://'})
        self.assertEqual(3, len(cells.get_cell_mappings(self.ctx, conf)))
        self.assertEqual(4, len(cells.get_cell_mappings(
            self.ctx, conf, use_cache=False)))
        conf.set_override('cell_cache_ttl', 0, group='api_database')
        self.assertEqual(4, len(cells.get_cell_mappings(self.ctx, conf)))
