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

"""A seeded raw-HTTP fuzzer: hostile requests and what a good answer is.

Each request is built from its own ``random.Random('<seed>:<class>:<n>')``
so any failure is reproduced by its seed, class and number alone, and
the number of requests of one class never changes the requests of
another. The classes:

* ``query``: every route's query parameters with numbers out of range,
  dates at the ends of the calendar with offsets, unicode (encoded and
  invalid UTF-8), NUL, very long values, repeated and odd names;
* ``path``: every route's path variables (and extra segments) as raw and
  encoded unicode, raw bytes, encoded slashes, dot segments, very long
  segments, empty segments, absolute and odd request targets;
* ``header``: versions, request IDs, tokens, roles, Accept and
  Content-Type values, raw non-Latin-1 bytes, malformed and oversized
  header lines, odd request lines and protocol versions, framing;
* ``body``: every route with ``PUT``/``POST`` bodies nested thousands
  deep, larger than the limit, not UTF-8, of the wrong types, with huge
  numbers, lone surrogates, duplicate keys and odd content types.

:func:`send` writes the bytes to a socket, half-closes it (so that no
framing error can make the server wait for more) and reads the answer;
:func:`problems` lists what is wrong with it: a 5xx, a 4xx that is not a
Nova fault body (or the 401 of keystonemiddleware) with the request-ID
headers, a traceback or internal name in a body, no answer, or a hang.
"""

import json
import random
import re
import socket
import urllib.parse

CLASSES = ('query', 'path', 'header', 'body')

# What a response must never show.
FORBIDDEN = re.compile(
    r'Traceback|File "|\.py", line|nova_faults\.(?!api\b)|sqlalchemy|'
    r'psycopg|pymysql|oslo_db|keystoneauth1|DBError|OperationalError|'
    r'RecursionError|OverflowError|is not responding',
    re.IGNORECASE)

# Parameter names the routes read, and some they do not.
QUERY_NAMES = (
    'limit', 'marker', 'changes-since', 'changes-before', 'all_tenants',
    'name', 'status', 'ip', 'ip6', 'host', 'binary', 'sort_key',
    'sort_dir', 'tags', 'tags-any', 'not-tags', 'not-tags-any', 'locked',
    'deleted', 'tenant_id', 'project_id', 'user_id', 'flavor', 'image',
    'vm_state', 'task_state', 'uuid', 'node', 'hostname',
    'availability_zone', 'created_at', 'launched_at', 'config_drive',
    'key_name', 'power_state', 'soft_deleted', 'reservation_id',
    'locked_by', 'description', 'progress', 'metadata', 'foo', '')
DATE_NAMES = ('changes-since', 'changes-before', 'created_at',
              'launched_at', 'terminated_at', 'updated_at')
NUMBER_NAMES = ('limit', 'power_state', 'progress', 'marker', 'flavor',
                'all_tenants', 'deleted', 'locked', 'soft_deleted')

NUMBERS = (
    '-1', '0', '1', '-0', '+5', '01', ' 1', '1 ', '1.5', '1e3', '1e309',
    '-1e309', 'NaN', 'nan', 'Infinity', '-Infinity', 'inf', '0x10', '1_000',
    '2147483647', '2147483648', '-2147483649', '4294967296',
    '9223372036854775807', '9223372036854775808', '-9223372036854775809',
    '18446744073709551616', '3.4e38', '1.7976931348623157e+308',
    '\u0661\u0662\u0663', '\u00bd', '\uff11', '\u2167', '1' * 400,
    '9' * 5000, '-' + '9' * 4301, '0.' + '0' * 400 + '1')

VERSIONS = (
    '2.1', '2.11', '2.16', '2.21', '2.47', '2.53', '2.58', '2.66', '2.69',
    '2.75', '2.84', '2.96', '2.100', '2.104', 'latest', 'LATEST', '2.0',
    '3.0', '2.105', '2.01', '2.', '.5', '', ' 2.5 ', '2.1.1', '02.1',
    '2.99999999999999999999', '-2.1', '2.-1', '\u0662.\u0661',
    '2.1, 2.5', 'compute', '2.1\t')

TOKENS = ('admin:%(project)s', 'demo:%(project)s', 'demo:%(other)s',
          'admin', ':', 'a:b:c', '', ' ', 'admin:', ':%(project)s',
          'admin:%(project)s:x', 'x' * 5000)

