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

"""Query and body schemas of the os-services API, by microversion."""

import copy

from nova_faults.api.validation import multi_params

_common_query_param = multi_params({'type': 'string'})

# Nova's parameter_types.fqdn: underscores allowed, as real hosts have them.
fqdn = {
    'type': 'string',
    'pattern': '^[a-zA-Z0-9-._]*$',
    'minLength': 1,
    'maxLength': 255,
}

# Nova's parameter_types.boolean: booleans and their usual spellings.
boolean = {
    'type': ['boolean', 'string'],
    'enum': [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on',
             'YES', 'Yes', 'yes',
             False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off',
             'NO', 'No', 'no'],
}

_reason = {'type': 'string', 'minLength': 1, 'maxLength': 255}

update = {
    'type': 'object',
    'properties': {
        'host': fqdn,
        'binary': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'disabled_reason': _reason,
    },
    'required': ['host', 'binary'],
    'additionalProperties': False,
}

update_v211 = copy.deepcopy(update)
update_v211['properties']['forced_down'] = boolean

# From 2.53 the service is named by its UUID in the path; nothing is
# required in the body (an empty update is refused by the handler).
update_v253 = {
    'type': 'object',
    'properties': {
        'status': {'type': 'string', 'enum': ['enabled', 'disabled']},
        'disabled_reason': _reason,
        'forced_down': boolean,
    },
    'additionalProperties': False,
}

index_query = {
    'type': 'object',
    'properties': {
        'host': _common_query_param,
        'binary': _common_query_param,
    },
    # NOTE: unknown parameters are ignored before 2.75.
    'additionalProperties': True,
}

index_query_v275 = copy.deepcopy(index_query)
index_query_v275['additionalProperties'] = False


def update_schema_for(version):
    if version >= (2, 53):
        return update_v253
    if version >= (2, 11):
        return update_v211
    return update


def index_query_for(version):
    return index_query_v275 if version >= (2, 75) else index_query
