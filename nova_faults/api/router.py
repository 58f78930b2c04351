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

"""The route table and the WSGI applications at the end of the pipeline.

Routes are data: ``ROUTES`` maps a path template to ``{METHOD: handler}``.
A handler is ``handler(req)`` taking a ``webob.Request`` (path variables
in ``req.urlvars``) and returning a ``webob.Response``. An unknown path is
a 404 ``itemNotFound``; a known path with another method a 405
``badMethod`` whose ``Allow`` header comes from the table.

The table is matched by a ``routes.Mapper``, as in placement's
``handler.py``: built once per application, each template connected once
per method and once more for any other method (the 405).

As in Nova, every route is also served behind a project id
(``/v2.1/{project_id}/servers``); that project id must be the token's.
"""

import logging
import re

import routes
import webob.dec
import webob.exc

from nova_faults.api import deploy
from nova_faults.api import faults
from nova_faults.api.handlers import instance_actions
from nova_faults.api.handlers import servers
from nova_faults.api.handlers import services
from nova_faults.api.handlers import versions
from nova_faults.api import wsgi_util
from nova_faults import cells
from nova_faults import exception
from nova_faults import policy

LOG = logging.getLogger(__name__)

# Path template -> {HTTP method: handler(req) -> webob.Response}.
# Templates are relative to /v2.1; "{name}" matches one path segment and
# lands in req.urlvars['name'].
ROUTES = {
    # NOTE: "/v2.1/" itself is served by the version document pipeline
    # (no authentication); "/v2.1/{project_id}/" reaches this one.
    '/': {'GET': versions.show},
    '/servers': {'GET': servers.index},
    '/servers/detail': {'GET': servers.detail},
    '/servers/{server_id}': {'GET': servers.show},
    '/servers/{server_id}/os-instance-actions': {
        'GET': instance_actions.index},
    '/servers/{server_id}/os-instance-actions/{request_id}': {
        'GET': instance_actions.show},
    '/os-services': {'GET': services.index},
    '/os-services/{service_id}': {'PUT': services.update,
                                  'DELETE': services.delete},
}

# NOTE: Nova's project id token: hex and dashes only, which keeps
# "/servers/..." from ever being read as a project id.
_PROJECT_ID_RE = re.compile(r'^[0-9a-f-]+$')
# A "{name}" variable of a template (the OpenAPI document reads it too).
_VAR_RE = re.compile(r'\{([a-zA-Z_][a-zA-Z0-9_]*)\}')

# The key each connected route adds to a match beside its template's
# variables (and "action", the handler): the template it was connected
# for. Neither reaches req.urlvars.
_ROUTE_KEY = '_route'
_RESERVED = frozenset(['action', _ROUTE_KEY])

# NOTE: a variable is one whole segment, matched greedily: with routes'
# own "[^/]+?" the "$" ending its regular expression would stop before a
# final newline ("/servers/abc%0A" would be server "abc"). A template
# ending in a literal keeps that quirk of "$", as in Nova: "/servers%0A"
# is "/servers".
_SEGMENT = '[^/]+'

# The environ find() matches with: a method no route has, so that each
# template's route for any method answers. (Without an environ, routes
# would look for one it keeps per thread.)
_NO_METHOD = {'REQUEST_METHOD': ''}


class Route:
    """One path template of the table: its handlers and what it allows."""

    def __init__(self, template, methods):
        self.template = template
        self.methods = dict(methods)
        self.allow = ', '.join(sorted(self.methods))
        self.variables = _variables(template)


def _variables(template):
    """The names of the ``{name}`` segments of ``template``.

    ValueError for a segment neither literal nor ``{name}`` (routes would
    read ``:name``, ``*name`` or ``{name:regex}`` in it as variables) and
    for a variable named like a key the router adds to a match.
    """
    if not template.startswith('/'):
        raise ValueError('Route template %r does not start with "/"'
                         % template)
    names = []
    for segment in template.split('/'):
        variable = _VAR_RE.fullmatch(segment)
        if variable and variable.group(1) in _RESERVED:
            raise ValueError('Route template %r: variable %r is reserved'
                             % (template, segment))
        if variable:
            names.append(variable.group(1))
        elif any(char in segment for char in '{}:*'):
            raise ValueError('Route template %r: segment %r is neither '
                             'literal nor a variable' % (template, segment))
    return tuple(names)


def _literal_weight(route):
    """How much of the template is literal: its variables aside."""
    return len(route.template) - sum(len(name) + 2
                                     for name in route.variables)


def make_map(table_routes):
    """A ``routes.Mapper`` matching ``table_routes`` (:class:`Route`).

    Each template is connected once per method it has a handler for,
    then once for any method, without a handler: that match is a 405.
    """
    # NOTE: not registered as the thread's routes configuration, which
    # is Nova's own mapper where the filter runs inside Nova.
    mapper = routes.Mapper(register=False)
    # Literal routes win over variables: /servers/detail is not
    # /servers/{server_id}. (routes itself tries the routes of the
    # longest literal prefix first; this order decides among the rest.)
    for route in sorted(table_routes, key=_literal_weight, reverse=True):
        requirements = dict.fromkeys(route.variables, _SEGMENT)
        for method, handler in sorted(route.methods.items()):
            # A method whose handler is None (Nova's, in the filter)
            # falls to the 405 below.
            if handler is not None:
                mapper.connect(route.template, action=handler,
                               conditions=dict(method=[method]),
                               requirements=requirements,
                               **{_ROUTE_KEY: route.template})
        mapper.connect(route.template, requirements=requirements,
                       **{_ROUTE_KEY: route.template})
    # Compiled now rather than on the first request.
    mapper.create_regs()
    return mapper


