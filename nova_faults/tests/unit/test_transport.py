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

"""Plain GETs over http.client: as requests' own adapter sends them.

The oracle is a ``requests.Session`` with its own ``HTTPAdapter`` (and
urllib3): for generated requests and generated answers (statuses,
repeated headers in any case, bodies framed by length, by chunks or by
closing the connection, compressed or not), a session with
:class:`transport.PlainHTTPAdapter` sends the same bytes and returns the
same response, or fails with the same exception.
"""

import gc
import gzip
import socket
import threading
import zlib

from hypothesis import given
from hypothesis import strategies as st
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session as ks_session
import requests
from requests import adapters
from requests import cookies as requests_cookies
import testtools
import urllib3

from nova_faults.tests import hypothesis_profiles
from nova_faults.tests import scripted_http
from nova_faults import transport


def _session(plain):
    session = requests.Session()
    if plain:
        session.mount('http://', transport.PlainHTTPAdapter(
            adapters.HTTPAdapter()))
    return session


def _compressed(body, encoding):
    if encoding == 'gzip':
        return gzip.compress(body)
    if encoding == 'deflate':
        return zlib.compress(body)
    return body


@st.composite
def _answers(draw):
    """An HTTP/1.1 answer (bytes) and whether the server then closes."""
    status = draw(st.sampled_from([200, 201, 204, 301, 404, 409, 500, 503]))
    reason = draw(st.text(st.sampled_from('ab OK'), max_size=6))
    headers = draw(st.lists(st.tuples(
        st.sampled_from(['X-A', 'x-a', 'X-OpenStack-Request-ID',
                         'Content-Type', 'Set-Cookie', 'Location']),
        st.sampled_from(['1', 'b=2; Path=/', 'application/json',
                         'text/plain; charset=latin-1', '/v2.0/x'])),
        max_size=4))
    body = draw(st.binary(max_size=40))
    encoding = draw(st.sampled_from([None, 'gzip', 'deflate', 'identity',
                                     'gzip-but-not']))
    framing = draw(st.sampled_from(['length', 'chunked', 'close']))
    if status == 204:
        body, encoding, framing = b'', None, 'length'
    if encoding:
        headers.append(('Content-Encoding', encoding.replace('-but-not',
                                                             '')))
    wire = _compressed(body, encoding)
    if framing == 'length':
        headers.append(('Content-Length', str(len(wire))))
    elif framing == 'chunked':
        headers.append(('Transfer-Encoding', 'chunked'))
        wire = (b'%x\r\n%s\r\n' % (len(wire), wire) if wire else b'') + \
            b'0\r\n\r\n'
    else:
        headers.append(('Connection', 'close'))
    head = 'HTTP/1.1 %d %s\r\n' % (status, reason) + ''.join(
        '%s: %s\r\n' % header for header in headers) + '\r\n'
    close = framing == 'close' or draw(st.booleans())
    return head.encode('latin-1') + wire, close


_TEXT = st.text(st.characters(codec='utf-8', exclude_categories=('Cs',)),
                max_size=6)
_CALLS = st.lists(st.fixed_dictionaries({
    'method': st.sampled_from(['GET', 'GET', 'GET', 'POST', 'HEAD']),
    'path': st.sampled_from(['/', '/v2.0/ports', '/v2.0/a%20b?x=1',
                             '/a%2fb', '/x?y=%e9', '/%7Euser', '/a[b]']),
    'params': st.one_of(st.none(), st.dictionaries(
        _TEXT, st.one_of(_TEXT, st.lists(_TEXT, max_size=2)), max_size=2)),
    'headers': st.one_of(st.none(), st.dictionaries(
        st.sampled_from(['X-Auth-Token', 'Accept', 'User-Agent', 'Host',
                         'Accept-Encoding']),
        st.one_of(st.none(), st.text(st.characters(
            min_codepoint=32, max_codepoint=126), max_size=8)),
        max_size=3)),
    'stream': st.sampled_from([False, True]),
    'timeout': st.sampled_from([None, 10, (5, 10)]),
}), min_size=1, max_size=3)


