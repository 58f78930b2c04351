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

"""Request IDs in the logs, as oslo.log renders them.

Log records written during a request (the request log line, a handler's
own lines, a cell worker's lines) are formatted by oslo.log's
``ContextFormatter`` with its default format strings, and must carry the
request's global and local IDs and the user identity::

    ... INFO nova_faults.api.middleware.request_log
    [req-<global> req-<local> admin <project> - - - -] 127.0.0.1 "GET ..."

A malformed inbound global ID is not used (the bracket starts with
``None``) and is mentioned at DEBUG only.

The console scripts are also run for real, with a ``log_file``, to show
that ``nova-faults-api`` and ``nova-faults-manage`` set up oslo.log.
"""

import functools
import logging
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
from oslo_config import cfg
from oslo_log import formatters
from oslo_log import log as oslo_logging
from oslo_utils import uuidutils
import testtools

from nova_faults.api import wsgi_util
from nova_faults import cells
from nova_faults.tests.functional import base

LOG = logging.getLogger(__name__)

GLOBAL_ID = 'req-' + uuidutils.generate_uuid()
REQUEST_LOG = 'nova_faults.api.middleware.request_log'
LOCAL_ID = r'req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'


def _hello(req):
    ctx = wsgi_util.get_context(req)
    LOG.info('inside the handler')

    def in_cell(cell_ctx):
        LOG.info('inside a cell worker')
        return True

    cells.scatter_gather(ctx, [{'uuid': 'cell-x',
                                'database_connection': 'sqlite://'}],
                         in_cell, conf=wsgi_util.get_conf(req))
    return wsgi_util.json_response(req, {'request_id': ctx.request_id})


def log_conf():
    """A ConfigOpts with oslo.log's options at their defaults."""
    conf = cfg.ConfigOpts()
    oslo_logging.register_options(conf)
    conf([], project='nova-faults', default_config_files=[])
    return conf


class TestRequestIdsInLogs(base.APITestCase):

    extra_routes = {'/test/hello': {'GET': _hello}}
    use_deployment = False

    def setUp(self):
        super().setUp()
        conf = log_conf()
        formatter = functools.partial(formatters.ContextFormatter,
                                      project='nova-faults', config=conf)
        # NOTE: the format is oslo.log's (from log_conf()); FakeLogger only
        # uses a formatter when given some format.
        self.logger = self.useFixture(fixtures.FakeLogger(
            level=logging.DEBUG, format='%(message)s',
            datefmt=conf.log_date_format, formatter=formatter))

    def lines(self, text):
        return [line for line in self.logger.output.splitlines()
                if text in line]

    def request(self, headers=None, user='admin'):
        resp = self.api.get('/test/hello', headers=headers, user=user)
        self.assertEqual(200, resp.status_int, resp.text)
        return resp.headers['x-openstack-request-id']

    def test_global_and_local_ids_and_user(self):
        local = self.request({'X-Openstack-Request-Id': GLOBAL_ID},
                             user='alice')
        bracket = '[%s %s alice %s - - - -]' % (
            GLOBAL_ID, local, self.api.project_id)
        (line,) = self.lines('"GET /v2.1/test/hello"')
        self.assertIn(' INFO %s %s 127.0.0.1 "GET /v2.1/test/hello" '
                      'status: 200 ' % (REQUEST_LOG, bracket), line)
        # oslo.log's default context format: time, pid, level, logger.
        self.assertRegex(line, r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} '
                               r'\d+ INFO ')
        (line,) = self.lines('inside the handler')
        self.assertIn(bracket + ' inside the handler', line)
        (line,) = self.lines('inside a cell worker')
        self.assertIn(bracket + ' inside a cell worker', line)

    def test_no_global_id(self):
        local = self.request()
        (line,) = self.lines('"GET /v2.1/test/hello"')
        self.assertIn('[None %s admin %s - - - -] 127.0.0.1' % (
            local, self.api.project_id), line)

    def test_malformed_global_id_ignored_at_debug(self):
        malformed = GLOBAL_ID.upper()
        local = self.request({'X-Openstack-Request-Id': malformed})
        (line,) = self.lines('"GET /v2.1/test/hello"')
        self.assertIn('[None %s admin ' % local, line)
        self.assertNotIn(malformed, line)
        (debug,) = self.lines('Ignoring')
        self.assertIn(' DEBUG nova_faults.api.middleware.request_id ',
                      debug)
        self.assertIn(malformed, debug)
        for level in ('WARNING', 'ERROR', 'CRITICAL'):
            self.assertEqual([], self.lines(' %s ' % level))

    def test_lines_outside_a_request_have_no_ids(self):
        first = self.request({'X-Openstack-Request-Id': GLOBAL_ID})
        LOG.info('between requests')
        (line,) = self.lines('between requests')
        self.assertIn(' [-] between requests', line)
        self.assertNotIn(first, line)

    def test_each_request_its_own_ids(self):
        first = self.request()
        second = self.request({'X-Openstack-Request-Id': GLOBAL_ID})
        lines = self.lines('inside the handler')
        self.assertEqual(2, len(lines))
        self.assertIn('[None %s ' % first, lines[0])
        self.assertIn('[%s %s ' % (GLOBAL_ID, second), lines[1])


