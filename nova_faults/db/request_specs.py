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

"""Queries of request specs and server groups (API database).

Request specs are Nova's serialized ``RequestSpec`` objects (JSON text);
the server view reads the availability zone and scheduler hints from
them, and the server group of an instance from ``instance_group_member``.
"""

import json

from oslo_utils import uuidutils
import sqlalchemy as sa

from nova_faults.db import api as db_api
from nova_faults.db import models
from nova_faults.db import utils
from nova_faults import exception

_GROUPS = models.InstanceGroup.__table__
_GROUP_MEMBERS = models.InstanceGroupMember.__table__
_GROUP_POLICIES = models.InstanceGroupPolicy.__table__
_SPECS = models.RequestSpec.__table__


def request_spec_get_by_instance_uuid(ctx, instance_uuid):
    """The request_specs row (``spec`` is Nova's serialized JSON)."""
    with db_api.reader(db_api.api_db(ctx), ctx) as conn:
        row = utils.one(conn, sa.select(_SPECS)
                        .where(_SPECS.c.instance_uuid == instance_uuid))
    if row is None:
        raise exception.RequestSpecNotFound(instance_uuid=instance_uuid)
    return row


def request_spec_create(ctx, instance_uuid, spec):
    """Store ``spec`` (a JSON string) for an instance."""
    with db_api.writer(db_api.api_db(ctx), ctx) as conn:
        return utils.insert(conn, _SPECS, {'instance_uuid': instance_uuid,
                                           'spec': spec})


def instance_group_create(ctx, values, policy=None, members=None):
    """Create a server group with an optional policy and member UUIDs."""
    values = dict(values)
    values.setdefault('uuid', uuidutils.generate_uuid())
    with db_api.writer(db_api.api_db(ctx), ctx) as conn:
        group = utils.insert(conn, _GROUPS,
                             utils.table_values(_GROUPS, values))
        if policy:
            utils.insert(conn, _GROUP_POLICIES,
                         {'policy': policy, 'group_id': group['id']})
        for member in members or ():
            utils.insert(conn, _GROUP_MEMBERS,
                         {'instance_uuid': member, 'group_id': group['id']})
    group['policy'] = policy
    group['members'] = list(members or ())
    return group


def spec_fields(text):
    """The fields of a serialized RequestSpec (a dict, {} if unreadable)."""
    try:
        blob = json.loads(text)
    except (TypeError, ValueError):
        return {}
    data = blob.get('nova_object.data', blob) if isinstance(
        blob, dict) else {}
    return data if isinstance(data, dict) else {}


def request_specs(api_conn, uuids):
    """Availability zone and scheduler hints from the request specs.

    ``{uuid: {'availability_zone', 'scheduler_hints'}}`` for the
    instances that have a request spec (a JSON text).
    """
    if not uuids:
        return {}
    stmt = sa.select(_SPECS.c.instance_uuid, _SPECS.c.spec
                     ).where(_SPECS.c.instance_uuid.in_(list(uuids)))
    result = {}
    for uuid, spec in api_conn.execute(stmt):
        data = spec_fields(spec)
        result[uuid] = {
            'availability_zone': data.get('availability_zone'),
            'scheduler_hints': data.get('scheduler_hints'),
        }
    return result


# NOTE: built once (see nova_faults.db.servers): read for every server.
_SERVER_GROUPS = utils.KeyedSelect(lambda match: sa.select(
    _GROUP_MEMBERS.c.instance_uuid, _GROUPS.c.uuid).join(
    _GROUPS, _GROUPS.c.id == _GROUP_MEMBERS.c.group_id).where(
    match(_GROUP_MEMBERS.c.instance_uuid)))


def server_groups(api_conn, uuids):
    """``{uuid: [group uuid]}`` of the server groups of the instances."""
    if not uuids:
        return {}
    result = {}
    for inst_uuid, group_uuid in _SERVER_GROUPS.execute(api_conn, uuids):
        result.setdefault(inst_uuid, []).append(group_uuid)
    return result
