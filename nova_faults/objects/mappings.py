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

"""Cell, instance and host mappings (API database): which cell is whose.

Rows are plain dicts; an instance or host mapping row carries its cell
mapping row under ``cell_mapping`` (None for an instance that is not
scheduled yet).
"""

from nova_faults.db import mappings as db_mappings


class InstanceMapping:
    """The cell of an instance."""

    @classmethod
    def get_by_instance_uuid(cls, context, instance_uuid):
        """The mapping row with its cell; ``InstanceMappingNotFound``."""
        return db_mappings.instance_mapping_get_by_instance_uuid(
            context, instance_uuid)


class InstanceMappingList:
    """The instance mappings of a cell (for down-cell minimal records)."""

    @classmethod
    def get_not_deleted_by_cell_and_project(cls, context, cell_uuid,
                                            project_id, limit=None):
        """Mapping rows not queued for delete, without cell mappings.

        ``project_id`` is one id, a list of ids, or None for every
        project.
        """
        query = (
            db_mappings.instance_mapping_get_not_deleted_by_cell_and_project)
        return query(context, cell_uuid, project_id, limit=limit)


class HostMapping:
    """The cell of a compute host."""

    @classmethod
    def get_by_host(cls, context, host):
        """The mapping row with its cell; ``HostMappingNotFound``."""
        return db_mappings.host_mapping_get_by_host(context, host)

    @classmethod
    def destroy(cls, context, host):
        """Delete the mapping of ``host`` (none is not an error)."""
        db_mappings.host_mapping_destroy(context, host)


class HostMappingList:
    """The host mappings of a cell."""

    @classmethod
    def get_by_cell_uuid(cls, context, cell_uuid):
        """Host mapping rows of the cell ``cell_uuid``."""
        return db_mappings.host_mapping_get_all(context, cell_uuid=cell_uuid)
