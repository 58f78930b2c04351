"""The personas every other rule is built from, with Nova's names and
defaults, so an operator's existing Nova policy overrides carry over."""

from oslo_policy import policy

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
        'project, and may manage services.',
        deprecated_rule=DEPRECATED_ADMIN_POLICY),
    policy.RuleDefault(
        'admin_or_owner',
        'is_admin:True or project_id:%(project_id)s',
        'Default rule for most non-Admin APIs.',
        deprecated_for_removal=True,
        deprecated_reason=DEPRECATED_REASON,
        deprecated_since='21.0.0'),
    policy.RuleDefault(
        'admin_api',
        'is_admin:True',
        'Default rule for most Admin APIs.',
        deprecated_for_removal=True,
        deprecated_reason=DEPRECATED_REASON,
        deprecated_since='21.0.0'),
    policy.RuleDefault(
        'project_admin_api',
        'role:admin and project_id:%(project_id)s',
        'Default rule for Project level admin APIs.',
        deprecated_rule=DEPRECATED_ADMIN_POLICY),
    policy.RuleDefault(
        'project_member_api',
        'role:member and project_id:%(project_id)s',
        'Default rule for Project level non admin APIs.',
        deprecated_rule=DEPRECATED_ADMIN_OR_OWNER_POLICY),
    policy.RuleDefault(
        'project_reader_api',
        'role:reader and project_id:%(project_id)s',
        'Default rule for Project level read only APIs.',
        deprecated_rule=DEPRECATED_ADMIN_OR_OWNER_POLICY),
    policy.RuleDefault(
        'project_member_or_admin',
        'rule:project_member_api or rule:context_is_admin',
        'Default rule for Project Member or admin APIs.',
        deprecated_rule=DEPRECATED_ADMIN_OR_OWNER_POLICY),
    policy.RuleDefault(
        'project_reader_or_admin',
        'rule:project_reader_api or rule:context_is_admin',
        'Default rule for Project reader or admin APIs.',
        deprecated_rule=DEPRECATED_ADMIN_OR_OWNER_POLICY),
]


def list_rules():
    return rules
