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

"""The filter in Nova's API pipeline: our GET routes, Nova for the rest.

Placed right before ``osapi_compute_app_v21`` in Nova's api-paste.ini
(after ``keystonecontext``), so every request reaching it has been through
Nova's ``compute_req_id``, ``faultwrap``, ``request_log``, ``sizelimit``,
``authtoken`` and ``keystonecontext``. For each request:

1. Not a GET of a route in ``[nova_faults] routes`` (with or without the
   project id in the path): the request goes to Nova untouched.
2. A microversion Nova would refuse (malformed, out of range, or above
   what Nova or nova-faults knows): to Nova, which answers it as it
   always does (or serves it, when Nova is newer than we are).
3. Otherwise nova-faults answers: our context from the headers
   keystonemiddleware set, with the request IDs ``compute_req_id`` made
   (so one pair of request ID headers, added by Nova's middleware on the
   way out); our router, policy rules of Nova's names from Nova's policy
   file, and the version headers Nova would send.

Loading never stops Nova: settings that are missing or wrong are logged
at ERROR, naming the setting, and every request goes to Nova.
"""

import logging
import threading

import microversion_parse
from oslo_context import context as oslo_context
import webob

from nova_faults.api import microversion
from nova_faults.api.middleware import base as mw_base
from nova_faults.api.middleware import microversion as microversion_mw
from nova_faults.api import router
from nova_faults.api import wsgi_util
from nova_faults import context as nf_context
from nova_faults.plugin import conf as conf_loader

LOG = logging.getLogger(__name__)

# Route name -> (template, method) in nova_faults.api.router.ROUTES.
ROUTE_TEMPLATES = {
    'servers:index': ('/servers', 'GET'),
    'servers:detail': ('/servers/detail', 'GET'),
    'servers:show': ('/servers/{server_id}', 'GET'),
    'instance_actions:index': ('/servers/{server_id}/os-instance-actions',
                               'GET'),
    'instance_actions:show': (
        '/servers/{server_id}/os-instance-actions/{request_id}', 'GET'),
    'services:index': ('/os-services', 'GET'),
}

# NOTE: the paths Nova would also route to another controller must not
# be answered here: "/servers/detail" is ours only with servers:detail.
# A route table with only the served routes would send /servers/detail
# to servers:show when detail is off, so the table always holds every
# GET template and the names not served are answered by Nova.


def route_table(names):
    """``{template: {'GET': handler}}`` of our GET routes.

    Every template is present (so that matching finds the right one);
    a template not in ``names`` maps to None: Nova serves it.
    """
    table = {}
    for name, (template, method) in ROUTE_TEMPLATES.items():
        handler = router.ROUTES[template][method] if name in names \
            else None
        table[template] = {method: handler}
    return table


# Environ keys of the request a version probe does not inherit.
_PROBE_DROPPED = ('wsgi.input', 'webob.', 'CONTENT_', 'QUERY_STRING',
                  'PATH_INFO', 'REQUEST_METHOD')


def _nova_max_version(response):
    """The version Nova answered a ``latest`` request with, or None."""
    value = microversion_parse.get_version(
        response.headers, service_type=microversion.SERVICE_TYPE)
    try:
        return microversion.APIVersion.from_string(value)
    except Exception:
        return None