class RouteTable:
    """A ``{template: {METHOD: handler}}`` table, matched by routes."""

    def __init__(self, table):
        self.routes = {template: Route(template, methods)
                       for template, methods in table.items()}
        self.mapper = make_map(self.routes.values())

    def match(self, path, environ):
        """``(route, handler, urlvars, url_project_id)`` for ``path``.

        All None when no template matches; ``handler`` None when the
        template has none for ``environ``'s method. The project ID in the
        path is optional, as in Nova.
        """
        if len(path) > 1 and path.endswith('/'):
            path = path[:-1]
        found = self.mapper.match(path or '/', environ=environ)
        if found is not None:
            return self._answer(found, None)
        # NOTE: empty segments before the project id are skipped, as
        # they always were here ("//{project_id}/servers"; Nova: 404).
        head, _sep, rest = path.lstrip('/').partition('/')
        if head and _PROJECT_ID_RE.match(head):
            found = self.mapper.match('/' + rest, environ=environ)
            if found is not None:
                return self._answer(found, head)
        return None, None, None, None

    def _answer(self, found, url_project_id):
        route = self.routes[found.pop(_ROUTE_KEY)]
        handler = found.pop('action', None)
        return route, handler, found, url_project_id

    def find(self, path):
        """(route, urlvars, url_project_id) for ``path`` or Nones."""
        route, _handler, urlvars, url_project_id = self.match(
            path, _NO_METHOD)
        return route, urlvars, url_project_id


class APIRouter:
    """The compute API application: routes a request to its handler.

    Exceptions raised by handlers become Nova faults here (inside the
    microversion middleware, so faults carry the version headers too).
    """

    def __init__(self, conf, routes=None):
        self.conf = conf
        self.table = RouteTable(ROUTES if routes is None else routes)
        init_application(conf)

    def find(self, path):
        """(route, urlvars, url_project_id) for ``path`` or Nones.

        The project ID in the path is optional, as in Nova; the Nova
        filter uses this to tell our routes from Nova's.
        """
        return self.table.find(path)

    def dispatch(self, req):
        path = wsgi_util.path_info(req)
        # NOTE: a path that is not UTF-8 names nothing we serve: 404.
        route, handler, urlvars, url_project_id = (
            self.table.match(path, req.environ) if path is not None
            else (None, None, None, None))
        if route is None:
            raise webob.exc.HTTPNotFound()
        if handler is None:
            # NOTE: Nova answers a wrong method on a known path with 404;
            # we follow placement and the HTTP spec: 405 with Allow.
            raise webob.exc.HTTPMethodNotAllowed(
                explanation='The method specified is not allowed for '
                            'this resource.',
                headers={'Allow': route.allow})
        context = req.environ.get(wsgi_util.CONTEXT_KEY)
        if url_project_id and context is not None and \
                url_project_id != context.project_id:
            raise webob.exc.HTTPBadRequest(
                explanation="Malformed request URL: URL's project_id "
                            "'%s' doesn't match Context's project_id "
                            "'%s'" % (url_project_id, context.project_id))
        if context is not None and context.api_db is None:
            # Where the data calls for this request go (the API
            # database; cells are targeted by the handlers).
            cells.bind_api_database(context, self.conf)
        req.urlvars = urlvars
        return handler(req)

    @webob.dec.wsgify
    def __call__(self, req):
        req.environ[wsgi_util.CONF_KEY] = self.conf
        try:
            return self.dispatch(req)
        except Exception as exc:
            if not cells.is_database_down(exc):
                return faults.from_exception(req, exc)
            # NOTE: a down cell's database errors never get here (they
            # are turned into CellUnavailable where the cell is called):
            # this is the API database. A 503 the user can retry, not a
            # 500.
            LOG.error('The API database is not available (%s) for %s %s',
                      type(exc).__name__, req.method,
                      faults.raw_uri(req)[:200])
            return faults.from_exception(
                req, exception.APIDatabaseUnavailable())


class VersionsApp:
    """The version documents outside the authenticated API.

    ``document = root`` serves ``GET /`` (and 300 Multiple Choices for
    other paths, as Nova); ``document = v2.1`` serves ``/v2.1`` and
    ``/v2.1/``.
    """

    def __init__(self, conf, document='root'):
        self.conf = conf
        self.document = document

    @webob.dec.wsgify
    def __call__(self, req):
        req.environ[wsgi_util.CONF_KEY] = self.conf
        try:
            if req.method != 'GET':
                raise webob.exc.HTTPMethodNotAllowed(
                    explanation='The method specified is not allowed for '
                                'this resource.',
                    headers={'Allow': 'GET'})
            if self.document == 'v2.1':
                return versions.show(req)
            path = wsgi_util.path_info(req)
            if path in ('', '/'):
                return versions.index(req)
            if path is None or path.startswith('//'):
                # NOTE: not UTF-8, or an empty first segment
                # ("//v2.1/servers", which a server may pass on as a
                # path): nothing we serve, not a version to choose.
                raise webob.exc.HTTPNotFound()
            return versions.multi(req)
        except Exception as exc:
            return faults.from_exception(req, exc)


def init_application(conf):
    """Prepare what the handlers need: the policy enforcer.

    Database engines are created lazily, on the first request that needs
    them, so that loading the application never touches a database.
    """
    policy.init(conf)


def app_factory(global_conf, **local_conf):
    """paste.app_factory for the compute API."""
    conf = deploy.get_conf(global_conf)
    table = dict(ROUTES)
    table.update(deploy.get_extra_routes(global_conf))
    return APIRouter(conf, table)


def versions_app_factory(global_conf, document='root', **local_conf):
    """paste.app_factory for the version documents."""
    return VersionsApp(deploy.get_conf(global_conf), document=document)
