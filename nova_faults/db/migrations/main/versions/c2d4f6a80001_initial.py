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

"""Initial cell database schema

Revision ID: c2d4f6a80001
Revises:
Create Date: 2026-11-23

The subset of Nova's cell database schema nova-faults uses, as Nova's models
define it (names of tables, columns, indexes and constraints are Nova's).
"""

from alembic import op
import sqlalchemy as sa

from nova_faults.db import types

revision = 'c2d4f6a80001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'instances',
        sa.Column('id', sa.Integer, primary_key=True, nullable=False),
        sa.Column('user_id', sa.String(255)),
        sa.Column('project_id', sa.String(255)),
        sa.Column('image_ref', sa.String(255)),
        sa.Column('kernel_id', sa.String(255)),
        sa.Column('ramdisk_id', sa.String(255)),
        sa.Column('hostname', sa.String(255)),
        sa.Column('launch_index', sa.Integer),
        sa.Column('key_name', sa.String(255)),
        sa.Column('key_data', types.MediumText()),
        sa.Column('power_state', sa.Integer),
        sa.Column('vm_state', sa.String(255)),
        sa.Column('task_state', sa.String(255)),
        sa.Column('memory_mb', sa.Integer),
        sa.Column('vcpus', sa.Integer),
        sa.Column('root_gb', sa.Integer),
        sa.Column('ephemeral_gb', sa.Integer),
        sa.Column('ephemeral_key_uuid', sa.String(36)),
        sa.Column('host', sa.String(255)),
        sa.Column('node', sa.String(255)),
        sa.Column('compute_id', sa.BigInteger),
        sa.Column('instance_type_id', sa.Integer),
        sa.Column('user_data', types.MediumText()),
        sa.Column('reservation_id', sa.String(255)),
        sa.Column('launched_at', sa.DateTime),
        sa.Column('terminated_at', sa.DateTime),
        sa.Column('availability_zone', sa.String(255)),
        sa.Column('display_name', sa.String(255)),
        sa.Column('display_description', sa.String(255)),
        sa.Column('launched_on', types.MediumText()),
        sa.Column('locked', sa.Boolean),
        sa.Column(
            'locked_by',
            sa.Enum('owner', 'admin', name='instances0locked_by')),
        sa.Column('os_type', sa.String(255)),
        sa.Column('architecture', sa.String(255)),
        sa.Column('vm_mode', sa.String(255)),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('root_device_name', sa.String(255)),
        sa.Column('default_ephemeral_device', sa.String(255)),
        sa.Column('default_swap_device', sa.String(255)),
        sa.Column('config_drive', sa.String(255)),
        sa.Column('access_ip_v4', types.IPAddress()),
        sa.Column('access_ip_v6', types.IPAddress()),
        sa.Column('auto_disk_config', sa.Boolean),
        sa.Column('progress', sa.Integer),
        sa.Column('shutdown_terminate', sa.Boolean),
        sa.Column('disable_terminate', sa.Boolean),
        sa.Column('cell_name', sa.String(255)),
        sa.Column('cleaned', sa.Integer),
        sa.Column('hidden', sa.Boolean),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.Column('deleted_at', sa.DateTime),
        sa.Column('deleted', sa.Integer),
        sa.UniqueConstraint('uuid', name='uniq_instances0uuid'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index(
        'instances_compute_id_deleted_idx',
        'instances',
        ['compute_id', 'deleted'])
    op.create_index(
        'instances_deleted_created_at_idx',
        'instances',
        ['deleted', 'created_at'])
    op.create_index(
        'instances_host_deleted_cleaned_idx',
        'instances',
        ['host', 'deleted', 'cleaned'])
    op.create_index(
        'instances_host_node_deleted_idx',
        'instances',
        ['host', 'node', 'deleted'])
    op.create_index(
        'instances_project_id_deleted_idx',
        'instances',
        ['project_id', 'deleted'])
    op.create_index('instances_project_id_idx', 'instances', ['project_id'])
    op.create_index(
        'instances_reservation_id_idx',
        'instances',
        ['reservation_id'])
    op.create_index(
        'instances_task_state_updated_at_idx',
        'instances',
        ['task_state', 'updated_at'])
    op.create_index(
        'instances_terminated_at_launched_at_idx',
        'instances',
        ['terminated_at', 'launched_at'])
    op.create_index(
        'instances_updated_at_project_id_idx',
        'instances',
        ['updated_at', 'project_id'])
    op.create_index(
        'instances_uuid_deleted_idx',
        'instances',
        ['uuid', 'deleted'])

    op.create_table(
        'services',
        sa.Column('id', sa.Integer, primary_key=True, nullable=False),
        sa.Column('uuid', sa.String(36)),
        sa.Column('host', sa.String(255)),
        sa.Column('binary', sa.String(255)),
        sa.Column('topic', sa.String(255)),
        sa.Column('report_count', sa.Integer, nullable=False),
        sa.Column('disabled', sa.Boolean),
        sa.Column('disabled_reason', sa.String(255)),
        sa.Column('last_seen_up', sa.DateTime),
        sa.Column('forced_down', sa.Boolean),
        sa.Column('version', sa.Integer),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.Column('deleted_at', sa.DateTime),
        sa.Column('deleted', sa.Integer),
        sa.UniqueConstraint(
            'host', 'binary', 'deleted',
            name='uniq_services0host0binary0deleted'),
        sa.UniqueConstraint(
            'host', 'topic', 'deleted',
            name='uniq_services0host0topic0deleted'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index('services_uuid_idx', 'services', ['uuid'], unique=True)

    op.create_table(
        'tags',
        sa.Column(
            'resource_id', sa.String(36), primary_key=True, nullable=False),
        sa.Column('tag', sa.Unicode(80), primary_key=True, nullable=False),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index('tags_tag_idx', 'tags', ['tag'])

    op.create_table(
        'block_device_mapping',
        sa.Column('id', sa.Integer, primary_key=True, nullable=False),
        sa.Column(
            'instance_uuid', sa.String(36), sa.ForeignKey('instances.uuid')),
        sa.Column('uuid', sa.String(36)),
        sa.Column('source_type', sa.String(255)),
        sa.Column('destination_type', sa.String(255)),
        sa.Column('guest_format', sa.String(255)),
        sa.Column('device_type', sa.String(255)),
        sa.Column('disk_bus', sa.String(255)),
        sa.Column('boot_index', sa.Integer),
        sa.Column('device_name', sa.String(255)),
        sa.Column('delete_on_termination', sa.Boolean),
        sa.Column('snapshot_id', sa.String(36)),
        sa.Column('volume_id', sa.String(36)),
        sa.Column('volume_size', sa.Integer),
        sa.Column('volume_type', sa.String(255)),
        sa.Column('image_id', sa.String(36)),
        sa.Column('no_device', sa.Boolean),
        sa.Column('connection_info', types.MediumText()),
        sa.Column('tag', sa.String(255)),
        sa.Column('attachment_id', sa.String(36)),
        sa.Column('encrypted', sa.Boolean),
        sa.Column('encryption_secret_uuid', sa.String(36)),
        sa.Column('encryption_format', sa.String(128)),
        sa.Column('encryption_options', sa.String(4096)),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.Column('deleted_at', sa.DateTime),
        sa.Column('deleted', sa.Integer),
        sa.UniqueConstraint('uuid', name='uniq_block_device_mapping0uuid'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index(
        'block_device_mapping_instance_uuid_device_name_idx',
        'block_device_mapping',
        ['instance_uuid', 'device_name'])
    op.create_index(
        'block_device_mapping_instance_uuid_idx',
        'block_device_mapping',
        ['instance_uuid'])
    op.create_index(
        'block_device_mapping_instance_uuid_volume_id_idx',
        'block_device_mapping',
        ['instance_uuid', 'volume_id'])
    op.create_index('snapshot_id', 'block_device_mapping', ['snapshot_id'])
    op.create_index('volume_id', 'block_device_mapping', ['volume_id'])

    op.create_table(
        'instance_actions',
        sa.Column('id', sa.Integer, primary_key=True, nullable=False),
        sa.Column('action', sa.String(255)),
        sa.Column(
            'instance_uuid', sa.String(36), sa.ForeignKey('instances.uuid')),
        sa.Column('request_id', sa.String(255)),
        sa.Column('user_id', sa.String(255)),
        sa.Column('project_id', sa.String(255)),
        sa.Column('start_time', sa.DateTime),
        sa.Column('finish_time', sa.DateTime),
        sa.Column('message', sa.String(255)),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.Column('deleted_at', sa.DateTime),
        sa.Column('deleted', sa.Integer),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index(
        'instance_actions_instance_uuid_updated_at_idx',
        'instance_actions',
        ['instance_uuid', 'updated_at'])
    op.create_index('instance_uuid_idx', 'instance_actions', ['instance_uuid'])
    op.create_index('request_id_idx', 'instance_actions', ['request_id'])

    op.create_table(
        'instance_extra',
        sa.Column('id', sa.Integer, primary_key=True, nullable=False),
        sa.Column(
            'instance_uuid', sa.String(36),
            sa.ForeignKey('instances.uuid'),
            nullable=False),
        sa.Column('device_metadata', sa.Text),
        sa.Column('numa_topology', sa.Text),
        sa.Column('pci_requests', sa.Text),
        sa.Column('flavor', sa.Text),
        sa.Column('vcpu_model', sa.Text),
        sa.Column('migration_context', sa.Text),
        sa.Column('keypairs', sa.Text),
        sa.Column('trusted_certs', sa.Text),
        sa.Column('resources', sa.Text),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.Column('deleted_at', sa.DateTime),
        sa.Column('deleted', sa.Integer),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index('instance_extra_idx', 'instance_extra', ['instance_uuid'])

    op.create_table(
        'instance_faults',
        sa.Column('id', sa.Integer, primary_key=True, nullable=False),
        sa.Column(
            'instance_uuid', sa.String(36), sa.ForeignKey('instances.uuid')),
        sa.Column('code', sa.Integer, nullable=False),
        sa.Column('message', sa.String(255)),
        sa.Column('details', types.MediumText()),
        sa.Column('host', sa.String(255)),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.Column('deleted_at', sa.DateTime),
        sa.Column('deleted', sa.Integer),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index('instance_faults_host_idx', 'instance_faults', ['host'])
    op.create_index(
        'instance_faults_instance_uuid_deleted_created_at_idx',
        'instance_faults',
        ['instance_uuid', 'deleted', 'created_at'])

    op.create_table(
        'instance_info_caches',
        sa.Column('id', sa.Integer, primary_key=True, nullable=False),
        sa.Column('network_info', types.MediumText()),
        sa.Column(
            'instance_uuid', sa.String(36),
            sa.ForeignKey('instances.uuid'),
            nullable=False),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.Column('deleted_at', sa.DateTime),
        sa.Column('deleted', sa.Integer),
        sa.UniqueConstraint(
            'instance_uuid',
            name='uniq_instance_info_caches0instance_uuid'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )

    op.create_table(
        'instance_metadata',
        sa.Column('id', sa.Integer, primary_key=True, nullable=False),
        sa.Column('key', sa.String(255)),
        sa.Column('value', sa.String(255)),
        sa.Column(
            'instance_uuid', sa.String(36), sa.ForeignKey('instances.uuid')),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.Column('deleted_at', sa.DateTime),
        sa.Column('deleted', sa.Integer),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index(
        'instance_metadata_instance_uuid_idx',
        'instance_metadata',
        ['instance_uuid'])

    op.create_table(
        'instance_system_metadata',
        sa.Column('id', sa.Integer, primary_key=True, nullable=False),
        sa.Column('key', sa.String(255), nullable=False),
        sa.Column('value', sa.String(255)),
        sa.Column(
            'instance_uuid', sa.String(36),
            sa.ForeignKey('instances.uuid'),
            nullable=False),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.Column('deleted_at', sa.DateTime),
        sa.Column('deleted', sa.Integer),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index(
        'instance_uuid',
        'instance_system_metadata',
        ['instance_uuid'])

    op.create_table(
        'instance_actions_events',
        sa.Column('id', sa.Integer, primary_key=True, nullable=False),
        sa.Column('event', sa.String(255)),
        sa.Column(
            'action_id', sa.Integer, sa.ForeignKey('instance_actions.id')),
        sa.Column('start_time', sa.DateTime),
        sa.Column('finish_time', sa.DateTime),
        sa.Column('result', sa.String(255)),
        sa.Column('traceback', sa.Text),
        sa.Column('host', sa.String(255)),
        sa.Column('details', sa.Text),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.Column('deleted_at', sa.DateTime),
        sa.Column('deleted', sa.Integer),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
