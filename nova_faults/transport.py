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

"""A requests transport adapter sending plain GET requests over http.client.

keystoneauth1 sends Neutron's calls through a ``requests.Session``, and
requests through its ``HTTPAdapter`` and urllib3's pools. For a server's
two calls to Neutron on 127.0.0.1, those two layers cost twice what the
exchange itself costs over ``http.client`` (and they share the GIL with
the request's own thread). :class:`PlainHTTPAdapter` sends what is
common and simple itself:

* a ``GET`` without a body, to an ``http://`` URL that no proxy of the
  environment applies to, whose answer is read at once (not streamed);
* on kept-alive ``http.client`` connections, at most
  :data:`POOL_SIZE` kept per host (as requests' default pools), each
  with the socket options of the adapter it stands in front of
  (keystoneauth1's TCP keepalive);
* answered as requests' ``HTTPAdapter.build_response`` answers: the same
  status, headers (repeated ones joined by ``", "`` as urllib3 joins
  them), body (a compressed one decoded by urllib3 when it is read),
  encoding, URL and cookies; failures as requests' exceptions
  (``ConnectTimeout``, ``ReadTimeout``, ``ConnectionError``), which
  keystoneauth1 turns into its own.

Anything else (another method, a body, https and its certificates, a
proxy, a streamed answer, a URL http.client cannot take) goes to the
``fallback`` adapter, unchanged.

A kept connection that the server has closed meanwhile is found before
it is used (it reads as ready), and a ``GET`` whose kept connection
fails before any answer is sent once more on a new connection, as it
could not have been answered.

Each plain ``GET`` is an :class:`Exchange`: its request is sent, then
its answer read. Within :func:`answer_later`, the caller gets the
exchange before its answer is read, and does other work meanwhile.
"""

import collections
import contextlib
import http.client
import io
import re
import select
import socket
import threading
from urllib import parse as urlparse
import weakref

import requests
from requests import adapters
from requests import cookies as requests_cookies
from requests import structures
from requests import utils as requests_utils
import urllib3

# Kept-alive connections per host (requests' DEFAULT_POOLSIZE).
POOL_SIZE = adapters.DEFAULT_POOLSIZE

# What an answer's Content-Encoding may be without decoding it.
_IDENTITY = ('', 'identity')
# A host urllib3 connects to as it is written (a name or IPv4 address).
_PLAIN_HOST = re.compile(r'[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?\Z')
# A request target urllib3 sends unchanged: characters it does not quote,
# escapes in upper case.
_PLAIN_TARGET = re.compile(
    r"/(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-F]{2})*\Z")
# requests' timeouts this adapter takes: none, seconds, (connect, read).
_TIMEOUTS = (type(None), int, float, tuple)
# How a kept connection that the server closed fails, unanswered.
_CLOSED_WHILE_KEPT = (http.client.RemoteDisconnected, ConnectionResetError,
                      BrokenPipeError)


class _Connection(http.client.HTTPConnection):
    """``http.client``'s connection with the given socket options."""

    def __init__(self, host, port, socket_options):
        super().__init__(host, port)
        self.socket_options = socket_options

    def connect(self):
        super().connect()
        for option in self.socket_options:
            self.sock.setsockopt(*option)


def _dropped(conn):
    """Whether a kept connection was closed (or wrote) while unused.

    An idle HTTP connection has nothing to read; if it reads as ready,
    the server closed it (or sent what no request asked for).
    """
    sock = conn.sock
    if sock is None:
        return True
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


def _timeouts(timeout):
    """(connect, read) seconds of requests' ``timeout`` argument."""
    if isinstance(timeout, tuple):
        connect, read = timeout
        return connect, read
    return timeout, timeout


def _headers(message):
    """The answer's headers as requests gives them (urllib3's joining)."""
    joined = {}
    for name, value in message.items():
        key = name.lower()
        if key in joined:
            joined[key][1].append(value)
        else:
            joined[key] = (name, [value])
    return structures.CaseInsensitiveDict(
        (name, ', '.join(values)) for name, values in joined.values())


def sets_cookies(headers):
    """Whether an answer with ``headers`` (None: unknown) may set cookies.

    ``CookieJar.extract_cookies`` reads only these two headers; without
    them, extracting changes no jar.
    """
    return headers is None or 'Set-Cookie' in headers or \
        'Set-Cookie2' in headers


