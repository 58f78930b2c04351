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

"""Anything that escapes the pipeline becomes a Nova fault body.

Handlers' exceptions are turned into faults by the router; this filter
catches what escapes middleware (and anything else): a
``NovaFaultsException`` or webob error keeps its status and message, the
rest is a 500 ``computeFault`` naming only the exception class and the
request ID. Never exception text, never a traceback; the traceback goes
to the log.

A plain WSGI callable: the request's ``webob.Request`` is only built
when there is a fault to render.
"""

import webob

from nova_faults.api import faults
from nova_faults.api.middleware import base


class FaultWrapper(base.Middleware):

    def __call__(self, environ, start_response):
        try:
            return self.application(environ, start_response)
        except Exception as exc:
            response = faults.from_exception(webob.Request(environ), exc)
            return response(environ, start_response)
