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

"""The base of functional tests: the real paste pipeline, a client.

``APITestCase`` builds a configuration (on the data layer's
``Deployment`` fixture when it is available, else a minimal one with the
embedded SQLite default under a temporary ``state_path``), loads the real
paste pipeline with ``deploy.loadapp(conf)`` and the ``noauth`` strategy,
and gives ``self.api``::

    resp = self.api.get('/servers/detail', version='2.84',
                        user='admin', project=self.api.project_id)
    resp.status_int, resp.json, resp.headers

Paths are relative to ``/v2.1`` unless they start with ``/v2.1`` or
``absolute=True`` is given (``self.api.get('/', absolute=True)`` is the
root version document). ``LiveServer`` runs the same application under
cheroot on a free 127.0.0.1 port, for real HTTP clients.
"""

import json as jsonlib
import logging
import socket
import threading

import fixtures
from oslo_config import cfg
import testtools
import webob

from nova_faults.api import deploy
from nova_faults import conf as nf_conf
from nova_faults import policy
from nova_faults.tests import fixtures as nf_fixtures

# Nova's functional tests use this project id; any hex string will do.
PROJECT_ID = '6f70656e737461636b20342065766572'
OTHER_PROJECT_ID = '0b1e5a2c3d4e5f60718293a4b5c6d7e8'


class APIClient:
    """Calls a WSGI application in-process, as a noauth client would."""

    def __init__(self, app, project_id=PROJECT_ID, prefix='/v2.1'):
        self.app = app
        self.project_id = project_id
        self.prefix = prefix

    def _url(self, path, absolute):
        if absolute or path.startswith(self.prefix + '/') or \
                path == self.prefix:
            return path
        return self.prefix + ('' if path.startswith('/') else '/') + path

    def request(self, method, path, body=None, version=None, user='admin',
                project=None, roles=None, headers=None, token=None,
                absolute=False, content_type='application/json'):
        """Send a request; returns the ``webob.Response``.

        ``user=None`` sends no token (unless ``token`` is given);
        ``version`` sets ``OpenStack-API-Version: compute <version>``;
        ``roles`` (a list) sets ``X-Roles``; ``body`` (not bytes/str) is
        sent as JSON.
        """
        all_headers = {}
        if token is None and user is not None:
            token = '%s:%s' % (user, project or self.project_id)
        if token is not None:
            all_headers['X-Auth-Token'] = token
        if version is not None:
            all_headers['OpenStack-API-Version'] = 'compute %s' % version
        if roles is not None:
            all_headers['X-Roles'] = ','.join(roles)
        all_headers.update(headers or {})
        req = webob.Request.blank(self._url(path, absolute), method=method,
                                  headers=all_headers)
        req.environ['REMOTE_ADDR'] = '127.0.0.1'
        if body is not None:
            if isinstance(body, str):
                body = body.encode('utf-8')
            elif not isinstance(body, bytes):
                body = jsonlib.dumps(body).encode('utf-8')
            req.body = body
            if content_type is not None:
                req.content_type = content_type
        return req.get_response(self.app)

    def get(self, path, **kwargs):
        return self.request('GET', path, **kwargs)

    def head(self, path, **kwargs):
        return self.request('HEAD', path, **kwargs)

    def put(self, path, body, **kwargs):
        return self.request('PUT', path, body=body, **kwargs)

    def post(self, path, body, **kwargs):
        return self.request('POST', path, body=body, **kwargs)

    def delete(self, path, **kwargs):
        return self.request('DELETE', path, **kwargs)


def make_conf(state_path, auth_strategy='noauth', overrides=None):
    """A minimal ``ConfigOpts``: embedded SQLite under ``state_path``."""
    conf = cfg.ConfigOpts()
    nf_conf.register_opts(conf)
    conf([], project='nova-faults', default_config_files=[])
    conf.set_override('state_path', state_path)
    conf.set_override('auth_strategy', auth_strategy, group='api')
    for (group, name), value in (overrides or {}).items():
        conf.set_override(name, value, group=group)
    return conf


