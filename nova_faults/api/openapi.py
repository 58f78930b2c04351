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

"""The OpenAPI 3.1 document of the compute API, built from the code.

:func:`build` walks the route table (:data:`nova_faults.api.router.ROUTES`)
and describes every operation with the very JSON schemas the handlers
validate with (:mod:`nova_faults.api.schemas`) and the response schemas
of :mod:`nova_faults.api.schemas.responses`. Nothing is written by hand
twice: a new route without an entry in :data:`OPERATIONS` fails the
tests, and a query parameter added to a schema appears here by itself.

Microversions: one document covers 2.1 to the maximum. A query parameter
is listed when any microversion accepts it (its description says from
which one), a body is any of the versions' bodies, and a response schema
holds the keys of every microversion (optional where not always there).
The version headers are parameters of every operation.

The document is served without authentication (like the version
documents) at ``GET /v2.1/openapi.json`` by :class:`OpenAPIApp`, a path
Nova does not use.
"""

import copy
import functools

from oslo_serialization import jsonutils
import webob
import webob.dec
import webob.exc

from nova_faults.api import deploy
from nova_faults.api import faults
from nova_faults.api import microversion
from nova_faults.api import router
from nova_faults.api.schemas import instance_actions as ia_schemas
from nova_faults.api.schemas import responses
from nova_faults.api.schemas import servers as server_schemas
from nova_faults.api.schemas import services as service_schemas
from nova_faults.api import wsgi_util
from nova_faults import version as nf_version

PATH = '/v2.1/openapi.json'
OPENAPI_VERSION = '3.1.0'

_ALL_VERSIONS = [microversion.APIVersion.from_string(v)
                 for v in microversion.VERSIONS]

# Fault root names of the error statuses an operation may answer.
_ERRORS = {
    400: 'badRequest', 403: 'forbidden', 404: 'itemNotFound',
    405: 'badMethod', 406: 'computeFault', 409: 'conflictingRequest',
    413: 'overLimit', 415: 'badMediaType', 503: 'serviceUnavailable',
}
_ERROR_TEXT = {
    400: 'Malformed request: bad query parameter, body or version.',
    401: 'No valid token.',
    403: 'A policy does not allow the caller to do this.',
    404: 'No such resource (or another project\'s server).',
    405: 'The method is not allowed on this resource.',
    406: 'The requested microversion is not supported.',
    409: 'The resource is in use.',
    413: 'The request body is too large.',
    415: 'The body is not JSON.',
    503: 'A cell (or the API database) is not responding; try again '
         'later. The message carries the request ID.',
}
_COMMON_ERRORS = (400, 401, 403, 404, 406, 503)


class Operation:
    """What the document says of one (path, method) of the route table.

    ``query(version)`` and ``body(version)`` return the handler's schema
    at a microversion (None: no query/body validation); ``responses``
    maps success statuses to a body schema (None: no body).
    """

    def __init__(self, summary, responses, query=None, body=None,
                 errors=_COMMON_ERRORS, public=False):
        self.summary = summary
        self.responses = responses
        self.query = query
        self.body = body
        self.errors = tuple(errors)
        self.public = public


OPERATIONS = {
    ('/', 'GET'): Operation(
        'The v2.1 version document.', {200: responses.version_show},
        public=True, errors=(400, 406)),
    ('/servers', 'GET'): Operation(
        'List servers (id, name, links).', {200: responses.servers_index},
        query=server_schemas.index_query_for),
    ('/servers/detail', 'GET'): Operation(
        'List servers with details, faults and host status.',
        {200: responses.servers_detail},
        query=server_schemas.index_query_for),
    ('/servers/{server_id}', 'GET'): Operation(
        'Show a server.', {200: responses.server_show},
        query=server_schemas.show_query_for),
    ('/servers/{server_id}/os-instance-actions', 'GET'): Operation(
        'List the actions of a server, newest first.',
        {200: responses.instance_actions_index},
        query=ia_schemas.index_query_schema),
    ('/servers/{server_id}/os-instance-actions/{request_id}', 'GET'):
        Operation('Show an action of a server and its events.',
                  {200: responses.instance_action_show},
                  query=ia_schemas.show_query_schema),
    ('/os-services', 'GET'): Operation(
        'List the services.', {200: responses.services_index},
        query=service_schemas.index_query_for),
    ('/os-services/{service_id}', 'PUT'): Operation(
        'Enable, disable or force down a compute service (before 2.53 '
        'the path names an action: enable, disable, disable-log-reason, '
        'force-down; from 2.53 the service UUID).',
        {200: responses.service_update},
        body=service_schemas.update_schema_for,
        errors=_COMMON_ERRORS + (413, 415)),
    ('/os-services/{service_id}', 'DELETE'): Operation(
        'Delete a service (the id before 2.53, the UUID from 2.53).',
        {204: None}, errors=_COMMON_ERRORS + (409,)),
}

_PATH_PARAMETERS = {
    'server_id': 'The UUID of the server.',
    'request_id': 'The request ID of the action (req-<uuid>).',
    'service_id': 'Before 2.53: the integer id (DELETE) or an action '
                  '(PUT); from 2.53: the service UUID.',
}


