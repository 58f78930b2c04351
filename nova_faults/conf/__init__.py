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

"""Configuration options, one module per group.

No module keeps a global ``ConfigOpts``: callers build one, hand it to
:func:`register_opts`, and pass it on. :func:`load` is the one place that
parses command-line arguments and configuration files for the programs.
"""

import os

from oslo_config import cfg

from nova_faults.conf import api
from nova_faults.conf import database
from nova_faults.conf import default
from nova_faults.conf import neutron
from nova_faults.conf import notifications

# Modules whose ``register_opts(conf)`` sets up this project's own groups.
_MODULES = (default, api, database, neutron, notifications)

CONFIG_FILES_ENV = 'OS_NOVA_FAULTS_CONFIG_FILES'
"""Environment variable naming configuration files (``;``-separated) for
the WSGI application, in the style of Nova's ``OS_NOVA_CONFIG_FILES``."""


def register_opts(conf):
    """Register every option of nova-faults on ``conf``."""
    for module in _MODULES:
        module.register_opts(conf)
    return conf


def command_line(config_files=(), config_dirs=()):
    """oslo.config's arguments for ``config_files``, then ``config_dirs``."""
    args = []
    for path in config_files:
        args += ['--config-file', path]
    for path in config_dirs:
        args += ['--config-dir', path]
    return args


def load(argv=None, default_config_files=None, conf=None):
    """Build, register and parse a ``ConfigOpts``.

    ``default_config_files`` defaults to the files named in
    ``OS_NOVA_FAULTS_CONFIG_FILES`` when it is set, otherwise to
    oslo.config's search for ``nova-faults.conf``/``nova_faults.conf``.
    """
    conf = conf or cfg.ConfigOpts()
    register_opts(conf)
    if default_config_files is None:
        env = os.environ.get(CONFIG_FILES_ENV)
        if env:
            default_config_files = [f for f in env.split(';') if f]
    if default_config_files is None:
        default_config_files = (
            cfg.find_config_files(project='nova-faults') or
            cfg.find_config_files(project='nova_faults'))
    conf(argv if argv is not None else [], project='nova-faults',
         default_config_files=default_config_files)
    return conf
