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

"""Authentication: keystonemiddleware (production) or ``noauth`` (dev).

* ``authtoken_filter_factory``: keystonemiddleware's ``AuthProtocol``,
  reading ``[keystone_authtoken]`` from our ``ConfigOpts``
  (``oslo_config_config``), never from a global configuration.
* ``KeystoneContext``: builds the :class:`~nova_faults.context.RequestContext`
  from the headers keystonemiddleware set, with both request IDs.
* ``NoAuth``: development and tests only. ``X-Auth-Token: user:project``
  is trusted as is; user ``admin`` gets the roles admin, member, reader,
  any other user member, reader; ``X-Roles`` (comma-separated) overrides
  them. No token, or one not of that form: 401 with keystonemiddleware's
  body.

keystonemiddleware and keystoneauth are imported when the ``keystone``
pipeline is built, not with this module: the ``noauth`` pipeline of the
embedded default starts without them.
"""

import logging

from oslo_serialization import jsonutils
import webob
import webob.dec

from nova_faults.api import deploy
from nova_faults.api.middleware import base
from nova_faults.api import wsgi_util
from nova_faults import context as nf_context
from nova_faults import exception

LOG = logging.getLogger(__name__)

CONTEXT_KEY = wsgi_util.CONTEXT_KEY

ADMIN_ROLES = ['admin', 'member', 'reader']
USER_ROLES = ['member', 'reader']


def unauthorized():
    """A 401 shaped like keystonemiddleware's."""
    body = {'error': {
        'code': 401,
        'title': 'Unauthorized',
        'message': 'The request you have made requires authentication.',
    }}
    response = webob.Response(
        status=401, content_type='application/json',
        body=jsonutils.dump_as_bytes(body))
    # NOTE: set after, or webob drops the charset of a JSON type.
    response.charset = 'UTF-8'
    return response


MISSING_AUTH_SETTINGS = (
    '[keystone_authtoken] has no auth_type: keystonemiddleware cannot '
    'validate tokens. Set auth_type (e.g. password) and its options '
    '(auth_url, username, password, project_name, user_domain_name, '
    'project_domain_name) and www_authenticate_uri in the nova-faults '
    'configuration.')


def missing_auth_settings(conf):
    """The error to log when tokens cannot be validated, or None."""
    group = getattr(conf, 'keystone_authtoken', None)
    if group is None:
        return None
    if getattr(group, 'auth_type', None) or \
            getattr(group, 'auth_section', None):
        return None
    return MISSING_AUTH_SETTINGS


class AuthTokenGuard:
    """keystonemiddleware without credentials: a clear 503, not a 500.

    With ``[api] auth_strategy = keystone`` and no ``[keystone_authtoken]``
    auth settings, keystonemiddleware raises keystoneauth's
    ``MissingAuthPlugin`` on every request with a token (and on 401s, to
    find the identity endpoint). That is a deployment error: every such
    request answers 503 ``serviceUnavailable`` saying authentication is
    not configured (with the request ID), and the log says, at ERROR,
    which settings are missing.
    """

    def __init__(self, application, oslo_conf):
        from keystoneauth1 import exceptions as ka_exc
        self._missing_auth_plugin = ka_exc.MissingAuthPlugin
        self.application = application
        self.missing = missing_auth_settings(oslo_conf)
        if self.missing:
            # Said once at load time, and again on every failed request.
            LOG.error(self.missing)

    @webob.dec.wsgify
    def __call__(self, req):
        try:
            return req.get_response(self.application)
        except self._missing_auth_plugin:
            LOG.error('%s (%s %s)', self.missing or MISSING_AUTH_SETTINGS,
                      req.method, req.path_qs[:200])
            raise exception.AuthNotConfigured()


def authtoken_filter_factory(global_conf, **local_conf):
    """paste.filter_factory for keystonemiddleware ``auth_token``."""
    conf = dict(global_conf or {})
    conf.update(local_conf)
    oslo_conf = deploy.get_conf(global_conf)
    conf['oslo_config_config'] = oslo_conf
    conf.pop(deploy.GLOBAL_CONF_KEY, None)

    from keystonemiddleware import auth_token

    def auth_filter(app):
        return AuthTokenGuard(auth_token.AuthProtocol(app, conf), oslo_conf)
    return auth_filter


def _context_kwargs(environ):
    return {
        'request_id': environ.get('openstack.request_id'),
        'global_request_id': environ.get('openstack.global_request_id'),
    }


def _set_request_context(environ, ctx):
    """Make ``ctx`` the context of the request and of this thread.

    oslo.log reads the thread's current context, so every log line
    written while the request is handled carries its global and local
    request IDs and the user identity. The request log middleware
    forgets it when the request is done.
    """
    environ[CONTEXT_KEY] = ctx
    ctx.update_store()


class KeystoneContext(base.Middleware):
    """Make a request context from keystonemiddleware's headers."""

    def __call__(self, environ, start_response):
        user_id = environ.get('HTTP_X_USER_ID', environ.get('HTTP_X_USER'))
        if user_id is None:
            LOG.debug('Neither X_USER_ID nor X_USER found in request')
            return unauthorized()(environ, start_response)
        kwargs = _context_kwargs(environ)
        ctx = nf_context.RequestContext.from_environ(environ, **kwargs)
        _set_request_context(environ, ctx)
        return self.application(environ, start_response)


class NoAuth(base.Middleware):
    """Trust ``X-Auth-Token: user:project``. Never in production."""

    @staticmethod
    def _parse_token(token):
        user_id, sep, project_id = (token or '').strip().partition(':')
        if not sep or not user_id or not project_id or \
                ':' in project_id:
            return None, None
        return user_id, project_id

    def __call__(self, environ, start_response):
        user_id, project_id = self._parse_token(
            environ.get('HTTP_X_AUTH_TOKEN'))
        if user_id is None:
            return unauthorized()(environ, start_response)
        if 'HTTP_X_ROLES' in environ:
            roles = [role.strip() for role in
                     environ['HTTP_X_ROLES'].split(',') if role.strip()]
        elif user_id == 'admin':
            roles = list(ADMIN_ROLES)
        else:
            roles = list(USER_ROLES)
        ctx = nf_context.RequestContext(
            user_id=user_id, project_id=project_id, roles=roles,
            **_context_kwargs(environ))
        _set_request_context(environ, ctx)
        return self.application(environ, start_response)
