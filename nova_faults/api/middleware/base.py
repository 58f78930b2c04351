"""The base of nova-faults middleware: oslo.middleware's
``ConfigurableMiddleware`` handed our own ``ConfigOpts``.

``factory`` (from oslo.middleware) is the paste filter factory; the
``ConfigOpts`` comes from :mod:`nova_faults.api.deploy`'s registry, so no
middleware ever falls back to a global ``cfg.CONF``.
"""

from oslo_config import cfg
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
