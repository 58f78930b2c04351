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

"""The Neutron client: Nova's bindings of servers to groups, over HTTP."""

import logging
import socket
import time
from unittest import mock
import uuid

import fixtures
from hypothesis import assume
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from keystoneauth1 import plugin as ks_plugin
from keystoneauth1 import session as ks_session
from oslo_config import cfg
import requests
from requests import sessions as requests_sessions
from requests import structures as requests_structures
import testtools

from nova_faults import conf as nf_conf
from nova_faults import context as nf_context
from nova_faults import neutron
from nova_faults.tests import fake_neutron
from nova_faults.tests import hypothesis_profiles
from nova_faults.tests import scripted_http
from nova_faults import transport


class EnvironmentSettingsTest(testtools.TestCase):
    """requests' environment settings, read once per endpoint."""

    URL = 'http://neutron.example.org:9696/v2.0/ports'

    def _merge(self, session, url=URL, verify=True):
        return session.merge_environment_settings(url, {}, None, verify,
                                                  None)

    def test_as_requests_merges_them(self):
        for name, value in (('HTTP_PROXY', 'http://proxy:3128'),
                            ('REQUESTS_CA_BUNDLE', '/etc/ca.pem'),
                            ('NO_PROXY', 'other.example.org')):
            self.useFixture(fixtures.EnvironmentVariable(name, value))
        for name in ('http_proxy', 'no_proxy', 'CURL_CA_BUNDLE'):
            self.useFixture(fixtures.EnvironmentVariable(name))
        session = neutron._HTTPSession()
        plain = requests.Session()
        for url in (self.URL, 'http://other.example.org/v2.0/ports',
                    'https://neutron.example.org/v2.0'):
            for verify in (True, False, '/etc/other.pem'):
                self.assertEqual(
                    plain.merge_environment_settings(url, {}, None, verify,
                                                     None),
                    self._merge(session, url, verify))
        settings = self._merge(session)
        self.assertEqual('http://proxy:3128', settings['proxies']['http'])
        self.assertEqual('/etc/ca.pem', settings['verify'])
        self.assertNotIn('http', self._merge(
            session, 'http://other.example.org/v2.0/ports')['proxies'])

    def test_read_once_per_endpoint_and_copied(self):
        self.useFixture(fixtures.EnvironmentVariable('HTTP_PROXY',
                                                     'http://proxy:3128'))
        session = neutron._HTTPSession()
        first = self._merge(session)
        first['proxies']['http'] = 'changed by a caller'
        self.useFixture(fixtures.EnvironmentVariable('HTTP_PROXY'))
        self.assertEqual({'http': 'http://proxy:3128'},
                         self._merge(session)['proxies'])
        # Proxies given with the request are merged as requests does.
        self.assertEqual({'http': 'http://given:1'},
                         session.merge_environment_settings(
                             self.URL, {'http': 'http://given:1'}, None,
                             True, None)['proxies'])

    def test_the_neutron_session_uses_it(self):
        conf = fake_neutron.client_conf('http://127.0.0.1:9')
        self.addCleanup(neutron.reset, conf)
        adapter = neutron.get_adapter(conf, None)
        session = adapter.session.session
        self.assertIsInstance(session, neutron._HTTPSession)
        # keystoneauth1's own transport (TCP keepalive) is kept, behind
        # the plain GETs over http.
        self.assertIsInstance(session.get_adapter('https://neutron/'),
                              ks_session.TCPKeepAliveAdapter)
        plain = session.get_adapter('http://neutron/')
        self.assertIsInstance(plain, transport.PlainHTTPAdapter)
        self.assertIsInstance(plain.fallback, ks_session.TCPKeepAliveAdapter)
        self.assertIn((socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1),
                      plain.socket_options)


_ANSWERS = [
    b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n'
    b'Content-Length: 13\r\n\r\n{"ports": []}',
    b'HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n'
    b'Set-Cookie: lb=backend-2; Path=/\r\n\r\n{}',
    b'HTTP/1.1 301 Moved\r\nLocation: /v2.0/elsewhere\r\n'
    b'Content-Length: 0\r\n\r\n',
    b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'
    b'3\r\nabc\r\n0\r\n\r\n',
]
_TEXT = st.text(st.characters(codec='utf-8', exclude_categories=('Cs',)),
                max_size=8)


