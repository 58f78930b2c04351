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

"""Library exceptions, in the shape of Nova's ``NovaException``.

Each exception has a ``msg_fmt`` formatted with its keyword arguments, an
HTTP-like ``code`` (kept in ``kwargs['code']``, as Nova does, so that
``exception_to_dict`` can read it), ``safe`` (may its message be shown to
an API user by the fault wrapper) and ``headers`` for the response.
Nothing here knows about HTTP frameworks.
"""

import functools
import logging
import re

from oslo_utils import strutils

LOG = logging.getLogger(__name__)


class NovaFaultsException(Exception):
    """Base exception: ``msg_fmt % kwargs`` is the message."""

    msg_fmt = 'An unknown exception occurred.'
    code = 500
    headers = {}
    safe = False

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if 'code' not in self.kwargs:
            self.kwargs['code'] = self.code
        if not message:
            try:
                message = self.msg_fmt % kwargs
            except Exception:
                # NOTE: as in Nova, a message that cannot be formatted
                # falls back to the raw format string rather than failing
                # the caller; the bad keywords are logged for developers.
                LOG.debug('Exception %s could not format its message '
                          'with %r', type(self).__name__, kwargs)
                message = self.msg_fmt
        self.message = message
        super().__init__(message)

    def format_message(self):
        # NOTE: use the first argument of the Exception, like Nova, so a
        # subclass that passes its own message keeps it.
        return self.args[0]

    def __repr__(self):
        return '%s(%r)' % (type(self).__name__, self.format_message())


class Invalid(NovaFaultsException):
    msg_fmt = 'Bad Request - Invalid Parameters'
    code = 400


class ValidationError(Invalid):
    msg_fmt = '%(detail)s'


class InvalidInput(Invalid):
    msg_fmt = 'Invalid input received: %(reason)s'


class DatabaseRefusedInput(Invalid):
    # A database refused a value of the request (a regular expression of
    # a syntax it does not support, a character its charset cannot hold).
    msg_fmt = ('Invalid input: the database cannot use a value of this '
               'request.')
    safe = True


class InvalidAPIVersionString(Invalid):
    msg_fmt = ('API Version String %(version)s is of invalid format. Must '
               'be of format MajorNum.MinorNum.')


class MarkerNotFound(NovaFaultsException):
    # NOTE: Nova answers 400 (not 404) for an unknown marker; ours names
    # the marker instead of Nova's literal "Marker None".
    msg_fmt = 'Marker %(marker)s could not be found.'
    code = 400


class Forbidden(NovaFaultsException):
    msg_fmt = 'Forbidden'
    code = 403


class PolicyNotAuthorized(Forbidden):
    msg_fmt = "Policy doesn't allow %(action)s to be performed."


class NotFound(NovaFaultsException):
    msg_fmt = 'Resource could not be found.'
    code = 404


class InstanceNotFound(NotFound):
    msg_fmt = 'Instance %(instance_id)s could not be found.'


class InstanceMappingNotFound(NotFound):
    msg_fmt = 'Instance %(uuid)s has no mapping to a cell.'


class CellMappingNotFound(NotFound):
    msg_fmt = 'Cell %(uuid)s has no mapping.'


class HostMappingNotFound(NotFound):
    msg_fmt = "Host '%(name)s' is not mapped to any cell"


class InstanceActionNotFound(NotFound):
    msg_fmt = ('Action for request_id %(request_id)s on instance'
               ' %(instance_uuid)s not found')


class InstanceActionEventNotFound(NotFound):
    msg_fmt = 'Event %(event)s not found for action id %(action_id)s'


class ServiceNotFound(NotFound):
    msg_fmt = 'Service %(service_id)s could not be found.'


class ServiceBinaryExists(NovaFaultsException):
    msg_fmt = ('Service with host %(host)s binary %(binary)s exists.')
    code = 409


class RequestSpecNotFound(NotFound):
    msg_fmt = 'RequestSpec not found for instance %(instance_uuid)s'


class Conflict(NovaFaultsException):
    msg_fmt = 'Conflict'
    code = 409


class CellUnavailable(NovaFaultsException):
    """A cell did not answer in time or failed; never names its URL."""

    msg_fmt = ('Cell %(cell_uuid)s is not responding, hence instance info '
               'is not available. Try again later.')
    code = 503


