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

"""Servers (cell databases): the fields the servers API reads.

``expected_attrs`` names the extra attributes to load: ``metadata``,
``system_metadata``, ``tags``, ``flavor``, ``info_cache``, ``fault``
(and ``services`` is not one: host status is computed once per host by
the caller). A list loads each of them for the whole page with one query.
"""

from oslo_versionedobjects import fields

from nova_faults.db import api as db_api
from nova_faults.objects import base
from nova_faults.objects import flavor as flavor_obj
from nova_faults.objects import instance_fault

EXTRA_ATTRS = ('metadata', 'system_metadata', 'tags', 'flavor', 'info_cache',
               'fault')

_COLUMN_FIELDS = {
    'id': fields.IntegerField(),
    'user_id': fields.StringField(nullable=True),
    'project_id': fields.StringField(nullable=True),
    'image_ref': fields.StringField(nullable=True),
    'kernel_id': fields.StringField(nullable=True),
    'ramdisk_id': fields.StringField(nullable=True),
    'hostname': fields.StringField(nullable=True),
    'launch_index': fields.IntegerField(nullable=True),
    'key_name': fields.StringField(nullable=True),
    'key_data': fields.StringField(nullable=True),
    'power_state': fields.IntegerField(nullable=True),
    'vm_state': fields.StringField(nullable=True),
    'task_state': fields.StringField(nullable=True),
    'memory_mb': fields.IntegerField(nullable=True),
    'vcpus': fields.IntegerField(nullable=True),
    'root_gb': fields.IntegerField(nullable=True),
    'ephemeral_gb': fields.IntegerField(nullable=True),
    'host': fields.StringField(nullable=True),
    'node': fields.StringField(nullable=True),
    'compute_id': fields.IntegerField(nullable=True),
    'instance_type_id': fields.IntegerField(nullable=True),
    'user_data': fields.StringField(nullable=True),
    'reservation_id': fields.StringField(nullable=True),
    'launched_at': fields.DateTimeField(nullable=True),
    'terminated_at': fields.DateTimeField(nullable=True),
    'availability_zone': fields.StringField(nullable=True),
    'display_name': fields.StringField(nullable=True),
    'display_description': fields.StringField(nullable=True),
    'launched_on': fields.StringField(nullable=True),
    'locked': fields.BooleanField(default=False),
    'locked_by': fields.StringField(nullable=True),
    'os_type': fields.StringField(nullable=True),
    'architecture': fields.StringField(nullable=True),
    'vm_mode': fields.StringField(nullable=True),
    'uuid': fields.UUIDField(),
    'root_device_name': fields.StringField(nullable=True),
    'default_ephemeral_device': fields.StringField(nullable=True),
    'default_swap_device': fields.StringField(nullable=True),
    'config_drive': fields.StringField(nullable=True),
    'access_ip_v4': fields.IPV4AddressField(nullable=True),
    'access_ip_v6': fields.IPV6AddressField(nullable=True),
    'auto_disk_config': fields.BooleanField(default=False),
    'progress': fields.IntegerField(nullable=True),
    'shutdown_terminate': fields.BooleanField(default=False),
    'disable_terminate': fields.BooleanField(default=False),
    'cleaned': fields.BooleanField(default=False),
    'hidden': fields.BooleanField(default=False),
}

_BOOLEANS = ('locked', 'auto_disk_config', 'shutdown_terminate',
             'disable_terminate', 'cleaned', 'hidden')


@base.NovaFaultsObjectRegistry.register
class InstanceInfoCache(base.NovaFaultsObject):
    """The network info cache of an instance (Nova's JSON string)."""

    VERSION = '1.0'

    fields = {
        'instance_uuid': fields.UUIDField(),
        'network_info': fields.StringField(nullable=True),
    }


