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

"""Neutron, asked the way Nova asks it: the security groups of servers.

A keystoneauth1 session and adapter are built from ``[neutron]`` (Nova's
option names, see :mod:`nova_faults.conf.neutron`). As Nova does, a
request that carries the user's token calls Neutron with that token (so
Neutron's own visibility rules apply); a request without one (the
``noauth`` pipeline) uses the ``[neutron]`` credentials. The global
request ID is sent as ``X-OpenStack-Request-ID``.

:func:`security_group_names` makes one call for the ports of a page's
servers and one for their groups (Nova's
``get_instances_security_groups_bindings``), each bounded by ``[neutron]
timeout``; the second is made while the first is when the groups of the
servers' ports are known from an earlier call (and checked against the
ports' answer). Any failure (refused, timed out, a 4xx/5xx answer, a
body that is not Neutron's) raises :class:`NeutronUnavailable`; nothing
here knows HTTP API callers.

:func:`start_security_group_names` is the same, with its requests sent
at once from the caller's thread and their answers read when the caller
asks for them (over ``http://``, where keystoneauth1 only gives the
answers): the caller reads its databases meanwhile, without a thread.
After the first request of a kind, the requests are keystoneauth1's own,
rebuilt with each call's URL, token and request ID (:class:`_Sending`).
"""

import collections
import contextlib
import datetime
import logging
import re
import sys
import threading
import time
from urllib import parse as urlparse
import weakref

from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from keystoneauth1.loading import adapter as ks_adapter_loading
from keystoneauth1 import plugin
from keystoneauth1 import session as ks_session
import requests
from requests import cookies as requests_cookies
from requests import sessions as requests_sessions
from requests import structures as requests_structures
from requests import utils as requests_utils

from nova_faults.conf import neutron as neutron_conf
from nova_faults import daemon_pool
from nova_faults import exception
from nova_faults import transport

GROUP = neutron_conf.GROUP
# NOTE: as Nova (MAX_SEARCH_IDS): ids go in the URL, whose length Neutron
# and proxies limit, so a list of more than 150 ids is asked in chunks.
MAX_SEARCH_IDS = 150
_PORT_FIELDS = ('device_id', 'security_groups')
_GROUP_FIELDS = ('id', 'name')
# The header keystoneauth1 sends the global request ID in; where a
# pattern of its requests takes a value of the call (see _Sending).
_REQUEST_ID = 'X-OpenStack-Request-ID'
_SLOT = object()
# The statuses keystoneauth1 follows (``Session._REDIRECT_STATUSES``).
_REDIRECTS = (301, 302, 303, 305, 307, 308)

# Servers whose ports' groups are remembered (see _Hints); guesses at
# once, per process.
MAX_HINTS = 10000
_MAX_GUESSES = 32

# The groups are asked for beside the ports only while a ports call takes
# longer than this (seconds, a moving average; see _Pace).
OVERLAP_ABOVE = 0.005

# id(ConfigOpts) -> (weak reference to it, session, service auth, adapter
# options); a ConfigOpts is a mapping, hence not hashable.
_LOADED = {}
_LOCK = threading.Lock()


class NeutronUnavailable(exception.NovaFaultsException):
    msg_fmt = 'Neutron did not answer as expected: %(reason)s'
    code = 503


def is_configured(conf):
    """Whether ``[neutron]`` names an auth plugin (Neutron is used)."""
    return bool(conf[GROUP].auth_type or conf[GROUP].auth_section)


class _UserToken(plugin.BaseAuthPlugin):
    """The user's token; endpoints found as the service auth finds them."""

    def __init__(self, token, service_auth):
        super().__init__()
        self.token = token
        self.service_auth = service_auth

    def get_token(self, session, **kwargs):
        return self.token

    def get_endpoint(self, session, **kwargs):
        if self.service_auth is None:
            return None
        return self.service_auth.get_endpoint(session, **kwargs)


