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

"""Hostile input: generated requests never get a 500 or exception text.

Property-based (hypothesis, a bounded number of examples each:
``NOVA_FAULTS_HYPOTHESIS_EXAMPLES``, default 300, shared among the seeds
of ``tests/hypothesis_profiles.py``) over every route of the
route table: path segments, query strings, the version, request-id,
token and role headers, methods and ``PUT`` bodies. Every answer is a
success with a JSON body (or 204), the keystonemiddleware-shaped 401, or
a well-formed Nova fault whose code is the status; never a 5xx, never a
traceback, a source path or a module path.

Input limits: oversized headers (431), request lines (414) and bodies
(413) are refused with Nova faults by the live server and by the paste
application; what the HTTP server cannot read is a fault with request
IDs too (400);
``limit`` above ``[api] max_limit`` is capped. SQL metacharacters in a
marker or a filter are inert on SQLite, MariaDB and PostgreSQL.
"""

import json
import re
import socket
import urllib.parse

import hypothesis
from hypothesis import strategies as st

from nova_faults.api import router
from nova_faults import recording
from nova_faults.tests.functional import base
from nova_faults.tests.functional import figures
from nova_faults.tests.functional import fuzz
from nova_faults.tests.functional import servers_base
from nova_faults.tests import hypothesis_profiles

# Examples, seeds and replay: tests/hypothesis_profiles.py (a fixed list
# of seeds in CI, random ones on demand, each failure names its seed).
SETTINGS = hypothesis_profiles.settings(
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate])

# What a response must never show.
FORBIDDEN = re.compile(
    r'Traceback|File "|\.py", line|nova_faults\.(?!api\b)|sqlalchemy|psycopg|'
    r'pymysql|oslo_db|keystoneauth1|DBError|OperationalError',
    re.IGNORECASE)

# A header value a client can send: printable Latin-1, no line breaks.
_HEADER_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xff,
                           blacklist_characters='\x7f'),
    max_size=80)
_VERSIONS = st.one_of(
    st.sampled_from(['2.1', '2.11', '2.21', '2.47', '2.51', '2.53', '2.58',
                     '2.62', '2.66', '2.69', '2.73', '2.75', '2.84', '2.96',
                     '2.100', '2.102', '2.104', 'latest', '2.0', '3.0',
                     '2.105', '2.01', 'LATEST', '', ' 2.5 ', '2.', '.5']),
    st.builds('{}.{}'.format, st.integers(0, 3), st.integers(0, 200)),
    _HEADER_TEXT)
_TEXT = st.text(max_size=40)
_QUERY_NAMES = sorted({
    'limit', 'marker', 'changes-since', 'changes-before', 'all_tenants',
    'name', 'status', 'ip', 'ip6', 'host', 'binary', 'sort_key', 'sort_dir',
    'tags', 'tags-any', 'not-tags', 'not-tags-any', 'locked', 'deleted',
    'tenant_id', 'project_id', 'user_id', 'flavor', 'image', 'vm_state',
    'task_state', 'uuid', 'node', 'hostname', 'availability_zone',
    'created_at', 'launched_at', 'config_drive', 'key_name', 'power_state',
    'soft_deleted', 'metadata', '_hidden', 'block_device_mapping',
    'reservation_id', 'progress', 'description', 'foo'})
_QUERY_VALUES = st.one_of(
    _TEXT,
    st.sampled_from(['', '0', '1', '-1', '1000000000000000000000', 'True',
                     'false', '2026-11-23T10:00:00Z', '2026-13-45',
                     '.*', '(', '[', '\\', '%', '_', "' OR '1'='1",
                     'ACTIVE', 'ERROR', 'deleted', 'created_at', 'desc',
                     'sideways', 'a,b', 'null', '\x00']),
    st.integers(-10, 10 ** 20).map(str))
_QUERY = st.lists(st.tuples(st.one_of(st.sampled_from(_QUERY_NAMES), _TEXT),
                            _QUERY_VALUES), max_size=6)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(
        allow_nan=False) | _TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        _TEXT, children, max_size=4), max_leaves=12)
_BODY_KEYS = st.sampled_from(['host', 'binary', 'status', 'disabled_reason',
                              'forced_down', 'service', 'x'])
