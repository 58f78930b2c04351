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

"""JSON schemas of response bodies, for the OpenAPI document.

They describe what the views build, at every microversion at once (a
key that only some microversions or policies show is optional). They are
deliberately strict where a client relies on a type (ids, links, fault
bodies, times) and open (``additionalProperties``) where Nova's
representation grows with microversions; the functional suite checks
every response of a live server against them (schemathesis).
"""

import copy

_string = {'type': 'string'}
_nullable_string = {'type': ['string', 'null']}
_nullable_integer = {'type': ['integer', 'null']}
_boolean = {'type': 'boolean'}

link = {
    'type': 'object',
    'properties': {'rel': _string, 'href': _string, 'type': _string},
    'required': ['rel', 'href'],
}
links = {'type': 'array', 'items': link}


def fault(root):
    """A Nova fault body whose root key is ``root``."""
    return {
        'type': 'object',
        'properties': {root: {
            'type': 'object',
            'properties': {
                'code': {'type': 'integer'},
                'message': _string,
                # 413/429 with a Retry-After header.
                'retryAfter': _string,
            },
            'required': ['code', 'message'],
        }},
        'required': [root],
        'additionalProperties': False,
    }


# Any Nova fault: one root key (badRequest, itemNotFound, computeFault...).
any_fault = {
    'type': 'object',
    'minProperties': 1,
    'maxProperties': 1,
    'additionalProperties': fault('x')['properties']['x'],
}

# keystonemiddleware's (and the noauth filter's) 401.
unauthorized = {
    'type': 'object',
    'properties': {'error': {
        'type': 'object',
        'properties': {'code': {'const': 401}, 'title': _string,
                       'message': _string},
        'required': ['code', 'title', 'message'],
    }},
    'required': ['error'],
}

# -- servers ---------------------------------------------------------------

_server_status = {'type': 'string', 'enum': [
    'ACTIVE', 'BUILD', 'DELETED', 'ERROR', 'HARD_REBOOT', 'MIGRATING',
    'PASSWORD', 'PAUSED', 'REBOOT', 'REBUILD', 'RESCUE', 'RESIZE',
    'REVERT_RESIZE', 'SHELVED', 'SHELVED_OFFLOADED', 'SHUTOFF',
    'SOFT_DELETED', 'SUSPENDED', 'UNKNOWN', 'VERIFY_RESIZE']}

server_summary = {
    'type': 'object',
    'properties': {'id': _string, 'name': _string, 'links': links,
                   # 2.69: a server of a cell that did not answer.
                   'status': _server_status},
    'required': ['id', 'links'],
}

server = {
    'type': 'object',
    'properties': {
        'id': _string,
        'name': _string,
        'status': _server_status,
        'links': links,
        'tenant_id': _string,
        'user_id': _string,
        'created': _string,
        'updated': _string,
        'hostId': _string,
        'addresses': {'type': 'object'},
        'metadata': {'type': 'object',
                     'additionalProperties': _string},
        'image': {'type': ['object', 'string']},
        'flavor': {'type': 'object'},
        'accessIPv4': _string,
        'accessIPv6': _string,
        'progress': {'type': 'integer'},
        'key_name': _nullable_string,
        'config_drive': _string,
        'locked': _boolean,
        'locked_reason': _nullable_string,
        'description': _nullable_string,
        'tags': {'type': 'array', 'items': _string},
        'host_status': _string,
        'fault': {
            'type': 'object',
            'properties': {'code': {'type': 'integer'}, 'message': _string,
                           'created': _string, 'details': _string},
            'required': ['code', 'message', 'created'],
        },
        'server_groups': {'type': 'array', 'items': _string},
        # From Neutron; absent when the server has no group.
        'security_groups': {
            'type': 'array',
            'items': {'type': 'object', 'properties': {'name': _string},
                      'required': ['name'], 'additionalProperties': False}},
        'trusted_image_certificates': {
            'type': ['array', 'null'], 'items': _string},
        'OS-EXT-STS:vm_state': _nullable_string,
        'OS-EXT-STS:task_state': _nullable_string,
        'OS-EXT-STS:power_state': _nullable_integer,
        'OS-EXT-AZ:availability_zone': _nullable_string,
        'os-extended-volumes:volumes_attached': {
            'type': 'array', 'items': {'type': 'object'}},
    },
    'required': ['id', 'status', 'links'],
}