ROLES = ('admin', 'reader', 'member', '', ',,', 'member,admin', 'ADMIN',
         'reader, member', 'admin' * 1000, 'r\u00e9ader', ' , ')

ACCEPTS = ('application/json', '*/*', 'application/xml', 'text/html',
           'application/vnd.openstack.compute+json', 'application/json;q=0',
           'garbage', '', ';;;', 'application/json; charset=ebcdic',
           'text/*;q=0.5, application/*;q=abc', '*/*;' * 300)

CONTENT_TYPES = ('application/json', 'text/plain', 'application/xml',
                 'application/json; charset=x', 'application/json;',
                 'multipart/form-data; boundary=x', '', ';', 'json',
                 'application/x-www-form-urlencoded',
                 'application/vnd.openstack.compute+json',
                 'application/json; charset=utf-16', 'a' * 3000)

REQUEST_IDS = ('req-00000000-0000-0000-0000-000000000000',
               'req-ABCDEF00-0000-0000-0000-000000000000', 'REQ-X', '',
               'req-', 'req-' + 'a' * 500, 'req-\u2603',
               'req-00000000-0000-0000-0000-000000000000, req-x')

# Regular expressions Python compiles and some database may not.
REGEXES = ('(?P<n>a)', '(?<n>a)', '(?P=n)', '\\p{L}', 'a{2,1}',
           '[[:alpha:]]', '(?#c)a', 'a**', '(?i)A', '[z-a]', 'a{99999}',
           'a{1,70000}', '(?=a)', '(?<=a)b', '(a)\\1', '\\Z', '\\A',
           '[\\w-.]', '(?x) a # c', '(?s).', '(?m)^a$', '(?a)\\w', '\\N',
           '\\x{41}', '\\u0041', '\\U00000041', '(*FAIL)', '(?|a)',
           '\\K', 'a++', '(?>a)', '\\G', '[^]', '[]a]', '\\b\\B')
# Unicode with a character of each awkward kind.
_ODD_CHARS = ('\u2603', '\u670d\u52a1\u5668', '\U0001f600', 'e\u0301',
              '\u202e', '\u200b', '\ufeff', '\u0000', '\u00e9', '\uffff',
              '\u0130', '\u1e9e', '\ufdfd', '\u0627\u0644', '\u00a0',
              '\\', '"', "'", '<', '%', '+', '&', '=', ';', '#', '?')


class RawRequest:
    """A request to send as bytes, and what it is."""

    def __init__(self, kind, number, method, target, headers=(), body=b'',
                 request_line=None, content_length=True):
        self.kind = kind
        self.number = number
        self.method = method
        self.target = target
        self.headers = list(headers)
        self.body = body
        self.request_line = request_line
        self.content_length = content_length

    def to_bytes(self):
        line = self.request_line
        if line is None:
            line = self.method + b' ' + self.target + b' HTTP/1.1\r\n'
        head = [line, b'Host: nova-faults\r\n']
        for header in self.headers:
            head.append(header if isinstance(header, bytes) else
                        header[0] + b': ' + header[1] + b'\r\n')
        if self.body and self.content_length:
            head.append(b'Content-Length: %d\r\n' % len(self.body))
        head.append(b'Connection: close\r\n\r\n')
        return b''.join(head) + self.body

    @property
    def is_head(self):
        return self.method.upper() == b'HEAD'

    def describe(self, limit=300):
        text = repr(self.to_bytes())
        if len(text) > limit:
            text = text[:limit] + '...(%d bytes)' % len(self.to_bytes())
        return '%s #%d: %s' % (self.kind, self.number, text)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


class Hang(Exception):
    """The server kept the connection open without answering."""


def send(port, request, timeout=30):
    """Send ``request`` to 127.0.0.1:``port``; its :class:`Response`.

    None when the server closed the connection without an answer.
    Raises :class:`Hang` on a socket timeout.
    """
    data = request.to_bytes()
    chunks = []
    try:
        with socket.create_connection(('127.0.0.1', port),
                                      timeout=timeout) as sock:
            try:
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                # The server answered (and closed) before reading it all.
                pass
            while True:
                try:
                    chunk = sock.recv(65536)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
    except socket.timeout:
        raise Hang(request.describe())
    return parse(b''.join(chunks))


