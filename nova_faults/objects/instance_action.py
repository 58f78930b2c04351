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

"""Server actions and their events (cell databases), as plain rows."""

from nova_faults.db import actions as db_actions


class InstanceAction:
    """One user request on an instance."""

    @classmethod
    def get_by_request_id(cls, context, instance_uuid, request_id):
        """The newest action of a request, or None (as Nova)."""
        return db_actions.action_get_by_request_id(context, instance_uuid,
                                                   request_id)


class InstanceActionList:
    """The actions of an instance."""

    @classmethod
    def get_by_instance_uuid(cls, context, instance_uuid, limit=None,
                             marker=None, filters=None):
        """Newest first; see :func:`nova_faults.db.actions.actions_get`."""
        return db_actions.actions_get(context, instance_uuid, limit=limit,
                                      marker=marker, filters=filters)


class InstanceActionEventList:
    """The events of an action."""

    @classmethod
    def get_by_action(cls, context, action_id):
        """Newest first (created_at, id descending)."""
        return db_actions.action_events_get(context, action_id)
