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

"""``nova-faults-status upgrade check`` on real databases.

Each check is run in-process (``Checks(conf)``) for its success, warning
and failure results, and the command itself is run once per exit code as
an operator would run it.
"""

import json
import os
import socket
import subprocess
import sys
import threading

import fixtures
from oslo_policy import opts as policy_opts
from oslo_upgradecheck import upgradecheck
import sqlalchemy as sa
import testtools

from nova_faults import cells
from nova_faults.cmd import status
from nova_faults.db import api as db_api
from nova_faults.db import mappings as db_mappings
from nova_faults.db import migrations
from nova_faults.db import models
from nova_faults import policy
from nova_faults.tests import fixtures as nf_fixtures

Code = upgradecheck.Code
BINDIR = os.path.dirname(sys.executable)


class StatusTestBase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_NOVA_FAULTS_CONFIG_FILES'))
        policy.reset()
        self.addCleanup(policy.reset)
        self.deployment = self.useFixture(nf_fixtures.Deployment(
            cells=('sqlite', 'sqlite')))
        self.conf = self.deployment.conf
        policy_opts.set_defaults(self.conf)  # registers [oslo_policy]
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def check(self, method):
        return getattr(status.Checks(self.conf), method)()

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def hung_listener(self):
        """A port that accepts connections and never answers."""
        listener = socket.socket()
        listener.bind(('127.0.0.1', 0))
        listener.listen(8)
        accepted = []
        stop = threading.Event()

        def accept():
            listener.settimeout(0.2)
            while not stop.is_set():
                try:
                    accepted.append(listener.accept()[0])
                except OSError:
                    pass
        thread = threading.Thread(target=accept, daemon=True)
        thread.start()

        def close():
            stop.set()
            thread.join(5)
            for conn in accepted:
                conn.close()
            listener.close()
        self.addCleanup(close)
        return listener.getsockname()[1]

    def use_policy_file(self, text, name='policy.yaml'):
        self.conf.set_override('policy_file', self.write(name, text),
                               group='oslo_policy')


class DatabaseChecksTest(StatusTestBase):

    def test_synced_deployment_succeeds(self):
        result = self.check('_check_api_database')
        self.assertEqual(Code.SUCCESS, result.code, result.details)
        result = self.check('_check_cells')
        self.assertEqual(Code.SUCCESS, result.code, result.details)
        self.assertEqual('2 cell(s) reachable.', result.details)
        self.assertEqual(Code.SUCCESS,
                         status.Checks(self.conf).check())

    def test_api_database_behind_is_a_failure(self):
        with self.deployment.engine(api=True).begin() as conn:
            conn.execute(sa.text('UPDATE %s SET version_num = :v'
                                 % migrations.VERSION_TABLE), {'v': 'old'})
        result = self.check('_check_api_database')
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('is at revision old, expected', result.details)
        self.assertIn('nova-faults-manage db sync', result.details)

    def test_empty_api_database_is_a_failure(self):
        url = db_api.sqlite_url(self.conf, 'empty.sqlite')
        self.conf.set_override('connection', url, group='api_database')
        result = self.check('_check_api_database')
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('has no nova-faults tables', result.details)

    def test_unreachable_api_database_is_a_failure_without_password(self):
        self.conf.set_override(
            'connection', 'mysql+pymysql://nf:s3cret@127.0.0.1:1/nova_api',
            group='api_database')
        result = self.check('_check_api_database')
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('Cannot read the API database', result.details)
        self.assertNotIn('s3cret', result.details)

    def test_novas_own_database_is_read_not_migrated(self):
        url = db_api.sqlite_url(self.conf, 'nova_api.sqlite')
        engine = sa.create_engine(url)
        models.APIBase.metadata.create_all(engine)
        engine.dispose()
        self.conf.set_override('connection', url, group='api_database')
        result = self.check('_check_api_database')
        self.assertEqual(Code.SUCCESS, result.code, result.details)
        self.assertIn('is Nova\'s', result.details)

    def test_embedded_database_not_created_yet_is_a_warning(self):
        self.conf.clear_override('connection', group='api_database')
        self.conf.set_override('state_path', os.path.join(self.tmp, 'new'))
        result = self.check('_check_api_database')
        self.assertEqual(Code.WARNING, result.code)
        self.assertIn('does not exist yet', result.details)
        result = self.check('_check_cells')
        self.assertEqual(Code.WARNING, result.code)
        # Checking did not create it.
        self.assertEqual(['new'], os.listdir(self.tmp) and
                         [n for n in os.listdir(self.tmp) if n == 'new'])
        self.assertEqual([], os.listdir(os.path.join(self.tmp, 'new')))

    def test_unreachable_cell_is_a_failure(self):
        db_mappings.cell_mapping_create(self.deployment.admin_context(), {
            'name': 'lost', 'transport_url': 'none:///', 'disabled': False,
            'database_connection':
                'postgresql+psycopg://nf:s3cret@127.0.0.1:1/cell9'})
        cells.reset_cache()
        result = self.check('_check_cells')
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('Cell lost (', result.details)
        self.assertIn('is not reachable', result.details)
        self.assertNotIn('s3cret', result.details)

    def test_cell_not_synced_is_a_failure(self):
        url = db_api.sqlite_url(self.conf, 'cell_new.sqlite')
        db_mappings.cell_mapping_create(self.deployment.admin_context(), {
            'name': 'new', 'transport_url': 'none:///', 'disabled': False,
            'database_connection': url})
        result = self.check('_check_cells')
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('Cell new (', result.details)
        self.assertIn('has no nova-faults tables', result.details)

    def test_hung_cell_is_reported_after_the_cell_timeout(self):
        port = self.hung_listener()
        db_mappings.cell_mapping_create(self.deployment.admin_context(), {
            'name': 'hung', 'transport_url': 'none:///', 'disabled': False,
            'database_connection':
                'mysql+pymysql://root@127.0.0.1:%d/cell9' % port})
        self.conf.set_override('cell_timeout', 1, group='api')
        result = self.check('_check_cells')
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('Cell hung (', result.details)
        self.assertIn('did not respond within 1 seconds', result.details)


