"""Alembic environment of the main tree.

It runs on the connection handed over by nova_faults.db.migration
in ``config.attributes['connection']``; there is no alembic.ini.
"""

from alembic import context

from nova_faults.db import migrations
from nova_faults.db import models


def run_migrations_online():
    connection = context.config.attributes['connection']
    context.configure(
        connection=connection,
        target_metadata=models.MainBase.metadata,
        version_table=migrations.VERSION_TABLE,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
