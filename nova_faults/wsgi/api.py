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

"""The WSGI application for production servers (uWSGI, gunicorn,
mod_wsgi): ``nova_faults.wsgi.api:application``.

Configuration files come from ``OS_NOVA_FAULTS_CONFIG_FILES``
(``;``-separated), else oslo.config's usual search for
``nova-faults.conf``. Logging is set up by oslo.log from that
configuration. The pipeline follows ``[api] auth_strategy``.
"""

import os

from oslo_config import cfg
from oslo_log import log as logging

from nova_faults.api import deploy
from nova_faults import conf as nf_conf

LOG = logging.getLogger(__name__)


def init_application():
    """Parse the configuration, set up logging, load the paste app."""
    conf = cfg.ConfigOpts()
    logging.register_options(conf)
    env = os.environ.get(nf_conf.CONFIG_FILES_ENV)
    files = [f for f in env.split(';') if f] if env else None
    nf_conf.load([], default_config_files=files, conf=conf)
    logging.setup(conf, 'nova-faults')
    if conf.api.auth_strategy == 'noauth':
        LOG.warning('[api] auth_strategy is "noauth": any "X-Auth-Token: '
                    'user:project" is trusted. Development and tests only.')
    return deploy.loadapp(conf)


application = init_application()
deploy.freeze_loaded_objects()