def _script(name):
    script = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.exists(script):
        return [script]
    found = shutil.which(name)
    if found:
        return [found]
    module = {'nova-faults-api': 'nova_faults.cmd.api',
              'nova-faults-manage': 'nova_faults.cmd.manage'}[name]
    return [sys.executable, '-m', module]


class TestConsoleScriptsLog(testtools.TestCase):
    """The real programs write oslo.log lines to ``[DEFAULT] log_file``."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.log_file = os.path.join(self.tmp, 'nova-faults.log')
        self.conf_file = os.path.join(self.tmp, 'nova-faults.conf')
        with open(self.conf_file, 'w') as f:
            f.write('[DEFAULT]\nstate_path = %s\nlog_file = %s\n'
                    'debug = true\n[api]\nauth_strategy = noauth\n'
                    % (os.path.join(self.tmp, 'state'), self.log_file))
        self.env = dict(os.environ)
        self.env.pop('OS_NOVA_FAULTS_CONFIG_FILES', None)
        self.env['HOME'] = self.tmp

    def read_log(self):
        with open(self.log_file) as f:
            return f.read()

    def test_manage_logs_to_the_log_file(self):
        proc = subprocess.run(
            _script('nova-faults-manage') +
            ['--config-file', self.conf_file, 'db', 'sync'],
            capture_output=True, env=self.env, cwd=self.tmp, timeout=120)
        self.assertEqual(0, proc.returncode, proc.stderr[-2000:])
        # Standard output only carries the command's own output.
        for line in proc.stdout.decode().splitlines():
            self.assertTrue(line.startswith(('API database',
                                             'Cell database', 'cell')),
                            line)
        self.assertRegex(self.read_log(),
                         r'\d+ INFO alembic\.runtime\.migration \[-\] ')

    def test_api_request_ids_in_the_log_file(self):
        port = base.free_port()
        proc = subprocess.Popen(
            _script('nova-faults-api') +
            ['--config-file', self.conf_file, '--port', str(port),
             '--threads', '2'],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env,
            cwd=self.tmp)
        self.addCleanup(self._stop, proc)
        url = 'http://127.0.0.1:%d/v2.1/servers' % port
        req = urllib.request.Request(url, headers={
            'X-Auth-Token': 'alice:demo',
            'X-Openstack-Request-Id': GLOBAL_ID})
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(req, timeout=10) as resp:
                    local = resp.headers['X-Openstack-Request-Id']
                    break
            except urllib.error.HTTPError as exc:
                # Any answer will do: the line is logged whatever the
                # status.
                local = exc.headers['X-Openstack-Request-Id']
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    proc.wait()
                    self.fail('nova-faults-api did not start: %s' %
                              proc.stderr.read()[-2000:])
                time.sleep(0.2)
        pattern = re.escape(
            '[%s %s alice demo - - - -] 127.0.0.1 "GET /v2.1/servers" '
            'status: ' % (GLOBAL_ID, local))
        deadline = time.monotonic() + 10
        while not re.search(pattern, self.read_log()):
            if time.monotonic() > deadline:
                self.fail('No request line in the log:\n%s'
                          % self.read_log()[-3000:])
            time.sleep(0.1)
        self.assertRegex(self.read_log(), LOCAL_ID)

    def _stop(self, proc):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        proc.stdout.close()
        proc.stderr.close()
