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

"""``nova-faults-api``, the real console script, in a subprocess.

It starts on the embedded default (SQLite under a temporary state path),
answers the version documents and an authenticated request, and stops on
SIGTERM.
"""

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import fixtures
import testtools

from nova_faults.api import deploy
from nova_faults import policy
from nova_faults.tests.functional import base

STARTUP_TIMEOUT = 60


def _command():
    script = os.path.join(os.path.dirname(sys.executable), 'nova-faults-api')
    if os.path.exists(script):
        return [script]
    found = shutil.which('nova-faults-api')
    if found:
        return [found]
    # NOTE: not installed as a console script (e.g. a bare checkout).
    return [sys.executable, '-m', 'nova_faults.cmd.api']


def _get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())


class TestConsoleScript(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def _start(self, args, env):
        full_env = dict(os.environ)
        full_env.pop('OS_NOVA_FAULTS_CONFIG_FILES', None)
        full_env.update(env)
        proc = subprocess.Popen(
            _command() + args + ['--port', '0', '--threads', '4'],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env,
            cwd=self.tmp)
        self.addCleanup(self._stop, proc)
        # A thread reads stdout (where oslo.log may write too) line by
        # line, so that no read blocks the test.
        lines = queue.Queue()

        def _reader():
            for line in iter(proc.stdout.readline, b''):
                lines.put(line)
            lines.put(None)
        threading.Thread(target=_reader, daemon=True).start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        seen = []
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            seen.append(line)
            if line.startswith(b'nova-faults-api listening on '):
                return proc, line.split()[-1].decode().rstrip('/')
        proc.kill()
        proc.wait()
        self.fail('nova-faults-api did not start: %r %s' % (
            seen[-5:], proc.stderr.read().decode(errors='replace')[-3000:]))

    def _stop(self, proc):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if not proc.stderr.closed:
            self.stderr_output = proc.stderr.read()
            proc.stderr.close()

    def test_embedded_default_without_configuration(self):
        # No configuration file anywhere: HOME and XDG_DATA_HOME are empty
        # temporary directories, so state_path is under this test's tmp.
        home = os.path.join(self.tmp, 'home')
        data = os.path.join(self.tmp, 'data')
        os.makedirs(home)
        proc, url = self._start([], {'HOME': home, 'XDG_DATA_HOME': data})

        status, headers, body = _get(url + '/')
        self.assertEqual(200, status)
        self.assertEqual(['v2.0', 'v2.1'],
                         [v['id'] for v in body['versions']])
        self.assertEqual('2.104', body['versions'][1]['version'])

        status, headers, body = _get(url + '/v2.1/')
        self.assertEqual(200, status)
        self.assertEqual('2.104', body['version']['version'])
        self.assertIn('x-openstack-request-id',
                      {k.lower() for k in headers})

        # The noauth pipeline is forced: no token is a 401, a
        # user:project token is trusted.
        status, _headers, body = _get(url + '/v2.1/abc/')
        self.assertEqual(401, status)
        status, _headers, body = _get(url + '/v2.1/abc/',
                                      {'X-Auth-Token': 'demo:abc'})
        self.assertEqual(200, status)

        # The SQLite databases were created under the state path.
        state = os.path.join(data, 'nova-faults')
        self.assertTrue(any(name.endswith('.sqlite')
                            for name in os.listdir(state)),
                        os.listdir(state))

        self._stop(proc)
        self.assertEqual(0, proc.returncode)
        self.assertIn(b'WITHOUT AUTHENTICATION', self.stderr_output)

    def test_with_configuration_file(self):
        state = os.path.join(self.tmp, 'state')
        conf_file = os.path.join(self.tmp, 'nova-faults.conf')
        with open(conf_file, 'w') as f:
            f.write('[DEFAULT]\nstate_path = %s\n'
                    '[api]\nauth_strategy = noauth\n' % state)
        proc, url = self._start(['--config-file', conf_file], {})
        status, headers, body = _get(
            url + '/v2.1/', {'OpenStack-API-Version': 'compute latest'})
        self.assertEqual(200, status)
        self.assertEqual('compute 2.104', headers['OpenStack-API-Version'])
        self.assertTrue(os.path.isdir(state))


class TestLiveServer(testtools.TestCase):
    """The in-thread cheroot server of the functional base."""

    def test_serves_the_pipeline(self):
        policy.reset()
        self.addCleanup(policy.reset)
        tmp = self.useFixture(fixtures.TempDir()).path
        app = deploy.loadapp(base.make_conf(tmp))
        server = self.useFixture(base.LiveServer(app))
        status, headers, body = _get(server.url + '/v2.1/')
        self.assertEqual(200, status)
        self.assertEqual(server.url + '/v2.1/',
                         body['version']['links'][0]['href'])
        status, _headers, body = _get(server.url + '/v2.1/nowhere',
                                      {'X-Auth-Token': 'admin:admin'})
        self.assertEqual(404, status)
        self.assertEqual('itemNotFound', list(body)[0])


class TestWSGIApplication(testtools.TestCase):
    """``nova_faults.wsgi.api:application`` as a WSGI server imports it."""

    def test_application_from_environment(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        conf_file = os.path.join(tmp, 'nova-faults.conf')
        with open(conf_file, 'w') as f:
            f.write('[DEFAULT]\nstate_path = %s\n'
                    '[api]\nauth_strategy = noauth\n' % tmp)
        script = (
            'import webob\n'
            'from nova_faults.wsgi import api\n'
            'for path in ("/", "/v2.1/", "/v2.1/nowhere"):\n'
            '    req = webob.Request.blank(path, headers={\n'
            '        "X-Auth-Token": "admin:p"})\n'
            '    print(path, req.get_response(api.application).status_int)\n')
        env = dict(os.environ)
        # An empty entry is ignored: files are ';'-separated.
        env['OS_NOVA_FAULTS_CONFIG_FILES'] = conf_file + ';'
        out = subprocess.run([sys.executable, '-c', script], env=env,
                             cwd=tmp, capture_output=True, timeout=120)
        self.assertEqual(0, out.returncode, out.stderr[-3000:])
        # (oslo.log may write to stdout too.)
        self.assertEqual(['/ 200', '/v2.1/ 200', '/v2.1/nowhere 404'],
                         [line for line in out.stdout.decode().splitlines()
                          if line.startswith('/')])


class TestRealClient(testtools.TestCase):
    """A real HTTP client against the live cheroot server."""

    def test_openstacksdk_talks_to_it(self):
        # A real client: openstacksdk with a noauth token and the
        # compute endpoint overridden (no keystone catalogue).
        import openstack
        from openstack import exceptions as sdk_exc

        policy.reset()
        self.addCleanup(policy.reset)
        tmp = self.useFixture(fixtures.TempDir()).path
        conf = base.make_conf(tmp)
        from nova_faults.db import migration
        migration.ensure_embedded(conf)
        server = self.useFixture(base.LiveServer(deploy.loadapp(conf)))
        url = server.url + '/v2.1'
        conn = openstack.connect(
            auth_type='admin_token',
            auth={'endpoint': url, 'token': 'admin:admin'},
            compute_endpoint_override=url, compute_api_version='2.84',
            identity_api_version='3')
        self.addCleanup(conn.close)
        self.assertEqual([], list(conn.compute.servers()))
        self.assertEqual([], list(conn.compute.services()))
        exc = self.assertRaises(
            sdk_exc.NotFoundException, conn.compute.get_server,
            '9a1c3e5f-0000-4000-8000-000000000001')
        self.assertRegex(exc.request_id or '', '^req-')
