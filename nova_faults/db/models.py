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

"""SQLAlchemy models for the subset of Nova's tables nova-faults reads and
writes.

Table names, column names, types, nullability, defaults, indexes and
unique constraints follow Nova's ``nova/db/api/models.py`` (API database,
:class:`APIBase`) and ``nova/db/main/models.py`` (cell databases,
:class:`MainBase`), so that nova-faults reads a real Nova deployment's
databases unchanged. ``nova_faults/tests/unit/db/test_schema.py`` pins this
against a snapshot written down from Nova's files.

Conventions kept from Nova:

* ``created_at``/``updated_at`` (and ``deleted_at`` in cell tables) are
  naive UTC datetimes; ``updated_at`` is set on every ORM/Core update.
* Soft delete in cell tables: ``deleted`` is an Integer, ``0`` for a live
  row and the row's ``id`` once deleted (so unique constraints that include
  ``deleted`` allow a new live row beside deleted ones).
* ``tags`` has no timestamps and no soft delete.

The query layer (:mod:`nova_faults.db.api`) uses Core ``select()``
statements on these tables and returns plain mappings; no relationships
are declared, so nothing here can trigger a lazy per-row query.
"""

from oslo_utils import timeutils
import sqlalchemy as sa
from sqlalchemy import orm

from nova_faults.db import types

MediumText = types.MediumText
IPAddress = types.IPAddress


def _utcnow():
    return timeutils.utcnow()


# NOTE: Nova creates its MySQL tables with the utf8 (3-byte) character
# set. Tables created by nova-faults use utf8mb4 so that any message can be
# stored; reading Nova's own tables is unaffected.
_MYSQL_ARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}


def _args(*items):
    return tuple(items) + (dict(_MYSQL_ARGS),)


class _Timestamps:
    created_at = sa.Column(sa.DateTime, default=_utcnow)
    updated_at = sa.Column(sa.DateTime, onupdate=_utcnow)


class _SoftDelete:
    deleted_at = sa.Column(sa.DateTime)
    deleted = sa.Column(sa.Integer, default=0)


class APIBase(orm.DeclarativeBase):
    """Base of the API database models."""

    metadata = sa.MetaData()


class MainBase(orm.DeclarativeBase):
    """Base of the cell ("main") database models."""

    metadata = sa.MetaData()


# ---------------------------------------------------------------------------
# API database
# ---------------------------------------------------------------------------