class SameAsRequestsTest(testtools.TestCase):

    def _exchange(self, session, server, calls):
        answers = []
        for call in calls:
            try:
                response = session.request(
                    call['method'], server.url(call['path']),
                    params=call['params'], headers=call['headers'],
                    allow_redirects=False, timeout=call['timeout'],
                    stream=call['stream'])
                content = response.content
            except requests.RequestException as exc:
                answers.append(type(exc).__name__)
                continue
            finally:
                # NOTE: a connection the server closes after answering is
                # closed before the next request, for both clients: a
                # request sent as it closes is a race (requests fails it,
                # we send it again: KeptConnectionsTest).
                server.wait_answered()
            answers.append((response.status_code, dict(response.headers),
                            content, response.reason, response.url,
                            response.encoding, response.history,
                            sorted(response.cookies.items())))
        return answers

    @hypothesis_profiles.seeded
    @hypothesis_profiles.settings(max_examples=150)
    @given(_CALLS, st.lists(_answers(), min_size=1, max_size=3))
    def test_same_bytes_and_responses(self, calls, answers):
        results = []
        server = scripted_http.ScriptedServer(answers)
        try:
            for plain in (True, False):
                with _session(plain) as session:
                    got = self._exchange(session, server, calls)
                    results.append((server.received, got,
                                    sorted(session.cookies.items())))
                server.received = []
                server.answered = 0
        finally:
            server.close()
        self.assertEqual(results[1], results[0])


_OK = (b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}', False)


def _silent_server(test):
    """The URL of a server that takes a connection and never answers."""
    hold = threading.Event()
    test.addCleanup(hold.set)
    listener = socket.create_server(('127.0.0.1', 0))
    test.addCleanup(listener.close)

    def accept_and_wait():
        conn, _ = listener.accept()
        hold.wait(30)
        conn.close()
    threading.Thread(target=accept_and_wait, daemon=True).start()
    return 'http://127.0.0.1:%d/' % listener.getsockname()[1]


class KeptConnectionsTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.adapter = transport.PlainHTTPAdapter(adapters.HTTPAdapter())
        self.session = requests.Session()
        self.session.mount('http://', self.adapter)
        self.addCleanup(self.session.close)

    def _server(self, answers):
        server = scripted_http.ScriptedServer(answers)
        self.addCleanup(server.close)
        return server

    def _get(self, server, timeout=10):
        return self.session.get(server.url('/v2.0/ports'),
                                allow_redirects=False, timeout=timeout)

    def test_one_connection_for_requests_in_turn(self):
        server = self._server([_OK])
        for _ in range(5):
            self.assertEqual(200, self._get(server).status_code)
        self.assertEqual(1, server.connections)

    def test_closed_by_the_answer_is_not_kept(self):
        server = self._server([(_OK[0].replace(
            b'\r\n\r\n', b'\r\nConnection: close\r\n\r\n'), True)])
        for _ in range(3):
            self.assertEqual(b'{}', self._get(server).content)
        self.assertEqual(3, server.connections)
        self.assertEqual({}, {key: idle for key, idle in
                              self.adapter._idle.items() if idle})

    def test_closed_while_kept_is_not_used(self):
        # The server closes the connection after answering, without
        # saying so: the next request finds it closed and opens another.
        server = self._server([(_OK[0].replace(
            b'\r\n\r\n', b'\r\nX-Kept: 1\r\n\r\n'), True)])
        for _ in range(3):
            self.assertEqual('1', self._get(server).headers['X-Kept'])
        self.assertEqual(3, server.connections)

    def test_closed_as_it_is_taken_is_sent_once_more(self):
        # The server reads the request and closes without answering,
        # once: the request was never answered and goes again.
        server = self._server([_OK, (None, True), _OK])
        self.assertEqual(200, self._get(server).status_code)
        self.assertEqual(200, self._get(server).status_code)
        self.assertEqual(3, len(server.received))
        self.assertEqual(2, server.connections)

    def test_a_new_connection_closed_unanswered_fails(self):
        server = self._server([(None, True)])
        self.assertRaises(requests.ConnectionError, self._get, server)
        self.assertEqual(1, len(server.received))

    def test_refused_is_a_connection_error(self):
        listener = socket.create_server(('127.0.0.1', 0))
        url = 'http://127.0.0.1:%d/' % listener.getsockname()[1]
        listener.close()
        self.assertRaises(requests.ConnectionError, self.session.get, url,
                          allow_redirects=False)

    def test_no_answer_in_time_is_a_read_timeout(self):
        url = _silent_server(self)
        self.assertRaises(requests.exceptions.ReadTimeout, self.session.get,
                          url, allow_redirects=False, timeout=(5, 0.2))

    def test_pool_is_bounded(self):
        server = self._server([_OK])
        conns = [self.adapter._get(('127.0.0.1', server.port))[0]
                 for _ in range(transport.POOL_SIZE + 3)]
        for conn in conns:
            conn.connect()
            self.adapter._put(('127.0.0.1', server.port), conn)
        self.assertEqual(transport.POOL_SIZE, len(
            self.adapter._idle[('127.0.0.1', server.port)]))
        self.assertEqual(3, sum(conn.sock is None for conn in conns))

    def test_what_it_does_not_send_goes_to_the_fallback(self):
        sent = []

        class Fallback(adapters.HTTPAdapter):
            def send(self, request, **kwargs):
                sent.append((request.method, request.url))
                return super().send(request, **kwargs)

        adapter = transport.PlainHTTPAdapter(Fallback())
        session = requests.Session()
        self.addCleanup(session.close)
        session.mount('http://', adapter)
        server = self._server([_OK])
        url = server.url('/v2.0/ports')
        session.get(url, allow_redirects=False)
        self.assertEqual([], sent)
        session.post(url, allow_redirects=False)
        session.get(url, stream=True, allow_redirects=False).close()
        session.get(url, headers={'User-Agent': None},
                    allow_redirects=False)
        session.get(url, proxies={'http': url}, allow_redirects=False)
        session.get(url, timeout=urllib3.Timeout(connect=5, read=5),
                    allow_redirects=False)
        self.assertEqual(['POST', 'GET', 'GET', 'GET', 'GET'],
                         [method for method, _url in sent])

    def test_urls_urllib3_would_rewrite_go_to_the_fallback(self):
        # requests prepares none of these; a request prepared otherwise
        # is sent by urllib3, which would rewrite them.
        for url in ('http://neutron.example.org./', 'http://[::1]:9696/',
                    'http://u:p@neutron/', 'http://neutron/a%2fb',
                    'http://neutron/a b', 'http://neutron:0x1/',
                    'https://neutron/'):
            request = requests.PreparedRequest()
            request.method, request.url, request.body = 'GET', url, None
            request.headers = {'User-Agent': 'x'}
            self.assertIsNone(self.adapter._target(request, False, {}), url)
        request.url = 'http://neutron:9696/v2.0/ports?id=a%2Fb'
        self.assertEqual(
            (('neutron', 9696), '/v2.0/ports?id=a%2Fb'),
            self.adapter._target(request, False, {}))


