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

"""The private database servers of the outage tests prove their outages.

``PrivatePostgreSQL`` and ``PrivateMariaDB`` (tests/fixtures.py) are what
the cell-outage tests stop, hang and restart. These tests check that the
fixtures cannot make an outage test pass without its outage: missing
binaries fail under ``NOVA_FAULTS_REQUIRE_BACKENDS=1`` instead of
skipping, and a stop that did not stop the server fails the test.
"""

import os
import signal
import subprocess
import sys

import fixtures
import testtools

from nova_faults.tests import fixtures as nf_fixtures

SERVERS = (nf_fixtures.PrivatePostgreSQL, nf_fixtures.PrivateMariaDB)


class PrivateServerTest(testtools.TestCase):

    def test_binaries_found(self):
        # This machine's binaries: Debian's /usr/lib/postgresql/*/bin and
        # /usr/sbin/mariadbd are not on a user's PATH.
        for server in SERVERS:
            self.assertIsNotNone(server.binaries(), server.__name__)

    def test_missing_binaries_fail_when_required(self):
        self.useFixture(fixtures.EnvironmentVariable(
            nf_fixtures.REQUIRE_ENV, '1'))
        self.useFixture(fixtures.EnvironmentVariable('PATH', '/nonexistent'))
        for server_cls in SERVERS:
            self.useFixture(fixtures.MonkeyPatch(
                '%s.%s.binaries' % (nf_fixtures.__name__,
                                    server_cls.__name__),
                staticmethod(lambda: None)))
            server = server_cls()
            server.base = self.useFixture(fixtures.TempDir()).path
            error = self.assertRaises(AssertionError, server._init)
            self.assertIn('not found', str(error))
            self.assertIn(nf_fixtures.REQUIRE_ENV, str(error))

    def test_postgresql_failed_stop_fails(self):
        server = self.useFixture(nf_fixtures.PrivatePostgreSQL())
        self.assertEqual(0, server.stops)
        # pg_ctl fails (the data directory is not a cluster): the stop is
        # an error, not an outage.
        datadir, server.datadir = server.datadir, server.base
        error = self.assertRaises(AssertionError, server.stop)
        self.assertIn('pg_ctl stop exited', str(error))
        self.assertEqual(0, server.stops)
        self.assertFalse(nf_fixtures.port_refuses(server.port))
        server.datadir = datadir
        server.stop()
        self.assertEqual(1, server.stops)
        self.assertTrue(nf_fixtures.port_refuses(server.port))

    def test_mariadb_dead_server_stop_fails(self):
        server = self.useFixture(nf_fixtures.PrivateMariaDB())
        # The server died on its own before the test's stop: the outage
        # was not the test's, and is reported.
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(60)
        error = self.assertRaises(AssertionError, server.stop)
        self.assertIn('had died', str(error))
        self.assertEqual(0, server.stops)
        server.start()
        server.stop(mode='immediate')
        self.assertEqual(1, server.stops)

    def test_stop_while_port_still_answers_fails(self):
        server = self.useFixture(nf_fixtures.PrivateMariaDB())
        server.stop()
        # Something else answers on the port after the stop.
        listener = subprocess.Popen(
            [sys.executable, '-c', 'import socket, time; s = socket.socket(); '
             's.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); '
             's.bind(("127.0.0.1", %d)); s.listen(); print(1, flush=True); '
             'time.sleep(60)' % server.port], stdout=subprocess.PIPE)
        self.addCleanup(listener.wait)
        self.addCleanup(listener.kill)
        listener.stdout.readline()
        error = self.assertRaises(AssertionError, server._assert_stopped,
                                  True, 'stopped')
        self.assertIn('still accepts connections', str(error))
