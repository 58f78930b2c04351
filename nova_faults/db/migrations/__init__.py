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

"""Alembic migrations of the two databases nova-faults creates.

``api/`` migrates the API database, ``main/`` every cell database. Both
record their revision in :data:`VERSION_TABLE`, a table of our own: a
database without it was not created by nova-faults (Nova's own, for
example, whose Alembic table is ``alembic_version``) and is never migrated.
Use :mod:`nova_faults.db.migration` to run them.
"""

VERSION_TABLE = 'nova_faults_alembic_version'

HEADS = {'api': 'a1c3e5f70002', 'main': 'c2d4f6a80002'}
"""The newest revision of each tree, known without loading Alembic (the
API's start-up checks the embedded databases against it). A unit test
keeps it equal to Alembic's heads: a new migration updates it."""
