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

"""The personas every other rule is built from, with Nova's names and
defaults, so an operator's existing Nova policy overrides carry over."""

from oslo_policy import policy

from nova_faults import policy_extensions

# NOTE: before the first rule below is made: oslo.policy would otherwise
# index every package's entry points to find its check extensions.
policy_extensions.install()

DEPRECATED_REASON = """
Nova-compatible policies use the admin, member and reader roles with project
scope. The legacy rules are kept so that [oslo_policy]
enforce_new_defaults=False gives Nova's old behaviour.
"""

DEPRECATED_ADMIN_POLICY = policy.DeprecatedRule(
    name='admin_api',
    check_str='is_admin:True',
    deprecated_reason=DEPRECATED_REASON,
    deprecated_since='21.0.0',
)

DEPRECATED_ADMIN_OR_OWNER_POLICY = policy.DeprecatedRule(
    name='admin_or_owner',
    check_str='is_admin:True or project_id:%(project_id)s',
    deprecated_reason=DEPRECATED_REASON,
    deprecated_since='21.0.0',
)

ADMIN = 'rule:context_is_admin'
PROJECT_ADMIN = 'rule:project_admin_api'
PROJECT_MEMBER = 'rule:project_member_api'
PROJECT_READER = 'rule:project_reader_api'
PROJECT_MEMBER_OR_ADMIN = 'rule:project_member_or_admin'
PROJECT_READER_OR_ADMIN = 'rule:project_reader_or_admin'
RULE_ADMIN_API = 'rule:admin_api'
RULE_ADMIN_OR_OWNER = 'rule:admin_or_owner'
RULE_ANY = '@'
RULE_NOBODY = '!'

rules = [
    policy.RuleDefault(
        'context_is_admin',
        'role:admin',
        'Decides who is an administrator. Administrators see tracebacks, '
        'event details and hosts, host status and fault details of every '
        'project, and may manage services. NOTE: as in Nova, the admin '
        'role on any project makes a user admin everywhere.',
        deprecated_rule=DEPRECATED_ADMIN_POLICY),
    policy.RuleDefault(
        'admin_or_owner',
        'is_admin:True or project_id:%(project_id)s',
        'Legacy rule (Nova before 21.0.0): an admin or anyone with a '
        'token of the resource\'s project, whatever their role. Only used '
        'as the deprecated rule behind the project personas.',
        deprecated_for_removal=True,
        deprecated_reason=DEPRECATED_REASON,
        deprecated_since='21.0.0'),
    policy.RuleDefault(
        'admin_api',
        'is_admin:True',
        'Legacy rule (Nova before 21.0.0): an admin. Only used as the '
        'deprecated rule behind context_is_admin and os-services.',
        deprecated_for_removal=True,
        deprecated_reason=DEPRECATED_REASON,
        deprecated_since='21.0.0'),
    policy.RuleDefault(
        'project_admin_api',
        'role:admin and project_id:%(project_id)s',
        'An admin of the resource\'s own project (persona; no rule of '
        'nova-faults uses it by default, it is there for overrides).',
        deprecated_rule=DEPRECATED_ADMIN_POLICY),
    policy.RuleDefault(
        'project_member_api',
        'role:member and project_id:%(project_id)s',
        'A member of the resource\'s project (persona; with Keystone\'s '
        'implied roles an admin is also a member).',
        deprecated_rule=DEPRECATED_ADMIN_OR_OWNER_POLICY),
    policy.RuleDefault(
        'project_reader_api',
        'role:reader and project_id:%(project_id)s',
        'A reader of the resource\'s project (persona; with Keystone\'s '
        'implied roles members and admins are also readers). The '
        'read-only APIs of nova-faults are open to project readers.',
        deprecated_rule=DEPRECATED_ADMIN_OR_OWNER_POLICY),
    policy.RuleDefault(
        'project_member_or_admin',
        'rule:project_member_api or rule:context_is_admin',
        'A member of the resource\'s project, or an admin. Use it in '
        'overrides that should exclude read-only users (see the policy '
        'recipes).',
        deprecated_rule=DEPRECATED_ADMIN_OR_OWNER_POLICY),
    policy.RuleDefault(
        'project_reader_or_admin',
        'rule:project_reader_api or rule:context_is_admin',
        'A reader of the resource\'s project, or an admin: the default '
        'of listing and showing servers and their actions.',
        deprecated_rule=DEPRECATED_ADMIN_OR_OWNER_POLICY),
]


def list_rules():
    return rules