class _HTTPSession(requests.Session):
    """requests' session, reading the environment once per endpoint.

    NOTE: requests merges the environment's settings (``HTTP(S)_PROXY``,
    ``NO_PROXY``, ``REQUESTS_CA_BUNDLE``, a ``.netrc`` entry) into every
    request it sends, about a fifth of the cost of a call to Neutron on
    127.0.0.1. The merged settings are the same for every request to the
    same scheme and host (a process' environment does not change while it
    serves), so they are kept per scheme, host and request options.

    keystoneauth1 sends its requests through :meth:`request` with
    ``allow_redirects=False`` (it follows redirects itself) and without
    cookies, files, auth or hooks. Such a request, while the session
    holds no cookie, is prepared and sent directly to the transport
    adapter (:meth:`_send_plain`), skipping the merging of empty
    settings, about a sixth of a call's cost; anything else takes
    requests' own path.

    A ``GET`` of that kind without a body, to a URL that requests would
    send unchanged (:data:`_PLAIN_URL`: http or https, a lower-case ASCII
    host, a path of characters that need no quoting and no dot
    segments), with parameters of strings, is prepared here
    (:meth:`_prepare_plain`): the same URL, query and headers, and the
    same header checks, as ``PreparedRequest.prepare``, which spends a
    fifth of such a call parsing and re-quoting what is already plain.
    Anything else is prepared by requests.

    The transport is :class:`nova_faults.transport.PlainHTTPAdapter` for
    ``http://`` (a plain ``GET`` over kept ``http.client`` connections,
    anything else through keystoneauth1's adapter behind it) and
    keystoneauth1's ``TCPKeepAliveAdapter`` (urllib3's pools and TLS) for
    ``https://``.
    """

    def __init__(self):
        super().__init__()
        self._settings = {}
        self._netrc = {}
        # What keystoneauth1 mounts on the session it makes itself (TCP
        # keepalive on its connections), behind our plain GETs over http.
        adapter = ks_session.TCPKeepAliveAdapter()
        self.mount('https://', adapter)
        self.mount('http://', transport.PlainHTTPAdapter(adapter))

    def request(self, method, url, params=None, data=None, headers=None,
                cookies=None, files=None, auth=None, timeout=None,
                allow_redirects=True, proxies=None, hooks=None, stream=None,
                verify=None, cert=None, json=None):
        if (allow_redirects or cookies or files or auth or hooks or
                proxies or not self.plain() or not isinstance(url, str)):
            return super().request(
                method, url, params=params, data=data, headers=headers,
                cookies=cookies, files=files, auth=auth, timeout=timeout,
                allow_redirects=allow_redirects, proxies=proxies,
                hooks=hooks, stream=stream, verify=verify, cert=cert,
                json=json)
        return self._send_plain(method, url, params, data, headers, timeout,
                                stream, verify, cert, json)

    def _send_plain(self, method, url, params, data, headers, timeout,
                    stream, verify, cert, json):
        """What ``Session.request`` does for such a request, directly."""
        auth = self._netrc_auth(url)
        prepared = None
        if not data and json is None and auth is None:
            prepared = self._prepare_plain(method, url, params, headers)
        if prepared is None:
            prepared = requests.PreparedRequest()
            prepared.prepare(
                method=method.upper(), url=url, data=data or {}, json=json,
                params=params or {}, auth=auth,
                headers=requests_sessions.merge_setting(
                    headers, self.headers,
                    dict_class=requests_structures.CaseInsensitiveDict))
        return self.send_prepared(prepared, timeout, stream, verify, cert)

    def send_prepared(self, prepared, timeout, stream, verify, cert):
        """Send ``prepared`` as ``Session.request`` would send it."""
        settings = self.merge_environment_settings(
            prepared.url, {}, stream, verify, cert)
        adapter = self.get_adapter(url=prepared.url)
        start = time.perf_counter()
        response = adapter.send(prepared, timeout=timeout, **settings)
        response.elapsed = datetime.timedelta(
            seconds=time.perf_counter() - start)
        self.keep_cookies(response)
        if not settings['stream']:
            response.content
        return response

    def plain(self):
        """Whether this session adds nothing of its own to a request.

        No auth, cookies, parameters or hooks of the session: requests
        would merge them into every request.
        """
        return not (self.auth or len(self.cookies) or self.params or
                    any(self.hooks.values()))

    def keep_cookies(self, response):
        """Keep the cookies ``response`` sets, as requests' session does.

        Nothing for a placeholder of an answer read later
        (:func:`nova_faults.transport.answer_later`): its cookies are
        kept when it is read (:func:`_sent_now`).
        """
        if response.raw is None:
            return
        if transport.sets_cookies(getattr(response.raw, 'headers', None)):
            requests_cookies.extract_cookies_to_jar(
                self.cookies, response.request, response.raw)

    def _prepare_plain(self, method, url, params, headers):
        """``url`` with ``params``, prepared as requests would; or None.

        None when requests could prepare it otherwise: another method
        than ``GET``, a URL not matching :data:`_PLAIN_URL`, parameters
        that are not a dict of strings and lists of strings, header names
        that are not strings. Header values are checked by requests'
        own check, with its errors.
        """
        if method.upper() != 'GET':
            return None
        prepared_url = plain_url(url, params)
        if prepared_url is None:
            return None
        merged = requests_structures.CaseInsensitiveDict(self.headers)
        if headers:
            if type(headers) is not dict:
                return None
            merged.update(headers)
        for name, value in list(merged.items()):
            if value is None:
                del merged[name]
            elif type(name) is not str:
                return None
            else:
                requests_utils.check_header_validity((name, value))
        prepared = requests.PreparedRequest()
        prepared.method = 'GET'
        prepared.url = prepared_url
        prepared.headers = merged
        return prepared

    def _netrc_auth(self, url):
        """requests' ``.netrc`` credentials for ``url``'s host, read once."""
        if not self.trust_env:
            return None
        key = tuple(urlparse.urlsplit(url)[:2])
        if key not in self._netrc:
            self._netrc[key] = requests_utils.get_netrc_auth(url)
        return self._netrc[key]

    def merge_environment_settings(self, url, proxies, stream, verify,
                                   cert):
        if proxies:
            return super().merge_environment_settings(
                url, proxies, stream, verify, cert)
        key = (tuple(urlparse.urlsplit(url)[:2]), stream, verify, cert)
        settings = self._settings.get(key)
        if settings is None:
            settings = self._settings[key] = \
                super().merge_environment_settings(url, proxies, stream,
                                                   verify, cert)
        return dict(settings, proxies=dict(settings['proxies']))


