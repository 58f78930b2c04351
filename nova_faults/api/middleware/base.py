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

"""The base of nova-faults middleware: oslo.middleware's
``ConfigurableMiddleware`` handed our own ``ConfigOpts``.

``factory`` (from oslo.middleware) is the paste filter factory; the
``ConfigOpts`` comes from :mod:`nova_faults.api.deploy`'s registry, so no
middleware ever falls back to a global ``cfg.CONF``.
"""

from oslo_config import cfg
from oslo_context import context as oslo_context
from oslo_middleware import base

from nova_faults.api import deploy


class Middleware(base.ConfigurableMiddleware):

    def __init__(self, application, conf=None):
        if isinstance(conf, cfg.ConfigOpts):
            oslo_conf, options = conf, {}
        else:
            options = dict(conf or {})
            oslo_conf = deploy.get_conf(options)
        super().__init__(application, oslo_conf)
        # Paste options of this filter ([filter:x] lines), as strings.
        self.options = options


def forget_thread_context():
    """Drop the request context oslo.context keeps for this thread.

    A ``RequestContext`` stores itself in a thread-local for oslo.log.
    Threads of a WSGI server serve many requests, so without this a log
    line written outside a request (or by a request without a context,
    such as the version document) would carry the previous request's
    IDs, and a tracer would follow the wrong request.
    """
    # NOTE: oslo.context has no public way to clear its store.
    store = getattr(oslo_context, '_request_store', None)
    if store is not None and getattr(store, 'context', None) is not None:
        store.context = None