def parse(raw):
    """The first final response in ``raw`` (None if there is none)."""
    while re.match(rb'HTTP/1\.[01] 1\d\d ', raw):
        # An interim answer ("100 Continue"): the final one follows.
        raw = raw.partition(b'\r\n\r\n')[2]
    head, sep, body = raw.partition(b'\r\n\r\n')
    if not sep:
        return None
    lines = head.split(b'\r\n')
    match = re.match(rb'HTTP/1\.[01] (\d{3})', lines[0])
    if not match:
        return None
    headers = []
    for line in lines[1:]:
        name, _sep, value = line.partition(b':')
        headers.append((name.decode('latin-1').strip(),
                        value.decode('latin-1').strip()))
    response = Response(int(match.group(1)), headers, body)
    length = response.header('Content-Length')
    if length is not None and length.isdigit():
        response.body = body[:int(length)]
    elif (response.header('Transfer-Encoding') or '').lower() == 'chunked':
        response.body = _dechunk(body)
    return response


def _dechunk(data):
    out = b''
    while data:
        size, _sep, data = data.partition(b'\r\n')
        try:
            size = int(size.split(b';')[0], 16)
        except ValueError:
            return out
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2:]
    return out


def problems(request, response):
    """``[(category, text)]`` wrong with the answer to ``request``."""
    what = request.describe()
    if response is None:
        return [('no-answer', what)]
    status = response.status
    text = response.body.decode('utf-8', 'replace')
    found = []
    shown = '%s -> %d %s' % (what, status, text[:300])
    if status >= 500:
        found.append(('5xx', shown))
    if status >= 400 or status < 200:
        leaked = [m.group(0) for m in FORBIDDEN.finditer(text)
                  if m.group(0).lower().encode('utf-8')
                  not in request.to_bytes().lower()]
        if leaked:
            found.append(('leak', '%s: %s' % (leaked, shown)))
    if status >= 400:
        if not _is_fault(response, request.is_head):
            found.append(('malformed', shown))
        elif not (response.header('X-Openstack-Request-Id') and
                  response.header('X-Compute-Request-Id')):
            found.append(('malformed', 'no request ID: ' + shown))
    elif status not in (204, 304) and not request.is_head and text:
        try:
            json.loads(text)
        except ValueError:
            found.append(('malformed', shown))
    return found


def signature(category, response):
    """A short name for a problem, to count problems of a kind."""
    if response is None:
        return category
    text = response.body.decode('utf-8', 'replace')
    match = (re.search(r"<class '([\w.]+)'>", text) or
             re.search(r'"message": "([^"]{0,40})', text))
    if match:
        text = match.group(1)
    return '%s %d %s' % (category, response.status, text[:40].strip())


def _is_fault(response, head):
    content_type = response.header('Content-Type') or ''
    if not content_type.startswith('application/json'):
        return False
    if head:
        return True
    try:
        body = json.loads(response.body)
    except ValueError:
        return False
    if not isinstance(body, dict) or len(body) != 1:
        return False
    (root, inner), = body.items()
    if not isinstance(inner, dict):
        return False
    if root == 'error' and response.status == 401:
        return inner.get('code') == 401
    return (inner.get('code') == response.status and
            isinstance(inner.get('message'), str))


# -- generators ---------------------------------------------------------------


class Deployment:
    """What the generators need to know of the seeded deployment.

    ``routes`` are the route templates (relative to ``/v2.1``); ``values``
    maps a path variable to the real values it may take.
    """

    def __init__(self, routes, values, project_id, other_project_id):
        self.routes = sorted(routes)
        self.methods = {template: sorted(methods)
                        for template, methods in routes.items()}
        self.values = values
        self.project_id = project_id
        self.other_project_id = other_project_id

    def token(self, rng, admin=None):
        if admin is None:
            admin = rng.random() < 0.6
        return ('admin' if admin else 'demo') + ':' + self.project_id

    def fill(self, rng, template, override=None):
        """``/v2.1`` + ``template`` with real (or ``override``) values."""
        def value(match):
            if override is not None:
                return override(match.group(1))
            return urllib.parse.quote(
                rng.choice(self.values[match.group(1)]), safe='')
        path = re.sub(r'\{(\w+)\}', value, template)
        if rng.random() < 0.2:
            path = '/' + self.project_id + path
        return '/v2.1' + (path if path != '/' or rng.random() < 0.5
                          else '')