_PATHS = st.lists(st.sampled_from(['/', '/v2.0/ports', '/v2.0/ports?id=a',
                                   '/x?y=%E9']), min_size=1, max_size=3)


class AnswerLaterTest(testtools.TestCase):
    """A plain GET sent at once and answered later: the same exchange."""

    def _server(self, answers):
        server = scripted_http.ScriptedServer(answers)
        self.addCleanup(server.close)
        return server

    def _later(self, session, url, **kwargs):
        """(placeholder, exchange) of ``GET url`` answered later."""
        with transport.answer_later(url) as later:
            placeholder = session.get(url, allow_redirects=False, **kwargs)
        return placeholder, later.exchange

    @hypothesis_profiles.seeded
    @hypothesis_profiles.settings(max_examples=100)
    @given(_PATHS, st.lists(_answers(), min_size=1, max_size=3))
    def test_same_bytes_and_responses_as_at_once(self, paths, answers):
        results = []
        server = scripted_http.ScriptedServer(answers)
        try:
            for later in (True, False):
                with _session(True) as session:
                    got = []
                    for path in paths:
                        try:
                            if later:
                                placeholder, exchange = self._later(
                                    session, server.url(path), timeout=10)
                                self.assertEqual(
                                    (200, b''), (placeholder.status_code,
                                                 placeholder.content))
                                response = exchange.finish()
                                # What requests' session does with an
                                # answer it gets (it got the placeholder).
                                requests_cookies.extract_cookies_to_jar(
                                    session.cookies, response.request,
                                    response.raw)
                            else:
                                response = session.get(
                                    server.url(path), allow_redirects=False,
                                    timeout=10)
                            content = response.content
                        except requests.RequestException as exc:
                            got.append(type(exc).__name__)
                            continue
                        finally:
                            server.wait_answered()
                        got.append((response.status_code,
                                    dict(response.headers), content,
                                    response.reason, response.url,
                                    response.encoding,
                                    sorted(response.cookies.items())))
                    results.append((server.received, got))
                server.received = []
                server.answered = 0
        finally:
            server.close()
        self.assertEqual(results[1], results[0])

    def test_only_the_first_plain_get_is_answered_later(self):
        server = self._server([_OK])
        with _session(True) as session, \
                transport.answer_later(server.url('/v2.0/')) as later:
            self.assertEqual(b'{}', session.post(
                server.url('/v2.0/'), allow_redirects=False).content)
            # Another URL (an authentication on the way): at once.
            self.assertEqual(b'{}', session.get(
                server.url('/v3'), allow_redirects=False).content)
            self.assertIsNone(later.exchange)
            self.assertEqual(b'', session.get(
                server.url('/v2.0/ports'), allow_redirects=False).content)
            taken = later.exchange
            self.assertEqual(b'{}', session.get(
                server.url('/v2.0/ports'), allow_redirects=False).content)
            self.assertIs(taken, later.exchange)
            self.assertEqual(b'{}', taken.finish().content)
        # Outside the block, answered at once.
        with _session(True) as session:
            self.assertEqual(b'{}', session.get(
                server.url(), allow_redirects=False).content)

    def test_a_connection_is_kept_once_its_answer_is_read(self):
        server = self._server([_OK])
        with _session(True) as session:
            for _ in range(3):
                _placeholder, exchange = self._later(session, server.url())
                self.assertEqual(200, exchange.finish().status_code)
        self.assertEqual(1, server.connections)

    def test_an_exchange_dropped_unread_closes_its_connection(self):
        server = self._server([_OK])
        adapter = transport.PlainHTTPAdapter(adapters.HTTPAdapter())
        with requests.Session() as session:
            session.mount('http://', adapter)
            _placeholder, exchange = self._later(session, server.url())
            conn = exchange.conn
            del exchange, _placeholder
            gc.collect()
            self.assertIsNone(conn.sock)
            self.assertEqual({}, {key: idle for key, idle in
                                  adapter._idle.items() if idle})
            self.assertEqual(200, session.get(
                server.url(), allow_redirects=False).status_code)
        self.assertEqual(2, server.connections)

    def test_kept_connection_closed_unanswered_is_sent_once_more(self):
        # The server reads the request sent on the kept connection and
        # closes it without answering: sent again, on a new connection.
        server = self._server([_OK, (None, True), _OK])
        with _session(True) as session:
            self.assertEqual(200, session.get(
                server.url(), allow_redirects=False).status_code)
            _placeholder, exchange = self._later(session, server.url())
            self.assertEqual(b'{}', exchange.finish().content)
        self.assertEqual(3, len(server.received))
        self.assertEqual(2, server.connections)

    def test_no_answer_in_time_is_a_read_timeout(self):
        with _session(True) as session:
            _placeholder, exchange = self._later(
                session, _silent_server(self), timeout=(5, 0.2))
            self.assertRaises(requests.exceptions.ReadTimeout,
                              exchange.finish)
            self.assertIsNone(exchange.conn.sock)

    def test_refused_fails_when_sent(self):
        listener = socket.create_server(('127.0.0.1', 0))
        url = 'http://127.0.0.1:%d/' % listener.getsockname()[1]
        listener.close()
        with _session(True) as session:
            self.assertRaises(requests.ConnectionError, self._later,
                              session, url)


class KeystoneauthTest(testtools.TestCase):
    """keystoneauth1's errors for what the adapter raises."""

    def _session(self):
        session = requests.Session()
        session.mount('http://', transport.PlainHTTPAdapter(
            ks_session.TCPKeepAliveAdapter()))
        self.addCleanup(session.close)
        return ks_session.Session(session=session)

    def test_refused_is_a_connect_failure(self):
        listener = socket.create_server(('127.0.0.1', 0))
        port = listener.getsockname()[1]
        listener.close()
        self.assertRaises(ks_exc.ConnectFailure, self._session().get,
                          'http://127.0.0.1:%d/' % port, authenticated=False)

    def test_answer_and_status_errors(self):
        server = scripted_http.ScriptedServer([
            (b'HTTP/1.1 200 OK\r\nContent-Length: 13\r\n'
             b'Content-Type: application/json\r\n\r\n{"ports": []}', False),
            (b'HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}',
             False)])
        self.addCleanup(server.close)
        session = self._session()
        self.assertEqual({'ports': []}, session.get(
            server.url('/v2.0/ports'), authenticated=False).json())
        self.assertRaises(ks_exc.NotFound, session.get,
                          server.url('/v2.0/ports'), authenticated=False)
