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

"""The API under production WSGI servers, started as the docs say.

* gunicorn: ``gunicorn -w 2 -b 127.0.0.1:PORT
  nova_faults.wsgi.api:application`` with ``OS_NOVA_FAULTS_CONFIG_FILES``
  naming the configuration of a temporary deployment;
* uWSGI: ``uwsgi --ini`` with ``etc/nova_faults/uwsgi.ini`` adapted to a
  free port and that configuration (skipped when no ``uwsgi`` binary is
  installed).

Real HTTP requests then go to the server: version documents, a server
list, an action with its events, a fault, request IDs.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import fixtures

from nova_faults.tests.functional import base
from nova_faults.tests.functional import fuzz
from nova_faults.tests.functional import policy_base as pb

BINDIR = os.path.dirname(sys.executable)
UWSGI_INI = os.path.join(pb.ROOT, 'etc', 'nova_faults', 'uwsgi.ini')


class Server(fixtures.Fixture):
    """A WSGI server process we start and stop; ``url`` once it answers."""

    def __init__(self, argv, env, port, log_path):
        super().__init__()
        self.argv = argv
        self.env = env
        self.port = port
        self.log_path = log_path
        self.url = 'http://127.0.0.1:%d' % port

    def _setUp(self):
        self.log = open(self.log_path, 'wb')
        self.addCleanup(self.log.close)
        self.process = subprocess.Popen(
            self.argv, env=self.env, stdout=self.log,
            stderr=subprocess.STDOUT, cwd=os.path.dirname(self.log_path),
            start_new_session=True)
        self.addCleanup(self._stop)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError('%s exited with %s:\n%s' % (
                    self.argv[0], self.process.returncode, self.output()))
            try:
                with urllib.request.urlopen(self.url + '/', timeout=5):
                    return
            except urllib.error.HTTPError:
                return      # it answers
            except OSError:
                time.sleep(0.2)
        raise AssertionError('%s did not answer:\n%s' % (self.argv[0],
                                                         self.output()))

    def _stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)

    def output(self, tail=4000):
        self.log.flush()
        with open(self.log_path, 'rb') as f:
            text = f.read().decode('utf-8', 'replace')
        return text[-tail:] if tail else text


class WSGIServerTestBase(pb.PolicyTestCase):
    """The policy test deployment, served by a real WSGI server."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.config = os.path.join(self.tmp, 'nova-faults.conf')
        with open(self.config, 'w') as f:
            f.write('[DEFAULT]\nstate_path = %s\n'
                    '[api]\nauth_strategy = noauth\n'
                    '[api_database]\nconnection = %s\n'
                    % (self.tmp, self.deployment.api_url))
        self.env = dict(os.environ,
                        OS_NOVA_FAULTS_CONFIG_FILES=self.config,
                        PATH=BINDIR + os.pathsep + os.environ.get('PATH',
                                                                  ''))

    def request(self, path, token=None, version=None, method='GET'):
        """(status, headers, body) of a real HTTP request."""
        req = urllib.request.Request(self.wsgi.url + path, method=method)
        if token:
            req.add_header('X-Auth-Token', token)
        if version:
            req.add_header('OpenStack-API-Version', 'compute %s' % version)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.headers, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, json.loads(exc.read() or b'null')

    def check_serves_the_api(self):
        status, _headers, body = self.request('/')
        self.assertEqual(200, status)
        versions = {v['id']: v for v in body['versions']}
        self.assertEqual('2.104', versions['v2.1']['version'])
        status, headers, body = self.request('/v2.1/')
        self.assertEqual(200, status)
        self.assertRegex(headers['x-openstack-request-id'],
                         r'^req-[0-9a-f-]{36}$')

        admin = 'admin:%s' % base.PROJECT_ID
        ids = set()
        # Several requests, so that both workers answer some.
        for _ in range(6):
            status, headers, body = self.request(
                '/v2.1/servers/detail?all_tenants=1', admin, '2.16')
            self.assertEqual(200, status, body)
            ids.add(headers['x-compute-request-id'])
            by_id = {s['id']: s for s in body['servers']}
            self.assertEqual('UP', by_id[self.server['uuid']]['host_status'])
            self.assertEqual('compute 2.16',
                             headers['OpenStack-API-Version'])
        self.assertEqual(6, len(ids))

        status, _headers, body = self.request(
            '/v2.1/servers/%s/os-instance-actions/%s' % (
                self.server['uuid'], self.request_id), admin, '2.84')
        self.assertEqual(200, status, body)
        event = body['instanceAction']['events'][0]
        self.assertEqual(pb.DETAILS, event['details'])
        status, _headers, body = self.request(
            '/v2.1/servers/%s/os-instance-actions' % self.server['uuid'],
            'demo:%s' % base.PROJECT_ID)
        self.assertEqual(200, status, body)

        status, _headers, body = self.request(
            '/v2.1/servers/%s' % self.server['uuid'],
            'stranger:%s' % base.OTHER_PROJECT_ID)
        self.assertEqual(404, status)
        self.assertEqual(404, body['itemNotFound']['code'])
        status, _headers, body = self.request('/v2.1/servers')
        self.assertEqual(401, status)
        self.check_hostile_targets(admin)

    # Request targets that WSGI servers pass to the application as they
    # are, and the fault (with request IDs) the application answers.
    HOSTILE_TARGETS = (
        (b'//v2.1/servers', 404, 'itemNotFound'),
        (b'//', 404, 'itemNotFound'),
        (b'/v2.1//servers', 404, 'itemNotFound'),
        (b'/v2.1/servers/%E2%98%83', 404, 'itemNotFound'),
        (b'/v2.1/servers/%ff%fe', 404, 'itemNotFound'),
        (b'/v2.1/servers?changes-since=0001-01-01T00:00:00%2B01:00', 400,
         'badRequest'),
        (b'/v2.1/servers/detail?changes-before=9999-12-31T23:59:59-01:00',
         400, 'badRequest'),
    )

    # Raw bytes that are not ASCII: uWSGI passes them on, gunicorn
    # refuses them itself with its own HTML 400 (documented).
    RAW_TARGETS = (
        (b'/v2.1/servers/\xe2\x98\x83', 404, 'itemNotFound'),
        (b'/v2.1/servers/\xff', 404, 'itemNotFound'),
    )
    raw_bytes_reach_the_application = True

    def check_hostile_targets(self, token):
        targets = self.HOSTILE_TARGETS
        if self.raw_bytes_reach_the_application:
            targets += self.RAW_TARGETS
        else:
            for target, _status, _root in self.RAW_TARGETS:
                response = fuzz.send(self.wsgi.port, fuzz.RawRequest(
                    'wsgi', 0, b'GET', target))
                self.assertEqual(400, response.status, target)
        for target, status, root in targets:
            response = fuzz.send(self.wsgi.port, fuzz.RawRequest(
                'wsgi', 0, b'GET', target,
                [(b'X-Auth-Token', token.encode()),
                 (b'OpenStack-API-Version', b'compute 2.66')]))
            what = '%r -> %r' % (target, response and (
                response.status, response.body[:300]))
            self.assertIsNotNone(response, what)
            self.assertEqual(status, response.status, what)
            body = json.loads(response.body)
            self.assertEqual(status, body[root]['code'], what)
            self.assertRegex(response.header('X-Openstack-Request-Id'),
                             r'^req-[0-9a-f-]{36}$', what)


