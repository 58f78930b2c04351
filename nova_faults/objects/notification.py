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

"""Payloads of the failure notifications, as oslo.versionedobjects.

A payload travels as its primitive: Nova's envelope ::

    {"nova_object.name": "InstanceActionEventPayload",
     "nova_object.namespace": "nova",
     "nova_object.version": "1.0",
     "nova_object.data": {...}}

so a consumer that reads Nova's versioned notifications reads ours the
same way. :mod:`nova_faults.notifications` builds and sends them.

The payloads are not put in the object registry (as Nova does for its
notification classes): they are only ever sent, never received or
remoted, so they must not shadow or be mistaken for data objects.
"""

from oslo_versionedobjects import base as ovo_base
from oslo_versionedobjects import fields

from nova_faults.objects import base

# NOTE: register_if(False) only builds the field properties of a class,
# like Nova's NovaObjectRegistry.register_notification.
register_notification = ovo_base.VersionedObjectRegistry.register_if(False)


class NotificationPayloadBase(base.NovaFaultsObject):
    """Base of every payload: the request identity fields."""

    fields = {
        # The local request ID of the API request that started the work
        # (the instance action's request_id).
        'request_id': fields.StringField(nullable=True),
        # The global request ID the caller sent, if any.
        'global_request_id': fields.StringField(nullable=True),
        'instance_uuid': fields.UUIDField(),
        'host': fields.StringField(nullable=True),
    }

    def notification_primitive(self):
        """The envelope to send: every field set, no change list.

        NOTE: a freshly built payload has every field "changed", so the
        ``nova_object.changes`` key would say nothing; it is dropped, as
        Nova does for its notifications.
        """
        for name in self.fields:
            if not self.obj_attr_is_set(name):
                setattr(self, name, None)
        self.obj_reset_changes(recursive=True)
        return self.obj_to_primitive()


@register_notification
class InstanceActionEventPayload(NotificationPayloadBase):
    """An event of an instance action finished with an error.

    ``details`` is the sanitized message users may see (2.84 event
    ``details``); ``traceback`` is set only with ``[notifications]
    include_traceback``.
    """

    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = dict(NotificationPayloadBase.fields, **{
        'action': fields.StringField(nullable=True),
        'event': fields.StringField(),
        'result': fields.StringField(nullable=True),
        'details': fields.StringField(nullable=True),
        'traceback': fields.StringField(nullable=True),
        'user_id': fields.StringField(nullable=True),
        'project_id': fields.StringField(nullable=True),
        'start_time': fields.DateTimeField(nullable=True),
        'finish_time': fields.DateTimeField(nullable=True),
    })


@register_notification
class InstanceFaultPayload(NotificationPayloadBase):
    """An instance fault was recorded.

    ``code`` and ``message`` are what the server shows in its ``fault``;
    ``details`` (the formatted exception) is set only with
    ``[notifications] include_traceback``.
    """

    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = dict(NotificationPayloadBase.fields, **{
        'code': fields.IntegerField(),
        'message': fields.StringField(nullable=True),
        'details': fields.StringField(nullable=True),
        'created': fields.DateTimeField(nullable=True),
    })
