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

"""``[neutron]`` options: how to reach Neutron, with Nova's option names.

keystoneauth1's session, auth and adapter options, registered as Nova
registers them (``nova/conf/neutron.py``): ``auth_type`` and the
plugin's credentials (``auth_url``, ``username``, ... or ``auth_type =
none`` with ``endpoint_override``), ``region_name``, ``valid_interfaces``
(default ``internal, public``), ``endpoint_override``, ``timeout``, TLS.
A ``nova.conf`` section therefore works unchanged.

Neutron is used (for ``security_groups`` in server views) only when
``auth_type`` or ``auth_section`` is set.
"""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

GROUP = 'neutron'
DEFAULT_SERVICE_TYPE = 'network'
# NOTE: Nova waits for Neutron without a bound (its default timeout is
# None); a server view must not, so the session timeout has a default.
DEFAULT_TIMEOUT = 10
# Version options are the code's business, not the operator's (as Nova).
_ADAPTER_VERSION_OPTS = ('version', 'min_version', 'max_version')

neutron_group = cfg.OptGroup(
    GROUP, title='Neutron options',
    help='How nova-faults reaches Neutron to show the security groups of '
         'servers, with the option names of Nova\'s [neutron] section. '
         'Without auth_type (or auth_section), Neutron is not asked and '
         'server views omit security_groups.')


def _session_opts():
    opts = ks_loading.get_session_conf_options()
    cfg.set_defaults(opts, timeout=DEFAULT_TIMEOUT)
    for opt in opts:
        if opt.dest == 'timeout':
            opt.help = ('Seconds to wait for each answer of Neutron '
                        '(Nova\'s default is no limit; a server view waits '
                        'at most this long per call).')
    return opts


def _adapter_opts():
    opts = [opt for opt in ks_loading.get_adapter_conf_options(
        include_deprecated=False) if opt.dest not in _ADAPTER_VERSION_OPTS]
    cfg.set_defaults(opts, valid_interfaces=['internal', 'public'],
                     service_type=DEFAULT_SERVICE_TYPE)
    return opts


def register_opts(conf):
    conf.register_group(cfg.OptGroup(
        neutron_group.name, title=neutron_group.title,
        help=neutron_group.help))
    conf.register_opts(_session_opts(), group=GROUP)
    ks_loading.register_auth_conf_options(conf, GROUP)
    conf.register_opts(_adapter_opts(), group=GROUP)
    # keystoneauth's adapter loader reads the version options: present
    # but impossible to set, as in Nova.
    for name in _ADAPTER_VERSION_OPTS:
        conf.register_opt(cfg.Opt(name, type=lambda value: None),
                          group=GROUP)


def list_opts():
    return {neutron_group: (
        _session_opts() +
        ks_loading.get_auth_common_conf_options() +
        ks_loading.get_auth_plugin_conf_options('password') +
        ks_loading.get_auth_plugin_conf_options('v3password') +
        _adapter_opts())}