def _odd_text(rng, size=None):
    size = rng.randint(1, 12) if size is None else size
    out = []
    for _ in range(size):
        if rng.random() < 0.5:
            out.append(rng.choice(_ODD_CHARS))
        else:
            out.append(chr(rng.choice((rng.randint(0x20, 0x7e),
                                       rng.randint(0x80, 0xd7ff),
                                       rng.randint(0xe000, 0x10ffff)))))
    return ''.join(out)


def _offset(rng, low=0, high=23):
    return '%s%02d:%02d' % (rng.choice('+-'), rng.randint(low, high),
                            rng.randint(0, 59))


def _calendar_date(rng):
    """A date-time at (or just past) the ends of the calendar."""
    shape = rng.random()
    if shape < 0.5:
        # Valid as written, and mostly not once converted to UTC.
        fraction = rng.choice(['', '.0', '.999999', '.123'])
        hour = rng.randint(0, 23)
        if rng.random() < 0.5:
            return '0001-01-%02dT%02d:%02d:00%s%s' % (
                rng.choice([1, 1, 2]), min(hour, rng.randint(0, 3)),
                rng.randint(0, 59), fraction,
                rng.choice(['+', '+', '-']) + _offset(rng, 4)[1:])
        return '9999-12-%02dT%02d:%02d:59%s%s' % (
            rng.choice([31, 31, 30]), max(hour, rng.randint(20, 23)),
            rng.randint(0, 59), fraction,
            rng.choice(['-', '-', '+']) + _offset(rng, 4)[1:])
    year = rng.choice(['0001', '0000', '9999', '10000', '1970', '2026',
                       '-001', '1'])
    month = rng.choice(['01', '12', '00', '13', '02'])
    day = rng.choice(['01', '31', '00', '32', '29', '30'])
    hour = rng.choice(['00', '23', '24', '25'])
    minute = rng.choice(['00', '59', '60'])
    second = rng.choice(['00', '59', '60', '61'])
    fraction = rng.choice(['', '', '.0', '.999999', '.9999999999',
                           '.' + '9' * 40])
    zone = rng.choice(['', 'Z', 'z', '+00:00', '-00:00', _offset(rng),
                       '+23:59', '-23:59', '+01:00', '-01:00', '+24:00',
                       '+99:99', '+0100', '-12', '+14:00', ' UTC'])
    sep = rng.choice(['T', 'T', ' ', 't', '_'])
    if shape < 0.9:
        return '%s-%s-%s%s%s:%s:%s%s%s' % (year, month, day, sep, hour,
                                           minute, second, fraction, zone)
    if shape < 0.95:
        return '%s-%s-%s' % (year, month, day)
    return '%s%s%sT%s%s%s%s' % (year, month, day, hour, minute, second,
                                zone)


def _query_value(rng, name):
    kind = rng.random()
    if name in DATE_NAMES and kind < 0.7:
        return _calendar_date(rng)
    if name in NUMBER_NAMES and kind < 0.7:
        return rng.choice(NUMBERS)
    choice = rng.randrange(7)
    if choice == 0:
        return rng.choice(NUMBERS)
    if choice == 1:
        return _calendar_date(rng)
    if choice == 2:
        return _odd_text(rng)
    if choice == 3:
        return rng.choice(['\x00', 'a\x00b', '\x00' * 10, '%00'])
    if choice == 4:
        return rng.choice('ax\u2603(.*') * rng.choice([300, 1000, 3000])
    if choice == 5:
        return rng.choice(['', '.*', '(', '[', '\\', '%', '_', 'null',
                           "' OR '1'='1", 'ACTIVE', 'desc', 'True', 'a,b',
                           'created_at', 'display_name'] + list(REGEXES))
    return rng.choice(NUMBERS + (_calendar_date(rng),))


def _quote_query_part(rng, text):
    if rng.random() < 0.9:
        return urllib.parse.quote(text, safe='')
    # Invalid UTF-8 and raw bytes, percent-encoded.
    raw = text.encode('utf-8', 'surrogatepass') + bytes(
        rng.randint(0x80, 0xff) for _ in range(rng.randint(1, 4)))
    return urllib.parse.quote_from_bytes(raw, safe='')


