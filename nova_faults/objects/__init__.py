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
