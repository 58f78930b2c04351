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

"""Nova's schema for the tables nova-faults uses: the snapshot.

Written down from Nova's ``nova/db/api/models.py`` and
``nova/db/main/models.py`` (openstack/nova master, 2026): table names,
column names, generic types, nullability, primary keys, named indexes and
unique constraints. Timestamp columns come from oslo.db's
``TimestampMixin`` (``created_at``, ``updated_at``) and soft-delete ones
from ``SoftDeleteMixin`` (``deleted_at``, ``deleted`` Integer).

``test_schema`` compares it with our models and with migrated databases;
when Nova changes its schema, update this file from Nova's models, never
from ours.

Types: ``String(n)``, ``Unicode(n)``, ``Text``, ``MediumText`` (TEXT,
MEDIUMTEXT on MySQL), ``Integer``, ``BigInteger``, ``Boolean``,
``DateTime``, ``IPAddress`` (INET on PostgreSQL, VARCHAR(39) elsewhere),
``Enum(a,b)``. Indexes: ``name: ((columns...), unique)``.
"""


def col(type_, nullable=True, pk=False):
    return {'type': type_, 'nullable': nullable, 'primary_key': pk}


API_TABLES = {
    'aggregate_hosts': {
        'columns': {
            'created_at': col('DateTime', nullable=True),
            'updated_at': col('DateTime', nullable=True),
            'id': col('Integer', nullable=False, pk=True),
            'host': col('String(255)', nullable=True),
            'aggregate_id': col('Integer', nullable=False),
        },
        'indexes': {
        },
        'unique_constraints': {
            'uniq_aggregate_hosts0host0aggregate_id': ('host',
                                                       'aggregate_id'),
        },
    },
    'aggregate_metadata': {
        'columns': {
            'created_at': col('DateTime', nullable=True),
            'updated_at': col('DateTime', nullable=True),
            'id': col('Integer', nullable=False, pk=True),
            'key': col('String(255)', nullable=False),
            'value': col('String(255)', nullable=False),
            'aggregate_id': col('Integer', nullable=False),
        },
        'indexes': {
            'aggregate_metadata_key_idx': (('key',), False),
        },
        'unique_constraints': {
            'uniq_aggregate_metadata0aggregate_id0key': ('aggregate_id',
                                                         'key'),
        },
    },
    'aggregates': {
        'columns': {
            'created_at': col('DateTime', nullable=True),
            'updated_at': col('DateTime', nullable=True),
            'id': col('Integer', nullable=False, pk=True),
            'uuid': col('String(36)', nullable=True),
            'name': col('String(255)', nullable=True),
        },
        'indexes': {
            'aggregate_uuid_idx': (('uuid',), False),
        },
        'unique_constraints': {
            'uniq_aggregate0name': ('name',),
        },
    },
    'cell_mappings': {
        'columns': {
            'created_at': col('DateTime', nullable=True),
            'updated_at': col('DateTime', nullable=True),
            'id': col('Integer', nullable=False, pk=True),
            'uuid': col('String(36)', nullable=False),
            'name': col('String(255)', nullable=True),
            'transport_url': col('Text', nullable=True),
            'database_connection': col('Text', nullable=True),
            'disabled': col('Boolean', nullable=True),
        },
        'indexes': {
            'uuid_idx': (('uuid',), False),
        },
        'unique_constraints': {
            'uniq_cell_mappings0uuid': ('uuid',),
        },
    },
    'host_mappings': {
        'columns': {
            'created_at': col('DateTime', nullable=True),
            'updated_at': col('DateTime', nullable=True),
            'id': col('Integer', nullable=False, pk=True),
            'cell_id': col('Integer', nullable=False),
            'host': col('String(255)', nullable=False),
        },
        'indexes': {
            'host_idx': (('host',), False),
        },
        'unique_constraints': {
            'uniq_host_mappings0host': ('host',),
        },
    },
    'instance_group_member': {
        'columns': {
            'created_at': col('DateTime', nullable=True),
            'updated_at': col('DateTime', nullable=True),
            'id': col('Integer', nullable=False, pk=True),
            'instance_uuid': col('String(255)', nullable=True),
            'group_id': col('Integer', nullable=False),
        },
        'indexes': {
            'instance_group_member_instance_idx': (('instance_uuid',), False),
        },
        'unique_constraints': {
        },
    },
    'instance_group_policy': {
        'columns': {
            'created_at': col('DateTime', nullable=True),
            'updated_at': col('DateTime', nullable=True),
            'id': col('Integer', nullable=False, pk=True),
            'policy': col('String(255)', nullable=True),
            'group_id': col('Integer', nullable=False),
            'rules': col('Text', nullable=True),
        },
        'indexes': {
            'instance_group_policy_policy_idx': (('policy',), False),
        },
        'unique_constraints': {
        },
    },
    'instance_groups': {
        'columns': {
            'created_at': col('DateTime', nullable=True),
            'updated_at': col('DateTime', nullable=True),
            'id': col('Integer', nullable=False, pk=True),
            'user_id': col('String(255)', nullable=True),
            'project_id': col('String(255)', nullable=True),
            'uuid': col('String(36)', nullable=False),
            'name': col('String(255)', nullable=True),
        },
        'indexes': {
        },
        'unique_constraints': {
            'uniq_instance_groups0uuid': ('uuid',),
        },
    },
    'instance_mappings': {
        'columns': {
            'created_at': col('DateTime', nullable=True),
            'updated_at': col('DateTime', nullable=True),
            'id': col('Integer', nullable=False, pk=True),
            'instance_uuid': col('String(36)', nullable=False),
            'cell_id': col('Integer', nullable=True),
            'project_id': col('String(255)', nullable=False),
            'user_id': col('String(255)', nullable=True),
            'queued_for_delete': col('Boolean', nullable=True),
        },
        'indexes': {
            'instance_mappings_user_id_project_id_idx':
                (('user_id', 'project_id'), False),
            'instance_uuid_idx': (('instance_uuid',), False),
            'project_id_idx': (('project_id',), False),
        },
        'unique_constraints': {
            'uniq_instance_mappings0instance_uuid': ('instance_uuid',),
        },
    },
    'request_specs': {
        'columns': {
            'created_at': col('DateTime', nullable=True),
            'updated_at': col('DateTime', nullable=True),
            'id': col('Integer', nullable=False, pk=True),
            'instance_uuid': col('String(36)', nullable=False),
            'spec': col('MediumText', nullable=False),
        },
        'indexes': {
            'request_spec_instance_uuid_idx': (('instance_uuid',), False),
        },
        'unique_constraints': {
            'uniq_request_specs0instance_uuid': ('instance_uuid',),
        },
    },
}