# A URL that requests sends as it is given (but for a ``/`` path when it
# has none): its scheme and host as urllib3 normalizes them, a port, and
# a path of the characters that neither urllib3 nor requests quote.
_PLAIN_URL = re.compile(
    r"https?://[a-z0-9][a-z0-9.-]*(?::(?P<port>[1-9][0-9]{0,4}))?"
    r"(?P<path>/[A-Za-z0-9._~!$&'()*+,;=:@/-]*)?\Z")
# A path segment urllib3 removes (RFC 3986's dot segments).
_DOT_SEGMENT = re.compile(r'/\.\.?(?:/|\Z)')


def plain_url(url, params):
    """``url`` with ``params`` as requests prepares them; None if not plain.

    Plain: ``url`` matches :data:`_PLAIN_URL` without dot segments, and
    ``params`` is plain (:func:`_plain_query`).
    """
    match = _PLAIN_URL.match(url)
    if match is None or int(match.group('port') or 0) > 65535 or \
            _DOT_SEGMENT.search(match.group('path') or ''):
        return None
    query = _plain_query(params)
    if query is None:
        return None
    if not match.group('path'):
        url += '/'
    return url + '?' + query if query else url


def _plain_query(params):
    """requests' query string of ``params``; None if not plain.

    Plain: None, or a dict of string keys whose values are strings or
    lists (tuples) of strings; None values are left out, as requests does.
    """
    if not params:
        return ''
    if type(params) is not dict:
        return None
    pairs = []
    for key, values in params.items():
        if type(key) is not str:
            return None
        if type(values) is str:
            values = (values,)
        elif type(values) not in (list, tuple):
            return None
        for value in values:
            if value is None:
                continue
            if type(value) is not str:
                return None
            pairs.append((key, value))
    return urlparse.urlencode(pairs)


# What _loaded keeps per configuration. ``plain``: whether keystoneauth1
# only gives the answers (no retries, no timings collected; see
# _sending); ``patterns``: the requests it built, by kind (see _Sending).
_Loaded = collections.namedtuple(
    '_Loaded', ('session', 'auth', 'options', 'plain', 'patterns'))


