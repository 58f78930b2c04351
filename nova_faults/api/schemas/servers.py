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

"""Query-string schemas of the servers API, by microversion (Nova's).

Every query parameter is a list of values (see
:mod:`nova_faults.api.validation`). Until 2.75 unknown parameters are
allowed (and then dropped, or ignored by the data layer); from 2.75 they
are refused with 400. Show accepts anything until 2.102.
"""

import copy

from nova_faults.api.validation import multi_params

common_query_param = multi_params({'type': 'string'})
common_query_regex_param = multi_params({'type': 'string',
                                         'format': 'regex'})
non_negative_integer = {
    'type': ['integer', 'string'],
    'pattern': '^[0-9]*$',
    'minimum': 0,
    'minLength': 1,
}
pagination_parameters = {
    'limit': multi_params(non_negative_integer),
    'marker': multi_params({'type': 'string'}),
}

# NOTE: filters on joined tables are named in the schema so that they are
# not silently dropped: the handler answers 400 "Invalid filter field".
JOINED_TABLE_QUERY_PARAMS_SERVERS = (
    'block_device_mapping', 'services', 'metadata', 'system_metadata',
    'info_cache', 'security_groups', 'pci_devices')

# NOTE: valid sort keys in Nova before schema validation that are ignored
# (not refused) for backward compatibility.
SERVER_LIST_IGNORE_SORT_KEY = [
    'architecture', 'cell_name', 'cleaned', 'default_ephemeral_device',
    'default_swap_device', 'deleted', 'deleted_at', 'disable_terminate',
    'ephemeral_gb', 'ephemeral_key_uuid', 'id', 'key_data', 'launched_on',
    'locked', 'memory_mb', 'os_type', 'reservation_id', 'root_gb',
    'shutdown_terminate', 'user_data', 'vcpus', 'vm_mode'
]
# From 2.73 "locked" is a real sort key.
SERVER_LIST_IGNORE_SORT_KEY_V273 = [
    k for k in SERVER_LIST_IGNORE_SORT_KEY if k != 'locked']

_SORT_KEYS = [
    'access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'availability_zone',
    'config_drive', 'created_at', 'display_description', 'display_name',
    'host', 'hostname', 'image_ref', 'instance_type_id', 'kernel_id',
    'key_name', 'launch_index', 'launched_at', 'locked_by', 'node',
    'power_state', 'progress', 'project_id', 'ramdisk_id',
    'root_device_name', 'task_state', 'terminated_at', 'updated_at',
    'user_id', 'uuid', 'vm_state']

VALID_SORT_KEYS = {'type': 'string',
                   'enum': _SORT_KEYS + SERVER_LIST_IGNORE_SORT_KEY}
VALID_SORT_KEYS_V273 = {'type': 'string',
                        'enum': ['locked'] + _SORT_KEYS +
                        SERVER_LIST_IGNORE_SORT_KEY_V273}
# From 2.75 the ignored keys are refused.
VALID_SORT_KEYS_V275 = {'type': 'string', 'enum': ['locked'] + _SORT_KEYS}

_REGEX_PARAMS = (
    'kernel_id', 'ramdisk_id', 'hostname', 'key_name', 'power_state',
    'node', 'flavor', 'reservation_id', 'launched_at', 'terminated_at',
    'availability_zone', 'name', 'display_name', 'description',
    'display_description', 'locked_by', 'root_device_name', 'config_drive',
    'access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'progress', 'ip',
    'ip6', 'created_at')
_PLAIN_PARAMS = (
    'user_id', 'project_id', 'tenant_id', 'launch_index', 'image_ref',
    'image', 'vm_state', 'task_state', 'host', 'uuid', 'sort_dir',
    'all_tenants', 'soft_deleted', 'deleted', 'status')

index_query = {
    'type': 'object',
    'properties': dict(
        [(name, common_query_param) for name in _PLAIN_PARAMS] +
        [(name, common_query_regex_param) for name in _REGEX_PARAMS] +
        [(name, common_query_param)
         for name in JOINED_TABLE_QUERY_PARAMS_SERVERS],
        **{
            'sort_key': multi_params(VALID_SORT_KEYS),
            'changes-since': multi_params({'type': 'string',
                                           'format': 'date-time'}),
        },
        **pagination_parameters),
    # NOTE: unknown parameters are dropped before 2.75, refused after.
    'additionalProperties': True,
    # NOTE: parameters starting with "_" are kept so that the handler can
    # refuse them (400 "Invalid filter field").
    'patternProperties': {'^_': common_query_param},
}

index_query_v226 = copy.deepcopy(index_query)
index_query_v226['properties'].update({
    'tags': common_query_regex_param,
    'tags-any': common_query_regex_param,
    'not-tags': common_query_regex_param,
    'not-tags-any': common_query_regex_param,
})

index_query_v266 = copy.deepcopy(index_query_v226)
index_query_v266['properties']['changes-before'] = multi_params(
    {'type': 'string', 'format': 'date-time'})

index_query_v273 = copy.deepcopy(index_query_v266)
index_query_v273['properties'].update({
    'sort_key': multi_params(VALID_SORT_KEYS_V273),
    'locked': common_query_param,
})

index_query_v275 = copy.deepcopy(index_query_v273)
index_query_v275['properties']['sort_key'] = multi_params(
    VALID_SORT_KEYS_V275)
index_query_v275['additionalProperties'] = False

show_query = {'type': 'object', 'properties': {},
              'additionalProperties': True}
show_query_v2102 = {'type': 'object', 'properties': {},
                    'additionalProperties': False}


def index_query_for(version):
    if version >= (2, 75):
        return index_query_v275
    if version >= (2, 73):
        return index_query_v273
    if version >= (2, 66):
        return index_query_v266
    if version >= (2, 26):
        return index_query_v226
    return index_query


def show_query_for(version):
    return show_query_v2102 if version >= (2, 102) else show_query