MAIN_TABLES = {
    'block_device_mapping': {
        'columns': {
            'created_at': col('DateTime', nullable=True),
            'updated_at': col('DateTime', nullable=True),
            'deleted_at': col('DateTime', nullable=True),
            'deleted': col('Integer', nullable=True),
            'id': col('Integer', nullable=False, pk=True),
            'instance_uuid': col('String(36)', nullable=True),
            'uuid': col('String(36)', nullable=True),
            'source_type': col('String(255)', nullable=True),
            'destination_type': col('String(255)', nullable=True),
            'guest_format': col('String(255)', nullable=True),
            'device_type': col('String(255)', nullable=True),
            'disk_bus': col('String(255)', nullable=True),
            'boot_index': col('Integer', nullable=True),
            'device_name': col('String(255)', nullable=True),
            'delete_on_termination': col('Boolean', nullable=True),
            'snapshot_id': col('String(36)', nullable=True),
            'volume_id': col('String(36)', nullable=True),
            'volume_size': col('Integer', nullable=True),
            'volume_type': col('String(255)', nullable=True),
            'image_id': col('String(36)', nullable=True),
            'no_device': col('Boolean', nullable=True),
            'connection_info': col('MediumText', nullable=True),
            'tag': col('String(255)', nullable=True),
            'attachment_id': col('String(36)', nullable=True),
            'encrypted': col('Boolean', nullable=True),
            'encryption_secret_uuid': col('String(36)', nullable=True),
            'encryption_format': col('String(128)', nullable=True),
            'encryption_options': col('String(4096)', nullable=True),
        },
        'indexes': {
            'block_device_mapping_instance_uuid_device_name_idx':
                (('instance_uuid', 'device_name'), False),
            'block_device_mapping_instance_uuid_idx':
                (('instance_uuid',), False),
            'block_device_mapping_instance_uuid_volume_id_idx':
                (('instance_uuid', 'volume_id'), False),
            'snapshot_id': (('snapshot_id',), False),
            'volume_id': (('volume_id',), False),
        },
        'unique_constraints': {
            'uniq_block_device_mapping0uuid': ('uuid',),
        },
    },
    'instance_actions': {
        'columns': {
            'created_at': col('DateTime', nullable=True),
            'updated_at': col('DateTime', nullable=True),
            'deleted_at': col('DateTime', nullable=True),
            'deleted': col('Integer', nullable=True),
            'id': col('Integer', nullable=False, pk=True),
            'action': col('String(255)', nullable=True),
            'instance_uuid': col('String(36)', nullable=True),
            'request_id': col('String(255)', nullable=True),
            'user_id': col('String(255)', nullable=True),
            'project_id': col('String(255)', nullable=True),
            'start_time': col('DateTime', nullable=True),
            'finish_time': col('DateTime', nullable=True),
            'message': col('String(255)', nullable=True),
        },
        'indexes': {
            'instance_actions_instance_uuid_updated_at_idx':
                (('instance_uuid', 'updated_at'), False),
            'instance_uuid_idx': (('instance_uuid',), False),
            'request_id_idx': (('request_id',), False),
        },
        'unique_constraints': {
        },
    },
    'instance_actions_events': {
        'columns': {
            'created_at': col('DateTime', nullable=True),
            'updated_at': col('DateTime', nullable=True),
            'deleted_at': col('DateTime', nullable=True),
            'deleted': col('Integer', nullable=True),
            'id': col('Integer', nullable=False, pk=True),
            'event': col('String(255)', nullable=True),
            'action_id': col('Integer', nullable=True),
            'start_time': col('DateTime', nullable=True),
            'finish_time': col('DateTime', nullable=True),
            'result': col('String(255)', nullable=True),
            'traceback': col('Text', nullable=True),
            'host': col('String(255)', nullable=True),
            'details': col('Text', nullable=True),
        },
        'indexes': {
        },
        'unique_constraints': {
        },
    },
    'instance_extra': {
        'columns': {
            'created_at': col('DateTime', nullable=True),
            'updated_at': col('DateTime', nullable=True),
            'deleted_at': col('DateTime', nullable=True),
            'deleted': col('Integer', nullable=True),
            'id': col('Integer', nullable=False, pk=True),
            'instance_uuid': col('String(36)', nullable=False),
            'device_metadata': col('Text', nullable=True),
            'numa_topology': col('Text', nullable=True),
            'pci_requests': col('Text', nullable=True),
            'flavor': col('Text', nullable=True),
            'vcpu_model': col('Text', nullable=True),
            'migration_context': col('Text', nullable=True),
            'keypairs': col('Text', nullable=True),
            'trusted_certs': col('Text', nullable=True),
            'resources': col('Text', nullable=True),
        },
        'indexes': {
            'instance_extra_idx': (('instance_uuid',), False),
        },
        'unique_constraints': {
        },
    },
    'instance_faults': {
        'columns': {
            'created_at': col('DateTime', nullable=True),
            'updated_at': col('DateTime', nullable=True),
            'deleted_at': col('DateTime', nullable=True),
            'deleted': col('Integer', nullable=True),
            'id': col('Integer', nullable=False, pk=True),
            'instance_uuid': col('String(36)', nullable=True),
            'code': col('Integer', nullable=False),
            'message': col('String(255)', nullable=True),
            'details': col('MediumText', nullable=True),
            'host': col('String(255)', nullable=True),
        },
        'indexes': {
            'instance_faults_host_idx': (('host',), False),
            'instance_faults_instance_uuid_deleted_created_at_idx':
                (('instance_uuid', 'deleted', 'created_at'), False),
        },
        'unique_constraints': {
        },
    },
    'instance_info_caches': {
        'columns': {
            'created_at': col('DateTime', nullable=True),
            'updated_at': col('DateTime', nullable=True),
            'deleted_at': col('DateTime', nullable=True),
            'deleted': col('Integer', nullable=True),
            'id': col('Integer', nullable=False, pk=True),
            'network_info': col('MediumText', nullable=True),
            'instance_uuid': col('String(36)', nullable=False),
        },
        'indexes': {
        },
        'unique_constraints': {
            'uniq_instance_info_caches0instance_uuid': ('instance_uuid',),
        },
    },
    'instance_metadata': {
        'columns': {
            'created_at': col('DateTime', nullable=True),
            'updated_at': col('DateTime', nullable=True),
            'deleted_at': col('DateTime', nullable=True),
            'deleted': col('Integer', nullable=True),
            'id': col('Integer', nullable=False, pk=True),
            'key': col('String(255)', nullable=True),
            'value': col('String(255)', nullable=True),
            'instance_uuid': col('String(36)', nullable=True),
        },
        'indexes': {
            'instance_metadata_instance_uuid_idx': (('instance_uuid',), False),
        },
        'unique_constraints': {
        },
    },
    'instance_system_metadata': {
        'columns': {
            'created_at': col('DateTime', nullable=True),
            'updated_at': col('DateTime', nullable=True),
            'deleted_at': col('DateTime', nullable=True),
            'deleted': col('Integer', nullable=True),
            'id': col('Integer', nullable=False, pk=True),
            'key': col('String(255)', nullable=False),
            'value': col('String(255)', nullable=True),
            'instance_uuid': col('String(36)', nullable=False),
        },
        'indexes': {
            'instance_uuid': (('instance_uuid',), False),
        },
        'unique_constraints': {
        },
    },
    'instances': {
        'columns': {
            'created_at': col('DateTime', nullable=True),
            'updated_at': col('DateTime', nullable=True),
            'deleted_at': col('DateTime', nullable=True),
            'deleted': col('Integer', nullable=True),
            'id': col('Integer', nullable=False, pk=True),
            'user_id': col('String(255)', nullable=True),
            'project_id': col('String(255)', nullable=True),
            'image_ref': col('String(255)', nullable=True),
            'kernel_id': col('String(255)', nullable=True),
            'ramdisk_id': col('String(255)', nullable=True),
            'hostname': col('String(255)', nullable=True),
            'launch_index': col('Integer', nullable=True),
            'key_name': col('String(255)', nullable=True),
            'key_data': col('MediumText', nullable=True),
            'power_state': col('Integer', nullable=True),
            'vm_state': col('String(255)', nullable=True),
            'task_state': col('String(255)', nullable=True),
            'memory_mb': col('Integer', nullable=True),
            'vcpus': col('Integer', nullable=True),
            'root_gb': col('Integer', nullable=True),
            'ephemeral_gb': col('Integer', nullable=True),
            'ephemeral_key_uuid': col('String(36)', nullable=True),
            'host': col('String(255)', nullable=True),
            'node': col('String(255)', nullable=True),
            'compute_id': col('BigInteger', nullable=True),
            'instance_type_id': col('Integer', nullable=True),
            'user_data': col('MediumText', nullable=True),
            'reservation_id': col('String(255)', nullable=True),
            'launched_at': col('DateTime', nullable=True),
            'terminated_at': col('DateTime', nullable=True),
            'availability_zone': col('String(255)', nullable=True),
            'display_name': col('String(255)', nullable=True),
            'display_description': col('String(255)', nullable=True),
            'launched_on': col('MediumText', nullable=True),
            'locked': col('Boolean', nullable=True),
            'locked_by': col('Enum(owner,admin)', nullable=True),
            'os_type': col('String(255)', nullable=True),
            'architecture': col('String(255)', nullable=True),
            'vm_mode': col('String(255)', nullable=True),
            'uuid': col('String(36)', nullable=False),
            'root_device_name': col('String(255)', nullable=True),
            'default_ephemeral_device': col('String(255)', nullable=True),
            'default_swap_device': col('String(255)', nullable=True),
            'config_drive': col('String(255)', nullable=True),
            'access_ip_v4': col('IPAddress', nullable=True),
            'access_ip_v6': col('IPAddress', nullable=True),
            'auto_disk_config': col('Boolean', nullable=True),
            'progress': col('Integer', nullable=True),
            'shutdown_terminate': col('Boolean', nullable=True),
            'disable_terminate': col('Boolean', nullable=True),
            'cell_name': col('String(255)', nullable=True),
            'cleaned': col('Integer', nullable=True),
            'hidden': col('Boolean', nullable=True),
        },
        'indexes': {
            'instances_compute_id_deleted_idx':
                (('compute_id', 'deleted'), False),
            'instances_deleted_created_at_idx':
                (('deleted', 'created_at'), False),
            'instances_host_deleted_cleaned_idx':
                (('host', 'deleted', 'cleaned'), False),
            'instances_host_node_deleted_idx':
                (('host', 'node', 'deleted'), False),
            'instances_project_id_deleted_idx':
                (('project_id', 'deleted'), False),
            'instances_project_id_idx': (('project_id',), False),
            'instances_reservation_id_idx': (('reservation_id',), False),
            'instances_task_state_updated_at_idx':
                (('task_state', 'updated_at'), False),
            'instances_terminated_at_launched_at_idx':
                (('terminated_at', 'launched_at'), False),
            'instances_updated_at_project_id_idx':
                (('updated_at', 'project_id'), False),
            'instances_uuid_deleted_idx': (('uuid', 'deleted'), False),
        },
        'unique_constraints': {
            'uniq_instances0uuid': ('uuid',),
        },
    },
    'migrations': {
        'columns': {
            'created_at': col('DateTime', nullable=True),
            'updated_at': col('DateTime', nullable=True),
            'deleted_at': col('DateTime', nullable=True),
            'deleted': col('Integer', nullable=True),
            'id': col('Integer', nullable=False, pk=True),
            'source_compute': col('String(255)', nullable=True),
            'dest_compute': col('String(255)', nullable=True),
            'source_node': col('String(255)', nullable=True),
            'dest_node': col('String(255)', nullable=True),
            'dest_host': col('String(255)', nullable=True),
            'old_instance_type_id': col('Integer', nullable=True),
            'new_instance_type_id': col('Integer', nullable=True),
            'instance_uuid': col('String(36)', nullable=True),
            'uuid': col('String(36)', nullable=True),
            'status': col('String(255)', nullable=True),
            'migration_type': col(
                'Enum(migration,resize,live-migration,evacuation)',
                nullable=True),
            'hidden': col('Boolean', nullable=True),
            'memory_total': col('BigInteger', nullable=True),
            'memory_processed': col('BigInteger', nullable=True),
            'memory_remaining': col('BigInteger', nullable=True),
            'disk_total': col('BigInteger', nullable=True),
            'disk_processed': col('BigInteger', nullable=True),
            'disk_remaining': col('BigInteger', nullable=True),
            'cross_cell_move': col('Boolean', nullable=True),
            'user_id': col('String(255)', nullable=True),
            'project_id': col('String(255)', nullable=True),
        },
        'indexes': {
            'migrations_instance_uuid_and_status_idx': (
                ('deleted', 'instance_uuid', 'status'), False),
            'migrations_by_host_nodes_and_status_idx': (
                ('deleted', 'source_compute', 'dest_compute', 'source_node',
                 'dest_node', 'status'), False),
            'migrations_uuid': (('uuid',), True),
            'migrations_updated_at_idx': (('updated_at',), False),
        },
        'unique_constraints': {
        },
    },
    'services': {
        'columns': {
            'created_at': col('DateTime', nullable=True),
            'updated_at': col('DateTime', nullable=True),
            'deleted_at': col('DateTime', nullable=True),
            'deleted': col('Integer', nullable=True),
            'id': col('Integer', nullable=False, pk=True),
            'uuid': col('String(36)', nullable=True),
            'host': col('String(255)', nullable=True),
            'binary': col('String(255)', nullable=True),
            'topic': col('String(255)', nullable=True),
            'report_count': col('Integer', nullable=False),
            'disabled': col('Boolean', nullable=True),
            'disabled_reason': col('String(255)', nullable=True),
            'last_seen_up': col('DateTime', nullable=True),
            'forced_down': col('Boolean', nullable=True),
            'version': col('Integer', nullable=True),
        },
        'indexes': {
            'services_uuid_idx': (('uuid',), True),
        },
        'unique_constraints': {
            'uniq_services0host0binary0deleted': ('host', 'binary', 'deleted'),
            'uniq_services0host0topic0deleted': ('host', 'topic', 'deleted'),
        },
    },
    'tags': {
        'columns': {
            'resource_id': col('String(36)', nullable=False, pk=True),
            'tag': col('Unicode(80)', nullable=False, pk=True),
        },
        'indexes': {
            'tags_tag_idx': (('tag',), False),
        },
        'unique_constraints': {
        },
    },
}
