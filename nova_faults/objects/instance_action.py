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

"""Server actions and their events (cell databases)."""

from oslo_versionedobjects import fields

from nova_faults.db import api as db_api
from nova_faults import exception
from nova_faults.objects import base


@base.NovaFaultsObjectRegistry.register
class InstanceAction(base.NovaFaultsPersistentObject, base.NovaFaultsObject):
    """One user request on an instance."""

    VERSION = '1.0'

    fields = {
        'id': fields.IntegerField(),
        'action': fields.StringField(nullable=True),
        'instance_uuid': fields.UUIDField(nullable=True),
        'request_id': fields.StringField(nullable=True),
        'user_id': fields.StringField(nullable=True),
        'project_id': fields.StringField(nullable=True),
        'start_time': fields.DateTimeField(nullable=True),
        'finish_time': fields.DateTimeField(nullable=True),
        'message': fields.StringField(nullable=True),
    }

    @classmethod
    def get_by_request_id(cls, context, instance_uuid, request_id):
        """The newest action of a request, or None (as Nova)."""
        row = db_api.action_get_by_request_id(context, instance_uuid,
                                              request_id)
        return cls.from_db(context, row) if row is not None else None

    @classmethod
    def get_by_request_id_or_raise(cls, context, instance_uuid, request_id):
        action = cls.get_by_request_id(context, instance_uuid, request_id)
        if action is None:
            raise exception.InstanceActionNotFound(
                request_id=request_id, instance_uuid=instance_uuid)
        return action


@base.NovaFaultsObjectRegistry.register
class InstanceActionList(base.ObjectListBase, base.NovaFaultsObject):
    VERSION = '1.0'

    fields = {'objects': fields.ListOfObjectsField('InstanceAction')}

    @classmethod
    def get_by_instance_uuid(cls, context, instance_uuid, limit=None,
                             marker=None, filters=None):
        """Newest first; see :func:`nova_faults.db.api.actions_get`."""
        rows = db_api.actions_get(context, instance_uuid, limit=limit,
                                  marker=marker, filters=filters)
        return cls.from_db_rows(context, InstanceAction, rows)


@base.NovaFaultsObjectRegistry.register
class InstanceActionEvent(base.NovaFaultsPersistentObject,
                          base.NovaFaultsObject):
    """A step of an action, done by a service on a host."""

    VERSION = '1.0'

    fields = {
        'id': fields.IntegerField(),
        'event': fields.StringField(nullable=True),
        'action_id': fields.IntegerField(nullable=True),
        'start_time': fields.DateTimeField(nullable=True),
        'finish_time': fields.DateTimeField(nullable=True),
        'result': fields.StringField(nullable=True),
        'traceback': fields.StringField(nullable=True),
        'host': fields.StringField(nullable=True),
        'details': fields.StringField(nullable=True),
    }


@base.NovaFaultsObjectRegistry.register
class InstanceActionEventList(base.ObjectListBase, base.NovaFaultsObject):
    VERSION = '1.0'

    fields = {'objects': fields.ListOfObjectsField('InstanceActionEvent')}

    @classmethod
    def get_by_action(cls, context, action_id):
        """Newest first (created_at, id descending)."""
        return cls.from_db_rows(context, InstanceActionEvent,
                                db_api.action_events_get(context, action_id))