class MarkerCellUnavailable(CellUnavailable):
    """The marker server's cell did not answer (Nova: an opaque 500)."""

    msg_fmt = ('The marker server %(marker)s is in cell %(cell_uuid)s, '
               'which is not responding, so the page after it cannot be '
               'listed. Try again later, or list without the marker.')


class CellsNotResponding(NovaFaultsException):
    msg_fmt = ('Cell %(cell_uuid)s is not responding but configuration '
               'indicates that we should fail.')
    code = 503


class APIDatabaseUnavailable(NovaFaultsException):
    msg_fmt = 'The API database is not available. Try again later.'
    code = 503


class AuthNotConfigured(NovaFaultsException):
    """keystonemiddleware has no credentials to validate tokens with."""

    msg_fmt = ('Authentication is not configured on this server. Please '
               'contact the administrator.')
    code = 503


class ForeignDatabase(NovaFaultsException):
    msg_fmt = ('Database %(database)s was not created by nova-faults '
               '(%(reason)s); nova-faults never migrates a database it did '
               'not create.')
    code = 409


class ConfigInvalid(NovaFaultsException):
    msg_fmt = 'Invalid configuration: %(reason)s'


# ---------------------------------------------------------------------------
# Turning any exception into a message that is safe to store and show.
# ---------------------------------------------------------------------------

#: Width of the ``message`` columns (``instance_faults.message``,
#: ``instance_actions.message``): varchar(255).
MAX_MESSAGE_BYTES = 255

SCRUBBED = '***'

# NOTE: the key names are oslo.utils' (``strutils.mask_password``'s list,
# read from the library so that we never drift from it: a key it learns,
# we learn) plus ours, and a key matches as it does there, without regard
# to case, when its name contains one of them (oslo.utils asks for the
# key at the end of the name, optionally followed by digits: containing
# it masks at least as much). A "-" in a name counts as "_", so that
# ``--os-admin-pass`` is ``admin_pass``. Ours add what oslo.utils misses:
# api keys, access keys, credentials, ``Authorization`` headers and names
# ending in "pass" (and digits).
_OSLO_KEYS = tuple(strutils._SANITIZE_KEYS)
_OUR_KEYS = ('passwd', 'pwd', 'pswd', 'api_key', 'apikey', 'access_key',
             'accesskey', 'cephx_key', 'keyring', 'credential',
             'authorization')
_SECRET_KEY = re.compile(
    '|'.join(re.escape(key) for key in _OSLO_KEYS + _OUR_KEYS) +
    r'|pass\d*$', re.IGNORECASE)


def is_secret_name(name):
    """Does a key, option or XML tag called ``name`` hold a credential?"""
    return _SECRET_KEY.search(name.replace('-', '_')) is not None


# NOTE: every pattern below starts only at the beginning of a "word" (a
# negative look-behind) and has no nested repetition, and every value is
# read by a loop that never steps back, so scrubbing stays linear in the
# length of the text: it runs on tracebacks too, and a hostile message
# must not make it slow.

# A key and its separator: ``key = value``, ``key: value``, ``"key":
# "value"``, ``'key' => 'value'``, ``key 'value'`` (a quoted value after
# a space, as oslo.utils), or a command-line option ``--os-password
# VALUE`` / ``--token=VALUE``.
_KEY = re.compile(
    r"(?<![\w.-])(?:"
    r"--(?P<opt>[\w.-]+)(?P<osep>=|\s+)|"
    r"(?P<kq>[\"']?)(?P<name>[\w.-]+)(?P=kq)"
    r"(?P<sep>\s*(?:=>|=|:)\s*|\s+(?=[\"'])))")
_SEPARATOR = re.compile(r'\s*(?:=>|=|:)')
# A quoted value runs to its closing quote (or to the end of the text).
_QUOTED = {
    '"': re.compile(r'"(?:\\.|[^"\\])*"?', re.DOTALL),
    "'": re.compile(r"'(?:\\.|[^'\\])*'?", re.DOTALL),
}
# An HTTP authorization scheme before the credential it introduces.
_AUTH_SCHEME = re.compile(r'(?:Bearer|Basic|Token|Negotiate|Digest)\s+',
                          re.IGNORECASE)
