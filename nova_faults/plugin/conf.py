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

"""Our configuration inside Nova: Nova's files, our option objects.

Nova parses its configuration (``--config-file``, ``--config-dir``, or
``OS_NOVA_CONFIG_FILES`` under a WSGI server) into oslo.config's
process-wide ``cfg.CONF`` before it loads api-paste.ini. We read the same
files and directories into a ``ConfigOpts`` of our own, with our option
objects: ``[api_database]``, ``[api]``, ``[DEFAULT]``, ``[oslo_policy]``
... keep Nova's meaning, ``[nova_faults]`` holds ours. The ``config_file``
and ``config_dir`` keys of the filter's paste section (space or comma
separated) replace Nova's files when given.

We only ever read ``cfg.CONF``'s file list, never its options: Nova's
option objects are Nova's.
"""

import re

from oslo_config import cfg

from nova_faults import conf as nf_conf
from nova_faults.conf import plugin as plugin_conf


class IncompleteSettings(Exception):
    """A setting the filter needs is missing; the message names it."""


def _split(value):
    return [item for item in re.split(r'[\s,]+', value or '') if item]


def _process_files(process_conf):
    """``(files, dirs)`` the process-wide ``ConfigOpts`` was parsed from."""
    try:
        files = list(process_conf.config_file or [])
        dirs = process_conf.config_dir
    except cfg.NoSuchOptError:
        # NOTE: cfg.CONF was never called: not inside a Nova process.
        return [], []
    if isinstance(dirs, str):
        dirs = [dirs]
    return files, list(dirs or [])


def sources(local_conf, process_conf=None):
    """The ``(files, dirs)`` to read: the paste keys, else Nova's."""
    files = _split(local_conf.get('config_file'))
    dirs = _split(local_conf.get('config_dir'))
    if files or dirs:
        return files, dirs
    return _process_files(cfg.CONF if process_conf is None
                          else process_conf)


def load(local_conf, process_conf=None):
    """Our ``ConfigOpts`` for a filter's paste section.

    Raises :class:`IncompleteSettings` naming what is missing;
    oslo.config's own errors (a file that does not parse, a bad value)
    propagate.
    """
    files, dirs = sources(local_conf, process_conf)
    if not files and not dirs:
        raise IncompleteSettings(
            'no configuration file: the Nova process parsed none and the '
            'filter section sets neither config_file nor config_dir')
    conf = cfg.ConfigOpts()
    nf_conf.register_opts(conf)
    plugin_conf.register_opts(conf)
    # NOTE: project "nova", so that relative paths (the policy file)
    # are searched for where Nova searches them.
    conf(nf_conf.command_line(files, dirs), project='nova',
         default_config_files=[], default_config_dirs=[])
    for name, (group, option) in plugin_conf.STANDALONE_OPTS.items():
        conf.set_override(option, conf.nova_faults[name], group=group)
    if not conf.api_database.connection:
        raise IncompleteSettings(
            '[api_database] connection is not set in %s' % (
                ', '.join(files + dirs)))
    return conf
