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
