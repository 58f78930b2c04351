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

"""Instance faults: why a server went wrong (cell databases)."""

from oslo_versionedobjects import fields

from nova_faults.db import api as db_api
from nova_faults.objects import base


@base.NovaFaultsObjectRegistry.register
class InstanceFault(base.NovaFaultsPersistentObject, base.NovaFaultsObject):
    VERSION = '1.0'

    fields = {
        'id': fields.IntegerField(),
        'instance_uuid': fields.UUIDField(),
        'code': fields.IntegerField(),
        'message': fields.StringField(nullable=True),
        'details': fields.StringField(nullable=True),
        'host': fields.StringField(nullable=True),
    }

    @classmethod
    def get_latest_for_instance(cls, context, instance_uuid):
        faults = db_api.instance_fault_get_by_instance_uuids(
            context, [instance_uuid], latest=True).get(instance_uuid)
        return cls.from_db(context, faults[0]) if faults else None


@base.NovaFaultsObjectRegistry.register
class InstanceFaultList(base.ObjectListBase, base.NovaFaultsObject):
    VERSION = '1.0'

    fields = {'objects': fields.ListOfObjectsField('InstanceFault')}

    @classmethod
    def get_latest_for_instances(cls, context, instance_uuids):
        """The newest fault of each instance (one query)."""
        faults = db_api.instance_fault_get_by_instance_uuids(
            context, instance_uuids, latest=True)
        rows = [rows[0] for rows in faults.values() if rows]
        return cls.from_db_rows(context, InstanceFault, rows)

    @classmethod
    def get_by_instance_uuids(cls, context, instance_uuids):
        """Every fault of the instances, newest first per instance."""
        faults = db_api.instance_fault_get_by_instance_uuids(
            context, instance_uuids)
        rows = [row for rows in faults.values() for row in rows]
        return cls.from_db_rows(context, InstanceFault, rows)
