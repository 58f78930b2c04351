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
SIGTERM. The quick start is started twice with ``--demo`` and once
plainly, on the same (temporary) home; the demo's services keep
heartbeating; a configuration that cannot authenticate is refused; the
start-up output is checked for Python warnings and library chatter.
"""

import gc
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import fixtures
import testtools

from nova_faults.api import deploy
from nova_faults.cmd import api as cmd_api
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


class ConsoleScriptMixin:
    """Start and stop the console script; keep all it writes."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def _env(self, env):
        full_env = dict(os.environ)
        for name in ('OS_NOVA_FAULTS_CONFIG_FILES', 'XDG_DATA_HOME',
                     'PYTHONWARNINGS'):
            full_env.pop(name, None)
        # A crash of the interpreter says where it happened, on stderr.
        full_env['PYTHONFAULTHANDLER'] = '1'
        full_env.update(env)
        return full_env

    def _start(self, args, env):
        """Start the script; returns (process, URL).

        Everything it writes is kept: ``self.output[proc]`` (stdout, where
        oslo.log writes by default, then stderr once stopped).
        """
        proc = subprocess.Popen(
            _command() + args + ['--port', '0', '--threads', '4'],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=self._env(env), cwd=self.tmp)
        self.addCleanup(self._stop, proc)
        # A thread reads stdout line by line, so that no read blocks the
        # test.
        lines = queue.Queue()
        seen = []
        self.output = getattr(self, 'output', {})
        self.output[proc] = seen

        def _reader():
            for line in iter(proc.stdout.readline, b''):
                seen.append(line)
                lines.put(line)
            lines.put(None)
        reader = threading.Thread(target=_reader, daemon=True)
        reader.start()
        self.readers = getattr(self, 'readers', {})
        self.readers[proc] = reader
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            if line.startswith(b'nova-faults-api listening on '):
                return proc, line.split()[-1].decode().rstrip('/')
        # Whether it exited on its own (and how) before it is killed.
        try:
            status = proc.wait(2)
        except subprocess.TimeoutExpired:
            status = None
        proc.kill()
        proc.wait()
        self.fail('nova-faults-api did not start (exit status %s): %r %s' % (
            status, seen[-5:],
            proc.stderr.read().decode(errors='replace')[-3000:]))

    def _stop(self, proc):
        """Stop ``proc`` (SIGTERM); returns all it wrote, as text."""
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.readers[proc].join(10)
        if not proc.stderr.closed:
            self.output[proc].append(proc.stderr.read())
            proc.stderr.close()
        return b''.join(self.output[proc]).decode(errors='replace')

    def _empty_home(self):
        home = os.path.join(self.tmp, 'home')
        os.makedirs(home, exist_ok=True)
        return {'HOME': home}

    def _servers(self, url, version='2.69'):
        status, _headers, body = _get(
            url + '/v2.1/servers/detail?all_tenants=1', {
                'X-Auth-Token': 'admin:admin',
                'OpenStack-API-Version': 'compute %s' % version})
        self.assertEqual(200, status, body)
        return body['servers']


