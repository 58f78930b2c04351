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

"""Policies of the os-services API (list, update, delete).

Names, defaults and the deprecated rule are Nova's. All three are
admin-only by default: services reveal and control the infrastructure.
"""

from oslo_policy import policy

from nova_faults.policies import base

BASE_POLICY_NAME = 'os_compute_api:os-services:%s'

DEPRECATED_SERVICE_POLICY = policy.DeprecatedRule(
    'os_compute_api:os-services',
    base.RULE_ADMIN_API,
    deprecated_reason=base.DEPRECATED_REASON,
    deprecated_since='21.0.0',
)

rules = [
    policy.DocumentedRuleDefault(
        name=BASE_POLICY_NAME % 'list',
        check_str=base.ADMIN,
        description='List the compute services of every cell with their '
                    'hosts, zones, state (up/down), status and disabled '
                    'reason. Admin-only by default: it reveals the '
                    'deployment\'s hosts and which of them are down.',
        operations=[{'method': 'GET', 'path': '/os-services'}],
        scope_types=['project'],
        deprecated_rule=DEPRECATED_SERVICE_POLICY),
    policy.DocumentedRuleDefault(
        name=BASE_POLICY_NAME % 'update',
        check_str=base.ADMIN,
        description='Enable or disable a compute service, or force it '
                    'down; servers on the host then show host_status '
                    'MAINTENANCE or DOWN. Admin-only by default: it changes '
                    'where the cloud schedules servers and what users see.',
        operations=[
            {'method': 'PUT', 'path': '/os-services/{service_id}'},
            {'method': 'PUT', 'path': '/os-services/enable'},
            {'method': 'PUT', 'path': '/os-services/disable'},
            {'method': 'PUT', 'path': '/os-services/disable-log-reason'},
            {'method': 'PUT', 'path': '/os-services/force-down'},
        ],
        scope_types=['project'],
        deprecated_rule=DEPRECATED_SERVICE_POLICY),
    policy.DocumentedRuleDefault(
        name=BASE_POLICY_NAME % 'delete',
        check_str=base.ADMIN,
        description='Delete a service record (refused for a compute '
                    'service that still hosts servers). Admin-only by '
                    'default: it changes the deployment.',
        operations=[{'method': 'DELETE', 'path': '/os-services/{service_id}'}],
        scope_types=['project'],
        deprecated_rule=DEPRECATED_SERVICE_POLICY),
]


def list_rules():
    return rules