def gen_query(rng, number, deployment):
    """A GET on a route with hostile query parameters."""
    gets = [t for t in deployment.routes if 'GET' in deployment.methods[t]]
    template = gets[number % len(gets)]
    pairs = []
    for _ in range(rng.choice([1, 1, 1, 2, 3, 5])):
        if rng.random() < 0.9:
            name = rng.choice(QUERY_NAMES)
        else:
            name = _odd_text(rng)
        pairs.append('%s=%s' % (_quote_query_part(rng, name),
                                _quote_query_part(
                                    rng, _query_value(rng, name))))
    if rng.random() < 0.1:
        pairs.append(rng.choice(['&&', '=', '==x', 'a', '%', '%zz=%zz',
                                 'limit', ';limit=1', '+=+']))
    path = deployment.fill(rng, template)
    target = (path + '?' + '&'.join(pairs)).encode('ascii')
    if len(target) > 60000 and rng.random() < 0.8:
        # Mostly below the request line limit, to reach the application.
        target = target[:rng.randint(1000, 60000)]
    headers = [(b'X-Auth-Token', deployment.token(rng).encode()),
               (b'OpenStack-API-Version',
                b'compute ' + rng.choice(VERSIONS[:14]).encode())]
    return RawRequest('query', number, b'GET', target, headers)


def _segment(rng):
    """A hostile path segment, as the bytes of the request target."""
    choice = rng.randrange(12)
    if choice == 0:
        return _odd_text(rng).replace('/', '').replace(' ', '').replace(
            '#', '').replace('?', '').encode('utf-8', 'surrogatepass')
    if choice == 1:
        return urllib.parse.quote(_odd_text(rng), safe='').encode()
    if choice == 2:
        # Raw bytes that are not UTF-8 (no space, CR, LF, '#' or '?').
        return bytes(rng.choice([c for c in range(0x21, 0x100)
                                 if c not in b'#?/'])
                     for _ in range(rng.randint(1, 10)))
    if choice == 3:
        return rng.choice([b'%2F', b'%2f', b'a%2Fb', b'%2F%2F', b'%5C',
                           b'..%2F..', b'%2e%2e%2f', b'%C0%AE%C0%AE'])
    if choice == 4:
        return rng.choice([b'.', b'..', b'%2e', b'%2E%2E', b'...',
                           b'.%2e', b'..;', b'.;'])
    if choice == 5:
        return rng.choice([b'a', b'x', b'%E2%98%83', b'1']) * rng.choice(
            [256, 2000, 10000, 40000, 70000])
    if choice == 6:
        return rng.choice([b'%00', b'%ff', b'%', b'%zz', b'%e2%98',
                           b'%ED%A0%80', b'%F4%90%80%80', b'%u2603'])
    if choice == 7:
        return rng.choice([b'', b';', b';a=b', b'*', b'~', b'+',
                           b'-1', b'0', b'00000000-0000-0000-0000-'
                           b'000000000000'])
    if choice == 8:
        return rng.choice([b'\t', b'\x01', b'\x7f', b'\x0b', b'\x1b[0m'])
    if choice == 9:
        return rng.choice(['\u2603', '\u670d\u52a1\u5668',
                           '\U0001f600']).encode('utf-8')
    if choice == 10:
        return str(rng.choice([-1, 0, 2 ** 31, 2 ** 63, 10 ** 30])).encode()
    return rng.choice([b'detail', b'os-instance-actions', b'servers',
                       b'os-services', b'enable', b'disable', b'v2.1'])