def _version_header_parameters():
    example = 'compute %s' % microversion.MAX_VERSION_STRING
    return [
        {'name': microversion.HEADER, 'in': 'header', 'required': False,
         'description': 'The microversion, "compute <major>.<minor>" or '
                        '"compute latest" (%s to %s; default %s).' % (
                            microversion.MIN_VERSION_STRING,
                            microversion.MAX_VERSION_STRING,
                            microversion.MIN_VERSION_STRING),
         'schema': {'type': 'string'}, 'example': example},
        {'name': microversion.LEGACY_HEADER, 'in': 'header',
         'required': False,
         'description': 'The legacy microversion header ("2.84" or '
                        '"latest"); %s wins when both are sent.'
                        % microversion.HEADER,
         'schema': {'type': 'string'},
         'example': microversion.MAX_VERSION_STRING},
        {'name': 'X-Openstack-Request-Id', 'in': 'header',
         'required': False,
         'description': 'A global request ID (req-<uuid>) to log with '
                        'this request; anything else is ignored.',
         'schema': {'type': 'string'}},
    ]


def _query_parameters(query_for):
    """Query parameters: every parameter of any microversion's schema."""
    found = {}
    for version in _ALL_VERSIONS:
        schema = query_for(version)
        for name, prop in schema.get('properties', {}).items():
            if name not in found:
                found[name] = (str(version), prop)
    params = []
    for name in sorted(found):
        since, prop = found[name]
        item = copy.deepcopy(prop.get('items', {}))
        single = prop.get('maxItems') == 1
        param = {'name': name, 'in': 'query', 'required': False}
        if since != microversion.MIN_VERSION_STRING:
            param['description'] = 'From microversion %s.' % since
        if single:
            param['schema'] = item
        else:
            param['schema'] = {'type': 'array', 'items': item}
            param['style'] = 'form'
            param['explode'] = True
        params.append(param)
    return params


def _request_body(body_for):
    bodies = []
    for version in _ALL_VERSIONS:
        schema = body_for(version)
        if schema not in bodies:
            bodies.append(schema)
    schema = (copy.deepcopy(bodies[0]) if len(bodies) == 1
              else {'anyOf': copy.deepcopy(bodies)})
    return {'required': True, 'content': {
        'application/json': {'schema': schema}}}


def _json(schema, description):
    return {'description': description,
            'headers': {
                'x-openstack-request-id': {
                    'description': 'The local request ID.',
                    'schema': {'type': 'string'}},
            },
            'content': {'application/json': {'schema': schema}}}


def _responses(operation):
    result = {}
    for status, schema in operation.responses.items():
        if schema is None:
            result[str(status)] = {'description': 'Done (no body).'}
        else:
            result[str(status)] = _json(schema, 'Success.')
    for status in operation.errors:
        if status == 401:
            schema = responses.unauthorized
        else:
            schema = responses.fault(_ERRORS[status])
        result[str(status)] = _json(schema, _ERROR_TEXT[status])
    return result


def _operation(template, method, operation):
    params = []
    for name in router._VAR_RE.findall(template):
        params.append({'name': name, 'in': 'path', 'required': True,
                       'description': _PATH_PARAMETERS[name],
                       'schema': {'type': 'string'}})
    params.extend(_version_header_parameters())
    if operation.query is not None:
        params.extend(_query_parameters(operation.query))
    op = {
        'operationId': '%s %s' % (method, template),
        'summary': operation.summary,
        'parameters': params,
        'responses': _responses(operation),
    }
    if operation.body is not None:
        op['requestBody'] = _request_body(operation.body)
    if operation.public:
        op['security'] = []
    return op


def build(routes=None, server_url='/v2.1'):
    """The OpenAPI 3.1 document (a dict) of ``routes`` (the route table).

    Raises ``KeyError`` for a route :data:`OPERATIONS` does not describe.
    """
    routes = router.ROUTES if routes is None else routes
    paths = {}
    for template in sorted(routes):
        item = paths.setdefault(template, {})
        for method in sorted(routes[template]):
            operation = OPERATIONS[(template, method)]
            item[method.lower()] = _operation(template, method, operation)
    return {
        'openapi': OPENAPI_VERSION,
        'info': {
            'title': 'nova-faults compute API',
            'version': nf_version.version_string(),
            'description': 'Nova-compatible compute API (microversions '
                           '%s to %s) for servers, instance actions and '
                           'services. Errors are Nova fault bodies.' % (
                               microversion.MIN_VERSION_STRING,
                               microversion.MAX_VERSION_STRING),
        },
        'servers': [{'url': server_url}],
        'security': [{'token': []}],
        'components': {'securitySchemes': {'token': {
            'type': 'apiKey', 'in': 'header', 'name': 'X-Auth-Token',
            'description': 'A Keystone token (with [api] auth_strategy '
                           '= noauth: "user:project").'}}},
        'paths': paths,
    }


@functools.lru_cache(maxsize=4)
def _document_bytes(server_url):
    return jsonutils.dump_as_bytes(build(server_url=server_url))


class OpenAPIApp:
    """Serve the document: ``GET /v2.1/openapi.json``, no token needed.

    The server URL in the document honours ``[api] compute_link_prefix``.
    """

    def __init__(self, conf):
        self.conf = conf

    @webob.dec.wsgify
    def __call__(self, req):
        req.environ[wsgi_util.CONF_KEY] = self.conf
        if req.method not in ('GET', 'HEAD'):
            return faults.fault_response(
                405, 'The method specified is not allowed for this '
                     'resource.', headers={'Allow': 'GET, HEAD'})
        prefix = self.conf.api.compute_link_prefix
        server_url = (wsgi_util.update_link_prefix('http://h/v2.1', prefix)
                      if prefix else '/v2.1')
        response = webob.Response(status=200,
                                  content_type='application/json',
                                  body=_document_bytes(server_url))
        response.charset = 'UTF-8'
        return response


def app_factory(global_conf, **local_conf):
    """paste.app_factory for the OpenAPI document."""
    return OpenAPIApp(deploy.get_conf(global_conf))
