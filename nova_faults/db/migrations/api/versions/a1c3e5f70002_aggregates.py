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

"""Host aggregates

Revision ID: a1c3e5f70002
Revises: a1c3e5f70001
Create Date: 2026-12-06

Nova's ``aggregates``, ``aggregate_hosts`` and ``aggregate_metadata``
tables: the availability zone of a compute host is the
``availability_zone`` metadata of its aggregates.
"""

from alembic import op
import sqlalchemy as sa

revision = 'a1c3e5f70002'
down_revision = 'a1c3e5f70001'
branch_labels = None
depends_on = None

_MYSQL = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}


def upgrade():
    op.create_table(
        'aggregates',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True,
                  nullable=False),
        sa.Column('uuid', sa.String(36)),
        sa.Column('name', sa.String(255)),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.UniqueConstraint('name', name='uniq_aggregate0name'),
        **_MYSQL,
    )
    op.create_index('aggregate_uuid_idx', 'aggregates', ['uuid'])

    op.create_table(
        'aggregate_hosts',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True,
                  nullable=False),
        sa.Column('host', sa.String(255)),
        sa.Column('aggregate_id', sa.Integer, sa.ForeignKey('aggregates.id'),
                  nullable=False),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.UniqueConstraint('host', 'aggregate_id',
                            name='uniq_aggregate_hosts0host0aggregate_id'),
        **_MYSQL,
    )

    op.create_table(
        'aggregate_metadata',
        sa.Column('id', sa.Integer, primary_key=True, nullable=False),
        sa.Column('key', sa.String(255), nullable=False),
        sa.Column('value', sa.String(255), nullable=False),
        sa.Column('aggregate_id', sa.Integer, sa.ForeignKey('aggregates.id'),
                  nullable=False),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.UniqueConstraint('aggregate_id', 'key',
                            name='uniq_aggregate_metadata0aggregate_id0key'),
        **_MYSQL,
    )
    op.create_index('aggregate_metadata_key_idx', 'aggregate_metadata',
                    ['key'])