class PlainRequestTest(testtools.TestCase):
    """keystoneauth1's requests, sent as requests' own session sends them.

    :meth:`neutron._HTTPSession.request` skips requests' merging for the
    calls keystoneauth1 makes; the oracle is a plain ``requests.Session``:
    the same bytes reach the server, the same response comes back, and a
    cookie the server sets is sent back on the next request.
    """

    def _exchange(self, session, server, calls):
        answers = []
        for call in calls:
            try:
                response = session.request(
                    call['method'],
                    'http://127.0.0.1:%d%s' % (server.port, call['path']),
                    params=call['params'], headers=call['headers'],
                    json=call['json'], allow_redirects=False, timeout=10,
                    stream=call['stream'])
            except requests.RequestException as exc:
                # A request requests refuses to send (a header value
                # with leading whitespace, say): refused alike.
                answers.append((type(exc).__name__, str(exc)))
                continue
            answers.append((response.status_code, dict(response.headers),
                            response.content, response.url,
                            response.history, response.encoding,
                            response.elapsed.total_seconds() >= 0))
        return answers

    @hypothesis_profiles.seeded
    @hypothesis_profiles.settings(max_examples=60)
    @given(st.lists(st.fixed_dictionaries({
        'method': st.sampled_from(['GET', 'get', 'POST', 'DELETE']),
        'path': st.sampled_from(['/', '/v2.0/ports', '/v2.0/a%20b?x=1']),
        'params': st.one_of(
            st.none(),
            st.dictionaries(_TEXT, st.one_of(_TEXT, st.lists(_TEXT,
                                                             max_size=3)),
                            max_size=3)),
        'headers': st.one_of(st.none(), st.dictionaries(
            st.sampled_from(['X-Auth-Token', 'Accept', 'User-Agent',
                             'X-OpenStack-Request-ID']),
            st.one_of(st.none(), st.text(
                st.characters(min_codepoint=32, max_codepoint=126),
                max_size=10)), max_size=3)),
        'json': st.one_of(st.none(), st.dictionaries(_TEXT, _TEXT,
                                                     max_size=2)),
        'stream': st.sampled_from([None, False, True]),
    }), min_size=1, max_size=3), st.sampled_from(_ANSWERS))
    def test_same_requests_and_responses_as_requests(self, calls, answer):
        server = scripted_http.ScriptedServer([(answer, False)])
        results = []
        try:
            for session in (neutron._HTTPSession(), requests.Session()):
                with session:
                    sent = len(server.received)
                    answers = self._exchange(session, server, calls)
                    results.append((server.received[sent:], answers,
                                    sorted(session.cookies.items())))
        finally:
            server.close()
        self.assertEqual(results[1], results[0])

    def test_netrc_and_proxy_of_the_environment(self):
        server = scripted_http.ScriptedServer([(_ANSWERS[0], False)])
        self.addCleanup(server.close)
        netrc = self.useFixture(fixtures.TempDir()).join('netrc')
        with open(netrc, 'w') as stream:
            stream.write('machine neutron.example.org login n password pw\n')
        self.useFixture(fixtures.EnvironmentVariable('NETRC', netrc))
        proxy = 'http://127.0.0.1:%d' % server.port
        self.useFixture(fixtures.EnvironmentVariable('HTTP_PROXY', proxy))
        for name in ('http_proxy', 'NO_PROXY', 'no_proxy'):
            self.useFixture(fixtures.EnvironmentVariable(name))
        for session in (neutron._HTTPSession(), requests.Session()):
            self.addCleanup(session.close)
            session.request('GET', 'http://neutron.example.org/v2.0/ports',
                            allow_redirects=False, timeout=10)
        ours, theirs = server.received
        self.assertEqual(theirs, ours)
        # Through the proxy (absolute form), with the .netrc credentials.
        self.assertTrue(ours.startswith(
            b'GET http://neutron.example.org/v2.0/ports HTTP/1.1'), ours)
        self.assertIn(b'Authorization: Basic ', ours)

    def test_plain_requests_skip_the_session_merging(self):
        server = scripted_http.ScriptedServer([(_ANSWERS[0], False)])
        self.addCleanup(server.close)
        session = neutron._HTTPSession()
        self.addCleanup(session.close)
        url = 'http://127.0.0.1:%d/' % server.port
        with mock.patch.object(requests.Session, 'prepare_request',
                               wraps=session.prepare_request) as merge:
            session.request('GET', url, allow_redirects=False)
            merge.assert_not_called()
            # What keystoneauth1 never sends takes requests' own path.
            session.request('GET', url, allow_redirects=True)
            session.request('GET', url, allow_redirects=False,
                            cookies={'a': 'b'})
            self.assertEqual(2, merge.call_count)


_URL_PART = st.text(st.sampled_from(list(
    "aZ09.-_*~!$&'()+,;=:@/%?# \u00e9[]")), max_size=10)
_PLAIN_PATH = st.text(st.sampled_from(list("aZ09._~!$&'()*+,;=:@-/")),
                      max_size=10).map(lambda path: '/' + path)
