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

"""Databases and identity that go away: clear 503s, never a 500 or a hang.

* The API database unreachable (nothing listening, a listener that never
  answers, a missing SQLite
  file): every route answers 503 ``serviceUnavailable`` "The API database
  is not available", with the request ID; the version documents and the
  OpenAPI document still answer.
* ``[api] auth_strategy = keystone`` without ``[keystone_authtoken]``
  credentials: a 503 saying authentication is not configured, and an
  ERROR log naming the missing settings (not keystoneauth's
  ``MissingAuthPlugin`` as a 500).
* A cell's PostgreSQL server restarted under load: see
  :class:`TestCellRestart`.
"""

import collections
import json
import logging
import re
import threading
import time
import types

import fixtures
import requests
import testtools

from nova_faults.api import deploy
from nova_faults.db import api as db_api
from nova_faults.db import mappings as db_mappings
from nova_faults import policy
from nova_faults import recording
from nova_faults.tests.functional import base
from nova_faults.tests.functional import figures
from nova_faults.tests.functional import servers_base

SERVER = '6f70656e-7374-6163-6b20-342065766572'
PATHS = ('/servers', '/servers/detail', '/servers/%s' % SERVER,
         '/servers/%s/os-instance-actions' % SERVER,
         '/servers/%s/os-instance-actions/req-x' % SERVER, '/os-services')


class _AppTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.logs = self.useFixture(fixtures.FakeLogger(level=logging.INFO))
        policy.reset()
        self.addCleanup(policy.reset)
        self.state_path = self.useFixture(fixtures.TempDir()).path

    def load(self, auth_strategy='noauth', overrides=None):
        conf = base.make_conf(self.state_path, auth_strategy=auth_strategy,
                              overrides=overrides)
        return base.APIClient(deploy.loadapp(conf))


class TestAPIDatabaseUnavailable(_AppTestCase):

    def _check(self, api):
        for path in PATHS:
            for version in ('2.1', '2.69', 'latest'):
                resp = api.get(path, version=version)
                self.assertEqual(503, resp.status_int, resp.text)
                message = resp.json['serviceUnavailable']['message']
                self.assertTrue(message.startswith(
                    'The API database is not available. Try again later. '
                    'Request ID: req-'), message)
        resp = api.put('/os-services/disable',
                       {'host': 'h', 'binary': 'nova-compute'})
        self.assertEqual(503, resp.status_int)
        self.assertEqual(200, api.get('/v2.1/', user=None).status_int)
        self.assertEqual(200, api.get('/v2.1/openapi.json',
                                      user=None).status_int)
        self.assertIn('The API database is not available',
                      self.logs.output)
        self.assertNotIn('Traceback', self.logs.output)

    def test_postgresql_not_listening(self):
        url = ('postgresql+psycopg://postgres:s3cret@127.0.0.1:%d/nf'
               % base.free_port())
        self._check(self.load(overrides={('api_database', 'connection'):
                                         url}))

    def test_mysql_not_listening(self):
        url = ('mysql+pymysql://root:s3cret@127.0.0.1:%d/nf'
               % base.free_port())
        self._check(self.load(overrides={('api_database', 'connection'):
                                         url}))

    def test_sqlite_file_missing(self):
        url = 'sqlite:////nonexistent-nf-dir/api.sqlite'
        self._check(self.load(overrides={('api_database', 'connection'):
                                         url}))

    def _check_hung(self, backend):
        from nova_faults.tests import fixtures as nf_fixtures
        hung = self.useFixture(nf_fixtures.HungListener())
        api = self.load(overrides={
            ('api_database', 'connection'): hung.url(backend),
            ('api', 'cell_timeout'): 2})
        # The driver's connect timeout follows [api] cell_timeout, so the
        # request returns (base.returns is the hang detector; the cost of
        # a hung database is measured in benchmarks/).
        resp = base.returns(self, lambda: api.get('/servers/detail'))
        self.assertEqual(503, resp.status_int, resp.text)
        self.assertIn('The API database is not available', resp.text)
        # The database was really reached, and really hung.
        self.assertGreater(hung.accepted, 0)

    def test_postgresql_hung(self):
        self._check_hung('postgresql')

    def test_mysql_hung(self):
        self._check_hung('mysql')


