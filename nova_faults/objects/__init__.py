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

"""Versioned objects (oslo.versionedobjects) with Nova's field names.

``from nova_faults import objects`` registers every object and exposes
it here (``objects.InstanceAction``, ``objects.ServiceList``, ...). Only
handlers, tools and services import this package: importing
oslo.versionedobjects pulls in oslo.messaging and eventlet, which the
WSGI middleware must not load.
"""


def register_all():
    """Import every object module (each registers its classes)."""
    # NOTE: the imports are the registration, as in Nova.
    from nova_faults.objects import flavor  # noqa: F401
    from nova_faults.objects import instance  # noqa: F401
    from nova_faults.objects import instance_action  # noqa: F401
    from nova_faults.objects import instance_fault  # noqa: F401
    from nova_faults.objects import mappings  # noqa: F401
    from nova_faults.objects import request_spec  # noqa: F401
    from nova_faults.objects import service  # noqa: F401


register_all()
