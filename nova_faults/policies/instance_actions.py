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

"""Policies of the server actions API (``os-instance-actions``).

Names and defaults are Nova's (2023.1 onwards), so an operator's Nova
policy file applies unchanged. Every rule is checked with the *server's*
project as the target. Listing and showing actions is for the server's
project; what a failed step reveals about the infrastructure (event
tracebacks and hosts) or about the failure (event details) is admin-only
by default.
"""

from oslo_policy import policy

from nova_faults.policies import base

ROOT_POLICY = 'os_compute_api:os-instance-actions'
BASE_POLICY_NAME = 'os_compute_api:os-instance-actions:%s'
LIST = BASE_POLICY_NAME % 'list'
SHOW = BASE_POLICY_NAME % 'show'
EVENTS = BASE_POLICY_NAME % 'events'
EVENTS_DETAILS = BASE_POLICY_NAME % 'events:details'

# NOTE: before Nova 21.0.0 one rule, os_compute_api:os-instance-actions
# (admin_or_owner), covered both list and show. It is kept as the
# deprecated rule of both so that [oslo_policy] enforce_new_defaults=False
# or an old policy file still work.
DEPRECATED_INSTANCE_ACTION_POLICY = policy.DeprecatedRule(
    ROOT_POLICY,
    base.RULE_ADMIN_OR_OWNER,
    deprecated_reason=base.DEPRECATED_REASON,
    deprecated_since='21.0.0',
)

rules = [
    policy.DocumentedRuleDefault(
        name=LIST,
        check_str=base.PROJECT_READER_OR_ADMIN,
        description='List the actions of a server: for each API request '
                    'that acted on it, the action name, request ID, the '
                    'user and project who made it, its start time and '
                    'whether it failed ("message": "Error"). Deleted '
                    'servers\' actions are listed from microversion 2.21. '
                    'Open to the server\'s project readers by default: '
                    'the actions are the project\'s own requests.',
        operations=[{'method': 'GET',
                     'path': '/servers/{server_id}/os-instance-actions'}],
        scope_types=['project'],
        deprecated_rule=DEPRECATED_INSTANCE_ACTION_POLICY),
    policy.DocumentedRuleDefault(
        name=SHOW,
        check_str=base.PROJECT_READER_OR_ADMIN,
        description='Show one action of a server by its request ID. From '
                    'microversion 2.51 the action\'s events (step name, '
                    'times, result) are included for everyone allowed by '
                    'this rule; what more each event shows is decided by '
                    '%s and %s. Open to the server\'s project readers by '
                    'default.' % (EVENTS, EVENTS_DETAILS),
        operations=[{'method': 'GET',
                     'path': '/servers/{server_id}/os-instance-actions/'
                             '{request_id}'}],
        scope_types=['project'],
        deprecated_rule=DEPRECATED_INSTANCE_ACTION_POLICY),
    policy.DocumentedRuleDefault(
        name=EVENTS,
        check_str=base.ADMIN,
        description='Show the events of an action with their "traceback" '
                    '(the code path of a failed step inside the services) '
                    'at every microversion, the events themselves before '
                    'microversion 2.51, and from 2.62 the "host" that ran '
                    'each event. Admin-only by default: tracebacks reveal '
                    'the deployment\'s code and file paths, and host names '
                    'reveal its topology; other users get the '
                    'project-specific "hostId" hash instead of the host.',
        operations=[{'method': 'GET',
                     'path': '/servers/{server_id}/os-instance-actions/'
                             '{request_id}'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=EVENTS_DETAILS,
        check_str=base.ADMIN,
        description='Show the "details" of each event from microversion '
                    '2.84: the message of the error that made a step fail '
                    '(for example "No valid host was found. There are not '
                    'enough hosts available."). Messages of errors raised '
                    'by the services themselves are stored; any other '
                    'error is reduced to its class name and credentials are '
                    'scrubbed, but the text can still describe the '
                    'infrastructure, so it is admin-only by default. '
                    'Granting it to project readers lets users find out '
                    'why their request failed without seeing tracebacks.',
        operations=[{'method': 'GET',
                     'path': '/servers/{server_id}/os-instance-actions/'
                             '{request_id}'}],
        scope_types=['project']),
]


def list_rules():
    return rules