def gen_path(rng, number, deployment):
    """A request whose path holds hostile segments."""
    template = deployment.routes[number % len(deployment.routes)]
    method = rng.choice(deployment.methods[template] + ['GET'])
    shape = rng.random()
    if shape < 0.6:
        def override(name):
            if rng.random() < 0.3:
                return urllib.parse.quote(
                    rng.choice(deployment.values[name]), safe='')
            return '\x00SEGMENT\x00'
        path = deployment.fill(rng, template, override).encode()
        while b'\x00SEGMENT\x00' in path:
            path = path.replace(b'\x00SEGMENT\x00', _segment(rng), 1)
        if b'{' not in template.encode() and rng.random() < 0.8:
            path += b'/' + _segment(rng)
    elif shape < 0.8:
        path = deployment.fill(rng, template).encode()
        parts = path.split(b'/')
        where = rng.randrange(len(parts) + 1)
        parts.insert(where, _segment(rng))
        path = b'/'.join(parts)
        if not path.startswith(b'/'):
            path = b'/' + path
    else:
        path = deployment.fill(rng, template).encode()
        path = rng.choice([
            b'/' + path, b'//' + path, path.replace(b'/', b'//'),
            b'http://nova-faults' + path, b'https://x:1' + path,
            b'HTTP://nova-faults' + path, b'//nova-faults' + path,
            path.lstrip(b'/'), b'*', b'/./' + path, b'/../' + path,
            path + b'/.', path + b'/..', path + b'/', path + b'//',
            path + b'#frag', path + b'?', path + b'?#', b'/%2F' + path,
            path.replace(b'/v2.1', b'/v2.1/.'),
            path.replace(b'/v2.1', b'/V2.1'), b'mailto:a@b', b'/\\' + path,
            b'/' + b'/' * rng.randint(2, 50)])
    headers = [(b'X-Auth-Token', deployment.token(rng).encode())]
    if rng.random() < 0.5:
        headers.append((b'OpenStack-API-Version',
                        b'compute ' + rng.choice(VERSIONS[:14]).encode()))
    body = b''
    if method in ('PUT', 'POST'):
        body = b'{"status": "disabled"}'
        headers.append((b'Content-Type', b'application/json'))
    return RawRequest('path', number, method.encode(), path, headers, body)


def _header_value(rng, values, **subst):
    value = rng.choice(values)
    if '%(' in value:
        value = value % subst
    if rng.random() < 0.15:
        value = _odd_text(rng)
    encoding = rng.choice(['latin-1', 'utf-8'])
    return value.encode(encoding, 'replace').replace(b'\r', b'').replace(
        b'\n', b'')


