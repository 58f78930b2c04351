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

"""Cell, instance and host mappings (API database)."""

from oslo_versionedobjects import fields

from nova_faults.db import api as db_api
from nova_faults.objects import base

CELL0_UUID = '00000000-0000-0000-0000-000000000000'


@base.NovaFaultsObjectRegistry.register
class CellMapping(base.NovaFaultsTimestampObject, base.NovaFaultsObject):
    """A cell and how to reach its database."""

    VERSION = '1.0'

    fields = {
        'id': fields.IntegerField(read_only=True),
        'uuid': fields.UUIDField(),
        'name': fields.StringField(nullable=True),
        'transport_url': fields.StringField(nullable=True),
        'database_connection': fields.StringField(nullable=True),
        'disabled': fields.BooleanField(default=False),
    }

    @property
    def identity(self):
        """``uuid(name)`` or the uuid: for logs (never the URL)."""
        if 'name' in self and self.name:
            return '%s(%s)' % (self.uuid, self.name)
        return self.uuid

    def is_cell0(self):
        return self.obj_attr_is_set('uuid') and self.uuid == CELL0_UUID

    @classmethod
    def get_by_uuid(cls, context, cell_uuid):
        return cls.from_db(context,
                           db_api.cell_mapping_get_by_uuid(context, cell_uuid))


@base.NovaFaultsObjectRegistry.register
class CellMappingList(base.ObjectListBase, base.NovaFaultsObject):
    VERSION = '1.0'

    fields = {'objects': fields.ListOfObjectsField('CellMapping')}

    @classmethod
    def get_all(cls, context):
        return cls.from_db_rows(context, CellMapping,
                                db_api.cell_mapping_get_all(context))


def _with_cell(context, obj, row):
    cell = row.get('cell_mapping')
    obj.cell_mapping = (CellMapping.from_db(context, cell)
                        if cell is not None else None)
    obj.obj_reset_changes(['cell_mapping'])
    return obj


@base.NovaFaultsObjectRegistry.register
class InstanceMapping(base.NovaFaultsTimestampObject, base.NovaFaultsObject):
    """Which cell an instance lives in (None: not scheduled yet)."""

    VERSION = '1.0'

    fields = {
        'id': fields.IntegerField(read_only=True),
        'instance_uuid': fields.UUIDField(),
        'cell_mapping': fields.ObjectField('CellMapping', nullable=True),
        'project_id': fields.StringField(),
        'user_id': fields.StringField(nullable=True),
        'queued_for_delete': fields.BooleanField(default=False),
    }

    @classmethod
    def from_db(cls, context, row, **kwargs):
        row = dict(row)
        if row.get('queued_for_delete') is None:
            row['queued_for_delete'] = False
        obj = cls._from_db_object(context, cls(), row,
                                  skip=('cell_mapping',))
        return _with_cell(context, obj, row)

    @classmethod
    def get_by_instance_uuid(cls, context, instance_uuid):
        row = db_api.instance_mapping_get_by_instance_uuid(context,
                                                           instance_uuid)
        return cls.from_db(context, row)


@base.NovaFaultsObjectRegistry.register
class InstanceMappingList(base.ObjectListBase, base.NovaFaultsObject):
    VERSION = '1.0'

    fields = {'objects': fields.ListOfObjectsField('InstanceMapping')}

    @classmethod
    def get_by_instance_uuids(cls, context, instance_uuids):
        rows = db_api.instance_mapping_get_by_instance_uuids(
            context, instance_uuids)
        return cls.from_db_rows(context, InstanceMapping, list(rows.values()))

    @classmethod
    def get_not_deleted_by_cell_and_project(cls, context, cell_uuid,
                                            project_id, limit=None):
        """Mappings for down-cell minimal records (no cell_mapping)."""
        rows = db_api.instance_mapping_get_not_deleted_by_cell_and_project(
            context, cell_uuid, project_id, limit=limit)
        return cls.from_db_rows(context, InstanceMapping, rows)


@base.NovaFaultsObjectRegistry.register
class HostMapping(base.NovaFaultsTimestampObject, base.NovaFaultsObject):
    """Which cell a compute host belongs to."""

    VERSION = '1.0'

    fields = {
        'id': fields.IntegerField(read_only=True),
        'host': fields.StringField(),
        'cell_mapping': fields.ObjectField('CellMapping'),
    }

    @classmethod
    def from_db(cls, context, row, **kwargs):
        obj = cls._from_db_object(context, cls(), row,
                                  skip=('cell_mapping',))
        return _with_cell(context, obj, row)

    @classmethod
    def get_by_host(cls, context, host):
        return cls.from_db(context,
                           db_api.host_mapping_get_by_host(context, host))


@base.NovaFaultsObjectRegistry.register
class HostMappingList(base.ObjectListBase, base.NovaFaultsObject):
    VERSION = '1.0'

    fields = {'objects': fields.ListOfObjectsField('HostMapping')}

    @classmethod
    def get_by_cell_id(cls, context, cell_uuid):
        """Host mappings of a cell (by its UUID), without cell objects."""
        objs = []
        for row in db_api.host_mapping_get_all(context, cell_uuid=cell_uuid):
            obj = HostMapping._from_db_object(context, HostMapping(), row,
                                              skip=('cell_mapping',))
            objs.append(obj)
        result = cls(objects=objs)
        result.obj_reset_changes()
        return result
