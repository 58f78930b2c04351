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
"""

import logging
import time

import webob.dec

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

    def _log(self, req, res, start):
        # NOTE: on an exception res is None: log it as a 500, as Nova.
        status = getattr(res, 'status', '500 Error').split(None, 1)[0]
        version = req.environ.get(microversion.ENVIRON_KEY)
        data = {
            'REMOTE_ADDR': req.environ.get('REMOTE_ADDR') or '-',
            'REQUEST_METHOD': req.environ['REQUEST_METHOD'],
            'REQUEST_URI': self._get_uri(req.environ),
            'status': status,
            'len': getattr(res, 'content_length', 0) or 0,
            'microversion': str(version) if version else '-',
            'time': time.monotonic() - start,
        }
        extra = {}
        context = req.environ.get('nova_faults.context')
        if context is not None:
            extra['context'] = context
        LOG.info(self._log_format, data, extra=extra)

    @webob.dec.wsgify
    def __call__(self, req):
        base.forget_thread_context()
        start = time.monotonic()
        res = None
        try:
            res = req.get_response(self.application)
            return res
        finally:
            self._log(req, res, start)
            base.forget_thread_context()
