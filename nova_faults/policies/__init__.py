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
