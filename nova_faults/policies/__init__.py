"""All policy rules of nova-faults, one module per resource.

``list_rules()`` is the ``oslo.policy.policies`` entry point used by the
sample generator and ``oslopolicy-*`` tools.
"""

import itertools

from nova_faults.policies import base
from nova_faults.policies import instance_actions
from nova_faults.policies import servers
from nova_faults.policies import services

# Resource modules add themselves here as they are written.
_MODULES = [base, instance_actions, servers, services]


def list_rules():
    return list(itertools.chain.from_iterable(
        module.list_rules() for module in _MODULES))