def _loaded(conf):
    """The :data:`_Loaded` of ``conf``, loaded once.

    Once per ConfigOpts, as the ``[neutron]`` options are not mutable:
    the adapter options are the keyword arguments keystoneauth1's
    ``load_adapter_from_conf_options`` reads from them (the endpoint, the
    retries), which it would otherwise read again for every request.
    """
    with _LOCK:
        loaded = _LOADED.get(id(conf))
        if loaded is None or loaded[0]() is not conf:
            session = ks_loading.load_session_from_conf_options(
                conf, GROUP, session=_HTTPSession())
            auth = ks_loading.load_auth_from_conf_options(conf, GROUP)
            options = {}
            ks_adapter_loading.process_conf_options(conf[GROUP], options)
            # What keystoneauth1 would do with an answer beside giving it
            # (see _sending).
            plain = not (options.get('connect_retries') or
                         options.get('status_code_retries') or
                         getattr(conf[GROUP], 'collect_timing', False))
            loaded = _LOADED[id(conf)] = (
                weakref.ref(conf), _Loaded(session, auth, options, plain, {}))
        return loaded[1]


def reset(conf=None):
    """Forget loaded sessions and hints (tests change ``[neutron]``)."""
    with _LOCK:
        if conf is None:
            _LOADED.clear()
        else:
            _LOADED.pop(id(conf), None)
    _hints.clear()
    _pace.clear()


def get_adapter(conf, ctx):
    """A keystoneauth1 adapter to Neutron for the caller ``ctx``."""
    loaded = _loaded(conf)
    token = getattr(ctx, 'auth_token', None)
    auth = _UserToken(token, loaded.auth) if token else loaded.auth
    return ks_adapter.Adapter(
        loaded.session, auth=auth,
        global_request_id=getattr(ctx, 'global_id', None), raise_exc=True,
        **loaded.options)


def _chunks(items, size=MAX_SEARCH_IDS):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _list(adapter, collection, body_key, params):
    """Every resource of a filtered list (following ``next`` links)."""
    return _start_list(adapter, collection, body_key, params)()


def _start_list(adapter, collection, body_key, params, sending=None):
    """Ask for a filtered list now; returns the function that reads it.

    With ``sending`` (a :class:`_Sending` of this view), the first page's
    request is sent now and its answer read by the returned function
    (:func:`_sent_now`); otherwise it is all asked for when that function
    is called. It returns every resource of the list (following ``next``
    links), or raises :class:`NeutronUnavailable`.
    """
    url = '/v2.0/%s' % collection
    first = _sent_now(sending, url, params) if sending else \
        (lambda: adapter.get(url, params=params))

    def read():
        result = []
        try:
            response = first()
            while True:
                body = response.json()
                items = body[body_key]
                if not isinstance(items, list):
                    raise TypeError(body_key)
                result.extend(items)
                url = None
                for link in body.get('%s_links' % body_key) or ():
                    if link.get('rel') == 'next':
                        url = link['href']
                if not url:
                    return result
                response = adapter.get(url)
        except ks_exc.ClientException as exc:
            reason = type(exc).__name__
            status = getattr(exc, 'http_status', None)
            if status:
                reason = '%s (HTTP %s)' % (reason, status)
            raise NeutronUnavailable(reason=reason)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise NeutronUnavailable(
                reason='the %s list is not Neutron\'s' % collection)
    return read


def _sent_now(sending, url, params):
    """Send ``GET url`` now; returns the function giving its answer.

    The request is keystoneauth1's (:class:`_Sending`), and the transport
    sends it at once without waiting for the answer
    (:func:`nova_faults.transport.answer_later`). The answer is then
    taken as keystoneauth1 takes it: an error status raises its
    exception, and the failures of sending or reading are its
    exceptions; a redirect, or a rejected token that the auth plugin
    could drop (a service's, not the user's), makes the call once more
    through keystoneauth1, which follows the redirect or authenticates
    again. A request the transport cannot send that way has been sent
    and answered by keystoneauth1 already.
    """
    adapter = sending.adapter
    try:
        later, response = sending.send(url, params)
    except ks_exc.ClientException as exc:
        failure = exc

        def failed():
            raise failure
        return failed
    if later.exchange is None:
        return lambda: response

    def answer():
        with _as_keystoneauth(later.exchange.request.url):
            response = later.exchange.finish()
        adapter.session.session.keep_cookies(response)
        status = response.status_code
        if status in _REDIRECTS or (status == 401 and adapter.invalidate()):
            # keystoneauth1 follows a redirect, and asks again once with
            # a new token when its plugin could drop a rejected one.
            return adapter.get(url, params=params)
        if status >= 400:
            raise ks_exc.from_response(response, 'GET', response.url)
        return response
    return answer


