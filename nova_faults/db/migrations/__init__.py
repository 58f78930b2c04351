"""Alembic migrations of the two databases nova-faults creates.

``api/`` migrates the API database, ``main/`` every cell database. Both
record their revision in :data:`VERSION_TABLE`, a table of our own: a
database without it was not created by nova-faults (Nova's own, for
example, whose Alembic table is ``alembic_version``) and is never migrated.
Use :mod:`nova_faults.db.migration` to run them.
"""

VERSION_TABLE = 'nova_faults_alembic_version'
