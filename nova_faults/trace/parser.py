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

"""Line shapes of OpenStack logs and of ``--debug`` client output.

This module knows what a log line looks like; it does not read files (see
``scan``) nor link requests together (see ``graph``). Every shape below was
seen in real deployments (long lines are cut here with ``...``):

``oslo``
    oslo.log's file format; the old context form (local ID only) and the
    new one (global, local; ``None`` when there is no global ID)::

      2016-06-10 21:49:30.191 7533 ERROR nova.api.openstack
          [req-L user project - - -] Caught error: id
      2019-12-02 19:15:35.123 2736 INFO nova.compute.manager
          [None req-L admin admin] ...
      2019-12-02 19:15:35.123 2736 INFO nova.compute.manager
          [req-G req-L admin admin - default default] ...

    and the continuation lines of a traceback: the old ``TRACE`` level and
    the newer ``logging_exception_prefix`` (same time, pid and logger, no
    context bracket)::

      2016-06-10 21:49:30.191 7533 TRACE nova.api.openstack Traceback ...
      2019-12-02 19:15:36.001 2736 ERROR nova.conductor.manager
          [instance: 3441...] Traceback (most recent call last):

``syslog``
    The same oslo.log text behind a syslog or journald prefix (devstack)::

      Jun 19 09:16:34 devstack-master nova-compute[27857]: DEBUG
          keystoneauth.session [None req-L admin admin] POST call to
          network for http://... used request id req-N

``client``
    novaclient-style ``--debug`` output::

      DEBUG (session:224) RESP: [200] ... x-openstack-request-id: req-...
      ERROR (ClientException): ... (HTTP 500) (Request-ID: req-...)

``plain``
    Anything else: openstackclient ``--debug`` (``REQ: curl -g -i -X GET
    ...``, ``RESP: [500] ...``, ``GET call to compute for ... used request id
    req-...``) and Python tracebacks printed without a prefix.
"""

import datetime
import re

from nova_faults.trace import _struct


REQUEST_ID_PATTERN = (
    r'req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
REQUEST_ID_RE = re.compile(REQUEST_ID_PATTERN)
_FULL_REQUEST_ID_RE = re.compile('^%s$' % REQUEST_ID_PATTERN)

LEVELS = ('TRACE', 'DEBUG', 'INFO', 'AUDIT', 'WARNING', 'WARN', 'ERROR',
          'CRITICAL')
ERROR_LEVELS = frozenset(('ERROR', 'CRITICAL'))
_LEVEL_ALT = '|'.join(LEVELS)

# NOTE: oslo.log's ContextFormatter used without a date format (a logging
# config file naming the class but no datefmt) writes Python's default
# asctime and then its own milliseconds: 2016-06-10 21:49:30,191.191.
_ISO_TS = (r'\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,6}){0,2}'
           r'(?:Z|[+-]\d{2}:?\d{2})?')
_DOUBLE_FRACTION_RE = re.compile(r'(\.\d+)\.\d+')
_SYSLOG_TS = r'[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?'

OSLO_RE = re.compile(
    r'^(?P<ts>%s) (?P<pid>\d+) (?P<level>%s) (?P<logger>\S+)'
    r'(?: (?P<rest>.*))?$' % (_ISO_TS, _LEVEL_ALT))
SYSLOG_RE = re.compile(
    r'^(?P<ts>%s|%s) (?P<host>\S+) (?P<tag>[^\s\[:]+)(?:\[(?P<pid>\d+)\])?:'
    r'(?: (?P<rest>.*))?$' % (_SYSLOG_TS, _ISO_TS))
# What follows a syslog prefix when the program logs through oslo.log
# without a timestamp of its own (devstack's journald format).
_SYSLOG_BODY_RE = re.compile(
    r'^(?:(?P<pid>\d+) )?(?P<level>%s) (?P<logger>\S+)(?: (?P<rest>.*))?$'
    % _LEVEL_ALT)
CLIENT_RE = re.compile(
    r'^(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL) '
    r'\((?P<logger>[\w.]+)(?::\d+)?\):? (?P<rest>.*)$')

# Where a record starts, in bytes: the scanner tells continuation lines
# from new records without decoding them.
RECORD_START_BRE = re.compile((
    r'(?:%s|%s) |(?:DEBUG|INFO|WARNING|ERROR|CRITICAL) \([\w.]+[:)]'
    r'|(?:REQ|RESP): |[A-Z]+ call to \S+ for ' % (_ISO_TS, _SYSLOG_TS)
).encode())

KSA_CALL_RE = re.compile(
    r'(?P<method>[A-Z]+) call to (?P<service_type>[\w-]+) for (?P<url>\S+) '
    r'used request id (?P<request_id>%s)' % REQUEST_ID_PATTERN)
# (regex, direction): 'served' for a service's own response (its access
# or request log line), 'received' for a response it got from another
# (a client's RESP line, an exception naming the status).
_HTTP_STATUS_RES = (
    (re.compile(r'returned with HTTP (\d{3})\b'), 'served'),
    (re.compile(r'\bstatus: (\d{3})\b'), 'served'),
    (re.compile(r'"[A-Z]+ \S+ HTTP/\d(?:\.\d)?" (\d{3})\b'), 'served'),
    (re.compile(r'\bRESP: \[(\d{3})\]'), 'received'),
    (re.compile(r'\(HTTP (\d{3})\)'), 'received'),
    (re.compile(r'\bHTTP/\d\.\d (\d{3}) [A-Z]'), 'received'),
)
_HTTP_REQUEST_RES = (
    re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+)(?: HTTP/\d(?:\.\d)?)?"'),
    re.compile(r'(?P<path>https?://\S+) returned with HTTP'),
    re.compile(r'\bcurl .*?-X (?P<method>[A-Z]+) (?P<path>\S+)'),
)
TRACEBACK_START = 'Traceback (most recent call last):'
_INSTANCE_PREFIX_RE = re.compile(r'^\[instance: [^\]]*\] ?')
_EXCEPTION_LINE_RE = re.compile(r'^[A-Za-z_][\w.]*(?:\(\w+\))?(?::|$)')

