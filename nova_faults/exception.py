"""Library exceptions, in the shape of Nova's ``NovaException``.

Each exception has a ``msg_fmt`` formatted with its keyword arguments, an
HTTP-like ``code`` (kept in ``kwargs['code']``, as Nova does, so that
``exception_to_dict`` can read it), ``safe`` (may its message be shown to
an API user by the fault wrapper) and ``headers`` for the response.
Nothing here knows about HTTP frameworks.
"""

import logging

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


class CellsNotResponding(NovaFaultsException):
    msg_fmt = ('Cell %(cell_uuid)s is not responding but configuration '
               'indicates that we should fail.')
    code = 503


class APIDatabaseUnavailable(NovaFaultsException):
    msg_fmt = 'The API database is not available. Try again later.'
    code = 503


class ForeignDatabase(NovaFaultsException):
    msg_fmt = ('Database %(database)s was not created by nova-faults '
               '(%(reason)s); nova-faults never migrates a database it did '
               'not create.')
    code = 409


class ConfigInvalid(NovaFaultsException):
    msg_fmt = 'Invalid configuration: %(reason)s'