class TestConsoleScript(ConsoleScriptMixin, testtools.TestCase):

    def test_embedded_default_without_configuration(self):
        # No configuration file anywhere: HOME and XDG_DATA_HOME are empty
        # temporary directories, so state_path is under this test's tmp.
        env = self._empty_home()
        data = os.path.join(self.tmp, 'data')
        env['XDG_DATA_HOME'] = data
        proc, url = self._start([], env)

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

        output = self._stop(proc)
        self.assertEqual(0, proc.returncode)
        self.assertEqual(1, output.count('WITHOUT AUTHENTICATION'), output)

    def test_quick_start_twice_then_plain(self):
        """The README's quick start, stopped and started again."""
        from nova_faults import demo
        env = self._empty_home()
        state = os.path.join(env['HOME'], '.local', 'share', 'nova-faults')

        # First start: a fresh demo, and clean output (no Python warning,
        # one banner, no library INFO lines).
        proc, url = self._start(['--demo'], env)
        # vm1 to vm9 but the deleted vm4.
        self.assertEqual(8, len(self._servers(url)))
        output = self._stop(proc)
        self.assertEqual(0, proc.returncode, output)
        self.assertIsNone(re.search(r'\w+Warning\b', output), output)
        self.assertEqual(1, output.count('WITHOUT AUTHENTICATION'), output)
        self.assertNotIn('alembic', output)
        self.assertNotIn('oslo_service', output)
        self.assertNotIn('Traceback', output)
        self.assertIn('Servers:', output)
        self.assertNotIn('reused', output)
        self.assertTrue(os.path.exists(os.path.join(
            state, 'nova_faults_api.sqlite')))

        # Again with --demo: the data are reused and it says so; the
        # unreachable cell is named in a warning (never its URL) and
        # served as a down cell.
        proc, url = self._start(['--demo'], env)
        servers = self._servers(url)
        self.assertEqual(8, len(servers))
        self.assertEqual(
            sorted([demo.demo_uuid('server:vm8'),
                    demo.demo_uuid('server:vm9')]),
            sorted(s['id'] for s in servers if s['status'] == 'UNKNOWN'))
        output = self._stop(proc)
        self.assertEqual(0, proc.returncode, output)
        self.assertIn('The demo data were already there: reused', output)
        cell = demo.demo_uuid('cell:' + demo.UNREACHABLE_CELL)
        self.assertIn('Cell cell-unreachable (%s) is not reachable' % cell,
                      output)
        self.assertNotIn(demo.UNREACHABLE_URL, output)
        self.assertNotIn('127.0.0.1:1/', output)
        self.assertNotIn('Traceback', output)
        self.assertNotIn('CRITICAL', output)

        # A plain start after the demo serves the same data.
        proc, url = self._start([], env)
        by_name = {s.get('name'): s for s in self._servers(url, '2.16')}
        self.assertEqual('ACTIVE', by_name['vm1']['status'])
        output = self._stop(proc)
        self.assertEqual(0, proc.returncode, output)
        self.assertNotIn('Traceback', output)

    def test_demo_keeps_heartbeating(self):
        # NOTE: short intervals stand for the real ones (report_interval
        # 10 s, service_down_time 60 s): a demo with a single heartbeat
        # shows vm1's host UNKNOWN once service_down_time has passed.
        state = os.path.join(self.tmp, 'state')
        conf_file = os.path.join(self.tmp, 'nova-faults.conf')
        with open(conf_file, 'w') as f:
            f.write('[DEFAULT]\nstate_path = %s\nreport_interval = 1\n'
                    'service_down_time = 2\n'
                    '[api]\nauth_strategy = noauth\n' % state)
        proc, url = self._start(['--config-file', conf_file, '--demo',
                                 '--debug'], self._empty_home())

        def host_statuses():
            return {s['name']: s['host_status']
                    for s in self._servers(url, '2.16')}
        started = time.monotonic()
        self.assertEqual('UP', host_statuses()['vm1'])
        # Several service_down_time windows later, still UP.
        while time.monotonic() - started < 3 * 2 + 1:
            time.sleep(0.5)
        statuses = host_statuses()
        self.assertEqual({'vm1': 'UP', 'vm3': 'UP', 'vm5': 'DOWN',
                          'vm6': 'MAINTENANCE', 'vm7': 'UNKNOWN'},
                         {name: statuses[name] for name in
                          ('vm1', 'vm3', 'vm5', 'vm6', 'vm7')})
        output = self._stop(proc)
        self.assertEqual(0, proc.returncode, output)
        self.assertIn('DEBUG nova_faults.api.deploy', output)

    def test_start_after_an_upgrade_migrates_the_embedded_databases(self):
        # A newer nova-faults started on the files of an older one: the
        # API database is migrated by Alembic (whose INFO lines only
        # --debug shows), the missing cell database is created.
        from nova_faults.db import migration
        api_file = os.path.join(self.tmp, 'state', 'nova_faults_api.sqlite')
        os.makedirs(os.path.dirname(api_file))
        first = 'a1c3e5f70001'
        old_file = os.path.join(self.tmp, 'old_api.sqlite')
        migration.upgrade('sqlite:///' + old_file, migration.API, first)
        for args, shown in (([], False), (['--debug'], True)):
            shutil.copy(old_file, api_file)
            proc, url = self._start(
                ['--state-path', os.path.dirname(api_file)] + args,
                self._empty_home())
            self.assertEqual([], self._servers(url))
            output = self._stop(proc)
            self.assertEqual(0, proc.returncode, output)
            self.assertEqual(shown, 'Running upgrade %s -> ' % first in output,
                             output)
            self.assertEqual(migration.head(migration.API),
                             migration.get_version('sqlite:///' + api_file,
                                                   migration.API))

    def test_configuration_without_auth_settings_is_refused(self):
        # A file that sets only state_path selects keystone without
        # credentials: refused at once, nothing created, no traceback.
        state = os.path.join(self.tmp, 'state')
        conf_file = os.path.join(self.tmp, 'nova-faults.conf')
        with open(conf_file, 'w') as f:
            f.write('[DEFAULT]\nstate_path = %s\n' % state)
        out = subprocess.run(
            _command() + ['--config-file', conf_file, '--port', '0'],
            env=self._env(self._empty_home()), cwd=self.tmp,
            capture_output=True, timeout=STARTUP_TIMEOUT)
        output = (out.stdout + out.stderr).decode()
        self.assertEqual(1, out.returncode, output)
        self.assertIn('[api] auth_strategy', out.stderr.decode())
        self.assertIn('[keystone_authtoken]', out.stderr.decode())
        self.assertEqual(1, output.count('not starting'), output)
        self.assertEqual(1, len(output.splitlines()), output)
        self.assertNotIn('Traceback', output)
        self.assertNotIn('listening', output)
        self.assertFalse(os.path.exists(state))

    def _refused_on_a_taken_port(self, args):
        """The output of a start on a port in use (asserted refused)."""
        taken = socket.socket()
        self.addCleanup(taken.close)
        taken.bind(('127.0.0.1', 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        out = subprocess.run(
            _command() + args + ['--port', str(port)],
            env=self._env(self._empty_home()), cwd=self.tmp,
            capture_output=True, timeout=STARTUP_TIMEOUT)
        output = (out.stdout + out.stderr).decode()
        self.assertEqual(1, out.returncode, output)
        self.assertIn('not starting: cannot listen on 127.0.0.1:%d' % port,
                      out.stderr.decode())
        self.assertNotIn('Traceback', output)
        self.assertNotIn('listening on', output)
        return output

    def test_port_in_use_is_said_in_one_line(self):
        # A second server on the same port (the first one still stopping,
        # say): a short refusal naming the address, not a traceback.
        self._refused_on_a_taken_port([
            '--host', '127.0.0.1',
            '--state-path', os.path.join(self.tmp, 'state')])

    def test_second_demo_start_changes_nothing(self):
        # The quick start run twice, the first still serving: the second
        # is refused before it makes databases, a demo or heartbeats.
        state = os.path.join(self.tmp, 'state')
        output = self._refused_on_a_taken_port(
            ['--demo', '--state-path', state])
        self.assertNotIn('Demo deployment', output)
        self.assertNotIn('WITHOUT AUTHENTICATION', output)
        self.assertFalse(os.path.exists(state))

    def test_help_says_what_a_user_needs(self):
        out = subprocess.run(_command() + ['--help'],
                             env=self._env(self._empty_home()),
                             capture_output=True, timeout=STARTUP_TIMEOUT)
        self.assertEqual(0, out.returncode, out.stderr)
        text = out.stdout.decode()
        for needed in ('--state-path', '--demo', '--config-file', '--port',
                       '--host', '--debug', 'noauth', 'auth_strategy',
                       '[keystone_authtoken]', '~/.local/share/nova-faults',
                       '8774'):
            self.assertIn(needed, text)

    def test_state_path_on_the_command_line(self):
        state = os.path.join(self.tmp, 'elsewhere')
        proc, url = self._start(['--state-path', state], self._empty_home())
        self.assertEqual([], self._servers(url))
        self._stop(proc)
        self.assertIn('nova_faults_api.sqlite', os.listdir(state))
        self.assertFalse(os.path.exists(os.path.join(
            self.tmp, 'home', '.local')))

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


class TestAuthCheck(testtools.TestCase):
    """Which configurations nova-faults-api refuses to start with."""

    def _problem(self, text):
        tmp = self.useFixture(fixtures.TempDir()).path
        conf_file = os.path.join(tmp, 'nova-faults.conf')
        with open(conf_file, 'w') as f:
            f.write('[DEFAULT]\nstate_path = %s\n%s' % (tmp, text))
        conf = cmd_api.load_conf(['--config-file', conf_file])
        return cmd_api.auth_problem(conf)

    def test_keystone_needs_credentials(self):
        self.assertIn('[keystone_authtoken] has no auth_type',
                      self._problem(''))
        self.assertIn('[api] auth_strategy', self._problem(
            '[api]\nauth_strategy = keystone\n'
            '[keystone_authtoken]\nwww_authenticate_uri = http://ks/\n'))

    def test_credentials_or_noauth_start(self):
        self.assertIsNone(self._problem(
            '[keystone_authtoken]\nauth_type = password\n'
            'auth_url = http://ks/\nusername = nf\npassword = p\n'))
        self.assertIsNone(self._problem(
            '[keystone_authtoken]\nauth_section = service_auth\n'
            '[service_auth]\nauth_type = password\n'))
        self.assertIsNone(self._problem('[api]\nauth_strategy = noauth\n'))

    def test_state_path_argument(self):
        args, oslo_args = cmd_api.parse_args(
            ['--state-path', '~/x', '--demo', '--debug'])
        self.assertTrue(args.demo)
        self.assertEqual(['--debug'], oslo_args)
        conf = cmd_api.load_conf(oslo_args, state_path=args.state_path)
        self.assertEqual(os.path.expanduser('~/x'), conf.state_path)
        self.assertTrue(conf.debug)


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


class TestStartUp(testtools.TestCase):
    """What ``main`` does between loading the application and serving."""

    def test_loaded_objects_are_frozen_before_serving(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.EnvironmentVariable('HOME', tmp))
        # Process-wide settings main makes for a real process.
        for name in ('setup_logging', 'quiet_library_warnings',
                     'warn_noauth'):
            self.useFixture(fixtures.MockPatchObject(cmd_api, name))
        policy.reset()
        self.addCleanup(policy.reset)
        seen = {}

        class Server:
            bind_addr = ('127.0.0.1', 1)

            def prepare(self):
                pass

            def serve(self):
                seen['frozen'] = gc.get_freeze_count()
                raise KeyboardInterrupt()

            def stop(self):
                seen['stopped'] = True

        self.useFixture(fixtures.MockPatchObject(
            cmd_api, 'build_server', lambda *args: Server()))
        self.addCleanup(signal.signal, signal.SIGTERM,
                        signal.getsignal(signal.SIGTERM))
        self.addCleanup(gc.unfreeze)
        gc.unfreeze()
        self.assertEqual(0, cmd_api.main(['--state-path', tmp]))
        self.assertTrue(seen['stopped'])
        self.assertGreater(seen['frozen'], 10000)


class TestWSGIApplication(testtools.TestCase):
    """``nova_faults.wsgi.api:application`` as a WSGI server imports it."""

    def test_application_from_environment(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        conf_file = os.path.join(tmp, 'nova-faults.conf')
        with open(conf_file, 'w') as f:
            f.write('[DEFAULT]\nstate_path = %s\n'
                    '[api]\nauth_strategy = noauth\n' % tmp)
        script = (
            'import gc\n'
            'import webob\n'
            'from nova_faults.wsgi import api\n'
            'print("frozen", gc.get_freeze_count() > 10000)\n'
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
        # What the import loaded is left out of the collector's scans.
        self.assertIn('frozen True', out.stdout.decode().splitlines())


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