@contextlib.contextmanager
def _as_keystoneauth(url):
    """requests' failures raised as keystoneauth1 raises them."""
    try:
        yield
    except requests.exceptions.SSLError as exc:
        raise ks_exc.SSLError('SSL exception connecting to %s: %s' % (
            url, exc))
    except requests.exceptions.Timeout:
        raise ks_exc.ConnectTimeout('Request to %s timed out' % url)
    except requests.exceptions.ConnectionError as exc:
        raise ks_exc.ConnectFailure(
            'Unable to establish connection to %s: %s' % (url, exc))
    except requests.exceptions.RequestException as exc:
        raise ks_exc.UnknownConnectionError(
            'Unexpected exception for %s: %s' % (url, exc), exc)


class _Sending:
    """How one view sends its calls now: keystoneauth1's requests.

    keystoneauth1 builds every call's request to Neutron the same way:
    the same headers (its User-Agent, requests' defaults) in the same
    order, but for the token and the request ID, and a URL of the
    endpoint, the path and the query. The first call of a kind (which
    auth headers, with or without a request ID) is built and sent by
    keystoneauth1; the request it built is then kept, per ``[neutron]``
    configuration, as the pattern of that kind, with the token and the
    ID left out, once its URL, token and ID are checked to be those
    this view would put in (:meth:`_learn`). The next calls of that kind
    are that request with their own URL, token and ID, sent by the same
    session and transport (:meth:`_HTTPSession.send_prepared`), without
    keystoneauth1's and requests' work of building them again: most of
    a call's processor time here. The endpoint and the token still come
    from keystoneauth1 for each view, so a new catalog or token is
    followed.

    Always built by keystoneauth1: a request while osprofiler traces
    the request (its headers vary per call), to a URL that is not plain
    (:func:`plain_url`) or to a host with ``.netrc`` credentials, and
    any while the session holds a cookie (:meth:`_HTTPSession.plain`).
    """

    def __init__(self, adapter, endpoint, patterns):
        self.adapter = adapter
        self.base = endpoint.rstrip('/')
        self.patterns = patterns
        self.key = self.slots = None
        session = adapter.session
        auth_headers = session.get_auth_headers(adapter.auth)
        if auth_headers and not _tracing():
            self.slots = {name.lower(): value
                          for name, value in auth_headers.items()}
            request_id = adapter.global_request_id
            if request_id is not None:
                self.slots[_REQUEST_ID.lower()] = request_id
            self.key = (tuple(sorted(self.slots)), request_id is not None)

    def send(self, path, params):
        """(:class:`transport.Later`, response) of ``GET path`` sent now."""
        url = '%s/%s' % (self.base, path.lstrip('/'))
        pattern = self.patterns.get(self.key) if self.slots else None
        prepared_url = plain_url(url, params) if pattern else None
        session = self.adapter.session
        http_session = session.session
        with transport.answer_later(url) as later:
            if prepared_url is None or not http_session.plain() or \
                    http_session._netrc_auth(prepared_url) is not None:
                response = self.adapter.get(path, params=params)
                if later.exchange is not None and self.slots:
                    self._learn(later.exchange.request, url, params)
            else:
                with _as_keystoneauth(prepared_url):
                    prepared = self._rebuilt(pattern, prepared_url)
                    response = http_session.send_prepared(
                        prepared, session.timeout, None, session.verify,
                        session.cert or None)
        return later, response

    def _rebuilt(self, pattern, url):
        """``pattern`` with this call's ``url``, token and request ID.

        The values put in are checked as requests checks them (a token
        may be anything a caller sent).
        """
        headers = requests_structures.CaseInsensitiveDict()
        for name, value in pattern:
            if value is _SLOT:
                value = self.slots[name.lower()]
                requests_utils.check_header_validity((name, value))
            headers[name] = value
        prepared = requests.PreparedRequest()
        prepared.method = 'GET'
        prepared.url = url
        prepared.headers = headers
        return prepared

    def _learn(self, request, url, params):
        """Keep keystoneauth1's ``request`` as the pattern of its kind."""
        headers = request.headers
        if request.url != plain_url(url, params) or \
                any(headers.get(name) != value
                    for name, value in self.slots.items()) or \
                (not self.key[1] and _REQUEST_ID in headers):
            return
        self.patterns[self.key] = tuple(
            (name, _SLOT if name.lower() in self.slots else value)
            for name, value in headers.items())


