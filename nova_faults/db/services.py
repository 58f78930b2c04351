"""Service-related writes the data layer's ``db.api`` does not offer.

Kept apart from :mod:`nova_faults.db.api` (owned by the data layer) so
that each module stays small; same conventions (context-bound
transactions, plain dicts).
"""

import sqlalchemy as sa

from nova_faults.db import api as db_api
from nova_faults.db import models

_HMAPS = models.HostMapping.__table__


def host_mapping_destroy(ctx, host):
    """Delete the host mapping of ``host`` (API database).

    No error when there is none, as Nova ignores a compute that was
    never mapped.
    """
    with db_api._writer(db_api._api(ctx), ctx) as conn:
        conn.execute(sa.delete(_HMAPS).where(_HMAPS.c.host == host))
