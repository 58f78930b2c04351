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

"""Entry points for oslo-config-generator: every option of nova-faults,
grouped as in the configuration file."""

import collections

from oslo_policy import opts as policy_opts

from nova_faults.conf import api
from nova_faults.conf import database
from nova_faults.conf import default
from nova_faults.conf import neutron
from nova_faults.conf import notifications
from nova_faults.conf import plugin


def list_opts():
    grouped = collections.OrderedDict()
    for module in (default, api, database, neutron, notifications,
                   plugin):
        for group, opts in module.list_opts().items():
            grouped.setdefault(group, []).extend(opts)
    return [(group, opts) for group, opts in grouped.items()]


def set_defaults(conf=None):
    """Defaults of other libraries that nova-faults changes."""
    from oslo_config import cfg
    conf = conf if conf is not None else cfg.CONF
    policy_opts.set_defaults(conf, policy_file='policy.yaml')