def _tracing():
    """Whether osprofiler traces this request (keystoneauth1 says so)."""
    web = sys.modules.get('osprofiler.web')
    return web is not None and bool(web.get_trace_id_headers())


def _check_port(port):
    """Raise NeutronUnavailable unless ``port`` is shaped as Neutron's."""
    if not isinstance(port, dict):
        raise NeutronUnavailable(reason='a port is not an object')
    groups = port.get('security_groups') or []
    if not isinstance(port.get('device_id'), (str, type(None))) or \
            not isinstance(groups, list) or \
            not all(isinstance(group, str) for group in groups):
        raise NeutronUnavailable(reason='a port is not Neutron\'s')


def _groups(adapter, group_ids):
    """``{id: group}`` of the groups of ``group_ids`` the caller sees."""
    return _start_groups(adapter, group_ids)()


def _start_groups(adapter, group_ids, sending=None):
    """:func:`_groups`, asked for now (see :func:`_start_list`)."""
    reads = [_start_list(adapter, 'security-groups', 'security_groups',
                         {'id': chunk, 'fields': _GROUP_FIELDS}, sending)
             for chunk in _chunks(group_ids)]

    def read():
        groups = {}
        for read_chunk in reads:
            for group in read_chunk():
                if isinstance(group, dict) and 'id' in group:
                    groups[group['id']] = group
        return groups
    return read


class _Hints:
    """The group ids each server's ports had when last asked.

    Only which ids to ask Neutron for at once; what is shown always
    comes from this request's answers. Bounded: the least recently
    asked servers are forgotten first.
    """

    def __init__(self, size):
        self.size = size
        self._ids = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, uuids):
        """The group ids last seen on any of ``uuids`` (maybe none)."""
        hinted = {}
        with self._lock:
            for uuid in uuids:
                hinted.update(dict.fromkeys(self._ids.get(uuid, ())))
        return list(hinted)

    def remember(self, uuids, ports):
        by_server = {uuid: [] for uuid in uuids}
        for port in ports:
            found = by_server.get(port.get('device_id'))
            if found is not None:
                found.extend(port.get('security_groups') or ())
        with self._lock:
            for uuid, ids in by_server.items():
                self._ids[uuid] = tuple(dict.fromkeys(ids))
                self._ids.move_to_end(uuid)
            while len(self._ids) > self.size:
                self._ids.popitem(last=False)

    def clear(self):
        with self._lock:
            self._ids.clear()


class _Pace:
    """How long a ports call has been taking (seconds, moving average).

    A second thread for the groups call costs about 0.5 ms of hand-offs
    on a 2-core machine, which is more than it saves when Neutron
    answers in a millisecond (the client's own work, which threads do not
    overlap under the GIL, is most of such a call); when Neutron takes
    its time, it saves about one round trip. NOTE: a call's time, seen
    from here, includes the waits of its thread for the GIL while the
    request's own thread runs: a busy worker saw 2 to 3 ms for calls that
    Neutron answered in half a millisecond, and overlapping them then
    added a thread to that contention (one server 4 to 7 % slower), hence
    a threshold well above that. The average follows the
    last few calls, so a Neutron that slows down (or recovers) changes
    the choice within a handful of requests. Updates are not locked: a
    lost one only delays that by one call.
    """

    WEIGHT = 0.25

    def __init__(self):
        self.seconds = 0.0

    def observe(self, seconds):
        self.seconds += self.WEIGHT * (seconds - self.seconds)

    def slow(self):
        return self.seconds > OVERLAP_ABOVE

    def clear(self):
        self.seconds = 0.0


_hints = _Hints(MAX_HINTS)
_pace = _Pace()
_GUESSES = daemon_pool.LazyPool(_MAX_GUESSES, 'nova-faults-neutron-groups')


