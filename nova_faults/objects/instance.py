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

"""One instance, read in its cell database.

The pages of instances the server lists show, and the rows their views
need, are read by :mod:`nova_faults.objects.instance_list`.
"""

from nova_faults.db import api as db_api
from nova_faults.db import servers as db_servers
from nova_faults import exception


class Instance:
    """One instances row."""

    @classmethod
    def get_by_uuid(cls, context, instance_uuid, read_deleted=None):
        """The instances row of ``instance_uuid`` (every column).

        As in Nova, a non-admin user context only finds its own project's
        instances, and ``read_deleted`` (default: the context's) decides
        whether a deleted instance is found. Raises ``InstanceNotFound``.
        """
        project_id = None
        if not context.is_admin and context.user_id and context.project_id:
            project_id = context.project_id
        with db_api.cell_reader(context) as conn:
            row = db_servers.instance_get(
                conn, instance_uuid,
                read_deleted=read_deleted or context.read_deleted,
                project_id=project_id, detail=False)
        if row is None:
            raise exception.InstanceNotFound(instance_id=instance_uuid)
        return dict(row)
