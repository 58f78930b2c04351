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

"""Leak tests: secrets in exception messages never reach users.

Exceptions whose messages hold generated secrets (database and message-bus
URLs with passwords, tokens in headers and ``key=value`` pairs, JSON and
XML passwords, command-line passwords, file paths, IP addresses) are
recorded through the recording library, as events of an action and as
instance faults, with notifications on (oslo.messaging's ``log``
driver, ``[notifications] include_traceback`` off). Then every route is
read at several microversions as a project member, a reader, another
project's member and an admin:

* an exception that is not the library's (``ValueError``, ``OSError``,
  ...): none of its secrets, nor any traceback or path, in any non-admin
  response or in any notification;
* a library exception (``NovaFaultsException``): its message is meant
  for users (as in Nova), but no credential (URL password, token,
  password value) appears in any response, admins' included, nor in any
  notification;
* what a policy denies is absent, not null: no ``traceback``, ``host``
  or ``details`` key in a member's events, no ``details`` in a member's
  fault, no ``host_status`` or ``OS-EXT-SRV-ATTR:*``.

The number of examples is ``NOVA_FAULTS_LEAK_EXAMPLES`` (default 15,
shared among the seeds of ``tests/hypothesis_profiles.py``; each example
is read through about 80 requests). The end-to-end check of the
scrubber on 3,000 generated messages is ``test_scrubbing``.
"""

import collections
import json
import logging
import os

import fixtures
import hypothesis
from hypothesis import strategies as st

from nova_faults import exception
from nova_faults import notifications
from nova_faults import recording
from nova_faults.tests.functional import base
from nova_faults.tests.functional import figures
from nova_faults.tests.functional import servers_base
from nova_faults.tests import hypothesis_profiles

EXAMPLES = int(os.environ.get('NOVA_FAULTS_LEAK_EXAMPLES', '15'))
NOTIFICATION_LOGGER = 'oslo.messaging.notification'
VERSIONS = ('2.1', '2.62', '2.84', 'latest')

_SECRET_CHARS = ('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'
                 '0123456789-._~!$*+')
_secret = st.text(alphabet=_SECRET_CHARS, min_size=8, max_size=24)


class LibraryError(exception.NovaFaultsException):
    msg_fmt = 'Operation failed: %(reason)s'


class Secrets:
    """Generated secrets and a message that holds them."""

    def __init__(self, password, token, path, octets, template):
        self.password = 'Pw' + password
        self.token = 'Tk' + token
        self.path = '/var/lib/%s/secret-%s.conf' % (octets[0], password[:6])
        self.ip = '192.0.2.%d' % octets[1]
        self.ip6 = '2001:db8::%x' % (octets[2] + 0x1000)
        self.message = template.format(s=self)

    @property
    def credentials(self):
        return (self.password, self.token)

    @property
    def everything(self):
        return (self.password, self.token, self.path, self.ip, self.ip6)


_TEMPLATES = [
    'mysql+pymysql://nova:{s.password}@{s.ip}/nova_cell1 unreachable',
    'rabbit://guest:{s.password}@{s.ip}:5672// connection reset',
    'request to http://admin:{s.password}@[{s.ip6}]:9696/v2.0 failed '
    'with X-Auth-Token: {s.token}',
    'GET {s.path} -> token={s.token} password={s.password}',
    "{{'password': '{s.password}', 'auth_token': '{s.token}', "
    "'path': '{s.path}'}}",
    'Authorization: Bearer {s.token} from {s.ip}',
    'cmd: openstack --os-password {s.password} --os-token {s.token}',
    '<adminPass>{s.password}</adminPass> written to {s.path}',
    '"secret": "{s.password}", "host": "{s.ip}"',
]
SECRETS = st.builds(
    Secrets, _secret, _secret,
    st.text(alphabet='abcdefghij', min_size=3, max_size=8),
    st.tuples(st.text(alphabet='klmnop', min_size=4, max_size=8),
              st.integers(1, 254), st.integers(0, 0xefff)),
    st.lists(st.sampled_from(_TEMPLATES), min_size=1, max_size=4,
             unique=True).map(' | '.join))

FOREIGN_ERRORS = (ValueError, RuntimeError, OSError, KeyError, Exception,
                  ConnectionError, TimeoutError)