def security_group_names(conf, ctx, instance_uuids):
    """``{instance uuid: [{'name': ...}]}`` of servers with groups.

    Nova's algorithm: the ports whose ``device_id`` is one of the
    servers, then the ``id`` and ``name`` of their groups; a group the
    caller may not see in Neutron is left out, and a group without a name
    shows its id. Servers without groups are absent.

    While Neutron is slow to answer (:class:`_Pace`), the two calls
    overlap when they can: the groups the servers' ports had when last
    asked (:class:`_Hints`) are asked for while the ports are. When the
    ports' groups are among them, that answer is used; otherwise
    (servers never asked about, groups changed) the groups are asked for
    after the ports, as Nova does.
    """
    uuids = [uuid for uuid in dict.fromkeys(instance_uuids) if uuid]
    if not uuids:
        return {}
    adapter = get_adapter(conf, ctx)
    hinted = _hints.get(uuids) if _pace.slow() else None
    guess = None
    if hinted:
        guess = _GUESSES.submit(_groups, adapter, hinted).result
    ports = []
    for chunk in _chunks(uuids):
        start = time.monotonic()
        ports.extend(_list(adapter, 'ports', 'ports',
                           {'device_id': chunk, 'fields': _PORT_FIELDS}))
        _pace.observe(time.monotonic() - start)
    return _bindings(adapter, uuids, ports, hinted, guess)


def start_security_group_names(conf, ctx, instance_uuids):
    """:func:`security_group_names`, asked for now; None if it cannot be.

    Returns the function that reads the answers (and raises
    :class:`NeutronUnavailable` as :func:`security_group_names` does), or
    None when the calls cannot be sent now and read later
    (:func:`_sending`).

    The ports are asked for now and, when the servers' ports had groups
    when last asked (:class:`_Hints`), those groups too: both requests
    are on their way, each on a connection of its own, while the caller
    goes on (reads its databases) in its own thread, and reading them
    costs only the reading. The guess is used as in
    :func:`security_group_names`; one not used is left unread (its
    connection closed).
    """
    uuids = [uuid for uuid in dict.fromkeys(instance_uuids) if uuid]
    if not uuids:
        return dict
    adapter = get_adapter(conf, ctx)
    sending = _sending(conf, adapter)
    if sending is None:
        return None
    reads = [_start_list(adapter, 'ports', 'ports',
                         {'device_id': chunk, 'fields': _PORT_FIELDS},
                         sending)
             for chunk in _chunks(uuids)]
    hinted = _hints.get(uuids)
    guess = _start_groups(adapter, hinted, sending) if hinted else None

    def read():
        ports = []
        for read_chunk in reads:
            ports.extend(read_chunk())
        return _bindings(adapter, uuids, ports, hinted, guess)
    return read


# The loggers keystoneauth1 writes each request and answer to, at DEBUG.
_KS_LOGGERS = tuple(logging.getLogger('keystoneauth.session' + suffix)
                    for suffix in ('', '.request', '.response', '.body',
                                   '.request-id'))


def _sending(conf, adapter):
    """How this view's calls are sent now (:class:`_Sending`), or None.

    None where they may not be: only over ``http://`` (the transport's
    plain ``GET``), and only where keystoneauth1 would do nothing with
    the answer but give it: no connection or status retries, no timings
    collected, and its request and answer not logged (at DEBUG it logs
    both, and an answer read later is not one it saw).
    """
    loaded = _loaded(conf)
    if not loaded.plain or \
            any(logger.isEnabledFor(logging.DEBUG) for logger in _KS_LOGGERS):
        return None
    try:
        endpoint = adapter.get_endpoint()
        if not (isinstance(endpoint, str) and
                endpoint.startswith('http://')):
            return None
        return _Sending(adapter, endpoint, loaded.patterns)
    except ks_exc.ClientException:
        return None         # said when asked as usual


def _bindings(adapter, uuids, ports, hinted, guess):
    """Each server's groups' names: the ports' groups, named.

    ``guess``: what reads the groups of ``hinted`` (asked for beside the
    ports), or None.
    """
    group_ids = []
    for port in ports:
        _check_port(port)
        group_ids.extend(port.get('security_groups') or ())
    group_ids = list(dict.fromkeys(group_ids))
    _hints.remember(uuids, ports)
    if not group_ids:
        # No groups to name: the guess, if any, is not waited for (nor
        # its failure taken for Neutron's), as no call would be made.
        groups = {}
    elif guess is not None and set(group_ids) <= set(hinted):
        # The groups asked for while the ports were: the ports' groups
        # are among them, and Neutron answers each id on its own.
        groups = guess()
    else:
        groups = _groups(adapter, group_ids)
    bindings = {}
    # NOTE: as Nova, a group on two ports of a server is listed twice.
    for port in ports:
        for group_id in port.get('security_groups') or ():
            group = groups.get(group_id)
            if group is None:
                continue
            bindings.setdefault(port.get('device_id'), []).append(
                {'name': group.get('name') or group['id']})
    return bindings