class GunicornTest(WSGIServerTestBase):

    raw_bytes_reach_the_application = False

    def test_documented_gunicorn_command(self):
        port = base.free_port()
        argv = [os.path.join(BINDIR, 'gunicorn'), '-w', '2', '-b',
                '127.0.0.1:%d' % port, 'nova_faults.wsgi.api:application']
        self.wsgi = self.useFixture(Server(
            argv, self.env, port, os.path.join(self.tmp, 'gunicorn.log')))
        self.check_serves_the_api()
        self.assertEqual(2, len(re.findall(r'Booting worker with pid',
                                           self.wsgi.output(None))))


class UWSGITest(WSGIServerTestBase):

    def setUp(self):
        super().setUp()
        self.uwsgi = (shutil.which('uwsgi', path=BINDIR) or
                      shutil.which('uwsgi'))
        if not self.uwsgi:
            self.skipTest('uwsgi is not installed')

    def adapted_ini(self, port):
        """The sample uwsgi.ini on ``port`` with our configuration."""
        with open(UWSGI_INI) as f:
            text = f.read()
        text, n_socket = re.subn(r'(?m)^http-socket = .*$',
                                 'http-socket = 127.0.0.1:%d' % port, text)
        text, n_env = re.subn(
            r'(?m)^env = OS_NOVA_FAULTS_CONFIG_FILES=.*$',
            'env = OS_NOVA_FAULTS_CONFIG_FILES=%s' % self.config, text)
        text, n_venv = re.subn(r'(?m)^#virtualenv = .*$',
                               'virtualenv = %s' % sys.prefix, text)
        self.assertEqual((1, 1, 1), (n_socket, n_env, n_venv))
        path = os.path.join(self.tmp, 'uwsgi.ini')
        with open(path, 'w') as f:
            f.write(text)
        return path

    def test_sample_uwsgi_ini(self):
        port = base.free_port()
        env = dict(self.env)
        env.pop('OS_NOVA_FAULTS_CONFIG_FILES')   # the ini sets it
        self.wsgi = self.useFixture(Server(
            [self.uwsgi, '--ini', self.adapted_ini(port)], env, port,
            os.path.join(self.tmp, 'uwsgi.log')))
        self.check_serves_the_api()