_HEADER_NAME = st.sampled_from(['X-Auth-Token', 'accept', 'ACCEPT',
                                'User-Agent', 'X-OpenStack-Request-ID'])
# (method, scheme, host, port, path, params, headers): what keystoneauth1
# sends, then anything.
_PLAIN_CALL = st.tuples(
    st.just('GET'), st.sampled_from(['http', 'https']),
    st.one_of(st.sampled_from(['127.0.0.1', 'neutron.example.org']),
              st.text(st.sampled_from(list('az09.-')), min_size=1,
                      max_size=8)),
    st.one_of(st.none(), st.integers(1, 65535).map(str)),
    st.one_of(st.just(''), _PLAIN_PATH),
    st.one_of(st.none(), st.dictionaries(
        _TEXT, st.one_of(_TEXT, st.lists(st.one_of(_TEXT, st.none()),
                                         max_size=3),
                         st.tuples(_TEXT, _TEXT)), max_size=3)),
    st.one_of(st.none(), st.dictionaries(_HEADER_NAME, st.one_of(
        st.none(), st.text(st.characters(min_codepoint=32,
                                         max_codepoint=126), max_size=6)),
        max_size=3)))
_ANY_CALL = st.tuples(
    st.sampled_from(['GET', 'get', 'HEAD', 'POST']),
    st.sampled_from(['http', 'https', 'HTTP', 'ftp', ' http']),
    st.one_of(st.sampled_from(['127.0.0.1', 'example.org.', 'a..b',
                               '[::1]', 'Neutron.Example.org', 'u@h', '']),
              _URL_PART),
    st.one_of(st.none(), st.integers(0, 70000).map(str),
              st.sampled_from(['080', '', 'x'])),
    st.one_of(st.sampled_from(['', '/', '/v2.0/ports', '/a/./b', '/a/../b',
                               '/a/..', '/.', '//x']),
              _PLAIN_PATH, _URL_PART),
    st.one_of(st.none(), st.dictionaries(
        _TEXT, st.one_of(st.none(), st.integers(), _TEXT), max_size=2),
        st.lists(st.tuples(_TEXT, _TEXT), max_size=2)),
    st.one_of(st.none(), st.dictionaries(_HEADER_NAME, st.one_of(
        st.integers(), st.binary(max_size=3), st.text(
            st.sampled_from(list('ab \t\r\n:\u00e9')), max_size=4)),
        max_size=2)))


class PreparePlainTest(testtools.TestCase):
    """A plain GET prepared by us: as ``PreparedRequest.prepare`` does.

    The oracle is requests itself: for any method, URL, parameters and
    headers, :meth:`neutron._HTTPSession._prepare_plain` either leaves
    the request to requests (None), or gives the same method, URL and
    headers in the same order, or refuses it with requests' own error.
    """

    def _theirs(self, session, method, url, params, headers):
        prepared = requests.PreparedRequest()
        prepared.prepare(
            method=method.upper(), url=url, data={}, json=None,
            params=params or {}, auth=None,
            headers=requests_sessions.merge_setting(
                headers, session.headers,
                dict_class=requests_structures.CaseInsensitiveDict))
        return prepared

    @staticmethod
    def _prepared_as(prepare):
        try:
            prepared = prepare()
        except Exception as exc:
            return (type(exc), str(exc))
        if prepared is None:
            return None
        return (prepared.method, prepared.url, list(prepared.headers.items()),
                prepared.body)

    @hypothesis_profiles.seeded
    @hypothesis_profiles.settings(max_examples=400)
    @given(st.one_of(_PLAIN_CALL, _ANY_CALL))
    def test_as_requests_prepares_it(self, call):
        method, scheme, host, port, path, params, headers = call
        url = '%s://%s%s%s' % (scheme, host,
                               '' if port is None else ':' + port, path)
        session = neutron._HTTPSession()
        self.addCleanup(session.close)
        ours = self._prepared_as(lambda: session._prepare_plain(
            method, url, params, headers))
        if ours is None:
            return      # prepared by requests
        theirs = self._prepared_as(lambda: self._theirs(
            session, method, url, params, headers))
        self.assertEqual(theirs, ours)

    def test_keystoneauth_calls_take_it(self):
        session = neutron._HTTPSession()
        self.addCleanup(session.close)
        for url in ('http://127.0.0.1:9696/v2.0/ports',
                    'https://neutron.example.org/networking/v2.0/ports',
                    'http://neutron:9696'):
            params = {'device_id': [str(uuid.uuid4())],
                      'fields': ('device_id', 'security_groups')}
            headers = {'X-Auth-Token': 'token', 'Accept': 'application/json',
                       'User-Agent': 'nova-faults keystoneauth1',
                       'X-OpenStack-Request-ID': 'req-%s' % uuid.uuid4()}
            ours = session._prepare_plain('GET', url, params, headers)
            self.assertIsNotNone(ours, url)
            self.assertEqual(
                self._prepared_as(lambda: self._theirs(
                    session, 'GET', url, params, headers)),
                self._prepared_as(lambda: ours))

    def test_cookies_are_still_kept(self):
        # The answer that sets a cookie is extracted into the session's
        # jar; one without Set-Cookie leaves the jar alone.
        server = scripted_http.ScriptedServer([(_ANSWERS[1], False)])
        self.addCleanup(server.close)
        session = neutron._HTTPSession()
        self.addCleanup(session.close)
        session.request('GET', 'http://127.0.0.1:%d/v2.0/ports' % server.port,
                        allow_redirects=False, timeout=10)
        self.assertEqual([('lb', 'backend-2')], session.cookies.items())


class SecurityGroupNamesTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.neutron = self.useFixture(fake_neutron.FakeNeutron())
        self.conf = fake_neutron.client_conf(self.neutron.endpoint)
        self.ctx = nf_context.RequestContext(user_id='u', project_id='p')

    def test_not_configured_by_default(self):
        conf = cfg.ConfigOpts()
        nf_conf.register_opts(conf)
        conf([], project='nova-faults', default_config_files=[])
        self.assertFalse(neutron.is_configured(conf))
        self.assertEqual(10, conf.neutron.timeout)
        self.assertEqual(['internal', 'public'],
                         conf.neutron.valid_interfaces)
        self.assertTrue(neutron.is_configured(self.conf))

    def test_more_than_150_servers_are_asked_in_chunks(self):
        group = self.neutron.add_security_group('web')
        uuids = [str(uuid.uuid4()) for _ in range(151)]
        for server in uuids:
            self.neutron.add_port(server, [group])
        result = neutron.security_group_names(self.conf, self.ctx, uuids)
        self.assertEqual({u: [{'name': 'web'}] for u in uuids}, result)
        self.assertEqual([150, 1], [
            len([v for k, v in r.query if k == 'device_id'])
            for r in self.neutron.requests_for('ports')])
        self.assertEqual(1, len(self.neutron.requests_for('security-groups')))

    def test_no_servers_no_call(self):
        self.assertEqual({}, neutron.security_group_names(
            self.conf, self.ctx, []))
        self.assertEqual([], self.neutron.requests)

    def test_user_token_is_forwarded(self):
        ctx = nf_context.RequestContext(user_id='u', project_id='p',
                                        auth_token='a-user-token')
        neutron.security_group_names(self.conf, ctx, ['x'])
        self.assertEqual(['a-user-token'],
                         [r.headers.get('x-auth-token')
                          for r in self.neutron.requests_for('ports')])

    def test_ports_not_shaped_as_neutrons_are_unavailable(self):
        for port in ({'device_id': ['x'], 'security_groups': []},
                     {'device_id': 'x', 'security_groups': 'abc'},
                     {'device_id': 'x', 'security_groups': [{'id': 'g'}]},
                     ['x']):
            self.assertRaises(neutron.NeutronUnavailable,
                              neutron._check_port, port)
        neutron._check_port({'device_id': 'x', 'security_groups': ['g']})
        neutron._check_port({'device_id': None, 'security_groups': None})

    def test_failures_raise_neutron_unavailable(self):
        for knob in (lambda: self.neutron.fail(500, times=1),
                     lambda: self.neutron.fail(404, times=1),
                     lambda: self.neutron.malformed(times=1)):
            knob()
            self.assertRaises(neutron.NeutronUnavailable,
                              neutron.security_group_names, self.conf,
                              self.ctx, ['x'])

    @hypothesis_profiles.seeded
    @hypothesis_profiles.settings(max_examples=30)
    @given(st.lists(st.tuples(st.integers(0, 4),
                              st.lists(st.integers(0, 3), max_size=3)),
                    max_size=8),
           st.lists(st.text(max_size=5), min_size=4, max_size=4))
    def test_bindings_match_novas_algorithm(self, ports, names):
        fake = fake_neutron.FakeNeutron()
        fake.setUp()
        try:
            conf = fake_neutron.client_conf(fake.endpoint)
            groups = [fake.add_security_group(name) for name in names]
            servers = [str(uuid.uuid4()) for _ in range(5)]
            expected = {}
            for server_index, group_indexes in ports:
                fake.add_port(servers[server_index],
                              [groups[i] for i in group_indexes])
                for i in group_indexes:
                    expected.setdefault(servers[server_index], []).append(
                        {'name': names[i] or groups[i]['id']})
            self.assertEqual(expected, neutron.security_group_names(
                conf, self.ctx, servers))
        finally:
            fake.cleanUp()


