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

"""Queries of instance faults (cell databases).

A fault is written by :mod:`nova_faults.recording`; the server view shows
the newest live fault of an instance in ERROR or DELETED.
"""

import sqlalchemy as sa

from nova_faults.db import api as db_api
from nova_faults.db import models
from nova_faults.db import utils

_FAULTS = models.InstanceFault.__table__


def instance_fault_create(ctx, values):
    """Record an instance fault.

    Record a fault: ``instance_uuid``, ``code``, ``message``,
    ``details``, ``host``. Returns the row.
    """
    values = utils.normalize_times(utils.table_values(_FAULTS, dict(values)))
    with db_api.writer(db_api.cell_db(ctx), ctx) as conn:
        return utils.insert(conn, _FAULTS, values)


def _latest_faults_stmt(match):
    latest = sa.select(
        _FAULTS.c.instance_uuid, sa.func.max(_FAULTS.c.id).label('max_id')
    ).where(match(_FAULTS.c.instance_uuid),
            _FAULTS.c.deleted == 0).group_by(
        _FAULTS.c.instance_uuid).subquery()
    return sa.select(_FAULTS.c.instance_uuid, _FAULTS.c.code,
                     _FAULTS.c.message, _FAULTS.c.details,
                     _FAULTS.c.created_at).join(
        latest, _FAULTS.c.id == latest.c.max_id)


# NOTE: built once (see nova_faults.db.servers): read for every server.
_LATEST_FAULTS = utils.KeyedSelect(_latest_faults_stmt)


def latest_faults(conn, uuids):
    """``{uuid: fault row}``: the newest live fault of each instance."""
    if not uuids:
        return {}
    return {row['instance_uuid']: row for row in _LATEST_FAULTS.execute(
        conn, uuids).mappings()}
