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

"""The request reader of ``nova-faults-api`` against cheroot's own.

:class:`nova_faults.api.http_server.StreamReader` must return what
cheroot's pure-Python reader returns for any byte stream and any
sequence of reads, and say exactly when bytes it received wait in its
buffer (``has_data``: a pipelined request that no socket readiness will
announce).
"""

import socket

from cheroot import makefile as cheroot_makefile
from hypothesis import given
from hypothesis import strategies as st
import testtools

from nova_faults.api import http_server
from nova_faults.tests import hypothesis_profiles

# Request-like bytes: lines of random bytes, CRLF-heavy, some long.
_LINE = st.binary(max_size=300).map(lambda data: data + b'\r\n')
# At most 12 * 8,000 bytes: all of it fits in the socket pair's buffers
# before anything is read (the kernel caps them at ~200 KB).
_STREAM = st.lists(st.one_of(_LINE, st.binary(max_size=8000)),
                   max_size=12).map(b''.join)
_OPERATION = st.one_of(
    st.tuples(st.just('readline'), st.none()),
    st.tuples(st.just('readline'), st.integers(-1, 20000)),
    st.tuples(st.just('read'), st.integers(0, 20000)),
)
_BUFFER_SIZES = st.sampled_from([1, 7, 256, 8192, 65536])


def _pair(data):
    """(reading socket, sending socket) with ``data`` sent and closed."""
    reader, writer = socket.socketpair()
    reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    writer.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    writer.sendall(data)
    writer.shutdown(socket.SHUT_WR)
    return reader, writer


def _in_kernel(sock):
    """Bytes still in the socket's receive queue (not yet read)."""
    sock.setblocking(False)
    try:
        return len(sock.recv(1 << 21, socket.MSG_PEEK))
    except BlockingIOError:
        return 0
    finally:
        sock.setblocking(True)


def _apply(stream, operation):
    name, size = operation
    if name == 'readline':
        return stream.readline() if size is None else stream.readline(size)
    return stream.read(size)


class StreamReaderTest(testtools.TestCase):

    def _streams(self, data, bufsize):
        ours_sock, ours_writer = _pair(data)
        theirs_sock, theirs_writer = _pair(data)
        for sock in (ours_sock, ours_writer, theirs_sock, theirs_writer):
            self.addCleanup(sock.close)
        ours = http_server.StreamReader(ours_sock, 'rb', bufsize)
        theirs = cheroot_makefile.MakeFile(theirs_sock, 'rb', bufsize)
        self.addCleanup(ours.close)
        self.addCleanup(theirs.close)
        return ours, ours_sock, theirs

    @hypothesis_profiles.seeded
    @hypothesis_profiles.settings(max_examples=200)
    @given(data=_STREAM, operations=st.lists(_OPERATION, max_size=25),
           bufsize=_BUFFER_SIZES)
    def test_reads_as_cheroot_reads(self, data, operations, bufsize):
        ours, ours_sock, theirs = self._streams(data, bufsize)
        consumed = 0
        for operation in operations:
            got = _apply(ours, operation)
            self.assertEqual(_apply(theirs, operation), got, operation)
            consumed += len(got)
            received = len(data) - _in_kernel(ours_sock)
            self.assertEqual(received > consumed, ours.has_data())
        self.assertEqual(theirs.bytes_read, ours.bytes_read)
        self.assertEqual(theirs.read(), ours.read())

    def test_pipelined_request_is_buffered_data(self):
        first = b'GET /a HTTP/1.1\r\nHost: x\r\n\r\n'
        second = b'GET /b HTTP/1.1\r\nHost: x\r\n\r\n'
        ours, ours_sock, _theirs = self._streams(first + second, 8192)
        self.assertFalse(ours.has_data())          # nothing read yet
        while ours.readline() != b'\r\n':
            pass
        # The second request was received with the first: only the
        # buffer knows, the socket has nothing more to announce.
        self.assertEqual(0, _in_kernel(ours_sock))
        self.assertTrue(ours.has_data())
        while ours.readline() != b'\r\n':
            pass
        self.assertFalse(ours.has_data())
        self.assertEqual(b'', ours.readline())

    def test_server_connections_read_with_it(self):
        reader, writer = socket.socketpair()
        self.addCleanup(reader.close)
        self.addCleanup(writer.close)
        server = http_server.build_server(lambda e, s: [], '127.0.0.1', 0,
                                          1)
        connection = http_server.HTTPConnection(server, reader)
        self.addCleanup(connection.close)
        self.assertIsInstance(connection.rfile, http_server.StreamReader)
        # Writing keeps cheroot's writer (its partial-write handling).
        self.assertIsInstance(connection.wfile,
                              cheroot_makefile.StreamWriter)

    def test_tls_adapter_files_are_left_alone(self):
        reader, writer = socket.socketpair()
        self.addCleanup(reader.close)
        self.addCleanup(writer.close)
        made = []

        def adapter_makefile(sock, mode='r', bufsize=-1):
            made.append(mode)
            return cheroot_makefile.MakeFile(sock, mode, bufsize)

        server = http_server.build_server(lambda e, s: [], '127.0.0.1', 0,
                                          1)
        connection = http_server.HTTPConnection(server, reader,
                                                adapter_makefile)
        self.addCleanup(connection.close)
        self.assertEqual(['rb', 'wb'], made)
        self.assertNotIsInstance(connection.rfile, http_server.StreamReader)
