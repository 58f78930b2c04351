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

"""Request IDs: a local ``req-<uuid4>`` per request, and a validated
global one.

oslo.middleware's ``RequestId`` with Nova's compat header: the response
carries ``x-openstack-request-id`` and ``x-compute-request-id`` (the local
id) on every response, faults and 401s included, because this filter is
the outermost. An inbound ``X-Openstack-Request-Id`` becomes the global
id only if it matches oslo's lower-case ``req-<uuid>`` format.

A plain WSGI callable: the headers are added in ``start_response``, with
no ``webob`` objects built.
"""

import logging
import re

from oslo_context import context as oslo_context
from oslo_middleware import request_id

from nova_faults.api.middleware import base

LOG = logging.getLogger(__name__)

ENV_REQUEST_ID = request_id.ENV_REQUEST_ID
GLOBAL_REQ_ID = request_id.GLOBAL_REQ_ID
INBOUND_HEADER = request_id.INBOUND_HEADER
ID_FORMAT = request_id.ID_FORMAT
_ENV_INBOUND = 'HTTP_' + INBOUND_HEADER.upper().replace('-', '_')


class RequestId(base.Middleware, request_id.RequestId):
    """Nova's ``ComputeReqIdMiddleware``; logs a dropped global id."""

    compat_headers = ['x-compute-request-id']

    def set_global_req_id(self, environ):
        inbound = environ.get(_ENV_INBOUND)
        if inbound is None:
            return
        if re.match(ID_FORMAT, inbound):
            environ[GLOBAL_REQ_ID] = inbound
        else:
            # NOTE: Nova ignores a malformed global id silently; we keep
            # the request going and say why at DEBUG.
            LOG.debug('Ignoring %s header %r: not of the form '
                      'req-<lower-case uuid>', INBOUND_HEADER,
                      inbound[:64])

    def __call__(self, environ, start_response):
        self.set_global_req_id(environ)
        req_id = oslo_context.generate_request_id()
        environ[ENV_REQUEST_ID] = req_id
        names = [request_id.HTTP_RESP_HEADER_REQUEST_ID]
        names.extend(self.compat_headers)

        def id_start_response(status, headers, exc_info=None):
            present = {name.lower() for name, _value in headers}
            headers = list(headers)
            headers.extend((name, req_id) for name in names
                           if name.lower() not in present)
            return start_response(status, headers, exc_info)

        return self.application(environ, id_start_response)
