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

"""The HTTP server of ``nova-faults-api``: cheroot, answering in Nova faults.

cheroot refuses what it cannot read (a bad request line, header or body
framing, an oversized request line or header block) with a plain-text
answer before the application sees the request. Here every such answer
is a Nova fault body (``{"badRequest": {"code": 400, "message": ...}}``,
JSON) with both request-ID headers, and its status says what was wrong:

* 400 ``badRequest``: a malformed request line, header or framing, an
  absolute-form or other non-path request target, an HTTP version other
  than 1.x (cheroot's 505), a transfer coding other than chunked
  (cheroot's 501);
* 414: a request line longer than :data:`MAX_REQUEST_HEADER_SIZE`;
* 431: a header block larger than that (cheroot says 413);
* 408 when the client stops sending mid-request, 500/503 for the
  server's own failures (with the request ID in the message).

The request target is read more leniently than cheroot does, the way
most servers do, so that the application decides what it names: bytes
that may not appear raw in a URI (non-ASCII, controls) are
percent-encoded, and a path starting with ``//`` is a path (cheroot took
``//v2.1/servers`` for a host name). The application then answers 404
for what it does not serve.

Requests are read through the C implementation of Python's buffered
reader (:class:`StreamReader`), not cheroot's pure-Python one. An answer
of known length leaves in one write, its head with the first chunk of
its body (:meth:`HTTPRequest.send_headers`). A worker that has answered
on a kept-alive connection waits a moment for that client's next
request before handing the connection back to cheroot's selector
(:meth:`HTTPConnection.communicate`).
"""

import io
import logging
import re
import select
import socket
import urllib.parse

from cheroot import errors as cheroot_errors
from cheroot import makefile as cheroot_makefile
from cheroot import server as cheroot_server
from cheroot import wsgi as cheroot_wsgi
from oslo_context import context as oslo_context
from oslo_serialization import jsonutils

from nova_faults.api import faults

LOG = logging.getLogger(__name__)

# NOTE: cheroot reads headers without limit by default. The request line
# and headers together may hold 64 KiB (Nova's eventlet server allows
# 16 KiB per header line; a Fernet token is a few hundred bytes).
MAX_REQUEST_HEADER_SIZE = 64 * 1024

# Seconds a worker waits for the next request on the connection it has
# just answered (see HTTPConnection.communicate); not where the platform
# has no poll().
KEEPALIVE_LINGER = 0.002
_POLL = getattr(select, 'poll', None)

