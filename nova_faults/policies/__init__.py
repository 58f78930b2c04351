"""All policy rules of nova-faults, one module per resource.

``list_rules()`` is the ``oslo.policy.policies`` entry point used by the
sample generator and ``oslopolicy-*`` tools.
"""

import itertools

from nova_faults.policies import base

# Resource modules add themselves here as they are written.
_MODULES = [base]


def list_rules():
    return list(itertools.chain.from_iterable(
        module.list_rules() for module in _MODULES))