@base.NovaFaultsObjectRegistry.register
class Instance(base.NovaFaultsPersistentObject, base.NovaFaultsObject):
    VERSION = '1.0'

    fields = dict(_COLUMN_FIELDS, **{
        'metadata': fields.DictOfStringsField(),
        'system_metadata': fields.DictOfNullableStringsField(),
        'tags': fields.ListOfStringsField(),
        'flavor': fields.ObjectField('Flavor', nullable=True),
        'old_flavor': fields.ObjectField('Flavor', nullable=True),
        'new_flavor': fields.ObjectField('Flavor', nullable=True),
        'info_cache': fields.ObjectField('InstanceInfoCache', nullable=True),
        'fault': fields.ObjectField('InstanceFault', nullable=True),
    })

    @classmethod
    def from_db(cls, context, row, extras=None, **kwargs):
        """An Instance from an instances row and loaded ``extras``."""
        row = dict(row)
        for name in _BOOLEANS:
            row[name] = bool(row.get(name))
        if row.get('compute_id') is not None:
            row['compute_id'] = int(row['compute_id'])
        obj = cls._from_db_object(context, cls(), row, skip=EXTRA_ATTRS)
        for name, value in (extras or {}).items():
            setattr(obj, name, value)
        obj.obj_reset_changes()
        return obj

    @classmethod
    def get_by_uuid(cls, context, instance_uuid, expected_attrs=None,
                    read_deleted=None):
        """As Nova: a user context finds only its project's instance."""
        row = db_api.instance_get_by_uuid(context, instance_uuid,
                                          read_deleted=read_deleted)
        return InstanceList._build(context, [row], expected_attrs)[0]


def _load_extras(context, uuids, expected_attrs):
    """``{uuid: {attr: value}}`` with one query per attribute."""
    extras = {uuid: {} for uuid in uuids}
    attrs = set(expected_attrs or ())
    if not uuids or not attrs:
        return extras
    if 'metadata' in attrs:
        found = db_api.instance_metadata_get_by_instance_uuids(context, uuids)
        for uuid in uuids:
            extras[uuid]['metadata'] = found.get(uuid, {})
    if 'system_metadata' in attrs:
        found = db_api.instance_system_metadata_get_by_instance_uuids(
            context, uuids)
        for uuid in uuids:
            extras[uuid]['system_metadata'] = found.get(uuid, {})
    if 'tags' in attrs:
        found = db_api.instance_tags_get_by_instance_uuids(context, uuids)
        for uuid in uuids:
            extras[uuid]['tags'] = found.get(uuid, [])
    if 'flavor' in attrs:
        found = db_api.instance_extra_get_by_instance_uuids(
            context, uuids, columns=('flavor',))
        for uuid in uuids:
            flavors = flavor_obj.flavors_from_extra(
                (found.get(uuid) or {}).get('flavor'))
            extras[uuid]['flavor'] = flavors['cur']
            extras[uuid]['old_flavor'] = flavors['old']
            extras[uuid]['new_flavor'] = flavors['new']
    if 'info_cache' in attrs:
        found = db_api.instance_info_cache_get_by_instance_uuids(context,
                                                                 uuids)
        for uuid in uuids:
            extras[uuid]['info_cache'] = InstanceInfoCache(
                instance_uuid=uuid, network_info=found.get(uuid))
    if 'fault' in attrs:
        found = db_api.instance_fault_get_by_instance_uuids(
            context, uuids, latest=True)
        for uuid in uuids:
            rows = found.get(uuid)
            extras[uuid]['fault'] = (
                instance_fault.InstanceFault.from_db(context, rows[0])
                if rows else None)
    return extras


@base.NovaFaultsObjectRegistry.register
class InstanceList(base.ObjectListBase, base.NovaFaultsObject):
    VERSION = '1.0'

    fields = {'objects': fields.ListOfObjectsField('Instance')}

    @classmethod
    def _build(cls, context, rows, expected_attrs):
        extras = _load_extras(context, [row['uuid'] for row in rows],
                              expected_attrs)
        return [Instance.from_db(context, row, extras=extras[row['uuid']])
                for row in rows]

    @classmethod
    def get_by_filters(cls, context, filters, sort_key=None, sort_dir=None,
                       limit=None, marker=None, expected_attrs=None,
                       sort_keys=None, sort_dirs=None):
        """A page of this cell's instances.

        A page of this cell's instances (Nova's filter semantics, see
        :func:`nova_faults.db.api.instance_get_all_by_filters_sort`).
        """
        if sort_keys is None and sort_key is not None:
            sort_keys = [sort_key]
        if sort_dirs is None and sort_dir is not None:
            sort_dirs = [sort_dir]
        rows = db_api.instance_get_all_by_filters_sort(
            context, filters, limit=limit, marker=marker,
            sort_keys=sort_keys, sort_dirs=sort_dirs)
        result = cls(objects=cls._build(context, rows, expected_attrs))
        result._context = context
        result.obj_reset_changes()
        return result

    @classmethod
    def get_by_uuids(cls, context, instance_uuids, expected_attrs=None):
        rows = list(db_api.instance_get_all_by_uuids(
            context, instance_uuids).values())
        result = cls(objects=cls._build(context, rows, expected_attrs))
        result.obj_reset_changes()
        return result
