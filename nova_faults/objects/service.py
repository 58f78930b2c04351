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

"""Services and their heartbeat (cell databases)."""

from oslo_versionedobjects import fields

from nova_faults.db import api as db_api
from nova_faults.objects import base


@base.NovaFaultsObjectRegistry.register
class Service(base.NovaFaultsPersistentObject, base.NovaFaultsObject):
    VERSION = '1.0'

    fields = {
        'id': fields.IntegerField(read_only=True),
        'uuid': fields.UUIDField(nullable=True),
        'host': fields.StringField(nullable=True),
        'binary': fields.StringField(nullable=True),
        'topic': fields.StringField(nullable=True),
        'report_count': fields.IntegerField(default=0),
        'disabled': fields.BooleanField(default=False),
        'disabled_reason': fields.StringField(nullable=True),
        'last_seen_up': fields.DateTimeField(nullable=True),
        'forced_down': fields.BooleanField(default=False),
        'version': fields.IntegerField(default=0),
    }

    @classmethod
    def from_db(cls, context, row, **kwargs):
        row = dict(row)
        for name in ('disabled', 'forced_down'):
            row[name] = bool(row.get(name))
        if row.get('version') is None:
            row['version'] = 0
        return cls._from_db_object(context, cls(), row, **kwargs)

    @classmethod
    def get_by_id(cls, context, service_id):
        return cls.from_db(context, db_api.service_get(context, service_id))

    @classmethod
    def get_by_uuid(cls, context, service_uuid):
        return cls.from_db(context,
                           db_api.service_get_by_uuid(context, service_uuid))

    @classmethod
    def get_by_host_and_binary(cls, context, host, binary):
        return cls.from_db(context, db_api.service_get_by_host_and_binary(
            context, host, binary))

    def save(self):
        updates = self.obj_get_changes()
        updates.pop('id', None)
        row = db_api.service_update(self._context, self.id, updates)
        self._from_db_object(self._context, self, row)

    def destroy(self):
        db_api.service_destroy(self._context, self.id)


@base.NovaFaultsObjectRegistry.register
class ServiceList(base.ObjectListBase, base.NovaFaultsObject):
    VERSION = '1.0'

    fields = {'objects': fields.ListOfObjectsField('Service')}

    @classmethod
    def get_all(cls, context, disabled=None):
        return cls.from_db_rows(context, Service, db_api.service_get_all(
            context, disabled=disabled))

    @classmethod
    def get_by_binary(cls, context, binary):
        return cls.from_db_rows(context, Service, db_api.service_get_all(
            context, binary=binary))