def gen_header(rng, number, deployment):
    """A request with hostile headers, request line or framing."""
    template = deployment.routes[number % len(deployment.routes)]
    method = rng.choice(deployment.methods[template])
    path = deployment.fill(rng, template).encode()
    subst = {'project': deployment.project_id,
             'other': deployment.other_project_id}
    headers = []
    body = b''
    if method in ('PUT', 'POST'):
        body = b'{"status": "disabled", "host": "compute1", ' \
               b'"binary": "nova-compute"}'
    for name, values in ((b'X-Auth-Token', TOKENS),
                         (b'OpenStack-API-Version',
                          tuple('compute ' + v for v in VERSIONS) +
                          ('volume 2.1', 'compute', 'COMPUTE 2.5',
                           'compute 2.5, volume 3.0')),
                         (b'X-OpenStack-Nova-API-Version', VERSIONS),
                         (b'X-Openstack-Request-Id', REQUEST_IDS),
                         (b'X-Roles', ROLES), (b'Accept', ACCEPTS),
                         (b'Content-Type', CONTENT_TYPES)):
        if name == b'X-Auth-Token' and rng.random() < 0.6:
            headers.append((name, deployment.token(rng).encode()))
        elif rng.random() < 0.5:
            headers.append((name, _header_value(rng, values, **subst)))
    request_line = None
    content_length = True
    shape = rng.randrange(10)
    if shape == 0:
        # Odd header lines.
        headers.append(rng.choice([
            b'NoColon\r\n', b': empty-name\r\n', b' folded\r\n',
            b'X-A: a\r\n continued\r\n', b'X A: b\r\n',
            b'X-\xe2\x98\x83: 1\r\n',
            b'X-Null: a\x00b\r\n', b'X-Tab:\tv\r\n', b'X-Bare-LF: 1\n',
            b'Content-Length: 5\r\nContent-Length: 7\r\n',
            b'Content-Length: -1\r\n', b'Content-Length: abc\r\n',
            b'Content-Length: 99999999999999999999\r\n',
            b'Content-Length: 0x10\r\n', b'Content-Length: 1 2\r\n',
            b'Transfer-Encoding: gzip\r\n',
            b'Transfer-Encoding: chunked, gzip\r\n',
            b'Transfer-Encoding: identity\r\n', b'Expect: 100-continue\r\n',
            b'Expect: nonsense\r\n', b'Host: a\r\nHost: b\r\n',
            b'Connection: keep-alive, Upgrade\r\nUpgrade: h2c\r\n',
            b'X-Auth-Token: admin:%s\r\n' % deployment.project_id.encode()]))
        content_length = rng.random() < 0.5
    elif shape == 1:
        # Oversized headers: one line, many lines, or the whole block.
        size = rng.choice([8 * 1024, 60 * 1024, 70 * 1024, 300 * 1024])
        if rng.random() < 0.5:
            headers.append((b'X-Big', b'x' * size))
        else:
            headers.extend((b'X-Many-%d' % i, b'y' * 50)
                           for i in range(size // 64))
    elif shape == 2:
        # Odd request lines and protocol versions.
        request_line = rng.choice([
            method.encode() + b' ' + path + b' HTTP/1.0\r\n',
            method.encode() + b' ' + path + b' HTTP/0.9\r\n',
            method.encode() + b' ' + path + b' HTTP/2.0\r\n',
            method.encode() + b' ' + path + b' HTTP/3\r\n',
            method.encode() + b' ' + path + b' HTTP/1.1.1\r\n',
            method.encode() + b' ' + path + b' HTTP/1.x\r\n',
            method.encode() + b' ' + path + b' http/1.1\r\n',
            method.encode() + b' ' + path + b' FOO/1.1\r\n',
            method.encode() + b' ' + path + b'\r\n',
            method.encode() + b'  ' + path + b' HTTP/1.1\r\n',
            method.encode() + b'\t' + path + b'\tHTTP/1.1\r\n',
            method.encode() + b' ' + path + b' HTTP/1.1 extra\r\n',
            method.encode() + b' ' + path + b' HTTP/1.1\n',
            method.lower().encode() + b' ' + path + b' HTTP/1.1\r\n',
            b'G\xc3\x89T ' + path + b' HTTP/1.1\r\n',
            b'BREW ' + path + b' HTTP/1.1\r\n',
            b'OPTIONS * HTTP/1.1\r\n', b'CONNECT nova-faults:80 HTTP/1.1\r\n',
            b'TRACE ' + path + b' HTTP/1.1\r\n',
            b'\r\n' + method.encode() + b' ' + path + b' HTTP/1.1\r\n',
            b'\r\n\r\nGET / HTTP/1.1\r\n', b'\x16\x03\x01\x02\x00\x01\r\n',
            b' ' + method.encode() + b' ' + path + b' HTTP/1.1\r\n',
            b'GET\r\n', b'\xff\xfe\r\n', b'HTTP/1.1 200 OK\r\n',
            b'GET ' + b'/' + b'a' * rng.choice([70 * 1024, 200 * 1024]) +
            b' HTTP/1.1\r\n'])
    elif shape == 3:
        headers.append((b'X-Auth-Token', rng.choice([
            'admin:\u2603', '\u2603:\u2603', 'admin:%s\u00e9'
            % deployment.project_id]).encode(
                rng.choice(['utf-8', 'latin-1']), 'replace')))
    elif shape == 4 and body:
        # Chunked bodies, well and badly framed.
        headers.append((b'Transfer-Encoding', b'chunked'))
        content_length = False
        body = rng.choice([
            b'%x\r\n%s\r\n0\r\n\r\n' % (len(body), body),
            b'zz\r\n' + body + b'\r\n0\r\n\r\n',
            b'%x\r\n%s\r\n' % (len(body) + 10, body),
            b'-1\r\n\r\n', b'0\r\nTrailer: x\r\n\r\n',
            b'%x;ext=1\r\n%s\r\n0\r\n\r\n' % (len(body), body)])
    return RawRequest('header', number, method.encode(), path, headers,
                      body, request_line=request_line,
                      content_length=content_length)


def _nested(rng, depth):
    shape = rng.randrange(4)
    if shape == 0:
        return '[' * depth + ']' * depth
    if shape == 1:
        return '{"a":' * depth + '1' + '}' * depth
    if shape == 2:
        return '[{"a":' * (depth // 2) + '1' + '}]' * (depth // 2)
    # Truncated: deep and malformed.
    return '{"status": ' + '[' * depth


def _wrong_types(rng):
    values = [None, True, False, 0, -1, 1.5, 1e308, [], {}, [1], {'a': 1},
              '', 'x' * 300, '\u2603', 'enabled', 'disabled', 'yes', 'true',
              'compute1', 'nova-compute', 2 ** 64]
    keys = ['host', 'binary', 'status', 'disabled_reason', 'forced_down',
            'service', 'x', '']
    return {rng.choice(keys): rng.choice(values)
            for _ in range(rng.randint(0, 5))}


def gen_body(rng, number, deployment):
    """A PUT/POST (mostly on the services update) with a hostile body."""
    writes = [t for t in deployment.routes
              if 'PUT' in deployment.methods[t]]
    if rng.random() < 0.75:
        template = writes[number % len(writes)]
        method = 'PUT'
    else:
        template = deployment.routes[number % len(deployment.routes)]
        method = rng.choice(['POST', 'PUT', 'PATCH', 'DELETE'])
    path = deployment.fill(rng, template).encode()
    version = rng.choice(['2.1', '2.11', '2.53', '2.69', 'latest'])
    shape = rng.randrange(12)
    if shape >= 10 and method == 'PUT':
        # Well-formed, by an admin, with odd text: reaches the database.
        reason = _odd_text(rng, rng.choice([1, 5, 60, 255]))
        if rng.random() < 0.5:
            version = rng.choice(['2.53', 'latest'])
            path = deployment.fill(rng, '/os-services/{service_id}',
                                   lambda name: rng.choice(
                                       deployment.values['uuids'])).encode()
            body = {'status': 'disabled', 'disabled_reason': reason}
        else:
            version = '2.1'
            path = b'/v2.1/os-services/disable-log-reason'
            body = {'host': rng.choice(deployment.values['hosts']),
                    'binary': 'nova-compute', 'disabled_reason': reason}
        body = json.dumps(body, ensure_ascii=rng.random() < 0.5).encode(
            'utf-8', 'surrogatepass')
        return RawRequest('body', number, b'PUT', path, [
            (b'X-Auth-Token', deployment.token(rng, admin=True).encode()),
            (b'OpenStack-API-Version', b'compute ' + version.encode()),
            (b'Content-Type', b'application/json')], body)
    if shape == 0:
        body = _nested(rng, rng.choice([30, 500, 1000, 3000, 20000,
                                        50000])).encode()
    elif shape == 1:
        inner = json.dumps({'status': 'disabled', 'disabled_reason': 'x' *
                            rng.choice([100 * 1024, 200 * 1024,
                                        2 * 1024 * 1024])})
        body = inner.encode()
    elif shape == 2:
        body = rng.choice([
            b'{"status": "disabled", "disabled_reason": "\xe9t\xe9"}',
            bytes(rng.randint(0, 255) for _ in range(rng.randint(1, 200))),
            b'\xff\xfe{\x00}\x00', b'\xef\xbb\xbf{"status": "enabled"}',
            json.dumps({'status': 'enabled'}).encode('utf-16'),
            json.dumps({'status': 'enabled'}).encode('utf-32'),
            b'{"disabled_reason": "\\ud800", "status": "disabled"}',
            b'{"disabled_reason": "\\udfff\\ud800", "status": "disabled"}',
            b'{"disabled_reason": "a\\u0000b", "status": "disabled"}',
            b'{"host": "compute1\\u0000", "binary": "nova-compute"}'])
    elif shape == 3:
        body = rng.choice([
            b'{"forced_down": ' + b'9' * 5000 + b'}',
            b'{"forced_down": 1e400}', b'{"forced_down": NaN}',
            b'{"forced_down": -Infinity}', b'[' + b'1,' * 10000 + b'1]',
            b'{"status": "enabled", "status": "disabled"}',
            b'{"status": "disabled"} trailing', b'{', b'}', b'null', b'[]',
            b'""', b'0', b'true', b'{"a":}', b"{'status': 'enabled'}",
            b'{"status": "disabled",}', b'\x00', b' ' * 10000])
    else:
        body = json.dumps(_wrong_types(rng), ensure_ascii=rng.random() <
                          0.5).encode('utf-8', 'surrogatepass')
    headers = [(b'X-Auth-Token', deployment.token(rng).encode())]
    if rng.random() < 0.8:
        headers.append((b'OpenStack-API-Version',
                        b'compute ' + version.encode()))
    if rng.random() < 0.7:
        headers.append((b'Content-Type', rng.choice(
            CONTENT_TYPES[:4] + ('application/json',) * 4).encode()))
    return RawRequest('body', number, method.encode(), path, headers, body)


GENERATORS = {'query': gen_query, 'path': gen_path, 'header': gen_header,
              'body': gen_body}


def generate(seed, kind, number, deployment):
    """Request ``number`` of class ``kind`` for ``seed``."""
    rng = random.Random('%s:%s:%d' % (seed, kind, number))
    return GENERATORS[kind](rng, number, deployment)
