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

"""Request specs and server groups of instances (API database).

A request spec is Nova's serialized ``RequestSpec`` (JSON text); the
server views read its fields, and the server groups of the instances.
"""

from nova_faults.db import api as db_api
from nova_faults.db import request_specs as db_request_specs


class RequestSpec:
    """The request spec of one instance."""

    @classmethod
    def get_fields_by_instance_uuid(cls, context, instance_uuid):
        """The fields of the spec (a dict); ``RequestSpecNotFound``."""
        row = db_request_specs.request_spec_get_by_instance_uuid(
            context, instance_uuid)
        return db_request_specs.spec_fields(row['spec'])


class RequestSpecList:
    """The request specs of a page of instances."""

    @classmethod
    def get_view_fields(cls, context, instance_uuids):
        """``{uuid: {'availability_zone', 'scheduler_hints'}}``."""
        if not instance_uuids:
            return {}
        with db_api.reader(db_api.api_db(context), context) as conn:
            return db_request_specs.request_specs(conn, instance_uuids)


class InstanceGroupList:
    """The server groups of a page of instances."""

    @classmethod
    def get_uuids_by_instance_uuids(cls, context, instance_uuids,
                                    with_specs=False):
        """``{uuid: [group uuid]}``; with ``with_specs`` also the specs.

        With ``with_specs`` the result is ``(groups, specs)`` where
        ``specs`` is :meth:`RequestSpecList.get_view_fields`, both read in
        one transaction.
        """
        if not instance_uuids:
            return ({}, {}) if with_specs else {}
        with db_api.reader(db_api.api_db(context), context) as conn:
            return cls.read(conn, instance_uuids, with_specs)

    @classmethod
    def read(cls, api_conn, instance_uuids, with_specs=False):
        """:meth:`get_uuids_by_instance_uuids` on ``api_conn``.

        ``api_conn`` is a connection to the API database, in a
        transaction of the caller's.
        """
        groups = db_request_specs.server_groups(api_conn, instance_uuids)
        if not with_specs:
            return groups
        return groups, db_request_specs.request_specs(api_conn,
                                                      instance_uuids)