class PlainHTTPAdapter(adapters.BaseAdapter):
    """Plain GET requests over kept ``http.client`` connections.

    ``fallback`` (a requests ``HTTPAdapter``) sends everything else; its
    pool manager's socket options are those of the connections made
    here.
    """

    def __init__(self, fallback):
        super().__init__()
        self.fallback = fallback
        pool_kw = getattr(getattr(fallback, 'poolmanager', None),
                          'connection_pool_kw', {})
        self.socket_options = tuple(pool_kw.get('socket_options') or ())
        self._idle = collections.defaultdict(list)
        self._lock = threading.Lock()

    def send(self, request, stream=False, timeout=None, verify=True,
             cert=None, proxies=None):
        target = self._target(request, stream, proxies)
        if target is None or not isinstance(timeout, _TIMEOUTS):
            # (urllib3's Timeout objects are for urllib3.)
            return self.fallback.send(
                request, stream=stream, timeout=timeout, verify=verify,
                cert=cert, proxies=proxies)
        key, path = target
        exchange = Exchange(self, key, request, path, *_timeouts(timeout))
        later = getattr(_later, 'current', None)
        if later is not None and later.exchange is None and \
                request.url.startswith(later.prefix):
            later.exchange = exchange
            return _placeholder(request)
        return exchange.finish()

    @staticmethod
    def _target(request, stream, proxies):
        """((host, port), path) if this adapter sends it, else None.

        Only what urllib3 would send as requests gives it: a host name
        or IPv4 address (urllib3 rewrites a trailing dot and IPv6
        brackets), a path and query of characters it does not quote and
        upper-case escapes (it re-encodes others), a ``User-Agent``
        (urllib3 adds its own).
        """
        if request.method != 'GET' or request.body is not None or stream:
            return None
        url = request.url
        if not isinstance(url, str) or not url.startswith('http://') or \
                'User-Agent' not in request.headers:
            return None
        if proxies and requests_utils.select_proxy(url, proxies):
            return None
        parts = urlparse.urlsplit(url)
        host = parts.hostname
        try:
            port = parts.port or 80
        except ValueError:
            return None
        path = request.path_url
        if not host or not _PLAIN_HOST.match(host) or '@' in parts.netloc \
                or not _PLAIN_TARGET.match(path):
            return None
        return (host, port), path

    def _get(self, key):
        """A kept connection to ``key`` and True, or a new one and False."""
        with self._lock:
            idle = self._idle.get(key)
            while idle:
                conn = idle.pop()
                if not _dropped(conn):
                    return conn, True
                conn.close()
        return self._new(key), False

    def _new(self, key):
        return _Connection(key[0], key[1], self.socket_options)

    def _put(self, key, conn):
        """Keep ``conn`` for the next request to ``key``, if it may be."""
        if conn.sock is None:       # the answer closed it
            return
        with self._lock:
            idle = self._idle[key]
            if len(idle) < POOL_SIZE:
                idle.append(conn)
                return
        conn.close()

    def _build_response(self, request, answer, body):
        """As requests' ``HTTPAdapter.build_response`` builds it."""
        response = requests.Response()
        response.status_code = answer.status
        response.headers = _headers(answer.msg)
        response.encoding = requests_utils.get_encoding_from_headers(
            response.headers)
        coding = response.headers.get('Content-Encoding', '')
        if coding.strip().lower() in _IDENTITY:
            # NOTE: requests' cookie extraction reads the http.client
            # answer behind a urllib3 one (``_original_response``); this
            # one is it.
            answer._original_response = answer
            response.raw = answer
            response._content = body
            response._content_consumed = True
        else:
            # Decoded by urllib3 when requests reads the content, as its
            # own answers are (and failing there alike).
            response.raw = urllib3.HTTPResponse(
                body=io.BytesIO(body), headers=dict(response.headers),
                status=answer.status, reason=answer.reason,
                preload_content=False, decode_content=True,
                original_response=answer)
        response.reason = answer.reason
        response.url = request.url
        if sets_cookies(answer.msg):
            requests_cookies.extract_cookies_to_jar(response.cookies,
                                                    request, response.raw)
        response.request = request
        response.connection = self
        return response

    def close(self):
        with self._lock:
            idle = [conn for conns in self._idle.values() for conn in conns]
            self._idle.clear()
        for conn in idle:
            conn.close()
        self.fallback.close()


