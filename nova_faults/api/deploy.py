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

"""Load the paste pipeline for a parsed ``ConfigOpts``.

Paste factories only receive strings, so :func:`loadapp` registers the
``ConfigOpts`` (and optional extra routes, for tests) in a small process
registry and passes its key in the paste ``global_conf``; every factory of
nova-faults calls :func:`get_conf` with its ``global_conf`` to get it back.
A paste file loaded by someone else (no key) makes the factories load the
configuration from ``OS_NOVA_FAULTS_CONFIG_FILES`` once per process.
"""

import gc
import itertools
import logging
import os
import threading

from paste import deploy

from nova_faults import conf as nf_conf

LOG = logging.getLogger(__name__)

GLOBAL_CONF_KEY = 'nova_faults_conf_key'
PASTE_FILE_NAME = 'api-paste.ini'
PACKAGE_PASTE_FILE = os.path.join(os.path.dirname(__file__), PASTE_FILE_NAME)

# Pipeline names in the [composite:...] sections keyed by auth_strategy.
APP_NAME = 'main'

_REGISTRY = {}
_COUNTER = itertools.count(1)
_LOCK = threading.Lock()
_ENV_CONF = None


def register(conf, extra_routes=None):
    """Register ``conf`` (and extra routes) and return its registry key."""
    key = 'conf-%d' % next(_COUNTER)
    with _LOCK:
        _REGISTRY[key] = {'conf': conf, 'extra_routes': extra_routes or {}}
    return key


def _entry(global_conf):
    global _ENV_CONF
    key = (global_conf or {}).get(GLOBAL_CONF_KEY)
    if key:
        with _LOCK:
            return _REGISTRY[key]
    with _LOCK:
        if _ENV_CONF is None:
            _ENV_CONF = {'conf': nf_conf.load(), 'extra_routes': {}}
        return _ENV_CONF


def get_conf(global_conf):
    """The ``ConfigOpts`` for a paste factory's ``global_conf``."""
    return _entry(global_conf)['conf']


def get_extra_routes(global_conf):
    """Routes registered beside ``ROUTES`` (tests only)."""
    return _entry(global_conf)['extra_routes']


def find_paste_file(conf):
    """The paste file to use.

    ``[api] api_paste_config``, found like a configuration file, else the
    copy shipped in the package.
    """
    name = conf.api.api_paste_config
    if name:
        if os.path.isabs(name):
            if os.path.exists(name):
                return name
            LOG.warning('Paste configuration %s does not exist; using '
                        'the one shipped with nova-faults', name)
        else:
            found = conf.find_file(name)
            if found:
                return os.path.abspath(found)
    return PACKAGE_PASTE_FILE


def pipeline_factory(loader, global_conf, **local_conf):
    """Paste composite choosing the pipeline by ``[api] auth_strategy``.

    ``local_conf`` maps each strategy (``keystone``, ``noauth``) to a
    space-separated pipeline whose last element is the application.
    """
    conf = get_conf(global_conf)
    strategy = conf.api.auth_strategy
    if strategy not in local_conf:
        raise ValueError('No paste pipeline for auth_strategy %r'
                         % strategy)
    names = local_conf[strategy].split()
    app = loader.get_app(names[-1])
    for name in reversed(names[:-1]):
        app = loader.get_filter(name)(app)
    return app


def loadapp(conf, extra_routes=None, paste_file=None, name=APP_NAME):
    """Build the WSGI application for ``conf``.

    ``extra_routes`` ({path: {method: handler}}) are added to the route
    table; tests use them to force faults.
    """
    paste_file = paste_file or find_paste_file(conf)
    key = register(conf, extra_routes)
    LOG.debug('Loading paste pipeline %s from %s (auth_strategy %s)',
              name, paste_file, conf.api.auth_strategy)
    return deploy.loadapp('config:%s' % paste_file, name=name,
                          global_conf={GLOBAL_CONF_KEY: key})


def freeze_loaded_objects():
    """Leave the objects built so far out of the garbage collector's scans.

    Called by the API processes once their application is loaded, before
    they serve. The modules, configuration, rules and routes loaded at
    start live as long as the process; without this every full
    collection walks them all (about 110,000 objects: 60 to 85 ms each,
    one every twenty detailed lists of 200 servers). Objects made later
    (per request) are collected as usual.
    """
    gc.freeze()
