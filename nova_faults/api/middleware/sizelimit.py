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

"""Refuse request bodies larger than ``[oslo_middleware]
max_request_body_size`` (112 KiB by default), as Nova's pipeline does.

oslo.middleware's limiter with one change: the refusal is a Nova fault
(413 ``overLimit``) instead of webob's HTML page. A body without a
Content-Length is read through oslo's ``LimitingReader``, whose 413 the
router turns into the same fault.

A plain WSGI callable: a ``webob.Request`` is only built to wrap a body
without a Content-Length.
"""

from oslo_middleware import sizelimit
import webob

from nova_faults.api import faults
from nova_faults.api.middleware import base


class RequestBodySizeLimiter(base.Middleware,
                             sizelimit.RequestBodySizeLimiter):

    def __call__(self, environ, start_response):
        max_size = self._conf_get('max_request_body_size')
        req = webob.Request(environ)
        content_length = req.content_length
        if content_length is not None and content_length > max_size:
            response = faults.fault_response(
                413, 'Request is too large. Larger than '
                     'max_request_body_size (%d).' % max_size)
            return response(environ, start_response)
        if content_length is None:
            req.body_file = sizelimit.LimitingReader(req.body_file,
                                                     max_size)
        return self.application(environ, start_response)