class NovaFaults:
    """The WSGI filter; ``application`` is Nova's compute API below."""

    def __init__(self, application, conf):
        self.application = application
        self.conf = conf
        names = conf.nova_faults.routes
        self.router = router.APIRouter(conf, routes=route_table(names))
        self._max_version = None
        configured = conf.nova_faults.max_microversion
        if configured:
            self._max_version = min(
                microversion.APIVersion.from_string(configured),
                microversion.MAX_VERSION)
        self._max_lock = threading.Lock()

    def _find(self, path):
        route, _urlvars, _project = self.router.find(path)
        if route is None or route.methods.get('GET') is None:
            return None
        return route

    def max_version(self, req):
        """The highest version we answer: ours and Nova's, the lower.

        Unless ``[nova_faults] max_microversion`` is set, Nova is asked
        once (``GET /`` at ``latest`` below the filter: its version
        document, answered without a database or policy check).
        """
        if self._max_version is not None:
            return self._max_version
        with self._max_lock:
            if self._max_version is None:
                probe = webob.Request.blank('/', environ={
                    key: value for key, value in req.environ.items()
                    if not key.startswith(_PROBE_DROPPED)})
                probe.script_name = req.script_name
                probe.headers[microversion.HEADER] = '%s latest' % (
                    microversion.SERVICE_TYPE)
                probe.headers.pop(microversion.LEGACY_HEADER, None)
                nova_max = _nova_max_version(
                    probe.get_response(self.application))
                if nova_max is None:
                    LOG.error('nova-faults could not learn the highest '
                              'microversion of the Nova API below it; '
                              'set [nova_faults] max_microversion. '
                              'Requests go to Nova meanwhile.')
                    return None
                self._max_version = min(nova_max, microversion.MAX_VERSION)
                LOG.info('nova-faults answers microversions 2.1 to %s',
                         self._max_version)
        return self._max_version

    def _version(self, req):
        """The requested version if we may answer it, else None."""
        value = microversion_parse.get_version(
            req.headers, service_type=microversion.SERVICE_TYPE,
            legacy_headers=[microversion.LEGACY_HEADER])
        highest = self.max_version(req)
        if highest is None:
            return None
        if value is None:
            return microversion.DEFAULT_VERSION
        if value == 'latest':
            return highest
        try:
            version = microversion.APIVersion.from_string(value)
        except Exception:
            return None
        if microversion.MIN_VERSION <= version <= highest:
            return version
        return None

    def __call__(self, environ, start_response):
        if environ['REQUEST_METHOD'] != 'GET':
            return self.application(environ, start_response)
        req = webob.Request(environ)
        path = wsgi_util.path_info(req)
        if path is None or self._find(path) is None:
            return self.application(environ, start_response)
        version = self._version(req)
        if version is None:
            return self.application(environ, start_response)
        return self._serve(req, version)(environ, start_response)

    def _serve(self, req, version):
        previous = oslo_context.get_current()
        try:
            ctx = nf_context.RequestContext.from_environ(
                req.environ,
                request_id=req.environ.get('openstack.request_id'),
                global_request_id=req.environ.get(
                    'openstack.global_request_id'))
            ctx.update_store()
            req.environ[wsgi_util.CONTEXT_KEY] = ctx
            req.environ[microversion.ENVIRON_KEY] = version
            response = req.get_response(self.router)
            return microversion_mw.add_version_headers(response, version)
        finally:
            # NOTE: oslo.log reads the thread's current context; give
            # Nova's back for the rest of its pipeline.
            if previous is not None:
                previous.update_store()
            else:
                mw_base.forget_thread_context()


class PassThrough:
    """What the filter is when it cannot run: Nova, untouched."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        return self.application(environ, start_response)


def filter_factory(global_conf, **local_conf):
    """paste.filter_factory: ``use = egg:nova-faults#nova``.

    Never raises: whatever stops the filter from loading is logged at
    ERROR and the filter passes everything to Nova.
    """
    try:
        conf = conf_loader.load(local_conf)
    except conf_loader.IncompleteSettings as exc:
        LOG.error('nova-faults filter disabled, every request goes to '
                  'Nova: %s', exc)
        conf = None
    except Exception as exc:
        LOG.error('nova-faults filter disabled, every request goes to '
                  'Nova: its configuration could not be read: %s', exc)
        conf = None
    if conf is not None and not conf.nova_faults.enabled:
        LOG.info('nova-faults filter disabled by [nova_faults] enabled; '
                 'every request goes to Nova')
        conf = None

    def make_filter(app):
        if conf is None:
            return PassThrough(app)
        try:
            return NovaFaults(app, conf)
        except Exception as exc:
            LOG.error('nova-faults filter disabled, every request goes to '
                      'Nova: %s', exc)
            return PassThrough(app)
    return make_filter
