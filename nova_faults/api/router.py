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

As in Nova, every route is also served behind a project id
(``/v2.1/{project_id}/servers``); that project id must be the token's.
"""

import logging
import re

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
_VAR_RE = re.compile(r'\{([a-zA-Z_][a-zA-Z0-9_]*)\}')


class _Route:
    def __init__(self, template, methods):
        self.template = template
        self.methods = dict(methods)
        pattern = ''
        position = 0
        for match in _VAR_RE.finditer(template):
            pattern += re.escape(template[position:match.start()])
            pattern += '(?P<%s>[^/]+)' % match.group(1)
            position = match.end()
        pattern += re.escape(template[position:])
        self.regex = re.compile('^%s$' % pattern)
        # Literal routes win over variables: /servers/detail is not
        # /servers/{server_id}.
        self.literal_weight = len(_VAR_RE.sub('', template))

    @property
    def allow(self):
        return ', '.join(sorted(self.methods))


def compile_routes(routes):
    """Turn a ``{template: {method: handler}}`` dict into matchers."""
    compiled = [_Route(template, methods)
                for template, methods in routes.items()]
    compiled.sort(key=lambda route: -route.literal_weight)
    return compiled


def _match(compiled, path):
    for route in compiled:
        found = route.regex.match(path)
        if found:
            return route, found.groupdict()
    return None, None


class APIRouter:
    """The compute API application: routes a request to its handler.

    Exceptions raised by handlers become Nova faults here (inside the
    microversion middleware, so faults carry the version headers too).
    """

    def __init__(self, conf, routes=None):
        self.conf = conf
        table = dict(ROUTES if routes is None else routes)
        self.routes = compile_routes(table)
        init_application(conf)

    def find(self, path):
        """(route, urlvars, url_project_id) for ``path`` or Nones.

        The project ID in the path is optional, as in Nova; the Nova
        filter uses this to tell our routes from Nova's.
        """
        if len(path) > 1 and path.endswith('/'):
            path = path[:-1]
        route, urlvars = _match(self.routes, path or '/')
        if route is not None:
            return route, urlvars, None
        head, _sep, rest = path.lstrip('/').partition('/')
        if head and _PROJECT_ID_RE.match(head):
            route, urlvars = _match(self.routes, '/' + rest)
            if route is not None:
                return route, urlvars, head
        return None, None, None

    def dispatch(self, req):
        path = wsgi_util.path_info(req)
        # NOTE: a path that is not UTF-8 names nothing we serve: 404.
        route, urlvars, url_project_id = (
            self.find(path) if path is not None else (None, None, None))
        if route is None:
            raise webob.exc.HTTPNotFound()
        handler = route.methods.get(req.method)
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
    routes = dict(ROUTES)
    routes.update(deploy.get_extra_routes(global_conf))
    return APIRouter(conf, routes)


def versions_app_factory(global_conf, document='root', **local_conf):
    """paste.app_factory for the version documents."""
    return VersionsApp(deploy.get_conf(global_conf), document=document)
