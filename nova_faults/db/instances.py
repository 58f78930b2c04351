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

"""Instance rows written by the tools, the demo and the tests.

Creating an instance writes its satellite rows (extra, info cache,
metadata, system metadata, tags) as Nova does; deleting is Nova's soft
delete. The API reads instances through :mod:`nova_faults.db.servers`.
"""

from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from nova_faults.db import api as db_api
from nova_faults.db import models
from nova_faults.db import utils
from nova_faults import exception

_BDMS = models.BlockDeviceMapping.__table__
_EXTRA = models.InstanceExtra.__table__
_FAULTS = models.InstanceFault.__table__
_INFO_CACHES = models.InstanceInfoCache.__table__
_INSTANCES = models.Instance.__table__
_METADATA = models.InstanceMetadata.__table__
_SYSMETA = models.InstanceSystemMetadata.__table__
_TAGS = models.Tag.__table__
# The instance_extra columns holding JSON blobs.
EXTRA_COLUMNS = ('numa_topology', 'pci_requests', 'flavor', 'vcpu_model',
                 'migration_context', 'keypairs', 'device_metadata',
                 'trusted_certs', 'resources')


def instance_create(ctx, values):
    """Create an instance and its satellite rows.

    Create an instance with its extra, info cache, metadata, system
    metadata and tags (for tools, tests and the demo).

    ``values`` may hold ``metadata`` and ``system_metadata`` dicts, a
    ``tags`` list, ``network_info`` (JSON string) and any instance_extra
    column (``flavor``, ...). Returns the instances row.
    """
    values = utils.normalize_times(dict(values))
    values.setdefault('uuid', uuidutils.generate_uuid())
    metadata = values.pop('metadata', None) or {}
    system_metadata = values.pop('system_metadata', None) or {}
    tags = values.pop('tags', None) or []
    network_info = values.pop('network_info', None)
    if 'info_cache' in values:
        network_info = (values.pop('info_cache') or {}).get('network_info')
    extra = {k: values.pop(k) for k in EXTRA_COLUMNS if k in values}
    uuid = values['uuid']
    with db_api.writer(db_api.cell_db(ctx), ctx) as conn:
        row = utils.insert(conn, _INSTANCES,
                           utils.table_values(_INSTANCES, values))
        now = row['created_at']
        extra.update(instance_uuid=uuid, created_at=now)
        utils.insert(conn, _EXTRA, extra)
        utils.insert(conn, _INFO_CACHES, {'instance_uuid': uuid,
                                          'network_info': network_info,
                                          'created_at': now})
        if metadata:
            conn.execute(_METADATA.insert(), [
                {'instance_uuid': uuid, 'key': k, 'value': v,
                 'deleted': 0, 'created_at': now}
                for k, v in metadata.items()])
        if system_metadata:
            conn.execute(_SYSMETA.insert(), [
                {'instance_uuid': uuid, 'key': k, 'value': v,
                 'deleted': 0, 'created_at': now}
                for k, v in system_metadata.items()])
        if tags:
            conn.execute(_TAGS.insert(), [
                {'resource_id': uuid, 'tag': tag} for tag in set(tags)])
    return row


def instance_update(ctx, instance_uuid, values):
    """Update columns of an instance.

    Update columns of an instance (updated_at set to now unless given);
    returns the updated row.
    """
    values = utils.normalize_times(
        utils.table_values(_INSTANCES, dict(values)))
    values.setdefault('updated_at', timeutils.utcnow())
    with db_api.writer(db_api.cell_db(ctx), ctx) as conn:
        count = conn.execute(_INSTANCES.update().where(
            _INSTANCES.c.uuid == instance_uuid).values(**values)).rowcount
        if not count:
            raise exception.InstanceNotFound(instance_id=instance_uuid)
        return utils.one(conn, sa.select(_INSTANCES).where(
            _INSTANCES.c.uuid == instance_uuid))


def instance_destroy(ctx, instance_uuid):
    """Soft-delete an instance as Nova does.

    Soft-delete an instance as Nova does: ``deleted = id``; its info
    cache, metadata, faults, extra, system metadata and block devices are
    soft-deleted too and its tags removed. Actions are kept (so a deleted
    server's history stays readable).
    """
    now = timeutils.utcnow()
    with db_api.writer(db_api.cell_db(ctx), ctx) as conn:
        count = conn.execute(
            _INSTANCES.update()
            .where(_INSTANCES.c.uuid == instance_uuid)
            .where(_INSTANCES.c.deleted == 0)
            # NOTE: Nova's soft_delete keeps updated_at as it was.
            .values(deleted=_INSTANCES.c.id, deleted_at=now,
                    updated_at=_INSTANCES.c.updated_at)).rowcount
        if not count:
            raise exception.InstanceNotFound(instance_id=instance_uuid)
        for table in (_INFO_CACHES, _METADATA, _FAULTS, _EXTRA, _SYSMETA,
                      _BDMS):
            conn.execute(table.update()
                         .where(table.c.instance_uuid == instance_uuid)
                         .where(table.c.deleted == 0)
                         .values(deleted=table.c.id, deleted_at=now,
                                 updated_at=table.c.updated_at))
        conn.execute(_TAGS.delete().where(
            _TAGS.c.resource_id == instance_uuid))


def block_device_mapping_create(ctx, values):
    values = utils.normalize_times(dict(values))
    values.setdefault('uuid', uuidutils.generate_uuid())
    with db_api.writer(db_api.cell_db(ctx), ctx) as conn:
        return utils.insert(conn, _BDMS, utils.table_values(_BDMS, values))