_BODY_VALUES = st.one_of(
    st.sampled_from(['compute1', 'nova-compute', 'nova-conductor',
                     'enabled', 'disabled', 'true', 'False', 'yes', '',
                     True, False, None, 0, 'x' * 300]), _JSON)
_BODIES = st.one_of(
    st.none(),
    st.dictionaries(_BODY_KEYS, _BODY_VALUES, max_size=4).map(json.dumps),
    _JSON.map(json.dumps),
    st.binary(max_size=60),
    st.sampled_from(['{', '[]', 'null', '{"host": ', '\ufeff{}']))


def check_response(test, resp, what, head=False):
    """A success, the 401, or a Nova fault; never a 5xx or code text."""
    status = resp.status_int
    text = resp.body.decode('utf-8', 'replace')
    request = what
    what = '%s -> %s %s' % (what, status, text)
    test.assertLess(status, 500, what)
    if head:
        # No body to a HEAD request.
        test.assertEqual('', text, what)
        return
    if status < 400:
        # NOTE: an administrator's success may carry event tracebacks by
        # design; what non-admins see is the leak tests' business.
        if status != 204 and text:
            test.assertIsInstance(_json_or_none(text), dict, what)
        return
    # NOTE: hypothesis also draws strings from the code's constants; what
    # the request itself sent may be echoed ("API Version String <x> is
    # of invalid format").
    test.assertEqual([], forbidden(text, request), what)
    body = _json_or_none(text)
    test.assertIsInstance(body, dict, what)
    if status == 401:
        test.assertEqual(401, body['error']['code'], what)
        return
    test.assertEqual(1, len(body), '%s -> %s' % (what, text))
    (root, inner), = body.items()
    test.assertEqual(status, inner['code'], '%s -> %s' % (what, text))
    test.assertIsInstance(inner['message'], str)
    test.assertEqual(
        'application/json; charset=UTF-8', resp.headers['Content-Type'])


def forbidden(text, request=''):
    """What ``text`` shows of code or tracebacks, not sent by the client."""
    return [m.group(0) for m in FORBIDDEN.finditer(text)
            if m.group(0).lower() not in request.lower()]


