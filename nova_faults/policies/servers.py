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

"""Policies of the servers API (index, detail, show and what they reveal).

Names and defaults are Nova's, so an operator's Nova policy file applies
unchanged. Every rule that reveals something about the infrastructure
(the host, the hypervisor, the state of the compute service) is
admin-only by default.
"""

from oslo_policy import policy

from nova_faults.policies import base

SERVERS = 'os_compute_api:servers:%s'
EXTENDED_ATTRIBUTES = 'os_compute_api:os-extended-server-attributes'

_LIST_OPS = [{'method': 'GET', 'path': '/servers'},
             {'method': 'GET', 'path': '/servers/detail'}]
_SHOW_OPS = [{'method': 'GET', 'path': '/servers/{server_id}'},
             {'method': 'GET', 'path': '/servers/detail'}]

rules = [
    policy.DocumentedRuleDefault(
        name=SERVERS % 'index',
        check_str=base.PROJECT_READER_OR_ADMIN,
        description='List the servers of the project (ids, names and '
                    'links). Open to the project\'s readers by default: '
                    'a project sees its own servers; other projects\' '
                    'servers need index:get_all_tenants.',
        operations=[{'method': 'GET', 'path': '/servers'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=SERVERS % 'detail',
        check_str=base.PROJECT_READER_OR_ADMIN,
        description='List the servers of the project with detailed '
                    'information: status, faults of servers in ERROR '
                    '(without their details unless the caller is an '
                    'admin), addresses, flavor, image and, depending on '
                    'the rules below, host status and extended '
                    'attributes. Open to the project\'s readers by '
                    'default.',
        operations=[{'method': 'GET', 'path': '/servers/detail'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=SERVERS % 'index:get_all_tenants',
        check_str=base.ADMIN,
        description='List the servers of all projects (all_tenants=1). '
                    'Admin-only by default: it reveals every project\'s '
                    'servers.',
        operations=[{'method': 'GET', 'path': '/servers'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=SERVERS % 'detail:get_all_tenants',
        check_str=base.ADMIN,
        description='List the servers of all projects with detailed '
                    'information (all_tenants=1). Admin-only by default.',
        operations=[{'method': 'GET', 'path': '/servers/detail'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=SERVERS % 'allow_all_filters',
        check_str=base.ADMIN,
        description='Use every filter when listing servers. Without it, '
                    'filters other than the documented user filters '
                    '(name, status, image, flavor, ip, changes-since, '
                    'tags, ...) are silently ignored. Admin-only by '
                    'default: filters such as host or node reveal the '
                    'infrastructure.',
        operations=_LIST_OPS,
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=SERVERS % 'show',
        check_str=base.PROJECT_READER_OR_ADMIN,
        description='Show a server, with the fault of a server in ERROR '
                    '(its "details", a traceback, only for admins or for '
                    'faults other than 500). Open to the project\'s '
                    'readers by default; another project\'s server is '
                    'not found (404).',
        operations=[{'method': 'GET', 'path': '/servers/{server_id}'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=SERVERS % 'show:flavor-extra-specs',
        check_str=base.PROJECT_READER_OR_ADMIN,
        description='Starting with microversion 2.47, the flavor of a '
                    'server is embedded in its representation; this rule '
                    'decides whether the flavor\'s extra specs are '
                    'included. Open to the project\'s readers by default, '
                    'as in Nova: extra specs describe what the user asked '
                    'for.',
        operations=_SHOW_OPS,
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=SERVERS % 'show:host_status',
        check_str=base.ADMIN,
        description='Show the host_status of a server (microversion 2.16): '
                    'UP, DOWN, MAINTENANCE, UNKNOWN or "" for a server '
                    'without host, whatever the value. Admin-only by '
                    'default because it reveals the state of the '
                    'infrastructure. To show users only the UNKNOWN value '
                    '(a hint that the compute host is unreachable), leave '
                    'this rule admin-only and open '
                    'os_compute_api:servers:show:host_status:unknown-only.',
        operations=_SHOW_OPS,
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=SERVERS % 'show:host_status:unknown-only',
        check_str=base.ADMIN,
        description='Show the host_status of a server only when it is '
                    'UNKNOWN (the compute service stopped reporting). Only '
                    'checked when os_compute_api:servers:show:host_status '
                    'does not pass. Admin-only by default, like '
                    'host_status itself; a typical setup keeps that rule '
                    'admin-only and sets this one to "@" (everyone), so '
                    'users learn that their server\'s host is '
                    'unreachable without seeing the state of the others.',
        operations=_SHOW_OPS,
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=EXTENDED_ATTRIBUTES,
        check_str=base.ADMIN,
        description='Show the extended attributes of a server: '
                    'OS-EXT-SRV-ATTR:host, :instance_name, '
                    ':hypervisor_hostname and, since microversion 2.3, '
                    ':reservation_id, :launch_index, :hostname, '
                    ':kernel_id, :ramdisk_id, :root_device_name and '
                    ':user_data. Admin-only by default: they name hosts '
                    'and hypervisors and include the user data. Since '
                    '2.90 OS-EXT-SRV-ATTR:hostname is shown to everyone.',
        operations=_SHOW_OPS,
        scope_types=['project']),
]


def list_rules():
    return rules