_ROUNDS = st.lists(st.lists(st.lists(st.integers(0, 3), max_size=3),
                            min_size=2, max_size=2),
                   min_size=2, max_size=4)


def _assert_answers_follow_the_ports(test, names, rounds):
    """Every answer of ``names`` is Nova's algorithm on the current ports.

    Each of ``rounds`` gives two servers' ports new groups (of four),
    then asks for each server and for both, whatever was remembered
    before.
    """
    neutron.reset()
    fake = fake_neutron.FakeNeutron()
    fake.setUp()
    try:
        conf = fake_neutron.client_conf(fake.endpoint)
        groups = [fake.add_security_group('g%d' % i) for i in range(4)]
        servers = [str(uuid.uuid4()) for _ in range(2)]
        ports = {}
        for assignment in rounds:
            expected = {}
            for server, indexes in zip(servers, assignment):
                if server in ports:
                    fake.remove('ports', ports[server]['id'])
                ports[server] = fake.add_port(
                    server, [groups[i] for i in indexes])
                if indexes:
                    expected[server] = [{'name': 'g%d' % i}
                                        for i in indexes]
            for wanted in ([servers[0]], [servers[1]], servers):
                test.assertEqual(
                    {k: v for k, v in expected.items() if k in wanted},
                    names(conf, test.ctx, wanted))
    finally:
        fake.cleanUp()


class OverlappedCallsTest(testtools.TestCase):
    """The groups asked for while the ports are, from remembered ids.

    Neutron is taken as slow whatever its pace (the choice itself is
    :class:`PaceTest`'s), so the calls overlap whenever they can.
    """

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.MockPatchObject(neutron, 'OVERLAP_ABOVE',
                                                 -1))
        self.neutron = self.useFixture(fake_neutron.FakeNeutron())
        self.conf = fake_neutron.client_conf(self.neutron.endpoint)
        neutron.reset()
        self.addCleanup(neutron.reset)
        self.ctx = nf_context.RequestContext(user_id='u', project_id='p')
        self.web = self.neutron.add_security_group('web')
        self.db = self.neutron.add_security_group('db')
        self.server = str(uuid.uuid4())
        self.port = self.neutron.add_port(self.server, [self.web])

    def names(self):
        return neutron.security_group_names(self.conf, self.ctx,
                                            [self.server])

    def group_calls(self, expected=None):
        """The ids of each groups call (``expected``: wait for that many).

        A guess that was not needed may still be on its way to Neutron
        when the answer is given: wait for it (at most 10 s).
        """
        for _ in range(1000):
            calls = [sorted(v for k, v in r.query if k == 'id')
                     for r in self.neutron.requests_for('security-groups')]
            if expected is None or len(calls) >= expected:
                break
            time.sleep(0.01)
        return calls

    def test_second_call_overlaps_with_the_same_answer(self):
        self.assertEqual({self.server: [{'name': 'web'}]}, self.names())
        self.assertEqual({self.server: [{'name': 'web'}]}, self.names())
        # Two calls each time; the second time the groups of the first.
        self.assertEqual(2, len(self.neutron.requests_for('ports')))
        self.assertEqual([[self.web['id']]] * 2, self.group_calls())

    def test_changed_groups_are_asked_again(self):
        self.names()
        self.neutron.remove('ports', self.port['id'])
        self.neutron.add_port(self.server, [self.db, self.web])
        self.assertEqual({self.server: [{'name': 'db'}, {'name': 'web'}]},
                         self.names())
        # The guess (web) did not cover db: asked after the ports (the
        # guess may reach Neutron before or after that).
        self.assertEqual(sorted([[self.web['id']], [self.web['id']],
                                 sorted([self.db['id'], self.web['id']])]),
                         sorted(self.group_calls(expected=3)))

    def test_renamed_group_is_never_served_stale(self):
        self.names()
        self.neutron.remove('security-groups', self.web['id'])
        self.neutron.add('security-groups', dict(self.web, name='www'))
        self.assertEqual({self.server: [{'name': 'www'}]}, self.names())

    def test_failed_guess_that_was_needed_is_a_failure(self):
        self.names()
        self.neutron.fail(503, collection='security-groups', times=1)
        self.assertRaises(neutron.NeutronUnavailable, self.names)
        self.assertEqual({self.server: [{'name': 'web'}]}, self.names())

    def test_failed_guess_that_was_not_needed_is_ignored(self):
        self.names()
        self.neutron.remove('ports', self.port['id'])
        self.neutron.add_port(self.server, [self.db])
        # The guess (web) fails; the ports answer late, so the guess is
        # the groups call that meets the failure.
        self.neutron.fail(503, collection='security-groups', times=1)
        self.neutron.set_delay(0.3, collection='ports', times=1)
        self.assertEqual({self.server: [{'name': 'db'}]}, self.names())
        self.assertEqual([[self.web['id']], [self.web['id']],
                          [self.db['id']]], self.group_calls(expected=3))

    def test_server_without_groups_ignores_a_failed_guess(self):
        self.names()
        self.neutron.remove('ports', self.port['id'])
        self.neutron.fail(503, collection='security-groups')
        # No group left to name: no groups call is needed, so the guess's
        # failure is not Neutron failing (it was not, for this answer).
        self.assertEqual({}, self.names())

    def test_hints_are_bounded(self):
        hints = neutron._Hints(2)
        for name in ('a', 'b', 'c'):
            hints.remember([name], [{'device_id': name,
                                     'security_groups': [name + '-g']}])
        self.assertEqual([], hints.get(['a']))
        self.assertEqual(['b-g', 'c-g'], hints.get(['a', 'b', 'c']))

    @settings(max_examples=40, deadline=None, derandomize=True)
    @given(_ROUNDS)
    def test_every_answer_is_novas_algorithm_on_the_current_ports(
            self, rounds):
        # Each round gives both servers' ports new groups, then asks for
        # each server and for both: every answer is Nova's algorithm on
        # the ports as they are, whatever was remembered before.
        _assert_answers_follow_the_ports(self, neutron.security_group_names,
                                         rounds)