# An unquoted value runs to the next whitespace, or, once it opens a
# bracket, to the whitespace after the bracket closes (quotes inside
# brackets are honoured): a nested ``{"id": "..."}`` is hidden whole.
_PLAIN = re.compile(r'[^\s{(\[]*')
_IN_BRACKETS = re.compile(r"[^{}()\[\]\"']*")

# XML: <password>VALUE</password>, <adminPass>VALUE</adminPass>.
_XML = re.compile(
    r'(?P<open><(?P<tag>[\w.-]+)(?:\s[^<>]*)?>)[^<]*(?P<close></(?P=tag)>)')

# scheme://user:password@host -> scheme://user:***@host. The password runs
# to the *last* "@" before the next whitespace, so a password holding "@",
# "/", quotes or brackets is still fully hidden; over-hiding is preferred
# to leaking.
_URL = re.compile(
    r'(?<![a-zA-Z0-9+.-])(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)'
    r'(?P<rest>\S+)')


def _url_spans(text):
    """The passwords of ``scheme://user:password@host`` URLs."""
    for match in _URL.finditer(text):
        rest = match.group('rest')
        at = rest.rfind('@')
        if at < 0:
            continue
        user, colon, _password = rest[:at].partition(':')
        if not colon or '/' in user:
            # A user name alone (``ssh://nova@compute1``) is no secret.
            continue
        start = match.start('rest')
        yield start + len(user) + 1, start + at, SCRUBBED


def _xml_spans(text):
    """The text of ``<password>...</password>``-style elements."""
    for match in _XML.finditer(text):
        if is_secret_name(match.group('tag')):
            yield match.end('open'), match.start('close'), SCRUBBED


def _unquoted_end(text, pos):
    """Where an unquoted value starting at ``pos`` ends."""
    depth = 0
    size = len(text)
    while pos < size:
        if depth == 0:
            pos = _PLAIN.match(text, pos).end()
            if pos >= size or text[pos].isspace():
                return pos
            depth = 1
            pos += 1
            continue
        pos = _IN_BRACKETS.match(text, pos).end()
        if pos >= size:
            return size
        char = text[pos]
        if char in '{([':
            depth += 1
            pos += 1
        elif char in '})]':
            depth -= 1
            pos += 1
        else:
            pos = _QUOTED[char].match(text, pos).end()
    return pos


def _value_end(text, pos):
    """(end, mask) of the value of a credential starting at ``pos``."""
    quote = text[pos:pos + 1]
    if quote in _QUOTED:
        end = _QUOTED[quote].match(text, pos).end()
        # ``password="ab"cd``: what sticks to the closing quote is part
        # of the value too.
        if end < len(text) and (text[end].isalnum() or
                                text[end] in '\\"\''):
            end = _unquoted_end(text, end)
        return end, quote + SCRUBBED + quote
    scheme = _AUTH_SCHEME.match(text, pos)
    if scheme:
        pos = scheme.end()
    return _unquoted_end(text, pos), SCRUBBED


def _pair_spans(text):
    """The values of credential keys and command-line options."""
    pos = 0
    while True:
        match = _KEY.search(text, pos)
        if match is None:
            return
        name = match.group('opt') or match.group('name')
        if not is_secret_name(name):
            # Not a credential: keep the key and look at its value too
            # (``name: password=x``, ``--debug --password x``).
            pos = match.end('opt') if match.group('opt') else match.end()
            continue
        pos = match.end()
        if pos >= len(text):
            return
        end, hidden = _value_end(text, pos)
        sep = match.group('sep')
        if sep and not sep.strip() and _SEPARATOR.match(text, end):
            # ``apikey "password"="x"``: the quoted word after the space
            # is the next key, not a value.
            continue
        if end > pos:
            yield pos, end, hidden
        pos = end


def _hide(text, spans):
    """``text`` with the union of ``spans`` replaced by their masks."""
    out = []
    pos = 0
    last = None
    for start, end, hidden in sorted(spans):
        if last is not None and start <= last[1]:
            # Overlapping findings (a URL password holding ``token=``):
            # hide their union.
            if end > last[1]:
                last = (last[0], end, SCRUBBED)
            continue
        if last is not None:
            out.append(text[pos:last[0]])
            out.append(last[2])
            pos = last[1]
        last = (start, end, hidden)
    if last is not None:
        out.append(text[pos:last[0]])
        out.append(last[2])
        pos = last[1]
    out.append(text[pos:])
    return ''.join(out)


