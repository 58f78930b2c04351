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

"""Migrations

Revision ID: c2d4f6a80002
Revises: c2d4f6a80001
Create Date: 2026-12-06

Nova's ``migrations`` table: ``PUT /os-services`` and ``DELETE
/os-services/{id}`` look at a host's evacuations and moves in progress.
"""

from alembic import op
import sqlalchemy as sa

revision = 'c2d4f6a80002'
down_revision = 'c2d4f6a80001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'migrations',
        sa.Column('id', sa.Integer, primary_key=True, nullable=False),
        sa.Column('source_compute', sa.String(255)),
        sa.Column('dest_compute', sa.String(255)),
        sa.Column('source_node', sa.String(255)),
        sa.Column('dest_node', sa.String(255)),
        sa.Column('dest_host', sa.String(255)),
        sa.Column('old_instance_type_id', sa.Integer),
        sa.Column('new_instance_type_id', sa.Integer),
        sa.Column('instance_uuid', sa.String(36),
                  sa.ForeignKey('instances.uuid')),
        sa.Column('uuid', sa.String(36)),
        sa.Column('status', sa.String(255)),
        sa.Column('migration_type', sa.Enum(
            'migration', 'resize', 'live-migration', 'evacuation',
            name='migration_type')),
        sa.Column('hidden', sa.Boolean),
        sa.Column('memory_total', sa.BigInteger),
        sa.Column('memory_processed', sa.BigInteger),
        sa.Column('memory_remaining', sa.BigInteger),
        sa.Column('disk_total', sa.BigInteger),
        sa.Column('disk_processed', sa.BigInteger),
        sa.Column('disk_remaining', sa.BigInteger),
        sa.Column('cross_cell_move', sa.Boolean),
        sa.Column('user_id', sa.String(255)),
        sa.Column('project_id', sa.String(255)),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.Column('deleted_at', sa.DateTime),
        sa.Column('deleted', sa.Integer),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index('migrations_instance_uuid_and_status_idx', 'migrations',
                    ['deleted', 'instance_uuid', 'status'])
    # NOTE: prefix lengths on MySQL, as in Nova (InnoDB's key length).
    op.create_index('migrations_by_host_nodes_and_status_idx', 'migrations',
                    ['deleted', 'source_compute', 'dest_compute',
                     'source_node', 'dest_node', 'status'],
                    mysql_length={'source_compute': 100,
                                  'dest_compute': 100, 'source_node': 100,
                                  'dest_node': 100})
    op.create_index('migrations_uuid', 'migrations', ['uuid'], unique=True)
    op.create_index('migrations_updated_at_idx', 'migrations',
                    ['updated_at'])