_FAILURES = st.sampled_from(
    [('fail', 400), ('fail', 401), ('fail', 403), ('fail', 404),
     ('fail', 409), ('fail', 500), ('fail', 503), ('malformed', None)])


class SentNowTest(testtools.TestCase):
    """Neutron's calls sent now and read later: keystoneauth1's answers.

    :func:`neutron.start_security_group_names` against
    :func:`neutron.security_group_names` (Neutron answering at once, so
    that the latter makes its calls one after the other).
    """

    def setUp(self):
        super().setUp()
        neutron.reset()
        self.addCleanup(neutron.reset)
        self.ctx = nf_context.RequestContext(user_id='u', project_id='p')

    def _fake(self):
        fake = fake_neutron.FakeNeutron()
        fake.setUp()
        self.addCleanup(fake.cleanUp)
        return fake, fake_neutron.client_conf(fake.endpoint)

    def _answer_or_reason(self, names, conf, uuids):
        """``names``' answer, or the reason Neutron is unavailable."""
        try:
            return names(conf, self.ctx, uuids)
        except neutron.NeutronUnavailable as exc:
            return exc.kwargs['reason']

    def _learn(self, names, conf, uuids):
        """Sent now: the first call, whose request is the next ones'.

        The groups remembered are forgotten, so that the next call makes
        the calls :func:`neutron.security_group_names` makes.
        """
        if names == self._later:
            self._later(conf, self.ctx, uuids)
            neutron._hints.clear()

    def _later(self, conf, ctx, uuids):
        read = neutron.start_security_group_names(conf, ctx, uuids)
        self.assertIsNotNone(read)
        return read()

    @settings(max_examples=40, deadline=None, derandomize=True)
    @given(_ROUNDS)
    def test_every_answer_is_novas_algorithm_on_the_current_ports(
            self, rounds):
        # As OverlappedCallsTest's test of that name: the groups the
        # ports had when last asked are asked for with the ports.
        _assert_answers_follow_the_ports(self, self._later, rounds)

    @hypothesis_profiles.seeded
    @hypothesis_profiles.settings(max_examples=40)
    @given(_FAILURES, st.sampled_from([None, 'ports', 'security-groups']),
           st.sampled_from([None, 1]), st.booleans())
    def test_failures_are_keystoneauths(self, failure, collection, times,
                                        user_token):
        # The same answer or the same reason, after the same requests.
        fake, conf = self._fake()
        server = str(uuid.uuid4())
        fake.add_port(server, [fake.add_security_group('web')])
        if user_token:
            self.ctx = nf_context.RequestContext(
                user_id='u', project_id='p', auth_token='a-token')
        outcomes = []
        for names in (self._later, neutron.security_group_names):
            neutron.reset()
            fake.reset()
            self._learn(names, conf, [server])
            del fake.requests[:]
            kind, status = failure
            if kind == 'fail':
                fake.fail(status, collection=collection, times=times)
            else:
                fake.malformed(collection=collection, times=times)
            outcomes.append((self._answer_or_reason(names, conf, [server]),
                             [(r.collection, r.headers.get('x-auth-token'))
                              for r in fake.requests]))
        self.assertEqual(outcomes[1], outcomes[0])

    def test_refused_and_too_slow_are_keystoneauths(self):
        fake, conf = self._fake()
        conf.set_override('timeout', 0.2, group='neutron')
        server = str(uuid.uuid4())
        for names in (self._later, neutron.security_group_names):
            self._learn(names, conf, [server])
            fake.set_delay(1, collection='ports', times=1)
            self.assertEqual('ConnectTimeout',
                             self._answer_or_reason(names, conf, [server]))
        fake.refuse()
        for names in (self._later, neutron.security_group_names):
            self.assertEqual('ConnectFailure',
                             self._answer_or_reason(names, conf, [server]))

    def test_rejected_token_asked_again_when_the_plugin_drops_it(self):
        # keystoneauth1 asks once more, with a new token, when its auth
        # plugin could drop the rejected one (a service's password).
        fake, conf = self._fake()
        server = str(uuid.uuid4())
        fake.add_port(server, [fake.add_security_group('web')])
        for names in (self._later, neutron.security_group_names):
            del fake.requests[:]
            fake.fail(401, collection='ports', times=1)
            with mock.patch.object(ks_plugin.BaseAuthPlugin, 'invalidate',
                                   return_value=True):
                self.assertEqual({server: [{'name': 'web'}]},
                                 names(conf, self.ctx, [server]))
            self.assertEqual(['ports', 'ports', 'security-groups'],
                             [r.collection for r in fake.requests])

    def test_redirect_is_followed_by_keystoneauth(self):
        server = scripted_http.ScriptedServer([])
        self.addCleanup(server.close)
        moved = (b'HTTP/1.1 302 Found\r\nLocation: %s\r\n'
                 b'Content-Length: 0\r\n\r\n' % server.url(
                     '/moved').encode(), False)
        ports = b'{"ports": [{"device_id": "s", "security_groups": []}]}'
        server.answers = [moved, moved, (
            b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s' % (
                len(ports), ports), False)]
        conf = fake_neutron.client_conf(server.url(''))
        # The redirect read later: asked again through keystoneauth1,
        # which follows it.
        self.assertEqual({}, self._later(conf, self.ctx, ['s']))
        self.assertEqual(
            ['/v2.0/ports', '/v2.0/ports', '/moved'],
            [request.split(b' ')[1].split(b'?')[0].decode()
             for request in server.received])

    def test_cookies_are_kept_as_keystoneauth_keeps_them(self):
        empty = b'{"ports": []}'
        server = scripted_http.ScriptedServer([
            (b'HTTP/1.1 200 OK\r\nSet-Cookie: lb=a; Path=/\r\n'
             b'Content-Length: %d\r\n\r\n%s' % (len(empty), empty),
             False),
            (b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s' % (
                len(empty), empty), False)])
        self.addCleanup(server.close)
        conf = fake_neutron.client_conf(server.url(''))
        for _ in range(2):
            self.assertEqual({}, self._later(conf, self.ctx, ['s']))
        self.assertNotIn(b'Cookie:', server.received[0])
        self.assertIn(b'\r\nCookie: lb=a\r\n', server.received[1])

    @hypothesis_profiles.seeded
    @hypothesis_profiles.settings(max_examples=40)
    @given(st.sampled_from(['', '/', '/networking', '/networking/']),
           st.lists(st.tuples(
               st.one_of(st.none(), st.text(st.characters(
                   min_codepoint=32, max_codepoint=126), max_size=12),
                   st.just(' lead'), st.just('a\tb')),
               st.one_of(st.none(), st.builds(
                   lambda u: 'req-%s' % u, st.uuids())),
               st.lists(st.uuids().map(str), min_size=1, max_size=3)),
               min_size=1, max_size=4))
    def test_rebuilt_requests_are_keystoneauths(self, prefix, calls):
        # The requests sent after the first of their kind, built from
        # it, are what keystoneauth1 sends, byte for byte (or fail as
        # it fails).
        neutron.reset()
        empty = b'{"ports": []}'
        server = scripted_http.ScriptedServer([(
            b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s' % (
                len(empty), empty), False)])
        self.addCleanup(server.close)
        conf = fake_neutron.client_conf(server.url(prefix))
        built = mock.patch.object(ks_session.Session, 'request',
                                  autospec=True,
                                  side_effect=ks_session.Session.request)
        # The first request of its kind is keystoneauth1's.
        with built as request:
            self._later(conf, self.ctx, ['s'])
        self.assertEqual(1, request.call_count)
        for token, request_id, uuids in calls:
            ctx = nf_context.RequestContext(
                user_id='u', project_id='p', auth_token=token,
                global_request_id=request_id)
            outcomes = []
            for names in (self._later, neutron.security_group_names):
                server.received = []
                with built as request:
                    try:
                        answer = names(conf, ctx, uuids)
                    except neutron.NeutronUnavailable as exc:
                        answer = exc.kwargs['reason']
                    server.wait_answered()
                    outcomes.append((answer, server.received,
                                     request.call_count))
            # Rebuilt, then built by keystoneauth1.
            self.assertEqual([0, 1], [calls for _a, _r, calls in outcomes])
            self.assertEqual(outcomes[1][:2], outcomes[0][:2])

    def test_requests_made_on_the_way_are_answered_at_once(self):
        # An auth plugin that asks something of its own on the way (a
        # discovery, a new token) while keystoneauth1 builds a call gets
        # its answer at once; only the call itself is read later.
        fake, conf = self._fake()
        server = str(uuid.uuid4())
        fake.add_port(server, [fake.add_security_group('web')])
        real = ks_session.Session.get_auth_headers

        def get_auth_headers(session, auth=None, **kwargs):
            response = session.get(fake.endpoint + '/', authenticated=False,
                                   raise_exc=False)
            self.assertEqual(200, response.status_code)
            self.assertIn(b'versions', response.content)
            return real(session, auth, **kwargs)
        self.useFixture(fixtures.MockPatchObject(
            ks_session.Session, 'get_auth_headers', get_auth_headers))
        for _ in range(2):
            self.assertEqual({server: [{'name': 'web'}]},
                             self._later(conf, self.ctx, [server]))

    def test_not_sent_now_where_keystoneauth_does_more(self):
        fake, _conf = self._fake()
        for group_option, value in (('collect_timing', True),
                                    ('connect_retries', 1),
                                    ('status_code_retries', 1),
                                    ('endpoint_override',
                                     'https://127.0.0.1:%d' % fake.port)):
            conf = fake_neutron.client_conf(fake.endpoint)
            conf.set_override(group_option, value, group='neutron')
            self.assertIsNone(neutron.start_security_group_names(
                conf, self.ctx, ['s']), group_option)
        conf = fake_neutron.client_conf(fake.endpoint)
        # keystoneauth1 logs each request and its answer at DEBUG.
        with fixtures.FakeLogger(name='keystoneauth.session.response',
                                 level=logging.DEBUG):
            self.assertIsNone(neutron.start_security_group_names(
                conf, self.ctx, ['s']))
        self.assertEqual([], fake.requests)
        self.assertEqual({}, neutron.start_security_group_names(
            conf, self.ctx, ['s'])())


