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

import logging
import re

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

# A key names a credential when its name contains one of these words or
# ends in "pass" (``admin_pass``, ``adminPass``); matched without regard to
# case, so ``X-Auth-Token``, ``os_password``, ``client_secret`` and
# ``apiKey`` are caught.
_SECRET_NAME = re.compile(
    r'password|passwd|passphrase|pwd|pswd|token|secret|api[_-]?key|'
    r'access[_-]?key|private[_-]?key|encrypted[_-]?key|cephx[_-]?key|'
    r'sslkey|fernetkey|keyring|credential|authorization|pass$',
    re.IGNORECASE)

# NOTE: every pattern below starts only at the beginning of a "word" (a
# negative look-behind) and has no nested repetition, so scrubbing stays
# linear in the length of the text: it runs on tracebacks too, and a
# hostile message must not make it slow.

# key = value, key: value, "key": "value", 'key' => 'value', ...
_KEY = re.compile(
    r'''(?<![\w.-])(?P<kq>["']?)(?P<name>[\w.-]+)(?P=kq)'''
    r'''(?P<sep>\s*(?:=>|=|:)\s*)''')
# A quoted value runs to its closing quote (or to the end of the text).
_QUOTED = {
    '"': re.compile(r'"(?:\\.|[^"\\])*"?', re.DOTALL),
    "'": re.compile(r"'(?:\\.|[^'\\])*'?", re.DOTALL),
}
_UNQUOTED = re.compile(
    r'''(?:(?:Bearer|Basic|Token|Negotiate)\s+)?[^\s"',;&)}\]]+''',
    re.IGNORECASE)

# Command lines: --os-password VALUE, --token VALUE.
_CLI_OPTION = re.compile(
    r'(?<![\w-])--(?P<name>[\w-]+)(?P<sep>\s+)(?P<val>[^\s-]\S*)')

# XML: <password>VALUE</password>, <adminPass>VALUE</adminPass>.
_XML = re.compile(
    r'(?P<open><(?P<tag>[\w.-]+)(?:\s[^<>]*)?>)[^<]*(?P<close></(?P=tag)>)')

# scheme://user:password@host -> scheme://user:***@host. The password runs
# to the *last* "@" of the URL token, so a password containing "@" (or
# "/", which SQLAlchemy URLs allow) is still fully hidden; over-hiding is
# preferred to leaking.
_URL = re.compile(
    r'''(?<![a-zA-Z0-9+.-])(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)'''
    r'''(?P<rest>[^\s"'<>]+)''')


def _scrub_url(match):
    rest = match.group('rest')
    at = rest.rfind('@')
    if at < 0:
        return match.group(0)
    userinfo, hostpart = rest[:at], rest[at:]
    user, colon, _password = userinfo.partition(':')
    if not colon or '/' in user:
        # A user name alone (``ssh://nova@compute1``) is no secret.
        return match.group(0)
    return match.group('scheme') + user + ':' + SCRUBBED + hostpart


def _scrub_cli(match):
    if not _SECRET_NAME.search(match.group('name')):
        return match.group(0)
    return match.group(0)[:match.start('val') - match.start()] + SCRUBBED


def _scrub_xml(match):
    if not _SECRET_NAME.search(match.group('tag')):
        return match.group(0)
    return match.group('open') + SCRUBBED + match.group('close')


def _scrub_pairs(text):
    out = []
    pos = 0
    while True:
        match = _KEY.search(text, pos)
        if match is None:
            break
        end = match.end()
        if not _SECRET_NAME.search(match.group('name')):
            # Not a credential: keep the key and look at its value too
            # (``name: password=x``).
            out.append(text[pos:end])
            pos = end
            continue
        quote = text[end:end + 1]
        if quote in _QUOTED:
            value = _QUOTED[quote].match(text, end)
            hidden = quote + SCRUBBED + quote
        else:
            value = _UNQUOTED.match(text, end)
            hidden = SCRUBBED
        out.append(text[pos:end])
        if value is None:
            pos = end
            continue
        out.append(hidden)
        pos = value.end()
    out.append(text[pos:])
    return ''.join(out)


def scrub_credentials(text):
    """Hide credentials in a free-text message.

    An improvement over Nova, applied to every message the recording
    library stores (event ``details`` and ``traceback``, fault ``message``
    and ``details``): URL passwords (``scheme://user:secret@host``),
    ``password=...``/``token: ...``/``"secret": "..."``-style pairs (quoted
    or not; any key containing password, passwd, token, secret, api_key,
    credential, ... or ending in "pass"), HTTP ``X-Auth-Token`` and
    ``Authorization`` header values, command-line options such as
    ``--os-password VALUE`` and XML elements such as
    ``<adminPass>VALUE</adminPass>``. Values become ``***``.

    (``oslo_utils.strutils.mask_password`` is not used: it misses URLs,
    ``token: x`` and ``api_key`` and swallows the text after a quoted
    pair in a Python dict repr.)
    """
    if not text:
        return text
    text = str(text)
    text = _URL.sub(_scrub_url, text)
    text = _XML.sub(_scrub_xml, text)
    text = _CLI_OPTION.sub(_scrub_cli, text)
    return _scrub_pairs(text)


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