_MONTHS = {m: i + 1 for i, m in enumerate(
    'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split())}


def is_request_id(value):
    """True for ``req-`` followed by a lower-case UUID."""
    return bool(_FULL_REQUEST_ID_RE.match(value))


def normalize_request_id(value):
    """Return the canonical (lower-case) form of a request ID, or None.

    NOTE: oslo.middleware only accepts lower-case global IDs, and every
    service logs lower-case IDs; an upper-case ID pasted by a user is
    lower-cased rather than refused.
    """
    value = (value or '').strip().lower()
    return value if is_request_id(value) else None


class Context(_struct.Struct):
    """The ``[...]`` context bracket of an oslo.log line."""

    __slots__ = ('global_id', 'local_id', 'user_identity', 'raw')


def parse_context(bracket):
    """Parse the text inside a context bracket, or return None.

    ``-``                                         -> no request (returned
                                                     as an empty Context)
    ``req-L user project - - -``                  -> old form, local only
    ``None req-L user project ...``               -> new form, no global
    ``req-G req-L user project ...``              -> new form with a global
    """
    tokens = bracket.split()
    if not tokens:
        return None
    if tokens == ['-']:
        return Context(None, None, '', bracket)
    first = tokens[0]
    second = tokens[1] if len(tokens) > 1 else ''
    if first == 'None' and is_request_id(second):
        return Context(None, second, ' '.join(tokens[2:]), bracket)
    if is_request_id(first) and is_request_id(second):
        return Context(first, second, ' '.join(tokens[2:]), bracket)
    if is_request_id(first):
        return Context(None, first, ' '.join(tokens[1:]), bracket)
    return None


def split_context(rest):
    """Split what follows the logger name into (Context|None, message).

    The instance marker ``[instance: <uuid>]`` is left in the message.
    """
    if rest and rest.startswith('['):
        end = rest.find(']')
        if end > 0:
            ctx = parse_context(rest[1:end])
            if ctx is not None:
                return ctx, rest[end + 1:].lstrip(' ')
    return None, rest or ''


def parse_timestamp(text, year=None):
    """Parse an oslo.log, ISO 8601 or syslog timestamp to a naive datetime.

    NOTE: oslo.log writes local wall-clock time without an offset. Times
    that do carry an offset keep their wall clock and drop the offset, so
    that lines from all files compare as written.
    """
    if text[:1].isdigit():
        text = _DOUBLE_FRACTION_RE.sub(r'\1', text.replace(',', '.'))
        if text.endswith('Z'):
            text = text[:-1]        # Python 3.10 does not take the Z
        try:
            value = datetime.datetime.fromisoformat(text)
        except ValueError:
            return None
        return value.replace(tzinfo=None)
    try:
        month = _MONTHS[text[:3]]
        day = int(text[4:6])
        hms, _, frac = text[7:].partition('.')
        hour, minute, second = (int(x) for x in hms.split(':'))
        micro = int((frac + '000000')[:6]) if frac else 0
        return datetime.datetime(year or datetime.date.today().year, month,
                                 day, hour, minute, second, micro)
    except (KeyError, ValueError):
        return None


class Line(_struct.Struct):
    """One parsed line: where it came from and what it says.

    ``shape`` is oslo, syslog, client or plain; ``host`` and ``program``
    (the syslog tag, e.g. nova-compute) are known for syslog lines only.
    """

    __slots__ = ('shape', 'time', 'pid', 'level', 'logger', 'context',
                 'message', 'host', 'program')
    _defaults = {'host': None, 'program': None}


def parse_line(text, year=None):
    """Parse one line (without its newline) into a :class:`Line`."""
    m = OSLO_RE.match(text)
    if m:
        ctx, message = split_context(m.group('rest'))
        return Line('oslo', parse_timestamp(m.group('ts')), m.group('pid'),
                    _level(m.group('level')), m.group('logger'), ctx,
                    message)
    m = SYSLOG_RE.match(text)
    if m:
        rest = m.group('rest') or ''
        line = Line('syslog', parse_timestamp(m.group('ts'), year),
                    m.group('pid'), None, None, None, rest,
                    host=m.group('host'), program=m.group('tag'))
        body = _SYSLOG_BODY_RE.match(rest)
        if body:
            line.level = _level(body.group('level'))
            line.logger = body.group('logger')
            line.context, line.message = split_context(body.group('rest'))
        return line
    m = CLIENT_RE.match(text)
    if m:
        return Line('client', None, None, m.group('level'),
                    m.group('logger'), None, m.group('rest'))
    return Line('plain', None, None, None, None, None, text)


def _level(level):
    # NOTE: WARN is what Python 2 era services wrote for WARNING, AUDIT a
    # Nova-only level of the same era; both are reported as written.
    return level


def http_status(text):
    """The HTTP status a line reports, as an int, or None."""
    found = http_status_and_direction(text)
    return found[0] if found else None


def http_status_and_direction(text):
    """``(status, 'served' or 'received')`` for a status line, or None."""
    for regex, direction in _HTTP_STATUS_RES:
        m = regex.search(text)
        if m:
            return int(m.group(1)), direction
    return None


def http_request(text):
    """``(method, path)`` named by a status or curl line, or None.

    Either of the two may be None.
    """
    for regex in _HTTP_REQUEST_RES:
        m = regex.search(text)
        if m:
            groups = m.groupdict()
            return groups.get('method'), groups.get('path')
    return None


def ksa_call(text):
    """Parse a keystoneauth ``... used request id req-...`` message."""
    m = KSA_CALL_RE.search(text)
    return m.groupdict() if m else None


def request_ids(text):
    """Every request ID named in ``text``, in order, without repeats."""
    return list(dict.fromkeys(REQUEST_ID_RE.findall(text)))


def continuation_text(line):
    """The text of a continuation line without its log prefix.

    ``2016-06-10 21:49:30.191 7533 TRACE nova.api.openstack   File "..."``
    becomes ``  File "..."``; a line without a prefix is returned as is.
    """
    parsed = parse_line(line)
    if parsed.shape not in ('oslo', 'syslog') or parsed.level is None:
        return line
    return _INSTANCE_PREFIX_RE.sub('', parsed.message, count=1)
