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

"""How ``nova-faults-api`` writes responses: the head with the body.

:mod:`nova_faults.api.http_server` sends a response head with a known,
non-zero ``Content-Length`` together with the first chunk of the body,
in one write. The oracle is cheroot itself: the same generated responses
(status, ``Content-Length`` or not, chunks of any size, empty ones
included, GET or HEAD, an application failing after ``start_response``)
served by a server that writes as cheroot does, over kept-alive
connections, must give the same bytes on the wire but for the ``Date``
header and request IDs. The writes themselves are counted.
"""

import re
import socket
import time

from cheroot import makefile
from cheroot import server as cheroot_server
import fixtures
import hypothesis
from hypothesis import strategies as st
import testtools

from nova_faults.api import http_server
from nova_faults.tests.functional import base
from nova_faults.tests import hypothesis_profiles

SETTINGS = hypothesis_profiles.settings(
    max_examples=hypothesis_profiles.examples(150))

_DATE = re.compile(rb'\r\nDate: [^\r]*')
_REQUEST_ID = re.compile(rb'req-[0-9a-f-]{36}')


class _CherootRequest(http_server.HTTPRequest):
    """Our request class, writing the head as cheroot does (the oracle)."""

    send_headers = cheroot_server.HTTPRequest.send_headers
    write = cheroot_server.HTTPRequest.write
    respond = cheroot_server.HTTPRequest.respond


class _CherootConnection(http_server.HTTPConnection):
    RequestHandlerClass = _CherootRequest


class _Broken(Exception):
    pass


# Response shapes by request path: /<status>/<sized|chunked>/<fail>/<sizes>
# e.g. /200/sized/ok/12.0.4000 answers 200 with Content-Length 4012 in
# three chunks (one empty). <fail>: "ok", or where the application fails:
# "start" (after start_response), "first" (before its first chunk),
# "mid" (after it).
def _app(environ, start_response):
    _empty, status, framing, fail, sizes = environ['PATH_INFO'].split('/')
    chunks = [b'x' * int(size) for size in sizes.split('.') if size]
    headers = [('Content-Type', 'application/json')]
    if framing == 'sized':
        headers.append(('Content-Length', str(sum(map(len, chunks)))))
    start_response('%s Answer' % status, headers)
    if fail == 'start':
        raise _Broken()
    if fail == 'ok':
        return chunks
    return _failing(chunks, 0 if fail == 'first' else 1)


def _failing(chunks, count):
    yield from chunks[:count]
    raise _Broken()


class LiveServers(fixtures.Fixture):
    """Our server and the oracle, serving :func:`_app`."""

    def _setUp(self):
        self.ours = self.useFixture(base.LiveServer(_app, threads=2))
        self.cheroot = self.useFixture(base.LiveServer(_app, threads=2))
        # Connections are made with this class as they are accepted.
        self.cheroot.server.ConnectionClass = _CherootConnection


def _read_response(sock_file, method):
    """One response's bytes from a kept-alive connection."""
    head = b''
    while not head.endswith(b'\r\n\r\n'):
        line = sock_file.readline()
        if not line:
            return head, True
        head += line
    lowered = head.lower()
    status = int(head.split(b' ', 2)[1])
    closed = b'\r\nconnection: close' in lowered
    if method == 'HEAD' or status in (204, 304):
        return head, closed
    length = re.search(rb'\r\ncontent-length: (\d+)', lowered)
    if length:
        return head + sock_file.read(int(length.group(1))), closed
    if b'\r\ntransfer-encoding: chunked' in lowered:
        body = b''
        while True:
            line = sock_file.readline()
            if not line:
                # Closed mid-body (an application that failed).
                return head + body, True
            body += line
            size = int(line.strip(), 16)
            body += sock_file.read(size + 2)
            if size == 0:
                return head + body, closed
    return head + sock_file.read(), True


def _exchange(port, requests):
    """Send ``requests`` (method, path) on one connection; their answers."""
    answers = []
    sock = socket.create_connection(('127.0.0.1', port), timeout=10)
    sock_file = sock.makefile('rb')
    try:
        for method, path in requests:
            sock.sendall(('%s %s HTTP/1.1\r\nHost: x\r\n\r\n'
                          % (method, path)).encode('ascii'))
            answer, closed = _read_response(sock_file, method)
            answers.append(
                _REQUEST_ID.sub(b'req-ID', _DATE.sub(b'', answer)))
            if closed:
                break
    finally:
        sock_file.close()
        sock.close()
    return answers


