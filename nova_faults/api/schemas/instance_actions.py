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

"""Query-string schemas of the server actions API, by microversion.

Every query parameter is a list of values (see
:mod:`nova_faults.api.validation`); ``single_param`` refuses a repeated
parameter.

* list, 2.1-2.57: anything goes, and is dropped (no paging, no filters);
* list, 2.58-2.65: ``limit``, ``marker``, ``changes-since``; nothing else;
* list, 2.66+: also ``changes-before``;
* show, 2.1-2.101: anything goes, and is dropped;
* show, 2.102+: no query parameter at all.
"""

import copy

from nova_faults.api.validation import single_param

non_negative_integer = {
    'type': ['integer', 'string'],
    'pattern': '^[0-9]*$',
    'minimum': 0,
    'minLength': 1,
}
_date_time = {'type': 'string', 'format': 'date-time'}

index_query = {
    'type': 'object',
    'properties': {},
    'additionalProperties': True,
}

index_query_v258 = {
    'type': 'object',
    'properties': {
        'limit': single_param(non_negative_integer),
        'marker': single_param({'type': 'string'}),
        'changes-since': single_param(_date_time),
    },
    'additionalProperties': False,
}

index_query_v266 = copy.deepcopy(index_query_v258)
index_query_v266['properties']['changes-before'] = single_param(_date_time)

show_query = {
    'type': 'object',
    'properties': {},
    'additionalProperties': True,
}

show_query_v2102 = {
    'type': 'object',
    'properties': {},
    'additionalProperties': False,
}


def index_query_schema(version):
    """The list query schema for microversion ``version``."""
    if version >= (2, 66):
        return index_query_v266
    if version >= (2, 58):
        return index_query_v258
    return index_query


def show_query_schema(version):
    """The show query schema for microversion ``version``."""
    if version >= (2, 102):
        return show_query_v2102
    return show_query
