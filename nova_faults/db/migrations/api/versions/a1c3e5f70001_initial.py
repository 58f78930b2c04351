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

"""Initial API database schema

Revision ID: a1c3e5f70001
Revises:
Create Date: 2026-11-23

The subset of Nova's API database schema nova-faults uses, as Nova's models
define it (names of tables, columns, indexes and constraints are Nova's).
"""

from alembic import op
import sqlalchemy as sa

from nova_faults.db import types

revision = 'a1c3e5f70001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cell_mappings',
        sa.Column('id', sa.Integer, primary_key=True, nullable=False),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255)),
        sa.Column('transport_url', sa.Text),
        sa.Column('database_connection', sa.Text),
        sa.Column('disabled', sa.Boolean),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.UniqueConstraint('uuid', name='uniq_cell_mappings0uuid'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index('uuid_idx', 'cell_mappings', ['uuid'])

    op.create_table(
        'instance_groups',
        sa.Column('id', sa.Integer, primary_key=True, nullable=False),
        sa.Column('user_id', sa.String(255)),
        sa.Column('project_id', sa.String(255)),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255)),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.UniqueConstraint('uuid', name='uniq_instance_groups0uuid'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )

    op.create_table(
        'request_specs',
        sa.Column('id', sa.Integer, primary_key=True, nullable=False),
        sa.Column('instance_uuid', sa.String(36), nullable=False),
        sa.Column('spec', types.MediumText(), nullable=False),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.UniqueConstraint(
            'instance_uuid',
            name='uniq_request_specs0instance_uuid'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index(
        'request_spec_instance_uuid_idx',
        'request_specs',
        ['instance_uuid'])

    op.create_table(
        'host_mappings',
        sa.Column('id', sa.Integer, primary_key=True, nullable=False),
        sa.Column(
            'cell_id', sa.Integer,
            sa.ForeignKey('cell_mappings.id'),
            nullable=False),
        sa.Column('host', sa.String(255), nullable=False),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.UniqueConstraint('host', name='uniq_host_mappings0host'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index('host_idx', 'host_mappings', ['host'])

    op.create_table(
        'instance_group_member',
        sa.Column('id', sa.Integer, primary_key=True, nullable=False),
        sa.Column('instance_uuid', sa.String(255)),
        sa.Column(
            'group_id', sa.Integer,
            sa.ForeignKey('instance_groups.id'),
            nullable=False),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index(
        'instance_group_member_instance_idx',
        'instance_group_member',
        ['instance_uuid'])

    op.create_table(
        'instance_group_policy',
        sa.Column('id', sa.Integer, primary_key=True, nullable=False),
        sa.Column('policy', sa.String(255)),
        sa.Column(
            'group_id', sa.Integer,
            sa.ForeignKey('instance_groups.id'),
            nullable=False),
        sa.Column('rules', sa.Text),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index(
        'instance_group_policy_policy_idx',
        'instance_group_policy',
        ['policy'])

    op.create_table(
        'instance_mappings',
        sa.Column('id', sa.Integer, primary_key=True, nullable=False),
        sa.Column('instance_uuid', sa.String(36), nullable=False),
        sa.Column('cell_id', sa.Integer, sa.ForeignKey('cell_mappings.id')),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('user_id', sa.String(255)),
        sa.Column('queued_for_delete', sa.Boolean),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.UniqueConstraint(
            'instance_uuid',
            name='uniq_instance_mappings0instance_uuid'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index(
        'instance_mappings_user_id_project_id_idx',
        'instance_mappings',
        ['user_id', 'project_id'])
    op.create_index(
        'instance_uuid_idx',
        'instance_mappings',
        ['instance_uuid'])
    op.create_index('project_id_idx', 'instance_mappings', ['project_id'])
