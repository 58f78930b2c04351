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

"""The URL map, the route matcher, the auth filters and the paste file."""

import filecmp
import os

import testtools
import webob

from nova_faults.api import deploy
from nova_faults.api.middleware import auth
from nova_faults.api import router
from nova_faults.api import urlmap
from nova_faults.api import wsgi_util
from nova_faults import policy


def _named_app(name):
    def app(environ, start_response):
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [('%s %s %s' % (name, environ['SCRIPT_NAME'],
                               environ['PATH_INFO'])).encode()]
    return app


class TestURLMap(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.map = urlmap.URLMap([('/', _named_app('root')),
                                  ('/v2.1', _named_app('doc')),
                                  ('/v2.1/+', _named_app('api'))])

    def _hit(self, path):
        return webob.Request.blank(path).get_response(self.map).text

    def test_nova_wildcard(self):
        self.assertEqual('root  /', self._hit('/'))
        self.assertEqual('doc /v2.1 ', self._hit('/v2.1'))
        self.assertEqual('doc /v2.1 /', self._hit('/v2.1/'))
        self.assertEqual('api /v2.1 /servers', self._hit('/v2.1/servers'))
        self.assertEqual('root  /v2.10', self._hit('/v2.10'))
        self.assertEqual('root  /v3/x', self._hit('/v3/x'))


class TestRouteMatching(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.routes = router.compile_routes({
            '/servers/{server_id}': {'GET': 'show', 'PUT': 'update'},
            '/servers/detail': {'GET': 'detail'},
            '/servers/{server_id}/os-instance-actions/{request_id}':
                {'GET': 'action'},
        })

    def test_literal_first(self):
        route, urlvars = router._match(self.routes, '/servers/detail')
        self.assertEqual({'GET': 'detail'}, route.methods)
        self.assertEqual({}, urlvars)

    def test_variables(self):
        route, urlvars = router._match(
            self.routes, '/servers/abc/os-instance-actions/req-1')
        self.assertEqual({'server_id': 'abc', 'request_id': 'req-1'},
                         urlvars)
        route, urlvars = router._match(self.routes, '/servers/abc')
        self.assertEqual('GET, PUT', route.allow)

    def test_no_match(self):
        self.assertEqual((None, None),
                         router._match(self.routes, '/servers/a/b'))
        self.assertEqual((None, None), router._match(self.routes, '/'))


class TestAuthFilters(testtools.TestCase):

    def setUp(self):
        super().setUp()
        policy.reset()
        self.addCleanup(policy.reset)

    @staticmethod
    def _app(environ, start_response):
        ctx = environ[wsgi_util.CONTEXT_KEY]
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [('%s %s %s %s' % (ctx.user_id, ctx.project_id,
                                  ','.join(ctx.roles),
                                  ctx.global_request_id)).encode()]

    def test_keystone_context_from_headers(self):
        filt = auth.KeystoneContext(self._app, {})
        req = webob.Request.blank('/', headers={
            'X-User-Id': 'u1', 'X-Project-Id': 'p1',
            'X-Roles': 'reader, member'})
        req.environ['openstack.global_request_id'] = 'req-g'
        self.assertEqual('u1 p1 reader,member req-g',
                         req.get_response(filt).text)

    def test_keystone_context_needs_a_user(self):
        filt = auth.KeystoneContext(self._app, {})
        resp = webob.Request.blank('/').get_response(filt)
        self.assertEqual(401, resp.status_int)
        self.assertEqual('Unauthorized', resp.json['error']['title'])

    def test_noauth(self):
        filt = auth.NoAuth(self._app, {})
        req = webob.Request.blank('/', headers={'X-Auth-Token': 'bob:p2'})
        self.assertEqual('bob p2 member,reader None',
                         req.get_response(filt).text)


class TestPasteFiles(testtools.TestCase):

    def test_shipped_copy_matches_etc(self):
        etc = os.path.join(os.path.dirname(deploy.PACKAGE_PASTE_FILE),
                           '..', '..', 'etc', 'nova_faults',
                           'api-paste.ini')
        if not os.path.exists(etc):
            self.skipTest('not a source checkout')
        self.assertTrue(filecmp.cmp(etc, deploy.PACKAGE_PASTE_FILE,
                                    shallow=False),
                        'etc/nova_faults/api-paste.ini and '
                        'nova_faults/api/api-paste.ini differ')


class TestMiddlewareImports(testtools.TestCase):

    def test_middleware_does_not_import_the_data_layer(self):
        # NOTE: oslo.versionedobjects pulls in oslo.messaging and eventlet;
        # a service loading only our middleware must not pay for that.
        import subprocess
        import sys
        script = (
            'import sys\n'
            'import nova_faults.api.middleware.auth\n'
            'import nova_faults.api.middleware.fault_wrap\n'
            'import nova_faults.api.middleware.microversion\n'
            'import nova_faults.api.middleware.request_id\n'
            'import nova_faults.api.middleware.request_log\n'
            'print(sorted(m for m in sys.modules if m.startswith((\n'
            '    "oslo_versionedobjects", "oslo_messaging", "eventlet",\n'
            '    "nova_faults.objects", "nova_faults.db"))))\n')
        out = subprocess.run([sys.executable, '-c', script],
                             capture_output=True, timeout=120)
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual(b'[]', out.stdout.strip())


class TestFindPasteFile(testtools.TestCase):

    def setUp(self):
        super().setUp()
        import fixtures
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def _conf(self, paste=None, with_file=False):
        from nova_faults import conf as nf_conf
        conf_file = os.path.join(self.tmp, 'nova-faults.conf')
        with open(conf_file, 'w') as f:
            f.write('[DEFAULT]\nstate_path = %s\n' % self.tmp)
            if paste:
                f.write('[api]\napi_paste_config = %s\n' % paste)
        if with_file:
            with open(os.path.join(self.tmp, 'api-paste.ini'), 'w') as f:
                f.write('[composite:main]\n')
        return nf_conf.load(['--config-file', conf_file],
                            default_config_files=[])

    def test_default_falls_back_to_the_package_copy(self):
        self.assertEqual(deploy.PACKAGE_PASTE_FILE,
                         deploy.find_paste_file(self._conf()))

    def test_relative_found_beside_the_configuration(self):
        self.assertEqual(os.path.join(self.tmp, 'api-paste.ini'),
                         deploy.find_paste_file(self._conf(with_file=True)))

    def test_absolute(self):
        path = os.path.join(self.tmp, 'api-paste.ini')
        self.assertEqual(path, deploy.find_paste_file(
            self._conf(paste=path, with_file=True)))
        # A missing absolute file falls back (with a warning).
        self.assertEqual(deploy.PACKAGE_PASTE_FILE, deploy.find_paste_file(
            self._conf(paste=os.path.join(self.tmp, 'missing.ini'))))