class APITestCase(testtools.TestCase):
    """Functional tests through the real paste pipeline.

    Class attributes a test case may set:

    * ``extra_routes``: ``{path: {method: handler}}`` added to the route
      table (test-only routes, e.g. to force a 409 or a 500);
    * ``use_deployment``: build the data layer's ``Deployment`` (API
      database and cells) when available (default True);
    * ``conf_overrides``: ``{(group, name): value}``.
    """

    extra_routes = {}
    use_deployment = True
    conf_overrides = {}

    def setUp(self):
        super().setUp()
        # Logs go to the test's details (shown on failure), not stderr.
        self.logs = self.useFixture(fixtures.FakeLogger(
            level=logging.INFO,
            format='%(asctime)s %(levelname)s %(name)s %(message)s'))
        policy.reset()
        self.addCleanup(policy.reset)
        self.state_path = self.useFixture(fixtures.TempDir()).path
        self.deployment = None
        self.conf = self._make_conf()
        self.conf.set_override('auth_strategy', 'noauth', group='api')
        self.app = deploy.loadapp(self.conf,
                                  extra_routes=dict(self.extra_routes))
        self.api = APIClient(self.app)

    def _make_conf(self):
        if self.use_deployment:
            self.deployment = self.useFixture(self._deployment_fixture())
            conf = self.deployment.conf
            for (group, name), value in self.conf_overrides.items():
                conf.set_override(name, value, group=group)
            return conf
        return make_conf(self.state_path, overrides=self.conf_overrides)

    def _deployment_fixture(self):
        """The data layer's ``Deployment`` fixture.

        Subclasses override this to choose backends and cells. (No
        fallback: a broken fixtures module fails the test, it never
        quietly turns a MariaDB or PostgreSQL test into a SQLite one.)
        """
        return nf_fixtures.Deployment()

    # Assertion helpers shared by the API tests.

    def assertFault(self, response, status, root, message=None):
        """``response`` is a Nova fault ``{root: {code, message}}``."""
        self.assertEqual(status, response.status_int, response.text)
        self.assertEqual('application/json; charset=UTF-8',
                         response.headers['Content-Type'])
        body = response.json
        self.assertEqual([root], list(body))
        self.assertEqual(status, body[root]['code'])
        if message is not None:
            self.assertEqual(message, body[root]['message'])
        return body[root]['message']

    def assertRequestIds(self, response):
        """Both request id headers, equal, of the ``req-<uuid>`` form."""
        local = response.headers.get('x-openstack-request-id')
        self.assertIsNotNone(local, response.headerlist)
        self.assertEqual(local, response.headers['x-compute-request-id'])
        self.assertRegex(
            local, r'^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-'
                   r'[0-9a-f]{4}-[0-9a-f]{12}$')
        return local

    def assertVersionHeaders(self, response, version):
        self.assertEqual('compute %s' % version,
                         response.headers['OpenStack-API-Version'])
        self.assertEqual(version,
                         response.headers['X-OpenStack-Nova-API-Version'])
        vary = [value for name, value in response.headerlist
                if name.lower() == 'vary']
        self.assertEqual(['OpenStack-API-Version',
                          'X-OpenStack-Nova-API-Version'], vary)


def free_port(host='127.0.0.1'):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


#: How long a request may run before a test calls it hung. Generous on
#: purpose: it detects a hang, it does not time anything (timings belong
#: to benchmarks/, as ratios), so a slow shared machine never fails it.
HANG_SECONDS = 120


def returns(test, call, seconds=HANG_SECONDS):
    """``call()``'s result; fails ``test`` if it has not returned in time.

    A hang detector, not a timing: ``seconds`` is far above what any
    request costs (a hung cell costs ``[api] cell_timeout``).
    """
    outcome = {}

    def run():
        try:
            outcome['value'] = call()
        except BaseException as exc:
            outcome['error'] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    test.assertFalse(thread.is_alive(),
                     'no answer in %d s: the request hung' % seconds)
    if 'error' in outcome:
        raise outcome['error']
    return outcome['value']


class LiveServer(fixtures.Fixture):
    """Serve ``app`` with cheroot, as ``nova-faults-api`` does.

    It listens on a free 127.0.0.1 port in a thread; ``self.url`` is its
    base URL.
    """

    def __init__(self, app, threads=8):
        super().__init__()
        self.app = app
        self.threads = threads

    def _setUp(self):
        from nova_faults.cmd import api as cmd_api
        self.server = cmd_api.build_server(self.app, '127.0.0.1', 0,
                                           self.threads)
        self.server.prepare()
        host, port = self.server.bind_addr[:2]
        self.port = port
        self.url = 'http://%s:%d' % (host, port)
        self.thread = threading.Thread(target=self.server.serve,
                                       name='nova-faults-live-server',
                                       daemon=True)
        self.thread.start()
        self.addCleanup(self._stop)

    def _stop(self):
        self.server.stop()
        self.thread.join(10)
