"""Databases and identity that go away: clear 503s, never a 500 or a hang.

* The API database unreachable (nothing listening, a missing SQLite
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

import logging
import types

import fixtures
import testtools

from nova_faults.api import deploy
from nova_faults import policy
from nova_faults.tests.functional import base

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
        self._check(self.load(overrides={('api_database', 'connection'):
                                 'postgresql+psycopg://postgres:s3cret@'
                                 '127.0.0.1:%d/nf' % base.free_port()}))

    def test_mysql_not_listening(self):
        self._check(self.load(overrides={('api_database', 'connection'):
                                 'mysql+pymysql://root:s3cret@127.0.0.1:%d/nf'
                                 % base.free_port()}))

    def test_sqlite_file_missing(self):
        self._check(self.load(overrides={('api_database', 'connection'):
                                 'sqlite:////nonexistent-nf-dir/api.sqlite'}))


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