def _json_or_none(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


def _route_paths(values):
    """{template: strategy of paths} with real and hostile segments."""
    segment = st.one_of(
        _TEXT.filter(lambda s: s and '/' not in s and s not in ('.', '..'))
        .map(lambda s: urllib.parse.quote(s, safe='')),
        st.sampled_from(['%00', '%ff', '%2F', '..%2F..', 'a' * 300,
                         "'%20OR%201=1", '%C0%AE', '-1', '0',
                         '00000000-0000-0000-0000-000000000000']))
    templates = {}
    for template in router.ROUTES:
        names = re.findall(r'\{(\w+)\}', template)
        parts = [st.one_of(st.sampled_from(values[name]), segment)
                 for name in names]

        def build(args, template=template, names=names):
            path = template
            for name, value in zip(names, args):
                path = path.replace('{%s}' % name, value)
            return path
        templates[template] = st.tuples(*parts).map(build)
    return templates


class TestGeneratedRequests(servers_base.ServersTestCase):
    """Every route, every header, random everything: no 500."""

    cell_count = 1

    def setUp(self):
        super().setUp()
        # A request spec, as every server Nova creates has (tempest's
        # schemas, the oracle of test_query_strings, expect one).
        server = self.make_server(project_id=base.PROJECT_ID,
                                  vm_state='error', fault={'code': 500},
                                  request_spec={'project_id': base.PROJECT_ID,
                                                'user_id': 'demo',
                                                'scheduler_hints': {}})
        ctx = self.cell_ctx(self.cell(0))
        ctx.user_id, ctx.project_id = 'demo', base.PROJECT_ID
        action = recording.record_action_start(ctx, server['uuid'],
                                               'resize')
        try:
            with recording.EventReporter(ctx, 'compute_resize', 'compute1',
                                         server['uuid']):
                raise ValueError('no room')
        except ValueError:
            pass
        service = self.make_service(host='compute1')
        self.values = {
            'server_id': [server['uuid']],
            'request_id': [action['request_id']],
            'service_id': [service['uuid'], str(service['id']), 'enable',
                           'disable', 'disable-log-reason', 'force-down'],
        }
        self.requests = 0
        self.tempest_checked = 0

    def _send(self, method, path, query, headers, body=None):
        url = path
        if query:
            url += '?' + urllib.parse.urlencode(query)
        resp = self.api.request(method, url, user=None, headers=headers,
                                body=body, content_type=None)
        self.requests += 1
        what = '%s %s %r %r' % (method, url, headers, body)
        check_response(self, resp, what, head=method == 'HEAD')
        return resp

    def _headers(self, data):
        headers = {}
        token = data.draw(st.one_of(
            st.sampled_from(['admin:%s' % base.PROJECT_ID,
                             'demo:%s' % base.PROJECT_ID,
                             'demo:%s' % base.OTHER_PROJECT_ID,
                             'admin', ':', 'a:b:c', '']), _HEADER_TEXT))
        headers['X-Auth-Token'] = token
        if data.draw(st.booleans()):
            headers['OpenStack-API-Version'] = data.draw(st.one_of(
                _VERSIONS.map('compute {}'.format),
                _VERSIONS.map('volume {}'.format), _HEADER_TEXT))
        if data.draw(st.booleans()):
            headers['X-OpenStack-Nova-API-Version'] = data.draw(_VERSIONS)
        if data.draw(st.booleans()):
            headers['X-Openstack-Request-Id'] = data.draw(st.one_of(
                st.just('req-00000000-0000-0000-0000-000000000000'),
                st.just('REQ-X'), _HEADER_TEXT))
        if data.draw(st.booleans()):
            headers['X-Roles'] = data.draw(st.one_of(
                st.sampled_from(['admin', 'reader', '', ',,', 'member,admin',
                                 'ADMIN', 'reader, member']),
                _HEADER_TEXT))
        return headers

    def test_every_route(self):
        paths = _route_paths(self.values)
        methods = st.sampled_from(['GET', 'GET', 'GET', 'PUT', 'DELETE',
                                   'POST', 'PATCH', 'HEAD'])

        @SETTINGS
        @hypothesis.given(data=st.data())
        def run(data):
            template = data.draw(st.sampled_from(sorted(router.ROUTES)))
            path = data.draw(paths[template])
            if data.draw(st.booleans()):
                path = '/%s%s' % (data.draw(st.sampled_from(
                    [base.PROJECT_ID, base.OTHER_PROJECT_ID, 'abc'])), path)
            method = data.draw(methods)
            body = data.draw(_BODIES) if method in ('PUT', 'POST') else None
            self._send(method, path, data.draw(_QUERY),
                       self._headers(data), body)
        hypothesis_profiles.explore(run, self.id())
        figures.record(self, 'requests', ('%d' % self.requests))

    def test_query_strings(self):
        @SETTINGS
        @hypothesis.given(
            template=st.sampled_from(sorted(
                t for t, m in router.ROUTES.items() if 'GET' in m)),
            query=_QUERY, version=_VERSIONS,
            user=st.sampled_from(['admin', 'demo']))
        def run(template, query, version, user):
            path = template
            for name, values in self.values.items():
                path = path.replace('{%s}' % name, values[0])
            resp = self._send('GET', path, query, {
                'X-Auth-Token': '%s:%s' % (user, base.PROJECT_ID),
                'OpenStack-API-Version': 'compute %s' % version})
            # An oracle from outside our code: a success matches
            # tempest's response schema for its route and microversion.
            if resp.status_int == 200 and servers_base.tempest_validate(
                    template, 'GET', None, resp.headers[
                        'OpenStack-API-Version'].split()[-1], 200,
                    resp.json):
                self.tempest_checked += 1
        hypothesis_profiles.explore(run, self.id())
        figures.record(self, 'requests', '%d (%d checked by tempest)' % (
            self.requests, self.tempest_checked))
        self.assertGreater(self.tempest_checked, 0)

    def test_raw_query_strings(self):
        @SETTINGS
        @hypothesis.given(raw=st.binary(max_size=80),
                          version=_VERSIONS)
        def run(raw, version):
            req_path = '/v2.1/servers/detail?' + urllib.parse.quote_from_bytes(
                raw, safe=b'=&%+')
            resp = self.api.request('GET', req_path, absolute=True,
                                    version=version)
            self.requests += 1
            # What the request sent (query and version) may be echoed.
            check_response(self, resp, '%r %s' % (raw, version))
        hypothesis_profiles.explore(run, self.id())
        figures.record(self, 'requests', '%d' % self.requests)

    def test_put_bodies(self):
        @SETTINGS
        @hypothesis.given(
            service_id=st.sampled_from(self.values['service_id'] +
                                       ['x', '1', '-1']),
            body=_BODIES, version=_VERSIONS,
            content_type=st.sampled_from([None, 'application/json',
                                          'text/plain', 'application/xml',
                                          'application/json; charset=x']))
        def run(service_id, body, version, content_type):
            resp = self.api.put('/os-services/%s' % service_id, body,
                                version=version, content_type=content_type)
            self.requests += 1
            check_response(self, resp, '%s %r %s %s' % (
                service_id, body, version, content_type))
        hypothesis_profiles.explore(run, self.id())
        figures.record(self, 'requests', '%d' % self.requests)


class TestInputLimits(servers_base.ServersTestCase):
    """Oversized input is refused with a 4xx, live and in-process."""

    cell_count = 1
    conf_overrides = {('api', 'max_limit'): 3}

    def setUp(self):
        super().setUp()
        self.server = self.make_server(project_id=base.PROJECT_ID)
        for _ in range(5):
            self.make_server(project_id=base.PROJECT_ID)
        self.live = self.useFixture(base.LiveServer(self.app))

    def _raw(self, method, path, headers=None, body=None):
        """(status, body) of a request sent over a socket.

        The server may refuse a request before the client has sent it all
        (a size limit): fuzz.send reads the answer all the same.
        """
        headers = dict({'X-Auth-Token': 'admin:%s' % base.PROJECT_ID},
                       **(headers or {}))
        request = fuzz.RawRequest(
            'raw', 0, method.encode(), path.encode(),
            [(name.encode(), value.encode())
             for name, value in headers.items()],
            (body or '').encode())
        response = fuzz.send(self.live.port, request)
        self.assertIsNotNone(response, 'no answer: %s' % request.describe())
        return response.status, response.body

    def test_oversized_header_live(self):
        status, body = self._raw('GET', '/v2.1/servers',
                                 headers={'X-Big': 'x' * (1024 * 1024)})
        self.assertEqual(431, status, body[:200])
        self.assertEqual(431, json.loads(body)['computeFault']['code'])

    def test_oversized_query_string_live(self):
        status, body = self._raw('GET', '/v2.1/servers?name=' +
                                 'x' * (1024 * 1024))
        self.assertEqual(414, status, body[:200])
        self.assertEqual(414, json.loads(body)['computeFault']['code'])

    def test_oversized_body_live_and_in_process(self):
        big = json.dumps({'host': 'x' * (200 * 1024),
                          'binary': 'nova-compute'})
        status, body = self._raw(
            'PUT', '/v2.1/os-services/disable', body=big,
            headers={'Content-Type': 'application/json'})
        self.assertEqual(413, status, body[:200])
        self.assertEqual(413, json.loads(body)['overLimit']['code'])
        resp = self.api.put('/os-services/disable', big)
        self.assertFault(resp, 413, 'overLimit')

    def test_long_query_in_process(self):
        resp = self.api.get('/servers?name=' + 'x' * 100000)
        self.assertEqual(200, resp.status_int)
        self.assertEqual([], resp.json['servers'])

    def test_limit_is_capped(self):
        for path in ('/servers?limit=1000000', '/servers/detail?limit=999',
                     '/servers?limit=' + '9' * 5000,
                     '/servers/detail?limit=000000000000000000000007'):
            resp = self.api.get(path)
            self.assertEqual(200, resp.status_int)
            self.assertEqual(3, len(resp.json['servers']))
            self.assertIn('servers_links', resp.json)
        ctx = self.cell_ctx(self.cell(0))
        ctx.user_id, ctx.project_id = 'demo', base.PROJECT_ID
        for index in range(5):
            ctx.request_id = 'req-%08d-0000-0000-0000-000000000000' % index
            recording.record_action_start(ctx, self.server['uuid'], 'stop')
        for limit in ('10000', '9' * 5000):
            resp = self.api.get('/servers/%s/os-instance-actions?limit=%s'
                                % (self.server['uuid'], limit),
                                version='2.58')
            self.assertEqual(200, resp.status_int)
            self.assertEqual(3, len(resp.json['instanceActions']))

    def test_huge_service_id_names_no_service(self):
        for number in ('1' * 256, str(2 ** 31), str(-2 ** 63)):
            resp = self.api.delete('/os-services/%s' % number)
            self.assertFault(resp, 404, 'itemNotFound')

    def _put_chunked(self, body):
        """Send ``body`` as is, chunk framing included; (request, answer)."""
        headers = [
            (b'X-Auth-Token', b'admin:' + base.PROJECT_ID.encode()),
            (b'Content-Type', b'application/json'),
            (b'Transfer-Encoding', b'chunked')]
        request = fuzz.RawRequest(
            'raw', 0, b'PUT', b'/v2.1/os-services/disable', headers,
            body, content_length=False)
        response = fuzz.send(self.live.port, request)
        self.assertIsNotNone(response, 'no answer: %s' % request.describe())
        self.assertEqual([], fuzz.problems(request, response))
        return response

    def test_badly_framed_chunked_body_live(self):
        for body in (b'zz\r\n{}\r\n0\r\n\r\n', b'5\r\n{}\r\n',
                     b'-1\r\n\r\n'):
            response = self._put_chunked(body)
            self.assertEqual(400, response.status, response.body)

    def test_chunked_body_without_length_live(self):
        # 200 KiB in 1 KiB chunks, no Content-Length. The server may answer
        # 413 and close before the client has sent it all (fuzz.send
        # reads the answer all the same).
        body = b''.join(b'400\r\n' + b'x' * 1024 + b'\r\n'
                        for _ in range(200)) + b'0\r\n\r\n'
        response = self._put_chunked(body)
        self.assertEqual(413, response.status, response.body[:200])
        self.assertEqual(413, json.loads(response.body)['overLimit']['code'])


# SQL metacharacters that must be taken literally.
SQL_PAYLOADS = ("' OR '1'='1", "%", "_", "'; DROP TABLE instances; --",
                "%' --", '"', "1); SELECT 1; --", "\\'", "`", "%%", "*")


class _SQLMetacharacters:
    """Markers and filters with SQL metacharacters are inert (a mixin)."""

    cell_count = 1

    def setUp(self):
        super().setUp()
        self.servers = [self.make_server(project_id=base.PROJECT_ID)
                        for _ in range(3)]
        uuid = self.servers[0]['uuid']
        ctx = self.cell_ctx(self.cell(0))
        ctx.user_id, ctx.project_id = 'demo', base.PROJECT_ID
        self.request_ids = []
        for request_id in ("req-a' OR '1'='1", 'req-b%', 'req-c_',
                           "req-d'; DROP TABLE instance_actions; --"):
            ctx.request_id = request_id
            self.request_ids.append(recording.record_action_start(
                ctx, uuid, 'reboot')['request_id'])
            ctx.timestamp = self.next_time()

    def _names(self, resp):
        return sorted(s['name'] for s in resp.json['servers'])

    def test_filters(self):
        everything = self._names(self.api.get('/servers/detail'))
        self.assertEqual(3, len(everything))
        for payload in SQL_PAYLOADS:
            for name in ('name', 'ip', 'ip6', 'host', 'node', 'key_name',
                         'hostname', 'image', 'flavor', 'reservation_id',
                         'tenant_id', 'user_id', 'uuid', 'tags',
                         'availability_zone', 'locked_by', 'vm_state',
                         'task_state'):
                for version in ('2.26', '2.90'):
                    query = urllib.parse.urlencode({name: payload,
                                                    'all_tenants': '1'})
                    resp = self.api.get('/servers/detail?' + query,
                                        version=version)
                    # A regex that does not compile is a 400; anything
                    # else lists nothing (no name holds these).
                    self.assertIn(resp.status_int, (200, 400),
                                  '%s=%r: %s' % (name, payload, resp.text))
                    if resp.status_int == 200:
                        self.assertEqual([], resp.json['servers'],
                                         '%s=%r' % (name, payload))
            resp = self.api.get('/servers?' + urllib.parse.urlencode(
                {'sort_key': 'display_name', 'sort_dir': payload}))
            self.assertEqual(400, resp.status_int, resp.text)
        # Nothing was changed or dropped.
        self.assertEqual(everything,
                         self._names(self.api.get('/servers/detail')))

    def test_regex_dialects(self):
        # Python compiles these; a database may not (MariaDB's PCRE,
        # PostgreSQL's ARE). Its refusal is a 400, never a cell taken for
        # down (a 503, or minimal records from 2.69).
        for regex in fuzz.REGEXES:
            try:
                re.compile(regex)
            except re.error:
                continue
            for name in ('name', 'node', 'image'):
                query = urllib.parse.urlencode({name: regex})
                resp = self.api.get('/servers/detail?' + query,
                                    version='2.69')
                what = '%s=%r: %s' % (name, regex, resp.text)
                if resp.status_int == 400:
                    self.assertFault(resp, 400, 'badRequest')
                    continue
                self.assertEqual(200, resp.status_int, what)
                for server in resp.json['servers']:
                    self.assertIn('name', server, what)

    def test_markers(self):
        for payload in SQL_PAYLOADS:
            query = urllib.parse.urlencode({'marker': payload})
            resp = self.api.get('/servers?' + query)
            self.assertFault(resp, 400, 'badRequest',
                             'marker [%s] not found' % payload)
            resp = self.api.get('/servers/%s/os-instance-actions?%s' % (
                self.servers[0]['uuid'], query), version='2.58')
            self.assertFault(resp, 400, 'badRequest',
                             'Marker %s could not be found.' % payload)
        # Request IDs holding metacharacters are markers like any other.
        newest_first = list(reversed(self.request_ids))
        for index, marker in enumerate(newest_first):
            resp = self.api.get('/servers/%s/os-instance-actions?%s' % (
                self.servers[0]['uuid'],
                urllib.parse.urlencode({'marker': marker})), version='2.58')
            self.assertEqual(200, resp.status_int, resp.text)
            self.assertEqual(
                newest_first[index + 1:],
                [a['request_id'] for a in resp.json['instanceActions']])
            resp = self.api.get('/servers/%s/os-instance-actions/%s' % (
                self.servers[0]['uuid'], urllib.parse.quote(marker, safe='')),
                version='2.84')
            self.assertEqual(200, resp.status_int, resp.text)
            self.assertEqual(marker,
                             resp.json['instanceAction']['request_id'])


class TestSQLMetacharactersSQLite(_SQLMetacharacters,
                                  servers_base.ServersTestCase):
    backends = ['sqlite']


class TestSQLMetacharactersMySQL(_SQLMetacharacters,
                                 servers_base.ServersTestCase):
    backends = ['mysql']


class TestSQLMetacharactersPostgreSQL(_SQLMetacharacters,
                                      servers_base.ServersTestCase):
    backends = ['postgresql']


class TestLiveRawRequests(servers_base.ServersTestCase):
    """Raw request lines (any byte in path and query) to the live server."""

    cell_count = 1

    def setUp(self):
        super().setUp()
        self.server = self.make_server(project_id=base.PROJECT_ID)
        self.live = self.useFixture(base.LiveServer(self.app))
        self.requests = 0

    def _raw(self, target, headers=b''):
        sock = socket.create_connection(('127.0.0.1', self.live.port),
                                        timeout=30)
        try:
            sock.sendall(b'GET ' + target + b' HTTP/1.1\r\nHost: nf\r\n'
                         b'X-Auth-Token: admin:' +
                         base.PROJECT_ID.encode() + b'\r\n' + headers +
                         b'Connection: close\r\n\r\n')
            data = b''
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        finally:
            sock.close()
        self.requests += 1
        return data

    def test_raw_request_lines(self):
        prefixes = st.sampled_from([
            b'/v2.1/', b'/v2.1/servers/', b'/v2.1/servers/detail?',
            b'/v2.1/servers/%s/os-instance-actions/' %
            self.server['uuid'].encode(), b'/v2.1/os-services/', b'/',
            b'//', b'/v2.1/%s/' % base.PROJECT_ID.encode()])
        # Any byte but the ones that end a request line.
        tail = st.binary(max_size=60).map(
            lambda b: bytes(c for c in b if c not in b' \r\n\x00'))

        @SETTINGS
        @hypothesis.given(prefix=prefixes, rest=tail)
        def run(prefix, rest):
            data = self._raw(prefix + rest)
            head, _sep, body = data.partition(b'\r\n\r\n')
            status = int(head.split(b' ', 2)[1])
            what = '%r -> %r' % (prefix + rest, data[:300])
            self.assertLess(status, 500, what)
            self.assertEqual([], forbidden(
                body.decode('utf-8', 'replace'), repr(prefix + rest)), what)
            request = fuzz.RawRequest('raw', 0, b'GET', prefix + rest)
            self.assertEqual([], fuzz.problems(request, fuzz.parse(data)))
        hypothesis_profiles.explore(run, self.id())
        figures.record(self, 'requests', '%d' % self.requests)

    # (request line or None, extra header lines, status, fault root,
    # start of the message)
    REFUSALS = (
        (b'GET /v2.1/servers HTTP/2.0', b'', 400, 'badRequest',
         'Unsupported HTTP version'),
        (b'GET /v2.1/servers HTTP/1.x', b'', 400, 'badRequest',
         'Malformed request line'),
        (b'GET  /v2.1/servers HTTP/1.1', b'', 400, 'badRequest',
         'Malformed request line'),
        (b'G\xc3\x89T /v2.1/servers HTTP/1.1', b'', 400, 'badRequest',
         'Malformed request line: bad method'),
        (b'GET http://nova-faults/v2.1/servers HTTP/1.1', b'', 400,
         'badRequest', 'Absolute URI not allowed'),
        (b'GET v2.1/servers HTTP/1.1', b'', 400, 'badRequest',
         'Malformed request target'),
        (b'GET /v2.1/servers#top HTTP/1.1', b'', 400, 'badRequest',
         'Malformed request target'),
        (b'GET /v2.1/servers HTTP/1.1', b'Transfer-Encoding: gzip\r\n',
         400, 'badRequest', 'Unsupported Transfer-Encoding'),
        (b'GET /v2.1/servers HTTP/1.1', b'Content-Length: x\r\n', 400,
         'badRequest', 'Malformed Content-Length'),
        (b'GET /v2.1/servers HTTP/1.1', b'No colon\r\n', 400,
         'badRequest', 'Illegal header line'),
        (b'GET /' + b'a' * (70 * 1024) + b' HTTP/1.1', b'', 414,
         'computeFault', 'The request line is longer'),
        (b'GET /v2.1/servers HTTP/1.1', b'X-Big: ' + b'x' * (70 * 1024) +
         b'\r\n', 431, 'computeFault', 'The request headers are larger'),
        # Read leniently, answered by the application.
        (b'GET //v2.1/servers HTTP/1.1', b'', 404, 'itemNotFound', None),
        (b'GET /v2.1/servers/\xe2\x98\x83 HTTP/1.1', b'', 404,
         'itemNotFound', 'Instance \u2603 could not be found.'),
        (b'GET /v2.1/servers/\xff\x01 HTTP/1.1', b'', 404, 'itemNotFound',
         None),
        (b'GET /v2.1/servers/%E6%9C%8D/os-instance-actions HTTP/1.1', b'',
         404, 'itemNotFound', 'Instance \u670d could not be found.'),
    )

    def test_refusals_are_faults_with_request_ids(self):
        token = b'X-Auth-Token: admin:' + base.PROJECT_ID.encode() + b'\r\n'
        for line, headers, status, root, message in self.REFUSALS:
            request = fuzz.RawRequest('raw', 0, b'GET', b'/', [
                token, headers], request_line=line + b'\r\n')
            response = fuzz.send(self.live.port, request)
            what = '%r -> %r' % (line[:80], response and (
                response.status, response.body[:300]))
            self.assertEqual([], fuzz.problems(request, response), what)
            self.assertEqual(status, response.status, what)
            body = json.loads(response.body)
            self.assertEqual([root], list(body), what)
            self.assertEqual(status, body[root]['code'], what)
            if message:
                self.assertTrue(body[root]['message'].startswith(message),
                                what)
            self.assertEqual(response.header('X-Openstack-Request-Id'),
                             response.header('X-Compute-Request-Id'))