class CellMapping(_Timestamps, APIBase):
    """A cell: its name and how to reach its database."""

    __tablename__ = 'cell_mappings'
    __table_args__ = _args(
        sa.Index('uuid_idx', 'uuid'),
        sa.UniqueConstraint('uuid', name='uniq_cell_mappings0uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    name = sa.Column(sa.String(255))
    transport_url = sa.Column(sa.Text())
    database_connection = sa.Column(sa.Text())
    disabled = sa.Column(sa.Boolean, default=False)


class InstanceMapping(_Timestamps, APIBase):
    """Which cell an instance lives in."""

    __tablename__ = 'instance_mappings'
    __table_args__ = _args(
        sa.Index('project_id_idx', 'project_id'),
        sa.Index('instance_uuid_idx', 'instance_uuid'),
        sa.UniqueConstraint(
            'instance_uuid', name='uniq_instance_mappings0instance_uuid'),
        sa.Index('instance_mappings_user_id_project_id_idx',
                 'user_id', 'project_id'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    # NOTE: nullable as in Nova: an instance not yet scheduled has no cell.
    cell_id = sa.Column(sa.Integer, sa.ForeignKey('cell_mappings.id'),
                        nullable=True)
    project_id = sa.Column(sa.String(255), nullable=False)
    # NOTE: nullable in Nova for old mappings created before user_id.
    user_id = sa.Column(sa.String(255), nullable=True)
    queued_for_delete = sa.Column(sa.Boolean, default=False)


class HostMapping(_Timestamps, APIBase):
    """Which cell a compute host belongs to."""

    __tablename__ = 'host_mappings'
    __table_args__ = _args(
        sa.Index('host_idx', 'host'),
        sa.UniqueConstraint('host', name='uniq_host_mappings0host'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    cell_id = sa.Column(sa.Integer, sa.ForeignKey('cell_mappings.id'),
                        nullable=False)
    host = sa.Column(sa.String(255), nullable=False)


class RequestSpec(_Timestamps, APIBase):
    """What was asked for when an instance was scheduled (a JSON blob)."""

    __tablename__ = 'request_specs'
    __table_args__ = _args(
        sa.Index('request_spec_instance_uuid_idx', 'instance_uuid'),
        sa.UniqueConstraint(
            'instance_uuid', name='uniq_request_specs0instance_uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    spec = sa.Column(MediumText(), nullable=False)


class InstanceGroup(_Timestamps, APIBase):
    """A server group."""

    __tablename__ = 'instance_groups'
    __table_args__ = _args(
        sa.UniqueConstraint('uuid', name='uniq_instance_groups0uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    user_id = sa.Column(sa.String(255))
    project_id = sa.Column(sa.String(255))
    uuid = sa.Column(sa.String(36), nullable=False)
    name = sa.Column(sa.String(255))


class InstanceGroupPolicy(_Timestamps, APIBase):
    """The policy of a server group (affinity, anti-affinity, ...)."""

    __tablename__ = 'instance_group_policy'
    __table_args__ = _args(
        sa.Index('instance_group_policy_policy_idx', 'policy'),
    )

    id = sa.Column(sa.Integer, primary_key=True, nullable=False)
    policy = sa.Column(sa.String(255))
    group_id = sa.Column(sa.Integer, sa.ForeignKey('instance_groups.id'),
                         nullable=False)
    rules = sa.Column(sa.Text)


class InstanceGroupMember(_Timestamps, APIBase):
    """An instance in a server group."""

    __tablename__ = 'instance_group_member'
    __table_args__ = _args(
        sa.Index('instance_group_member_instance_idx', 'instance_uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True, nullable=False)
    # NOTE: String(255) in Nova although it holds a UUID.
    instance_uuid = sa.Column(sa.String(255))
    group_id = sa.Column(sa.Integer, sa.ForeignKey('instance_groups.id'),
                         nullable=False)


class Aggregate(_Timestamps, APIBase):
    """A host aggregate; its ``availability_zone`` metadata makes a zone."""

    __tablename__ = 'aggregates'
    __table_args__ = _args(
        sa.Index('aggregate_uuid_idx', 'uuid'),
        sa.UniqueConstraint('name', name='uniq_aggregate0name'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    uuid = sa.Column(sa.String(36))
    name = sa.Column(sa.String(255))


class AggregateHost(_Timestamps, APIBase):
    """A compute host in an aggregate."""

    __tablename__ = 'aggregate_hosts'
    __table_args__ = _args(
        sa.UniqueConstraint('host', 'aggregate_id',
                            name='uniq_aggregate_hosts0host0aggregate_id'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    host = sa.Column(sa.String(255))
    aggregate_id = sa.Column(sa.Integer, sa.ForeignKey('aggregates.id'),
                             nullable=False)


class AggregateMetadata(_Timestamps, APIBase):
    """A key/value pair of an aggregate (``availability_zone``, ...)."""

    __tablename__ = 'aggregate_metadata'
    __table_args__ = _args(
        sa.UniqueConstraint('aggregate_id', 'key',
                            name='uniq_aggregate_metadata0aggregate_id0key'),
        sa.Index('aggregate_metadata_key_idx', 'key'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    key = sa.Column(sa.String(255), nullable=False)
    value = sa.Column(sa.String(255), nullable=False)
    aggregate_id = sa.Column(sa.Integer, sa.ForeignKey('aggregates.id'),
                             nullable=False)


# ---------------------------------------------------------------------------
# Cell ("main") database
# ---------------------------------------------------------------------------


class Service(_Timestamps, _SoftDelete, MainBase):
    """A running service on a host, with its heartbeat."""

    __tablename__ = 'services'
    __table_args__ = _args(
        sa.UniqueConstraint('host', 'binary', 'deleted',
                            name='uniq_services0host0binary0deleted'),
        sa.UniqueConstraint('host', 'topic', 'deleted',
                            name='uniq_services0host0topic0deleted'),
        sa.Index('services_uuid_idx', 'uuid', unique=True),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=True)
    host = sa.Column(sa.String(255))
    binary = sa.Column(sa.String(255))
    topic = sa.Column(sa.String(255))
    report_count = sa.Column(sa.Integer, nullable=False, default=0)
    disabled = sa.Column(sa.Boolean, default=False)
    disabled_reason = sa.Column(sa.String(255))
    last_seen_up = sa.Column(sa.DateTime, nullable=True)
    forced_down = sa.Column(sa.Boolean, default=False)
    version = sa.Column(sa.Integer, default=0)


class Instance(_Timestamps, _SoftDelete, MainBase):
    """A server."""

    __tablename__ = 'instances'
    __table_args__ = _args(
        sa.Index('instances_project_id_idx', 'project_id'),
        sa.Index('instances_project_id_deleted_idx', 'project_id',
                 'deleted'),
        sa.Index('instances_reservation_id_idx', 'reservation_id'),
        sa.Index('instances_terminated_at_launched_at_idx',
                 'terminated_at', 'launched_at'),
        sa.Index('instances_uuid_deleted_idx', 'uuid', 'deleted'),
        sa.Index('instances_task_state_updated_at_idx',
                 'task_state', 'updated_at'),
        sa.Index('instances_host_node_deleted_idx', 'host', 'node',
                 'deleted'),
        sa.Index('instances_host_deleted_cleaned_idx', 'host', 'deleted',
                 'cleaned'),
        sa.Index('instances_deleted_created_at_idx', 'deleted',
                 'created_at'),
        sa.Index('instances_updated_at_project_id_idx', 'updated_at',
                 'project_id'),
        sa.Index('instances_compute_id_deleted_idx', 'compute_id',
                 'deleted'),
        sa.UniqueConstraint('uuid', name='uniq_instances0uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    user_id = sa.Column(sa.String(255))
    project_id = sa.Column(sa.String(255))
    image_ref = sa.Column(sa.String(255))
    kernel_id = sa.Column(sa.String(255))
    ramdisk_id = sa.Column(sa.String(255))
    hostname = sa.Column(sa.String(255))
    launch_index = sa.Column(sa.Integer)
    key_name = sa.Column(sa.String(255))
    key_data = sa.Column(MediumText())
    power_state = sa.Column(sa.Integer)
    vm_state = sa.Column(sa.String(255))
    task_state = sa.Column(sa.String(255))
    memory_mb = sa.Column(sa.Integer)
    vcpus = sa.Column(sa.Integer)
    root_gb = sa.Column(sa.Integer)
    ephemeral_gb = sa.Column(sa.Integer)
    ephemeral_key_uuid = sa.Column(sa.String(36))
    # The compute host (a service host), not the guest's hostname.
    host = sa.Column(sa.String(255))
    # The hypervisor node name.
    node = sa.Column(sa.String(255))
    compute_id = sa.Column(sa.BigInteger())
    # NOTE: the internal flavor id, not the flavorid; the flavor itself is
    # the JSON in instance_extra.flavor.
    instance_type_id = sa.Column(sa.Integer)
    user_data = sa.Column(MediumText())
    reservation_id = sa.Column(sa.String(255))
    launched_at = sa.Column(sa.DateTime)
    terminated_at = sa.Column(sa.DateTime)
    # The availability_zone the user asked for (or the scheduler chose).
    availability_zone = sa.Column(sa.String(255))
    display_name = sa.Column(sa.String(255))
    display_description = sa.Column(sa.String(255))
    launched_on = sa.Column(MediumText())
    locked = sa.Column(sa.Boolean)
    locked_by = sa.Column(sa.Enum('owner', 'admin',
                                  name='instances0locked_by'))
    os_type = sa.Column(sa.String(255))
    architecture = sa.Column(sa.String(255))
    vm_mode = sa.Column(sa.String(255))
    uuid = sa.Column(sa.String(36), nullable=False)
    root_device_name = sa.Column(sa.String(255))
    default_ephemeral_device = sa.Column(sa.String(255))
    default_swap_device = sa.Column(sa.String(255))
    config_drive = sa.Column(sa.String(255))
    access_ip_v4 = sa.Column(IPAddress())
    access_ip_v6 = sa.Column(IPAddress())
    auto_disk_config = sa.Column(sa.Boolean())
    progress = sa.Column(sa.Integer)
    shutdown_terminate = sa.Column(sa.Boolean(), default=False)
    disable_terminate = sa.Column(sa.Boolean(), default=False)
    # NOTE: a cells v1 leftover Nova still has; never read here.
    cell_name = sa.Column(sa.String(255))
    cleaned = sa.Column(sa.Integer, default=0)
    hidden = sa.Column(sa.Boolean, default=False)


class InstanceInfoCache(_Timestamps, _SoftDelete, MainBase):
    """The network info cache (JSON) of an instance: its addresses."""

    __tablename__ = 'instance_info_caches'
    __table_args__ = _args(
        sa.UniqueConstraint('instance_uuid',
                            name='uniq_instance_info_caches0instance_uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    network_info = sa.Column(MediumText())
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey('instances.uuid'),
                              nullable=False)


class InstanceExtra(_Timestamps, _SoftDelete, MainBase):
    """JSON blobs of an instance: flavor, NUMA topology, keypairs, ..."""

    __tablename__ = 'instance_extra'
    __table_args__ = _args(
        sa.Index('instance_extra_idx', 'instance_uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey('instances.uuid'),
                              nullable=False)
    device_metadata = sa.Column(sa.Text)
    numa_topology = sa.Column(sa.Text)
    pci_requests = sa.Column(sa.Text)
    flavor = sa.Column(sa.Text)
    vcpu_model = sa.Column(sa.Text)
    migration_context = sa.Column(sa.Text)
    keypairs = sa.Column(sa.Text)
    trusted_certs = sa.Column(sa.Text)
    resources = sa.Column(sa.Text)


class BlockDeviceMapping(_Timestamps, _SoftDelete, MainBase):
    """A block device (volume, image, blank disk) of an instance."""

    __tablename__ = 'block_device_mapping'
    __table_args__ = _args(
        sa.Index('snapshot_id', 'snapshot_id'),
        sa.Index('volume_id', 'volume_id'),
        sa.Index('block_device_mapping_instance_uuid_device_name_idx',
                 'instance_uuid', 'device_name'),
        sa.Index('block_device_mapping_instance_uuid_volume_id_idx',
                 'instance_uuid', 'volume_id'),
        sa.Index('block_device_mapping_instance_uuid_idx', 'instance_uuid'),
        sa.UniqueConstraint('uuid', name='uniq_block_device_mapping0uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey('instances.uuid'))
    uuid = sa.Column(sa.String(36))
    source_type = sa.Column(sa.String(255))
    destination_type = sa.Column(sa.String(255))
    guest_format = sa.Column(sa.String(255))
    device_type = sa.Column(sa.String(255))
    disk_bus = sa.Column(sa.String(255))
    boot_index = sa.Column(sa.Integer)
    device_name = sa.Column(sa.String(255))
    delete_on_termination = sa.Column(sa.Boolean, default=False)
    snapshot_id = sa.Column(sa.String(36))
    volume_id = sa.Column(sa.String(36))
    volume_size = sa.Column(sa.Integer)
    volume_type = sa.Column(sa.String(255))
    image_id = sa.Column(sa.String(36))
    no_device = sa.Column(sa.Boolean)
    connection_info = sa.Column(MediumText())
    tag = sa.Column(sa.String(255))
    attachment_id = sa.Column(sa.String(36))
    encrypted = sa.Column(sa.Boolean, default=False)
    encryption_secret_uuid = sa.Column(sa.String(36))
    encryption_format = sa.Column(sa.String(128))
    encryption_options = sa.Column(sa.String(4096))


class InstanceMetadata(_Timestamps, _SoftDelete, MainBase):
    """A user-provided metadata key/value pair of an instance."""

    __tablename__ = 'instance_metadata'
    __table_args__ = _args(
        sa.Index('instance_metadata_instance_uuid_idx', 'instance_uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    key = sa.Column(sa.String(255))
    value = sa.Column(sa.String(255))
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey('instances.uuid'))


class InstanceSystemMetadata(_Timestamps, _SoftDelete, MainBase):
    """A system-owned metadata key/value pair of an instance."""

    __tablename__ = 'instance_system_metadata'
    __table_args__ = _args(
        # NOTE: Nova's index is really named just "instance_uuid".
        sa.Index('instance_uuid', 'instance_uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    key = sa.Column(sa.String(255), nullable=False)
    value = sa.Column(sa.String(255))
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey('instances.uuid'),
                              nullable=False)


class InstanceFault(_Timestamps, _SoftDelete, MainBase):
    """Why an instance went wrong; the newest one is shown on the server."""

    __tablename__ = 'instance_faults'
    __table_args__ = _args(
        sa.Index('instance_faults_host_idx', 'host'),
        sa.Index('instance_faults_instance_uuid_deleted_created_at_idx',
                 'instance_uuid', 'deleted', 'created_at'),
    )

    id = sa.Column(sa.Integer, primary_key=True, nullable=False)
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey('instances.uuid'))
    code = sa.Column(sa.Integer(), nullable=False)
    message = sa.Column(sa.String(255))
    details = sa.Column(MediumText())
    host = sa.Column(sa.String(255))


class InstanceAction(_Timestamps, _SoftDelete, MainBase):
    """One user request on an instance (one per instance and request id)."""

    __tablename__ = 'instance_actions'
    __table_args__ = _args(
        sa.Index('instance_uuid_idx', 'instance_uuid'),
        sa.Index('request_id_idx', 'request_id'),
        sa.Index('instance_actions_instance_uuid_updated_at_idx',
                 'instance_uuid', 'updated_at'),
    )

    id = sa.Column(sa.Integer, primary_key=True, nullable=False,
                   autoincrement=True)
    action = sa.Column(sa.String(255))
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey('instances.uuid'))
    request_id = sa.Column(sa.String(255))
    user_id = sa.Column(sa.String(255))
    project_id = sa.Column(sa.String(255))
    start_time = sa.Column(sa.DateTime, default=_utcnow)
    finish_time = sa.Column(sa.DateTime)
    message = sa.Column(sa.String(255))


class InstanceActionEvent(_Timestamps, _SoftDelete, MainBase):
    """A step of an instance action, done by some service on some host."""

    __tablename__ = 'instance_actions_events'
    __table_args__ = _args()

    id = sa.Column(sa.Integer, primary_key=True, nullable=False,
                   autoincrement=True)
    event = sa.Column(sa.String(255))
    action_id = sa.Column(sa.Integer, sa.ForeignKey('instance_actions.id'))
    start_time = sa.Column(sa.DateTime, default=_utcnow)
    finish_time = sa.Column(sa.DateTime)
    result = sa.Column(sa.String(255))
    traceback = sa.Column(sa.Text)
    host = sa.Column(sa.String(255))
    details = sa.Column(sa.Text)


class Tag(MainBase):
    """A tag of a resource (an instance); no timestamps, no soft delete."""

    __tablename__ = 'tags'
    __table_args__ = _args(
        sa.Index('tags_tag_idx', 'tag'),
    )

    resource_id = sa.Column(sa.String(36), primary_key=True, nullable=False)
    tag = sa.Column(sa.Unicode(80), primary_key=True, nullable=False)


API_TABLES = tuple(sorted(APIBase.metadata.tables))
MAIN_TABLES = tuple(sorted(MainBase.metadata.tables))


MIGRATIONS_KEY_LENGTHS = {'source_compute': 100, 'dest_compute': 100,
                          'source_node': 100, 'dest_node': 100}


class Migration(_Timestamps, _SoftDelete, MainBase):
    """A move of an instance between hosts, with its status."""

    __tablename__ = 'migrations'
    __table_args__ = _args(
        sa.Index('migrations_instance_uuid_and_status_idx', 'deleted',
                 'instance_uuid', 'status'),
        # NOTE: prefix lengths on MySQL, as Nova's migration creates it
        # (the full columns exceed InnoDB's key length).
        sa.Index('migrations_by_host_nodes_and_status_idx', 'deleted',
                 'source_compute', 'dest_compute', 'source_node',
                 'dest_node', 'status', mysql_length=MIGRATIONS_KEY_LENGTHS),
        sa.Index('migrations_uuid', 'uuid', unique=True),
        sa.Index('migrations_updated_at_idx', 'updated_at'),
    )

    id = sa.Column(sa.Integer, primary_key=True, nullable=False)
    source_compute = sa.Column(sa.String(255))
    dest_compute = sa.Column(sa.String(255))
    source_node = sa.Column(sa.String(255))
    dest_node = sa.Column(sa.String(255))
    dest_host = sa.Column(sa.String(255))
    old_instance_type_id = sa.Column(sa.Integer())
    new_instance_type_id = sa.Column(sa.Integer())
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey('instances.uuid'))
    uuid = sa.Column(sa.String(36), nullable=True)
    status = sa.Column(sa.String(255))
    migration_type = sa.Column(
        sa.Enum('migration', 'resize', 'live-migration', 'evacuation',
                name='migration_type'),
        nullable=True)
    hidden = sa.Column(sa.Boolean, default=False)
    memory_total = sa.Column(sa.BigInteger, nullable=True)
    memory_processed = sa.Column(sa.BigInteger, nullable=True)
    memory_remaining = sa.Column(sa.BigInteger, nullable=True)
    disk_total = sa.Column(sa.BigInteger, nullable=True)
    disk_processed = sa.Column(sa.BigInteger, nullable=True)
    disk_remaining = sa.Column(sa.BigInteger, nullable=True)
    cross_cell_move = sa.Column(sa.Boolean, default=False)
    user_id = sa.Column(sa.String(255), nullable=True)
    project_id = sa.Column(sa.String(255), nullable=True)