class TestKeystoneWithoutSettings(_AppTestCase):

    def test_clear_503_and_error_log(self):
        api = self.load(auth_strategy='keystone')
        self.assertIn('[keystone_authtoken] has no auth_type',
                      self.logs.output)
        for headers in ({'X-Auth-Token': 'a-token'}, {}):
            resp = api.get('/servers', user=None, headers=headers)
            self.assertEqual(503, resp.status_int, resp.text)
            message = resp.json['serviceUnavailable']['message']
            self.assertTrue(message.startswith(
                'Authentication is not configured on this server. Please '
                'contact the administrator. Request ID: req-'), message)
            self.assertNotIn('MissingAuthPlugin', resp.text)
        self.assertIn('Set auth_type (e.g. password) and its options',
                      self.logs.output)
        # The request log says what the client got: 503 and its body,
        # not the 500 of an exception passing by.
        logged = re.findall(r'"GET /v2.1/servers" status: (\d+) len: (\d+)',
                            self.logs.output)
        self.assertEqual(['503', '503'], [status for status, _len in logged])
        self.assertEqual([str(len(resp.body))] * 2,
                         [length for _status, length in logged])
        # Discovery still works.
        self.assertEqual(200, api.get('/v2.1/', user=None).status_int)

    def test_settings_check(self):
        from nova_faults.api.middleware import auth
        group = types.SimpleNamespace(auth_type=None, auth_section=None)
        conf = types.SimpleNamespace(keystone_authtoken=group)
        self.assertIn('no auth_type', auth.missing_auth_settings(conf))
        group.auth_type = 'password'
        self.assertIsNone(auth.missing_auth_settings(conf))
        group.auth_type, group.auth_section = None, 'keystone_auth'
        self.assertIsNone(auth.missing_auth_settings(conf))