_SIZES = st.lists(st.sampled_from([0, 1, 7, 100, 1460, 5000, 70000]),
                  max_size=4)
_RESPONSES = st.tuples(
    st.sampled_from(['GET', 'GET', 'GET', 'HEAD']),
    st.sampled_from(['200', '201', '404', '204']),
    st.sampled_from(['sized', 'sized', 'chunked']),
    st.sampled_from(['ok', 'ok', 'ok', 'ok', 'ok', 'start', 'first',
                     'mid']),
    _SIZES)


def _path(status, framing, fail, sizes):
    return '/%s/%s/%s/%s' % (status, framing, fail,
                             '.'.join(str(size) for size in sizes))


class ResponseWritingTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.servers = self.useFixture(LiveServers())
        self.writes = []
        real = makefile.BufferedWriter.write
        writes = self.writes

        def write(wfile, data):
            writes.append(bytes(data))
            return real(wfile, data)
        self.useFixture(fixtures.MonkeyPatch(
            'cheroot.makefile.BufferedWriter.write', write))

    def _settle(self, live):
        """Wait until every worker of ``live`` is idle (at most 10 s)."""
        for _ in range(1000):
            if live.server.requests.idle == live.threads:
                return
            time.sleep(0.01)
        self.fail('the server\'s workers are still busy')

    def test_same_bytes_as_cheroot(self):
        @SETTINGS
        @hypothesis.given(responses=st.lists(_RESPONSES, min_size=1,
                                             max_size=5))
        def run(responses):
            requests = [(method, _path(*shape))
                        for method, *shape in responses]
            ours = _exchange(self.servers.ours.port, requests)
            theirs = _exchange(self.servers.cheroot.port, requests)
            self.assertEqual(theirs, ours)
        hypothesis_profiles.explore(run, self.id())

    def test_head_and_body_in_one_write(self):
        del self.writes[:]
        answers = _exchange(self.servers.ours.port,
                            [('GET', _path('200', 'sized', 'ok', [120]))])
        self.assertEqual(1, len(self.writes))
        self.assertEqual(answers[0], _DATE.sub(b'', self.writes[0]))
        self.assertTrue(self.writes[0].startswith(b'HTTP/1.1 200 Answer'))
        self.assertTrue(self.writes[0].endswith(b'\r\n\r\n' + b'x' * 120))
        # cheroot writes the head, then the body.
        del self.writes[:]
        _exchange(self.servers.cheroot.port,
                  [('GET', _path('200', 'sized', 'ok', [120]))])
        self.assertEqual(2, len(self.writes))

    def test_later_chunks_follow_the_first(self):
        del self.writes[:]
        _exchange(self.servers.ours.port,
                  [('GET', _path('200', 'sized', 'ok', [5, 0, 6, 7]))])
        self.assertEqual(3, len(self.writes))
        self.assertTrue(self.writes[0].endswith(b'\r\n\r\nxxxxx'))
        self.assertEqual([b'x' * 6, b'x' * 7], self.writes[1:])

    def test_heads_without_a_body_go_out_at_once(self):
        for method, shape in (('HEAD', ('200', 'sized', 'ok', [10])),
                              ('GET', ('204', 'sized', 'ok', [])),
                              ('GET', ('200', 'sized', 'ok', [])),
                              ('GET', ('200', 'chunked', 'ok', [3]))):
            del self.writes[:]
            _exchange(self.servers.ours.port, [(method, _path(*shape))])
            self.assertTrue(self.writes[0].endswith(b'\r\n\r\n'),
                            (method, shape, self.writes))
            # What the worker writes after the head (cheroot writes the
            # body an application gives to a HEAD) is not the next's.
            self._settle(self.servers.ours)
        # Nor does one whose application fails before its first chunk.
        del self.writes[:]
        _exchange(self.servers.ours.port,
                  [('GET', _path('200', 'sized', 'first', [10]))])
        self.assertTrue(self.writes[0].startswith(b'HTTP/1.1 200 Answer'))
        self.assertTrue(self.writes[0].endswith(b'\r\n\r\n'))

    def test_a_failing_application_after_start_response(self):
        # The head was never sent: the server answers its own 500.
        answers = _exchange(self.servers.ours.port,
                            [('GET', _path('200', 'sized', 'start', [9]))])
        self.assertIn(b' 500 ', answers[0].split(b'\r\n')[0])