class PolicyAndServiceChecksTest(StatusTestBase):

    def test_no_policy_file_succeeds(self):
        result = self.check('_check_policy_file')
        self.assertEqual(Code.SUCCESS, result.code, result.details)

    def test_valid_policy_file_succeeds(self):
        self.use_policy_file(
            '"os_compute_api:os-instance-actions:events:details": '
            '"rule:project_member_or_admin"\n')
        result = self.check('_check_policy_file')
        self.assertEqual(Code.SUCCESS, result.code, result.details)

    def test_unknown_rule_is_a_warning(self):
        self.use_policy_file('"os_compute_api:os-hypervisors:list": '
                             '"rule:context_is_admin"\n')
        result = self.check('_check_policy_file')
        self.assertEqual(Code.WARNING, result.code)
        self.assertIn('Unknown rule os_compute_api:os-hypervisors:list',
                      result.details)

    def test_unparsable_rule_is_a_failure(self):
        self.use_policy_file('"os_compute_api:servers:show": '
                             '"role:reader and and ("\n')
        result = self.check('_check_policy_file')
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('os_compute_api:servers:show cannot be parsed',
                      result.details)

    def test_reference_to_missing_rule_is_a_failure(self):
        self.use_policy_file('"os_compute_api:servers:show": '
                             '"rule:no_such_rule"\n')
        result = self.check('_check_policy_file')
        self.assertEqual(Code.FAILURE, result.code)

    def test_missing_configured_policy_file_is_a_warning(self):
        self.conf.set_override('policy_file',
                               os.path.join(self.tmp, 'absent.yaml'),
                               group='oslo_policy')
        result = self.check('_check_policy_file')
        self.assertEqual(Code.WARNING, result.code)
        self.assertIn('was not found', result.details)

    def test_json_policy_file_is_a_failure(self):
        self.use_policy_file(json.dumps(
            {'os_compute_api:servers:show': 'rule:context_is_admin'}),
            name='policy.json')
        checks = status.Checks(self.conf)
        results = dict((name, func) for name, func in checks._upgrade_checks)
        func, kwargs = results['Policy file JSON to YAML migration']
        self.assertEqual(Code.FAILURE, func(checks, **kwargs).code)

    def test_service_down_time_sane(self):
        result = self.check('_check_service_down_time')
        self.assertEqual(Code.SUCCESS, result.code)

    def test_service_down_time_not_above_report_interval_is_a_warning(self):
        self.conf.set_override('service_down_time', 10)
        self.conf.set_override('report_interval', 10)
        result = self.check('_check_service_down_time')
        self.assertEqual(Code.WARNING, result.code)
        self.assertIn('25 (2.5 times report_interval) is used',
                      result.details)


class CommandTest(StatusTestBase):
    """The console script, as an operator runs it: exit codes 0, 1, 2."""

    def _run(self, extra='', policy_text=None):
        lines = ['[api_database]',
                 'connection = %s' % self.deployment.api_url, extra]
        if policy_text is not None:
            lines += ['[oslo_policy]', 'policy_file = %s'
                      % self.write('policy.yaml', policy_text)]
        config = self.write('nova-faults.conf', '\n'.join(lines) + '\n')
        return subprocess.run(
            [os.path.join(BINDIR, 'nova-faults-status'), '--config-file',
             config, 'upgrade', 'check'],
            capture_output=True, text=True, timeout=120, cwd=self.tmp)

    def test_success(self):
        result = self._run()
        self.assertEqual(0, result.returncode, result.stdout + result.stderr)
        self.assertIn('Check: API database', result.stdout)
        self.assertIn('Check: Cells', result.stdout)
        self.assertIn('Check: Policy file', result.stdout)
        self.assertIn('Check: Service down time', result.stdout)

    def test_warning(self):
        result = self._run('[DEFAULT]\nservice_down_time = 5\n'
                           'report_interval = 10\n')
        self.assertEqual(1, result.returncode, result.stdout + result.stderr)
        self.assertIn('Result: Warning', result.stdout)

    def test_hung_cell_does_not_keep_the_command_running(self):
        port = self.hung_listener()
        db_mappings.cell_mapping_create(self.deployment.admin_context(), {
            'name': 'hung', 'transport_url': 'none:///', 'disabled': False,
            'database_connection':
                'postgresql+psycopg://nf:s3cret@127.0.0.1:%d/cell9' % port})
        result = self._run('[api]\ncell_timeout = 1\n')
        self.assertEqual(2, result.returncode, result.stdout + result.stderr)
        text = ' '.join(result.stdout.replace('|', ' ').split())
        self.assertIn('did not respond within 1 seconds', text)
        self.assertNotIn('s3cret', result.stdout + result.stderr)

    def test_failure(self):
        result = self._run(policy_text='"os_compute_api:servers:show": '
                                       '"rule:missing"\n')
        self.assertEqual(2, result.returncode, result.stdout + result.stderr)
        self.assertIn('Result: Failure', result.stdout)