class TestSecretsNeverLeak(servers_base.ServersTestCase):

    cell_count = 1

    def setUp(self):
        super().setUp()
        notifications.register_opts(self.conf)
        self.conf.set_override('driver', ['log'],
                               group='oslo_messaging_notifications')
        self.conf.set_override('transport_url', 'fake:/',
                               group='oslo_messaging_notifications')
        self.conf.set_override('include_traceback', False,
                               group='notifications')
        self.addCleanup(notifications.reset)
        self.notices = self.useFixture(fixtures.FakeLogger(
            name=NOTIFICATION_LOGGER, level=logging.DEBUG,
            format='%(message)s'))
        self.recorder = recording.Recorder(self.conf, host='compute-7')
        self.make_service(host='compute-7')
        self.responses = 0
        self.examples = 0

    def _record(self, secrets, library):
        server = self.make_server(project_id=base.PROJECT_ID,
                                  vm_state='error', host='compute-7')
        ctx = self.cell_ctx(self.cell(0))
        ctx.user_id, ctx.project_id = 'demo', base.PROJECT_ID
        ctx.request_id = 'req-%s' % server['uuid']
        action = self.recorder.record_action_start(ctx, server['uuid'],
                                                   'resize')
        exc = (LibraryError(reason=secrets.message) if library
               else FOREIGN_ERRORS[len(secrets.message) %
                                   len(FOREIGN_ERRORS)](secrets.message))
        try:
            with self.recorder.event_reporter(ctx, 'compute_resize',
                                              server['uuid']):
                raise exc
        except type(exc):
            self.recorder.add_instance_fault_from_exc(ctx, server, exc,
                                                      exc_info=True)
        return server, action

    def _responses(self, server, action):
        uuid = server['uuid']
        paths = ['/servers', '/servers/detail', '/servers/%s' % uuid,
                 '/servers/%s/os-instance-actions' % uuid,
                 '/servers/%s/os-instance-actions/%s' % (
                     uuid, action['request_id'])]
        callers = [('demo', base.PROJECT_ID, None),
                   ('reader', base.PROJECT_ID, ['reader']),
                   ('other', base.OTHER_PROJECT_ID, None)]
        for version in VERSIONS:
            for path in paths:
                for user, project, roles in callers:
                    resp = self.api.get(path, version=version, user=user,
                                        project=project, roles=roles)
                    self.responses += 1
                    yield False, version, path, resp
                resp = self.api.get(path, version=version)
                self.responses += 1
                yield True, version, path, resp

    def _check_absent_keys(self, version, path, body):
        """What a policy denies is absent; counts what it looked at.

        The parents are looked up, never defaulted: a show of the action
        must have events, a detailed server in ERROR must have its fault
        (``_check`` asserts that each example saw some of both).
        """
        if '/os-instance-actions/' in path:
            if version == '2.1':
                # NOTE: as in Nova, non-admins see events from 2.51.
                self.assertNotIn('events', body['instanceAction'], path)
                return
            events = body['instanceAction']['events']
            self.assertNotEqual([], events, path)
            for event in events:
                self.assertEqual(set(), set(event) & {'traceback', 'host',
                                                      'details'}, path)
                self.seen['events'] += 1
            return
        if path.endswith('/os-instance-actions'):
            return
        servers = body['servers'] if 'servers' in body else [body['server']]
        for server in servers:
            self.assertNotIn('host_status', server)
            # NOTE: from 2.90 everyone sees the hostname, as in Nova.
            self.assertEqual([], [k for k in server
                                  if k.startswith('OS-EXT-SRV-ATTR') and
                                  k != 'OS-EXT-SRV-ATTR:hostname'])
            if path == '/servers':
                continue   # the index shows no fault
            # The server is in ERROR with a fault: the fault is shown,
            # without its details.
            self.assertEqual({'code', 'message', 'created'},
                             set(server['fault']), (version, path))
            self.seen['faults'] += 1

    def _check(self, secrets, library):
        server, action = self._record(secrets, library)
        self.seen = collections.Counter()
        for admin, version, path, resp in self._responses(server, action):
            text = resp.body.decode('utf-8')
            where = '%s at %s (admin=%s): %s' % (path, version, admin, text)
            self.assertLess(resp.status_int, 500, where)
            for value in secrets.credentials:
                self.assertNotIn(value, text, where)
            if admin:
                continue
            self.assertNotIn('Traceback', text, where)
            self.assertNotIn('File "', text, where)
            if not library:
                for value in secrets.everything:
                    self.assertNotIn(value, text, where)
            if resp.status_int == 200:
                self._check_absent_keys(version, path, json.loads(text))
        sent = self.notices.output
        self.assertIn('instance.action_event.error', sent)
        self.assertIn('instance.fault.create', sent)
        for value in (secrets.credentials if library
                      else secrets.everything):
            self.assertNotIn(value, sent)
        self.assertNotIn('File \\"', sent)
        # The absent-key checks looked at events and faults.
        self.assertGreater(self.seen['events'], 0)
        self.assertGreater(self.seen['faults'], 0)
        self.examples += 1

    def _run(self, library):
        @hypothesis_profiles.settings(max_examples=EXAMPLES,
                                      phases=[hypothesis.Phase.generate])
        @hypothesis.given(secrets=SECRETS)
        def run(secrets):
            self._check(secrets, library)
        hypothesis_profiles.explore(run, self.id())
        self.assertGreater(self.examples, 0)
        figures.record(self, 'figures', ('%d examples, %d responses' % (
            self.examples, self.responses)))

    def test_foreign_exceptions(self):
        self._run(library=False)

    def test_library_exceptions(self):
        self._run(library=True)

    def test_scrubbed_at_the_source(self):
        """What is stored never holds a credential: admins see none."""
        secrets = Secrets('abcdefgh12', 'zyxwvut987', 'abc',
                          ('klmn', 7, 42), ' | '.join(_TEMPLATES))
        server, action = self._record(secrets, library=True)
        resp = self.api.get('/servers/%s/os-instance-actions/%s' % (
            server['uuid'], action['request_id']), version='2.84')
        event = resp.json['instanceAction']['events'][0]
        self.assertIn('***', event['details'])
        for value in secrets.credentials:
            self.assertNotIn(value, resp.text)