# RFC 9110 token characters (a method).
_TOKEN = re.compile(rb"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_PROTOCOL = re.compile(rb'^HTTP/(\d)\.(\d)$')
# Bytes a URI may hold raw (RFC 3986 unreserved, reserved and "%").
_URI_SAFE = frozenset(
    b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
    b"-._~:/?#[]@!$&'()*+,;=%")
_ABSOLUTE = re.compile(rb'^[A-Za-z][A-Za-z0-9+.\-]*:')
_QUOTED_SLASH = re.compile(rb'(?i)%2F')

# cheroot's status -> ours, for what is a client error, not the server's.
_STATUS = {
    413: (431, 'Request Header Fields Too Large',
          'The request headers are larger than the server accepts '
          '(%d bytes).' % MAX_REQUEST_HEADER_SIZE),
    414: (414, 'URI Too Long',
          'The request line is longer than the server accepts '
          '(%d bytes).' % MAX_REQUEST_HEADER_SIZE),
    501: (400, 'Bad Request',
          'Unsupported Transfer-Encoding: only chunked is accepted.'),
    505: (400, 'Bad Request', 'Unsupported HTTP version: use HTTP/1.1.'),
}


_URI_SAFE_BYTES = bytes(sorted(_URI_SAFE))


def _quote_target(target):
    """``target`` with the bytes a URI may not hold raw percent-encoded."""
    if not target.translate(None, _URI_SAFE_BYTES):
        return target       # nothing left once the safe bytes are gone
    return b''.join(bytes([byte]) if byte in _URI_SAFE
                    else b'%%%02X' % byte for byte in target)


class _Refused(Exception):
    """The request line cannot be served; the argument says why (400)."""


class HTTPRequest(cheroot_server.HTTPRequest):
    """cheroot's request with fault bodies and a lenient request target."""

    def read_request_line(self):
        """Read and check the request line; False when refused.

        Sets what cheroot's own parser sets (``uri``, ``method``,
        ``path``, ``qs``, ``authority``, the protocols).
        """
        line = self.rfile.readline()
        self.started_request = True
        if line == b'\r\n':
            # NOTE: RFC 9112 lets a server ignore one empty line first.
            line = self.rfile.readline()
        if not line:
            return False
        try:
            self._parse_request_line(line)
        except _Refused as refused:
            self.simple_response('400 Bad Request', str(refused))
            return False
        return True

    def _parse_request_line(self, line):
        if not line.endswith(b'\r\n'):
            raise _Refused('Malformed request line: it must end with CRLF.')
        parts = line[:-2].split(b' ')
        if len(parts) != 3:
            raise _Refused('Malformed request line: expected "METHOD '
                           'target HTTP/1.1".')
        method, target, protocol = parts
        if not _TOKEN.match(method):
            raise _Refused('Malformed request line: bad method.')
        version = _PROTOCOL.match(protocol)
        if not version:
            raise _Refused('Malformed request line: bad protocol.')
        request_version = (int(version.group(1)), int(version.group(2)))
        if request_version[0] != 1:
            raise _Refused(_STATUS[505][2])
        if not target.startswith(b'/'):
            if _ABSOLUTE.match(target):
                raise _Refused('Absolute URI not allowed: send the path '
                               '(and a Host header).')
            raise _Refused('Malformed request target: it must be a path '
                           'starting with "/".')
        target = _quote_target(target)
        path, _sep, query = target.partition(b'?')
        if b'#' in target:
            raise _Refused('Malformed request target: a URI fragment '
                           '("#") is not sent to a server.')
        # NOTE: as cheroot (and WSGI servers generally): the path is
        # percent-decoded except for "%2F", which stays encoded so that
        # it is not taken for a separator.
        if b'%' in path:
            path = b'%2F'.join(urllib.parse.unquote_to_bytes(atom)
                               for atom in _QUOTED_SLASH.split(path))
        self.uri = target
        self.method = method
        self.authority = None
        self.path = path
        self.qs = query
        self.request_protocol = protocol
        server_version = (int(self.server.protocol[5]),
                          int(self.server.protocol[7]))
        self.response_protocol = 'HTTP/%s.%s' % min(request_version,
                                                    server_version)

    # The response head, kept to go out with the first body chunk.
    _held = None

    def send_headers(self):
        """Build the response head; keep it for the first body chunk.

        NOTE: cheroot sends the head and each body chunk in separate
        ``send`` calls. On a kept-alive connection the first wakes the
        client, which reads the head and waits again for the body: two
        wake-ups of the client per answer, and the server thread
        preempted between them on a small machine. A head with a known,
        non-zero ``Content-Length`` goes out with the first chunk of the
        body, in one ``send``; any other (chunked, empty, HEAD) at once,
        as cheroot sends it.
        """
        wfile = self.conn.wfile
        self.conn.wfile = held = _Held()
        try:
            super().send_headers()
        finally:
            self.conn.wfile = wfile
        if self.chunked_write or self.method == b'HEAD' or \
                not _content_length(self.outheaders):
            wfile.write(held.data)
        else:
            self._held = held.data

    def write(self, chunk):
        held = self._held
        if held is None:
            return super().write(chunk)
        self._held = None
        self.conn.wfile.write(held + chunk)

    def respond(self):
        try:
            super().respond()
        finally:
            # An application that gave no body after all: the head still
            # goes out (cheroot then closes the connection).
            held, self._held = self._held, None
            if held is not None:
                self.conn.wfile.write(held)

    def read_request_headers(self):
        try:
            return super().read_request_headers()
        except cheroot_errors.MaxSizeExceeded:
            # cheroot answers 413 for headers; 431 is what they are.
            self.simple_response('413 Request Entity Too Large')
            return False

    def simple_response(self, status, msg=''):
        """Answer ``status`` with a Nova fault body and request IDs.

        cheroot calls this for everything it refuses; ``msg`` is its
        (fixed, safe) explanation.
        """
        code = int(str(status)[:3])
        reason = str(status)[4:] or 'Error'
        if code in _STATUS:
            code, reason, msg = _STATUS[code]
        if isinstance(msg, bytes):
            msg = msg.decode('latin-1')
        msg = msg or reason
        request_id = oslo_context.generate_request_id()
        if code >= 500:
            msg = '%s Request ID: %s' % (msg, request_id)
        LOG.info('%s "%s" refused before the application: %d %s',
                 self.conn.remote_addr or '-', _printable(self), code, msg,
                 extra={'request_id': request_id})
        body = jsonutils.dump_as_bytes(faults.fault_body(code, msg))
        head = ['%s %d %s' % (self.server.protocol, code, reason),
                'Content-Type: application/json; charset=UTF-8',
                'Content-Length: %d' % len(body),
                'X-Openstack-Request-Id: %s' % request_id,
                'X-Compute-Request-Id: %s' % request_id,
                'Connection: close']
        # Nothing more is read from this connection.
        self.close_connection = True
        data = ('\r\n'.join(head) + '\r\n\r\n').encode('latin-1') + body
        try:
            self.conn.wfile.write(data)
        except OSError as exc:
            if exc.args[0] not in cheroot_errors.socket_errors_to_ignore:
                raise


class _Held:
    """What cheroot writes while building a response head."""

    def __init__(self):
        self.data = b''

    def write(self, data):
        self.data += data


def _content_length(headers):
    for name, value in headers:
        if name.lower() == b'content-length':
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _printable(request):
    uri = getattr(request, 'uri', None)
    if not isinstance(uri, bytes):
        return '-'
    method = getattr(request, 'method', b'') or b''
    return (method + b' ' + uri[:200]).decode('latin-1').encode(
        'unicode_escape').decode('ascii')


class _SocketIO(socket.SocketIO):
    """A socket's raw reads, counted: its position is what it received."""

    received = 0

    def readinto(self, buffer):
        count = super().readinto(buffer)
        if count:
            self.received += count
        return count

    def tell(self):
        return self.received


class StreamReader(io.BufferedReader):
    """What cheroot reads requests from, in C.

    NOTE: cheroot's own reader is built on ``_pyio``, the pure-Python
    implementation of the io module: reading a request line and its
    headers cost a tenth of a small request's time in ``readline``
    alone. This is the C ``io.BufferedReader`` with what cheroot asks of
    its reader besides the io interface: :meth:`has_data` (whether a
    pipelined request is already buffered, so that the connection is
    ready without the socket being readable) and ``bytes_read`` (the
    bytes returned, for cheroot's statistics).
    """

    def __init__(self, sock, mode='rb', bufsize=io.DEFAULT_BUFFER_SIZE):
        super().__init__(_SocketIO(sock, mode), bufsize)
        self.bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def readline(self, size=-1):
        data = super().readline(size)
        self.bytes_read += len(data)
        return data

    def has_data(self):
        """Whether bytes received from the socket wait in the buffer."""
        # The buffered position is the raw position (bytes received)
        # less what is buffered and not yet read.
        return self.raw.received > self.tell()


def make_file(sock, mode='r', bufsize=io.DEFAULT_BUFFER_SIZE):
    """cheroot's ``MakeFile``, reading with :class:`StreamReader`."""
    if 'r' in mode:
        return StreamReader(sock, mode, bufsize)
    return cheroot_makefile.MakeFile(sock, mode, bufsize)


class HTTPConnection(cheroot_server.HTTPConnection):
    RequestHandlerClass = HTTPRequest

    def __init__(self, server, sock, makefile=cheroot_makefile.MakeFile):
        # cheroot's plain sockets are read with StreamReader; a TLS
        # adapter's file objects are left as the adapter makes them.
        if makefile is cheroot_makefile.MakeFile:
            makefile = make_file
        super().__init__(server, sock, makefile)

    def communicate(self):
        """Answer requests while the client sends them back to back.

        cheroot answers one request, then hands a kept-alive connection
        back to its selector thread, which wakes a worker through a queue
        when the next request arrives: two thread wake-ups per request,
        about 0.15 ms of a small request's 0.4 ms over 127.0.0.1 here.
        A client sending its requests one after the other (a script, an
        SDK listing each server's actions, a proxy's kept-alive
        connection) usually sends the next one at once, so the worker
        that answered waits up to :data:`KEEPALIVE_LINGER` for it. It
        does not wait while connections are queued for a worker or when
        no other worker is idle, so no client waits for another's pause.
        A stopping server closes kept-alive connections after their
        current request (cheroot), which ends the loop.
        """
        keep_open = super().communicate()
        while keep_open and self._next_request_soon():
            keep_open = super().communicate()
        return keep_open

    def _next_request_soon(self):
        if self.rfile.has_data():
            return True      # pipelined: already read
        workers = self.server.requests
        if _POLL is None or workers.qsize or not workers.idle:
            return False
        # poll, not select: select cannot watch descriptors above 1023.
        poller = _POLL()
        try:
            poller.register(self.socket, select.POLLIN)
            ready = poller.poll(KEEPALIVE_LINGER * 1000)
        except (OSError, ValueError):
            return False     # closed: cheroot's next read says so
        # Readable, or closed by the client (read next, as cheroot does).
        return bool(ready)


class Server(cheroot_wsgi.Server):
    """cheroot's WSGI server with :class:`HTTPRequest`."""

    ConnectionClass = HTTPConnection


def build_server(app, host, port, threads):
    """A :class:`Server` for ``app`` on ``host``:``port`` (not started)."""
    server = Server((host, port), app, numthreads=threads,
                    server_name='nova-faults-api')
    server.max_request_header_size = MAX_REQUEST_HEADER_SIZE
    return server
