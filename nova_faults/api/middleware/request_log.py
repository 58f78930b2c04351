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

"""One INFO line per request, in Nova's (and placement's) format::

    <remote> "<METHOD> <URI>" status: <code> len: <bytes>
    microversion: <x.y or -> time: <secs>

(on one line).

The request IDs appear in the log record's context (oslo.log), so the
line can be traced with the rest of the request.

A plain WSGI callable (no ``webob`` objects): it reads the status and
``Content-Length`` the application gives ``start_response``.
"""

import logging
import time

from nova_faults.api import microversion
from nova_faults.api.middleware import base

LOG = logging.getLogger(__name__)


class RequestLog(base.Middleware):

    _log_format = ('%(REMOTE_ADDR)s "%(REQUEST_METHOD)s %(REQUEST_URI)s" '
                   'status: %(status)s len: %(len)s '
                   'microversion: %(microversion)s time: %(time).6f')

    @staticmethod
    def _get_uri(environ):
        uri = environ.get('SCRIPT_NAME', '') + environ.get('PATH_INFO', '')
        if environ.get('QUERY_STRING'):
            uri += '?' + environ['QUERY_STRING']
        return uri

    def _log(self, environ, status, length, start):
        # NOTE: on an exception there is no status: log it as a 500, as
        # Nova.
        version = environ.get(microversion.ENVIRON_KEY)
        data = {
            'REMOTE_ADDR': environ.get('REMOTE_ADDR') or '-',
            'REQUEST_METHOD': environ['REQUEST_METHOD'],
            'REQUEST_URI': self._get_uri(environ),
            'status': (status or '500 Error').split(None, 1)[0],
            'len': length,
            'microversion': str(version) if version else '-',
            'time': time.monotonic() - start,
        }
        extra = {}
        context = environ.get('nova_faults.context')
        if context is not None:
            extra['context'] = context
        LOG.info(self._log_format, data, extra=extra)

    def __call__(self, environ, start_response):
        base.forget_thread_context()
        start = time.monotonic()
        seen = []

        def log_start_response(status, headers, exc_info=None):
            seen[:] = [status, headers]
            return start_response(status, headers, exc_info)

        try:
            app_iter = self.application(environ, log_start_response)
            if not seen:
                # NOTE: an application may call start_response on its
                # first iteration (PEP 3333); ours never do.
                app_iter = list(app_iter)
            return app_iter
        finally:
            status, length = None, 0
            if seen:
                status = seen[0]
                for name, value in seen[1]:
                    if name.lower() == 'content-length':
                        length = int(value or 0)
            self._log(environ, status, length, start)
            base.forget_thread_context()
