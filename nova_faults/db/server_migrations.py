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

"""Queries of a cell's ``migrations`` table (moves of servers).

Nova's queries (``nova/db/main/api.py``) for what ``os-services`` checks;
the context is targeted at the host's cell.
"""

from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from nova_faults.db import api as db_api
from nova_faults.db import models
from nova_faults.db import utils

_MIGRATIONS = models.Migration.__table__
_INSTANCES = models.Instance.__table__

# NOTE: Nova's list (migration_get_in_progress_by_host_and_node): every
# other status, "finished" included (a resize waiting to be confirmed),
# is in progress.
FINISHED_STATUSES = ('confirmed', 'reverted', 'error', 'failed',
                     'completed', 'cancelled', 'done')


def done_evacuations_from_host(ctx, host):
    """uuids of the live ``done`` evacuations from ``host``."""
    m = _MIGRATIONS
    stmt = (sa.select(m.c.uuid)
            .where(m.c.deleted == 0, m.c.source_compute == host,
                   m.c.status == 'done', m.c.migration_type == 'evacuation')
            .order_by(m.c.id))
    with db_api.reader(db_api.cell_db(ctx), ctx) as conn:
        return [row[0] for row in conn.execute(stmt)]


def in_progress_by_host(ctx, host):
    """(uuid, status) of the unfinished moves from or to ``host``.

    NOTE: Nova asks per compute node of the host (``compute_nodes``, a
    table nova-faults does not read) with the node names; here the host
    alone is matched, which is the same for a host whose nodes are
    recorded. Moves of deleted instances are ignored, as Nova's inner
    join on the live instance does.
    """
    m = _MIGRATIONS
    i = _INSTANCES
    stmt = (sa.select(m.c.uuid, m.c.status)
            .select_from(m.join(i, sa.and_(i.c.uuid == m.c.instance_uuid,
                                           i.c.deleted == 0)))
            .where(m.c.deleted == 0,
                   sa.or_(m.c.source_compute == host,
                          m.c.dest_compute == host),
                   # NOTE: as Nova's NOT IN, a NULL status is not in
                   # progress.
                   m.c.status.not_in(FINISHED_STATUSES))
            .order_by(m.c.id))
    with db_api.reader(db_api.cell_db(ctx), ctx) as conn:
        return [tuple(row) for row in conn.execute(stmt)]


def migration_create(ctx, values):
    """Record a migration in ``ctx``'s cell; returns the row."""
    values = dict(values)
    values.setdefault('uuid', uuidutils.generate_uuid())
    values.setdefault('created_at', timeutils.utcnow())
    values.setdefault('deleted', 0)
    with db_api.writer(db_api.cell_db(ctx), ctx) as conn:
        return utils.insert(conn, _MIGRATIONS, values)
