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
``fallback`` adapter, unchanged. A kept connection that the server has
closed meanwhile is found before it is used (it reads as ready), and a
``GET`` whose kept connection fails before any answer is sent once more
on a new connection, as it could not have been answered.
"""

import collections
import http.client
import io
import re
import select
import socket
import threading
from urllib import parse as urlparse

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
        connect, read = _timeouts(timeout)
        conn, kept = self._get(key)
        try:
            answer, body = self._exchange(conn, request, path, connect,
                                          read)
        except requests.exceptions.ConnectionError as exc:
            if not (kept and isinstance(exc.args[0], _CLOSED_WHILE_KEPT)):
                raise
            # The server closed the kept connection as it was taken: the
            # request was not answered; once more on a new connection.
            conn = self._new(key)
            answer, body = self._exchange(conn, request, path, connect,
                                          read)
        self._put(key, conn)
        return self._build_response(request, answer, body)

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

    def _exchange(self, conn, request, path, connect, read):
        """Send ``request`` on ``conn``: (answer, body).

        Raises requests' exceptions, as its ``HTTPAdapter`` would; the
        connection is closed after any failure.
        """
        if conn.sock is None:
            conn.timeout = connect
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
        try:
            if conn.sock.gettimeout() != read:
                conn.sock.settimeout(read)
            conn.request('GET', path, headers=request.headers)
            answer = conn.getresponse()
            return answer, answer.read()
        except socket.timeout as exc:
            conn.close()
            raise requests.exceptions.ReadTimeout(exc, request=request)
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise requests.exceptions.ConnectionError(exc, request=request)
        except BaseException:
            conn.close()
            raise

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
