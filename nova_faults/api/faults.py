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

"""Nova-shaped synchronous fault bodies.

A fault is ``{"<root>": {"code": <status>, "message": "..."}}`` with
Nova's root name for the status (``computeFault`` for anything not in the
table), ``retryAfter`` for 413/429 when a ``Retry-After`` header is set,
and ``Content-Type: application/json; charset=UTF-8``.

:func:`from_exception` turns what a handler raises into such a response;
:func:`unexpected` builds the 500 for anything else. Both are shared by
the router and the fault-wrapping middleware.
"""

import logging

from oslo_serialization import jsonutils
import webob
import webob.exc

from nova_faults import exception

LOG = logging.getLogger(__name__)

REQUEST_ID_ENVIRON_KEY = 'openstack.request_id'

# NOTE: Nova's wsgi.Fault._fault_names, kept as is; 406 (an unsupported
# microversion) and every other status fall back to "computeFault".
FAULT_NAMES = {
    400: 'badRequest',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'itemNotFound',
    405: 'badMethod',
    409: 'conflictingRequest',
    413: 'overLimit',
    415: 'badMediaType',
    429: 'overLimit',
    501: 'notImplemented',
    503: 'serviceUnavailable',
}
DEFAULT_FAULT_NAME = 'computeFault'

# Headers of a webob HTTP error that are about its own HTML/text body and
# must not leak onto the JSON fault.
_BODY_HEADERS = ('content-type', 'content-length')


def fault_name(status):
    """Nova's root key for a fault of HTTP ``status``."""
    return FAULT_NAMES.get(status, DEFAULT_FAULT_NAME)


def fault_body(status, message, retry_after=None):
    """The fault dict for ``status`` and ``message``."""
    inner = {'code': status, 'message': message}
    if retry_after and status in (413, 429):
        inner['retryAfter'] = retry_after
    return {fault_name(status): inner}


def fault_response(status, message, headers=None):
    """A ``webob.Response`` carrying the fault body.

    ``headers`` (a dict or a list of pairs) are added to the response;
    a ``Retry-After`` among them becomes ``retryAfter`` for 413/429.
    """
    items = list(headers.items() if hasattr(headers, 'items')
                 else headers or [])
    retry_after = None
    for name, value in items:
        if name.lower() == 'retry-after':
            retry_after = str(value)
    body = fault_body(status, message, retry_after=retry_after)
    response = webob.Response(
        status=status, content_type='application/json',
        body=jsonutils.dump_as_bytes(body))
    # NOTE: set after, or webob drops the charset of a JSON type.
    response.charset = 'UTF-8'
    for name, value in items:
        if name.lower() not in _BODY_HEADERS:
            response.headers.add(name, str(value))
    return response


def raw_uri(req):
    """The request URI as received (for logs; never fails to decode)."""
    environ = req.environ
    uri = environ.get('SCRIPT_NAME', '') + environ.get('PATH_INFO', '')
    if environ.get('QUERY_STRING'):
        uri += '?' + environ['QUERY_STRING']
    return uri


def request_id(req):
    """The local request ID of ``req`` (None outside the id middleware)."""
    return req.environ.get(REQUEST_ID_ENVIRON_KEY)


def _with_request_id(message, req):
    # NOTE: our improvement over Nova: every 5xx message carries the local
    # request ID, so a user can hand it to an operator.
    req_id = request_id(req)
    if not req_id or req_id in message:
        return message
    return '%s Request ID: %s' % (message, req_id)


def unexpected(req, exc):
    """The 500 ``computeFault`` for an exception nobody expected.

    Logged with its traceback; the response shows the exception class and
    the request ID, never the exception's text.
    """
    LOG.error('Unexpected exception in API method %s %s',
              req.method, raw_uri(req), exc_info=exc)
    req_id = request_id(req)
    if req_id:
        support = ('Please contact the administrator and give them this '
                   'request ID: %s.' % req_id)
    else:
        support = 'Please contact the administrator.'
    # NOTE: the class (as "<class 'module.Name'>") is all Nova reveals of
    # an unexpected error; its text may hold anything, so it stays in the
    # log.
    message = 'Unexpected API Error. %s\n%s' % (support, type(exc))
    return fault_response(500, message)


def from_exception(req, exc):
    """The fault response for an exception a handler raised.

    * ``NovaFaultsException``: its code and message; a 5xx is shown only
      when the exception is meant for users (``safe``, or a 501/503 such
      as an unreachable cell), otherwise it is an unexpected error.
    * ``webob.exc.HTTPException``: its status and explanation.
    * anything else: :func:`unexpected`.
    """
    if isinstance(exc, exception.NovaFaultsException):
        code = exc.kwargs.get('code', exc.code) or 500
        if code >= 500 and not (exc.safe or code in (501, 503)):
            return unexpected(req, exc)
        message = exc.format_message()
        if code >= 500:
            message = _with_request_id(message, req)
        else:
            LOG.info('%s %s returned with HTTP %d: %s', req.method,
                     raw_uri(req), code, message)
        return fault_response(code, message, headers=exc.headers)
    if isinstance(exc, webob.exc.HTTPException) and exc.status_int >= 400:
        code = exc.status_int
        message = exc.explanation
        if code >= 500:
            message = _with_request_id(message, req)
        return fault_response(code, message, headers=exc.headers)
    if isinstance(exc, webob.exc.HTTPException):
        # Redirects and other non-errors raised as exceptions pass on.
        return exc
    return unexpected(req, exc)