class Exchange:
    """One plain ``GET`` on a connection of a :class:`PlainHTTPAdapter`.

    The request is sent when the exchange is made; :meth:`finish` reads
    the answer and gives the connection back to the adapter. Failures
    are requests' exceptions, as ``HTTPAdapter`` raises them, and close
    the connection. A kept connection that the server had closed (found
    when sending, or when no answer comes) carries the request once more
    on a new connection: it could not have been answered.

    An exchange dropped without :meth:`finish` (its answer no longer
    wanted) closes its connection.
    """

    def __init__(self, adapter, key, request, path, connect, read):
        self.adapter = adapter
        self.key = key
        self.request = request
        self.path = path
        self.connect = connect
        self.read = read
        self.conn, self.kept = adapter._get(key)
        self._closer = None
        try:
            self._send()
        except requests.exceptions.ConnectionError as exc:
            if not self._closed_while_kept(exc):
                raise
            self._send()
        self._closer = weakref.finalize(self, self.conn.close)

    def _closed_while_kept(self, exc):
        """Whether ``exc`` is a kept connection's end; if so, use a new one."""
        if not (self.kept and isinstance(exc.args[0], _CLOSED_WHILE_KEPT)):
            return False
        self.conn = self.adapter._new(self.key)
        self.kept = False
        return True

    def _send(self):
        conn = self.conn
        request = self.request
        if conn.sock is None:
            conn.timeout = self.connect
            try:
                conn.connect()
            except socket.timeout as exc:
                conn.close()
                raise requests.exceptions.ConnectTimeout(exc,
                                                         request=request)
            except OSError as exc:
                conn.close()
                raise requests.exceptions.ConnectionError(exc,
                                                          request=request)
        with self._failures():
            if conn.sock.gettimeout() != self.read:
                conn.sock.settimeout(self.read)
            conn.request('GET', self.path, headers=request.headers)

    def _receive(self):
        with self._failures():
            answer = self.conn.getresponse()
            return answer, answer.read()

    @contextlib.contextmanager
    def _failures(self):
        """requests' exceptions for ``http.client``'s; closes on failure."""
        try:
            yield
        except socket.timeout as exc:
            self.conn.close()
            raise requests.exceptions.ReadTimeout(exc, request=self.request)
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            raise requests.exceptions.ConnectionError(exc,
                                                      request=self.request)
        except BaseException:
            self.conn.close()
            raise

    def finish(self):
        """The answer, as requests' ``HTTPAdapter`` builds it."""
        if self._closer is not None:
            self._closer.detach()
        try:
            answer, body = self._receive()
        except requests.exceptions.ConnectionError as exc:
            if not self._closed_while_kept(exc):
                raise
            self._send()
            answer, body = self._receive()
        self.adapter._put(self.key, self.conn)
        return self.adapter._build_response(self.request, answer, body)


class Later:
    """The exchange :func:`answer_later` took, if any."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.exchange = None


_later = threading.local()


@contextlib.contextmanager
def answer_later(prefix):
    """Send the first plain ``GET`` of ``prefix`` now, answer it later.

    Within the block, the first request this thread gives a
    :class:`PlainHTTPAdapter` that it sends itself, to a URL starting
    with ``prefix``, is sent at once, and the caller of requests gets a
    placeholder (``200``, no body): the answer is the yielded
    :class:`Later`'s ``exchange`` to :meth:`Exchange.finish`. Any other
    request is sent and answered as usual (``exchange`` stays None: the
    answer the caller got is the real one): a request made on the way
    (an authentication, a discovery of the endpoint) is answered as it
    always is. For callers that do other work while the server answers,
    without a thread. The cookies the answer sets are the caller's to
    keep: requests' session kept those of the placeholder (none).
    """
    later = Later(prefix)
    _later.current = later
    try:
        yield later
    finally:
        _later.current = None


def _placeholder(request):
    """What requests' caller gets for a request answered later."""
    response = requests.Response()
    response.status_code = 200
    response.reason = 'Answered later'
    response._content = b''
    response._content_consumed = True
    response.url = request.url
    response.request = request
    return response