class TestCellRestart(servers_base.ServersTestCase):
    """A cell's PostgreSQL server restarted twice under a bounded load.

    Cell 1 is SQLite; cell 2 lives on a private PostgreSQL cluster the
    test owns (stopped ``fast`` once and ``immediate`` once, down for
    two seconds each time). ``LOAD_THREADS`` clients send requests to a
    live server the whole time. During the outages a request for the
    cell's server is a 503 naming the cell (or, at 2.69, a minimal
    record); everything else answers 200; no request hangs; after each
    restart the cell answers again without restarting anything.

    The outages are checked, not assumed: each stop succeeded (the
    fixture checks pg_ctl's exit status and the refused port), and each
    outage window saw requests for the cell's server that were answered
    by a 503 or a minimal record. The clients' socket timeout is only a
    hang detector (generous: ``HANG_SECONDS``), not a timing.
    """

    cell_count = 1
    conf_overrides = {('api', 'cell_timeout'): 4}
    LOAD_THREADS = 6

    def setUp(self):
        super().setUp()
        from nova_faults.tests import fixtures as nf_fixtures
        self.pg = self.useFixture(nf_fixtures.PrivatePostgreSQL())
        url = self.pg.create_database('nf_restart_cell', tree='main')
        self.cell2 = nf_fixtures.add_cell(self.deployment, url)
        self.addCleanup(db_api.dispose, url)
        self.cells = db_mappings.cell_mapping_get_all(self.admin_ctx)
        self.here = self.make_server(cell=0, project_id=base.PROJECT_ID)
        # A request spec: what a 2.69 show of a down cell's server reads.
        self.there = self.make_server(
            cell=self.cell2, project_id=base.PROJECT_ID,
            request_spec={'project_id': base.PROJECT_ID, 'user_id': 'demo',
                          'availability_zone': 'nova'})
        ctx = self.cell_ctx(self.cell2)
        ctx.user_id, ctx.project_id = 'demo', base.PROJECT_ID
        recording.record_action_start(ctx, self.there['uuid'], 'reboot')
        self.make_service(host='compute1')
        self.live = self.useFixture(base.LiveServer(self.app, threads=16))
        self.timeout = base.HANG_SECONDS
        self.phase = 'up'

    def _get(self, session, path, version):
        """(response, the phase the request started and ended in)."""
        started = self.phase
        resp = session.get(
            self.live.url + '/v2.1' + path, timeout=self.timeout,
            headers={'X-Auth-Token': 'admin:%s' % base.PROJECT_ID,
                     'OpenStack-API-Version': 'compute %s' % version})
        return resp, (started if started == self.phase else 'mixed')

    def _requests(self):
        there = self.there['uuid']
        return [
            # (path, version, touches cell 2)
            ('/servers/%s' % self.here['uuid'], '2.1', False),
            ('/servers/%s/os-instance-actions' % self.here['uuid'], '2.1',
             False),
            ('/servers/%s' % there, '2.1', True),
            ('/servers/%s' % there, '2.69', True),
            ('/servers/%s/os-instance-actions' % there, '2.58', True),
            ('/servers/detail', '2.69', False),
            ('/servers/detail', '2.1', False),
            ('/os-services', '2.69', False),
        ]

    def test_restart_under_load(self):
        stop = threading.Event()
        results = []
        problems = []
        lock = threading.Lock()
        requests_list = self._requests()

        def client(index):
            session = requests.Session()
            n = index
            try:
                while not stop.is_set():
                    path, version, remote = requests_list[
                        n % len(requests_list)]
                    n += 1
                    try:
                        resp, phase = self._get(session, path, version)
                    except Exception as exc:
                        with lock:
                            problems.append('%s %s: %s' % (
                                path, version, type(exc).__name__))
                        continue
                    with lock:
                        results.append((path, version, remote,
                                        resp.status_code, phase, resp.text))
            finally:
                session.close()

        threads = [threading.Thread(target=client, args=(i,), daemon=True)
                   for i in range(self.LOAD_THREADS)]
        for thread in threads:
            thread.start()
        restarts = 0

        def seen_down(outage):
            with lock:
                return sum(1 for r in results if r[2] and r[4] == outage)

        try:
            time.sleep(1)
            for mode in ('fast', 'immediate'):
                self.pg.stop(mode=mode)
                outage = 'down-%s' % mode
                self.phase = outage
                time.sleep(2)
                # Wait (no timing: a hang detector bounds it) until the
                # outage has been seen by requests for the cell.
                deadline = time.monotonic() + base.HANG_SECONDS
                while not seen_down(outage) and (
                        time.monotonic() < deadline):
                    time.sleep(0.1)
                self.phase = 'restarting'
                self.pg.start()
                self.phase = 'up'
                restarts += 1
                time.sleep(2)
        finally:
            stop.set()
            for thread in threads:
                thread.join(self.timeout + 5)
        self.assertEqual([], problems)
        self.assertFalse(any(t.is_alive() for t in threads))
        statuses = collections.Counter()
        outage_answers = collections.Counter()
        for path, version, remote, status, phase, text in results:
            statuses[status] += 1
            if remote and phase.startswith('down-'):
                # Inside an outage, the cell's server is a 503 or (2.69
                # show) a minimal record, never its real data.
                if status == 200:
                    self.assertEqual('UNKNOWN', json.loads(text)[
                        'server']['status'], (path, version))
                    self.assertEqual('2.69', version)
                else:
                    self.assertEqual(503, status, (path, version, text))
                outage_answers[phase] += 1
            if status == 503:
                self.assertTrue(remote, (path, version, text))
                self.assertIn('is not responding', text)
                self.assertNotIn('127.0.0.1:%d' % self.pg.port, text)
            else:
                self.assertEqual(200, status, (path, version, text))
        # The cell recovered: its server answers again, repeatedly.
        session = requests.Session()
        self.addCleanup(session.close)
        deadline = time.monotonic() + 15
        while True:
            resp, _phase = self._get(
                session, '/servers/%s' % self.there['uuid'], '2.1')
            if resp.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(200, resp.status_code, resp.text)
        for path, version, _remote in requests_list:
            resp, _phase = self._get(session, path, version)
            self.assertEqual(200, resp.status_code, (path, resp.text))
            self.assertNotIn('UNKNOWN', resp.text)
        self.assertEqual(2, restarts)
        self.assertEqual(2, self.pg.stops)
        self.assertEqual({'down-fast', 'down-immediate'}, set(outage_answers),
                         outage_answers)
        self.assertGreater(statuses[503], 0)
        self.assertGreater(statuses[200], 0)
        figures.record(self, 'figures', (
            '%d requests under load (%s), %d restarts survived'
            % (len(results), dict(statuses), restarts)))