#: Texts up to this many characters are scrubbed once per process while
#: they stay among the :data:`SCRUB_CACHE_SIZE` most recently scrubbed.
SCRUB_CACHED_LENGTH = 8192
SCRUB_CACHE_SIZE = 256


def _scrub(text):
    # Each finder reads the original text; what any of them finds is
    # hidden, and findings that overlap are hidden as one.
    spans = list(_url_spans(text))
    spans.extend(_xml_spans(text))
    spans.extend(_pair_spans(text))
    return _hide(text, spans)


# NOTE: the API scrubs every fault and event text it shows, and shows
# the same ones again and again (a user polling a server, a page of
# servers listed every few seconds): a server's fault took a twentieth
# of its request's processor time. What the scrubber makes of a text
# depends on the text alone, so it is kept, for short texts only: at
# most SCRUB_CACHE_SIZE texts of up to SCRUB_CACHED_LENGTH characters,
# with their scrubbed forms (4 MB of ASCII text at worst).
_scrub_cached = functools.lru_cache(maxsize=SCRUB_CACHE_SIZE)(_scrub)


def scrub_credentials(text):
    """Hide credentials in a free-text message.

    An improvement over Nova, applied to every message the recording
    library stores (event ``details`` and ``traceback``, fault ``message``
    and ``details``) and again to what the API shows of them: URL
    passwords (``scheme://user:secret@host``, to the last ``@``),
    ``password=...``/``token: ...``/``"secret": "..."``-style pairs,
    HTTP ``X-Auth-Token`` and ``Authorization`` header values,
    command-line options such as ``--os-password VALUE`` and XML elements
    such as ``<adminPass>VALUE</adminPass>``. Values become ``***``.

    A key is a credential when its name contains, in any case, one of
    oslo.utils' ``strutils.mask_password`` keys (password, token, secret,
    passphrase, private_key, ...) or one of ours (passwd, api_key,
    access_key, credential, authorization, ... or a name ending in
    "pass"). The scrubber errs on the side of hiding: a quoted value is
    hidden to its closing quote (escapes honoured), an unquoted one to
    the next whitespace (or the end of the text), whatever punctuation it
    holds.

    (``mask_password`` itself is not used: it misses URLs, ``token: x``
    and ``api_key``, stops unquoted values at a quote and swallows the
    text after a quoted pair in a Python dict repr.)
    """
    if not text:
        return text
    text = str(text)
    if len(text) > SCRUB_CACHED_LENGTH:
        return _scrub(text)
    return _scrub_cached(text)


def safe_truncate(value, length):
    """``value`` cut to at most ``length`` bytes of UTF-8.

    A multi-byte character is never split: the bytes of a character that
    does not fit are dropped whole. (Database columns are limited in
    bytes on MySQL with utf8mb4 and PostgreSQL rejects longer values.)
    """
    value = str(value)
    encoded = value.encode('utf-8')
    if len(encoded) <= length:
        return value
    return encoded[:length].decode('utf-8', 'ignore')


def exception_to_dict(exc, message=None):
    """``{'exception': exc, 'message': str, 'code': int}`` for storing.

    As Nova's ``exception_to_dict``: ``code`` is ``exc.kwargs['code']``
    for a library-style exception (one with ``kwargs``), else 500. The
    message is ``message`` when given (and truthy), else
    ``exc.format_message()``, else, if that is missing or fails (any
    exception not made with this library, which may carry sensitive text),
    only the exception's class name. The message is then scrubbed of
    credentials (our improvement, see :func:`scrub_credentials`) and
    truncated to 255 bytes of UTF-8.
    """
    code = 500
    kwargs = getattr(exc, 'kwargs', None)
    if isinstance(kwargs, dict):
        code = kwargs.get('code', 500)
    try:
        if not message:
            message = exc.format_message()
    except Exception:
        # NOTE: as in Nova, the class name is all that is revealed of an
        # exception that is not ours: its text could contain anything.
        message = type(exc).__name__
    message = safe_truncate(scrub_credentials(str(message)),
                            MAX_MESSAGE_BYTES)
    return {'exception': exc, 'message': message, 'code': code}


class DatabaseMigrationFailed(NovaFaultsException):
    """A database could not be migrated; never carries the driver text."""

    msg_fmt = 'Database %(database)s could not be migrated: %(reason)s'
