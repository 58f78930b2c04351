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

"""Migrations of servers between hosts (a cell's ``migrations`` table).

What ``os-services`` asks before changing a compute service:

* :meth:`MigrationList.done_evacuations_from_host`: evacuations from the
  host still ``done`` (its compute has not restarted and cleaned up), which
  forbid forcing the service up;
* :meth:`MigrationList.in_progress_by_host`: moves from or to the host
  not finished (any status but those of :data:`FINISHED_STATUSES`) of a
  live server, which forbid deleting the service.

The context is targeted at the host's cell. :func:`create` records one
(tests, demo data).
"""

from nova_faults.db import server_migrations as db_migrations

FINISHED_STATUSES = db_migrations.FINISHED_STATUSES


class MigrationList:
    """Reads of a cell's migrations, one query each."""

    @classmethod
    def done_evacuations_from_host(cls, ctx, host):
        """uuids of the live ``done`` evacuations from ``host``."""
        return db_migrations.done_evacuations_from_host(ctx, host)

    @classmethod
    def in_progress_by_host(cls, ctx, host):
        """(uuid, status) of the unfinished moves from or to ``host``."""
        return db_migrations.in_progress_by_host(ctx, host)


def create(ctx, **values):
    """Record a migration in ``ctx``'s cell; returns the row."""
    return db_migrations.migration_create(ctx, values)