servers_index = {
    'type': 'object',
    'properties': {'servers': {'type': 'array', 'items': server_summary},
                   'servers_links': links},
    'required': ['servers'],
    'additionalProperties': False,
}

servers_detail = copy.deepcopy(servers_index)
servers_detail['properties']['servers']['items'] = server

server_show = {
    'type': 'object',
    'properties': {'server': server},
    'required': ['server'],
    'additionalProperties': False,
}

# -- instance actions ------------------------------------------------------

event = {
    'type': 'object',
    'properties': {
        'event': _string,
        'start_time': _nullable_string,
        'finish_time': _nullable_string,
        'result': _nullable_string,
        # Policies decide; a hidden key is absent, never null.
        'traceback': _nullable_string,
        'host': _nullable_string,
        'hostId': _string,
        'details': _nullable_string,
    },
    'required': ['event', 'start_time', 'finish_time', 'result'],
    'additionalProperties': False,
}

action = {
    'type': 'object',
    'properties': {
        'action': _string,
        'instance_uuid': _string,
        'request_id': _string,
        'user_id': _nullable_string,
        'project_id': _nullable_string,
        'start_time': _nullable_string,
        'message': _nullable_string,
        'updated_at': _nullable_string,
    },
    'required': ['action', 'instance_uuid', 'request_id', 'user_id',
                 'project_id', 'start_time', 'message'],
    'additionalProperties': False,
}

action_with_events = copy.deepcopy(action)
action_with_events['properties']['events'] = {'type': 'array',
                                              'items': event}

instance_actions_index = {
    'type': 'object',
    'properties': {'instanceActions': {'type': 'array', 'items': action},
                   'links': links},
    'required': ['instanceActions'],
    'additionalProperties': False,
}

instance_action_show = {
    'type': 'object',
    'properties': {'instanceAction': action_with_events},
    'required': ['instanceAction'],
    'additionalProperties': False,
}

# -- os-services -----------------------------------------------------------

service = {
    'type': 'object',
    'properties': {
        # An integer before 2.53, a UUID from 2.53.
        'id': {'type': ['integer', 'string']},
        'binary': _string,
        'host': _string,
        'zone': _nullable_string,
        'status': {'type': 'string',
                   'enum': ['enabled', 'disabled', 'UNKNOWN']},
        'state': {'type': 'string', 'enum': ['up', 'down']},
        'updated_at': _nullable_string,
        'disabled_reason': _nullable_string,
        'forced_down': _boolean,
    },
    # 2.69: a service of a cell that did not answer has only these.
    'required': ['binary', 'host', 'status'],
    'additionalProperties': False,
}

services_index = {
    'type': 'object',
    'properties': {'services': {'type': 'array', 'items': service}},
    'required': ['services'],
    'additionalProperties': False,
}

# Before 2.53 a PUT answers host, binary and what changed (status and
# disabled_reason, or forced_down); from 2.53 the whole service.
_updated_service = copy.deepcopy(service)
_updated_service['required'] = ['binary', 'host']

service_update = {
    'type': 'object',
    'properties': {'service': _updated_service},
    'required': ['service'],
    'additionalProperties': False,
}

# -- version document ------------------------------------------------------

version_show = {
    'type': 'object',
    'properties': {'version': {
        'type': 'object',
        'properties': {'id': _string, 'status': _string,
                       'version': _string, 'min_version': _string,
                       'updated': _string, 'links': links,
                       'media-types': {'type': 'array'}},
        'required': ['id', 'status', 'version', 'min_version', 'links'],
    }},
    'required': ['version'],
}