class PaceTest(testtools.TestCase):
    """Overlap only while Neutron is slow to answer."""

    def setUp(self):
        super().setUp()
        self.neutron = self.useFixture(fake_neutron.FakeNeutron())
        self.conf = fake_neutron.client_conf(self.neutron.endpoint)
        neutron.reset()
        self.addCleanup(neutron.reset)
        self.ctx = nf_context.RequestContext(user_id='u', project_id='p')
        web = self.neutron.add_security_group('web')
        self.server = str(uuid.uuid4())
        self.neutron.add_port(self.server, [web])
        self.submit = self.useFixture(fixtures.MockPatchObject(
            neutron._GUESSES, 'submit',
            wraps=neutron._GUESSES.submit)).mock

    def names(self):
        return neutron.security_group_names(self.conf, self.ctx,
                                            [self.server])

    def test_fast_neutron_is_asked_one_call_after_the_other(self):
        for _ in range(3):
            self.assertEqual({self.server: [{'name': 'web'}]}, self.names())
            # As fast as a call can be: no round trip to save.
            neutron._pace.clear()
        self.submit.assert_not_called()
        self.assertEqual(3, len(self.neutron.requests_for('security-groups')))

    def test_slow_neutron_gets_both_calls_at_once(self):
        # A ports call of 25 ms: the next known server's groups are
        # asked for beside its ports (the first, unknown, after).
        self.neutron.set_delay(0.025, collection='ports')
        self.assertEqual({self.server: [{'name': 'web'}]}, self.names())
        self.submit.assert_not_called()
        self.assertTrue(neutron._pace.slow())
        self.assertEqual({self.server: [{'name': 'web'}]}, self.names())
        self.assertEqual(1, self.submit.call_count)

    @hypothesis_profiles.seeded
    @hypothesis_profiles.settings()
    @given(st.lists(st.floats(0, 0.1), max_size=40), st.floats(0, 0.1))
    def test_follows_the_last_calls(self, history, latest):
        pace = neutron._Pace()
        for seconds in history:
            pace.observe(seconds)
        # Whatever came before, a run of calls of one speed decides.
        for _ in range(60):
            pace.observe(latest)
        self.assertAlmostEqual(latest, pace.seconds, delta=1e-7)
        assume(abs(latest - neutron.OVERLAP_ABOVE) > 1e-6)
        self.assertEqual(latest > neutron.OVERLAP_ABOVE, pace.slow())
