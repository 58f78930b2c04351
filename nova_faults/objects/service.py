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

"""Services of the cell databases (os-services and host status).

Every method runs in the cell of its context (see
:func:`nova_faults.cells.target_cell`) and returns plain rows (dicts).
"""

from nova_faults.db import services as db_services


class Service:
    """One service row."""

    @classmethod
    def get_by_id(cls, context, service_id):
        """The live service with id ``service_id``; ``ServiceNotFound``."""
        return db_services.service_get(context, service_id)

    @classmethod
    def get_by_uuid(cls, context, service_uuid):
        """The live service of ``service_uuid``; ``ServiceNotFound``."""
        return db_services.service_get_by_uuid(context, service_uuid)

    @classmethod
    def get_by_host_and_binary(cls, context, host, binary):
        """The live service of a host and binary; ``ServiceNotFound``."""
        return db_services.service_get_by_host_and_binary(context, host,
                                                          binary)

    @classmethod
    def update(cls, context, service_id, values):
        """Update a live service; returns its new row."""
        return db_services.service_update(context, service_id, values)

    @classmethod
    def destroy(cls, context, service_id):
        """Soft-delete a service as Nova does."""
        db_services.service_destroy(context, service_id)


class ServiceList:
    """The services of a cell."""

    @classmethod
    def get_all(cls, context):
        """Every service of the cell, ordered by id."""
        return db_services.service_get_all(context)
