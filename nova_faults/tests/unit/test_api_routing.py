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

"""The URL map, the route table, the auth filters and the paste file."""

import collections
import filecmp
import os
import random
from unittest import mock

import fixtures
import routes
import testtools
import webob
import webob.exc

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


def _handler(name):
    def handler(req):
        return webob.Response(json_body={'handler': name,
                                         'urlvars': req.urlvars})
    handler.__name__ = name
    return handler


SHOW, UPDATE, DETAIL, ACTION, ROOT = (
    _handler(name) for name in ('show', 'update', 'detail', 'action', 'root'))


def _method(name):
    return {'REQUEST_METHOD': name}


class TestRouteMatching(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.table = router.RouteTable({
            '/servers/{server_id}': {'GET': SHOW, 'PUT': UPDATE},
            '/servers/detail': {'GET': DETAIL, 'POST': None},
            '/servers/{server_id}/os-instance-actions/{request_id}':
                {'GET': ACTION},
            '/': {'GET': ROOT},
        })

    def _find(self, path):
        route, urlvars, project_id = self.table.find(path)
        return (route and route.template, urlvars, project_id)

    def test_literal_first(self):
        route, handler, urlvars, project_id = self.table.match(
            '/servers/detail', _method('GET'))
        self.assertEqual('/servers/detail', route.template)
        self.assertIs(DETAIL, handler)
        self.assertEqual({}, urlvars)
        self.assertIsNone(project_id)
        # Also for a method only the variable route has.
        route, handler, _urlvars, _project = self.table.match(
            '/servers/detail', _method('PUT'))
        self.assertEqual(('/servers/detail', None), (route.template, handler))

    def test_variables(self):
        route, handler, urlvars, _project = self.table.match(
            '/servers/abc/os-instance-actions/req-1', _method('GET'))
        self.assertIs(ACTION, handler)
        self.assertEqual({'server_id': 'abc', 'request_id': 'req-1'},
                         urlvars)
        route, handler, urlvars, _project = self.table.match(
            '/servers/abc', _method('PUT'))
        self.assertIs(UPDATE, handler)
        self.assertEqual({'server_id': 'abc'}, urlvars)
        self.assertEqual('GET, PUT', route.allow)

    def test_wrong_method_finds_the_route_without_a_handler(self):
        for method in ('DELETE', 'HEAD', 'get', ''):
            route, handler, urlvars, _project = self.table.match(
                '/servers/abc', _method(method))
            self.assertEqual('/servers/{server_id}', route.template)
            self.assertIsNone(handler, method)
            self.assertEqual({'server_id': 'abc'}, urlvars)

    def test_none_handler_is_a_method_without_one(self):
        route, handler, _urlvars, _project = self.table.match(
            '/servers/detail', _method('POST'))
        self.assertIsNone(handler)
        self.assertEqual({'GET': DETAIL, 'POST': None}, route.methods)
        self.assertEqual('GET, POST', route.allow)

    def test_segment_values_are_taken_as_they_are(self):
        for value in ('abc.json', 'a.b.c', 'a%2Fb', '%', '%25', ' x y ',
                      'd\u00e9j\u00e0', '\u2603', '-', '.', '..', '1',
                      'x:y', '*', '{server_id}', 'a\nb', 'abc\n'):
            route, urlvars, _project = self.table.find('/servers/' + value)
            self.assertEqual('/servers/{server_id}', route.template, value)
            self.assertEqual({'server_id': value}, urlvars)

    def test_no_match(self):
        for path in ('/servers/a/b', '/servers//os-instance-actions/x',
                     '/servers/a/os-instance-actions/', '/nowhere',
                     '/servers//', '//servers/detail', 'servers/detail',
                     '/SERVERS/detail', '/servers/detail.json/x'):
            self.assertEqual((None, None, None), self._find(path), path)
            self.assertEqual((None, None, None, None),
                             self.table.match(path, _method('GET')), path)

    def test_trailing_slash_and_empty_path(self):
        self.assertEqual(('/servers/detail', {}, None),
                         self._find('/servers/detail/'))
        self.assertEqual(('/servers/{server_id}', {'server_id': 'a'}, None),
                         self._find('/servers/a/'))
        self.assertEqual(('/', {}, None), self._find('/'))
        self.assertEqual(('/', {}, None), self._find(''))

    def test_project_id_prefix(self):
        project = '6f70656e-7374-6163-6b20-342065766572'
        self.assertEqual(
            ('/servers/{server_id}', {'server_id': 'x'}, project),
            self._find('/%s/servers/x' % project))
        self.assertEqual(('/servers/detail', {}, 'abc'),
                         self._find('/abc/servers/detail/'))
        for path in ('/%s' % project, '/%s/' % project):
            self.assertEqual(('/', {}, project), self._find(path))
        route, handler, urlvars, found = self.table.match(
            '/abc/servers/x', _method('PUT'))
        self.assertEqual((UPDATE, {'server_id': 'x'}, 'abc'),
                         (handler, urlvars, found))

    def test_project_id_is_hex_and_dashes(self):
        for head in ('ABC', 'xyz', 'servers', 'a_b', 'a.b', '%61'):
            self.assertEqual((None, None, None),
                             self._find('/%s/servers/x' % head), head)
        # The path without a project id is tried first.
        self.assertEqual(('/servers/{server_id}', {'server_id': 'abc'},
                          None), self._find('/servers/abc'))
        table = router.RouteTable({'/servers': {'GET': SHOW},
                                   '/cafe/servers': {'GET': DETAIL}})
        self.assertEqual(('/cafe/servers', None),
                         (table.find('/cafe/servers')[0].template,
                          table.find('/cafe/servers')[2]))
        self.assertEqual(('/servers', 'beef'),
                         (table.find('/beef/servers')[0].template,
                          table.find('/beef/servers')[2]))

    def test_empty_segments_before_project_id(self):
        # NOTE: empty segments before a project id are skipped, and
        # "/{project_id}//" is "/" (Nova answers these paths 404).
        self.assertEqual(('/servers/{server_id}', {'server_id': 'x'}, 'ab'),
                         self._find('//ab/servers/x'))
        self.assertEqual(('/', {}, 'ab'), self._find('///ab'))
        self.assertEqual(('/', {}, 'ab'), self._find('/ab//'))
        self.assertEqual((None, None, None), self._find('//servers/x'))

    def test_urlvars_are_the_template_variables_only(self):
        table = router.RouteTable(router.ROUTES)
        for template, methods in router.ROUTES.items():
            names = [segment[1:-1] for segment in template.split('/')
                     if segment.startswith('{')]
            path = template
            for number, name in enumerate(names):
                path = path.replace('{%s}' % name, 'v%d' % number)
            for method in sorted(methods) + ['PATCH']:
                route, handler, urlvars, _project = table.match(
                    path, _method(method))
                self.assertEqual(template, route.template)
                self.assertIs(methods.get(method), handler)
                self.assertEqual({name: 'v%d' % number
                                  for number, name in enumerate(names)},
                                 urlvars)

    def test_templates_routes_would_misread_are_refused(self):
        for template in ('/a/:b', '/a/*b', '/a/{b:[0-9]+}', '/a/{.b}',
                         '/a/x{b}', '/a/{b}x', '/a/{action}', '/a/{_route}',
                         'a/{b}', '/a/{}'):
            self.assertRaises(ValueError, router.RouteTable,
                              {template: {'GET': SHOW}})

    def test_mapper_is_built_once(self):
        with mock.patch.object(routes, 'Mapper',
                               side_effect=AssertionError('built again')), \
                mock.patch.object(self.table.mapper, 'create_regs',
                                  side_effect=AssertionError('compiled')):
            for _ in range(3):
                self.assertEqual('/servers/detail',
                                 self._find('/servers/detail')[0])
                self.table.match('/abc/servers/x', _method('GET'))


class TestDispatch(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.MockPatchObject(router, 'init_application'))
        self.app = router.APIRouter(None, {
            '/servers/{server_id}': {'GET': SHOW, 'PUT': UPDATE,
                                     'DELETE': None},
            '/servers/detail': {'GET': DETAIL},
        })

    def _dispatch(self, path, method='GET'):
        return self.app.dispatch(webob.Request.blank(path, method=method))

    def test_handler_gets_the_urlvars(self):
        resp = self._dispatch('/servers/a.b%20c', 'PUT')
        self.assertEqual({'handler': 'update',
                          'urlvars': {'server_id': 'a.b c'}}, resp.json)
        resp = self._dispatch('/6f70/servers/detail/')
        self.assertEqual({'handler': 'detail', 'urlvars': {}}, resp.json)

    def test_unknown_path_is_404(self):
        for path in ('/nowhere', '/servers/a/b', '/v2.1/servers', '/%ff',
                     '/XYZ/servers/a'):
            self.assertRaises(webob.exc.HTTPNotFound, self._dispatch, path)

    def test_other_method_is_405_with_allow(self):
        for path, method, allow in (
                ('/servers/a', 'POST', 'DELETE, GET, PUT'),
                ('/servers/a', 'DELETE', 'DELETE, GET, PUT'),
                ('/abc/servers/a', 'HEAD', 'DELETE, GET, PUT'),
                ('/servers/detail', 'PUT', 'GET')):
            exc = self.assertRaises(webob.exc.HTTPMethodNotAllowed,
                                    self._dispatch, path, method)
            self.assertEqual(allow, exc.headers['Allow'], path)


# The oracle's table: ROUTES, overlapping templates (a literal segment
# wins, wherever it is) and one that a project id could hide.
ORACLE_ROUTES = dict(router.ROUTES)
ORACLE_ROUTES.update({
    '/test/things/{thing}': {'GET': SHOW, 'PUT': None},
    '/test/things/special': {'GET': DETAIL},
    '/test/{kind}/{name}': {'DELETE': UPDATE},
    '/test/{kind}/special': {'GET': ACTION},
    '/cafe/servers': {'GET': ROOT},
})
ALPHABET = ('a', 'Z', '0', '7', '.', '..', '-', '_', '%', '%2F', '%20', ' ',
            '\u00e9', '\u2603', '\U0001f600', '~', '+', ':', '*', '{x}',
            'servers', 'detail', 'special', 'things', 'deadbeef')
PROJECT_HEADS = ('deadbeef', '6f70656e-7374', '-', '0', 'cafe', 'ABC', 'g0',
                 'x-y', 'servers', 'test', 'dead.beef', 'dead beef')


def _is_variable(segment):
    return segment.startswith('{')


def _oracle_match(segments):
    """(template, urlvars) for the path segments, literal first."""
    found = []
    for template in ORACLE_ROUTES:
        parts = template.split('/')[1:] if template != '/' else []
        if len(parts) != len(segments):
            continue
        if all(segment and (_is_variable(part) or part == segment)
               for part, segment in zip(parts, segments)):
            found.append((sum(map(_is_variable, parts)), template, {
                part[1:-1]: segment
                for part, segment in zip(parts, segments)
                if _is_variable(part)}))
    if not found:
        return None
    _variables, template, urlvars = min(found, key=lambda item: item[0])
    return template, urlvars


def _oracle(path):
    """(template, urlvars, project id) for a path, or None."""
    if len(path) > 1 and path.endswith('/'):
        path = path[:-1]
    segments = path.split('/')[1:] if path not in ('', '/') else []
    found = _oracle_match(segments)
    if found:
        return found + (None,)
    if segments and segments[0] and \
            set(segments[0]) <= set('0123456789abcdef-'):
        # "/{project_id}/" is "/" after the trailing slash is stripped
        # (test_empty_segments_before_project_id).
        rest = segments[1:] if segments[1:] != [''] else []
        found = _oracle_match(rest)
        if found:
            return found + (segments[0],)
    return None


def _random_path(rng):
    template = rng.choice(sorted(ORACLE_ROUTES))
    segments = []
    for part in (template.split('/')[1:] if template != '/' else []):
        if _is_variable(part) or rng.random() < 0.05:
            part = ''.join(rng.choice(ALPHABET)
                           for _ in range(rng.randint(1, 3)))
        segments.append(part)
    shape = rng.random()
    if shape < 0.1:
        segments.insert(rng.randint(0, len(segments)),
                        rng.choice(ALPHABET))
    elif shape < 0.15 and segments:
        del segments[rng.randrange(len(segments))]
    elif shape < 0.2 and segments:
        segments[rng.randrange(len(segments))] = ''
    if rng.random() < 0.35 or segments[:1] == ['']:
        # (A path starting "//": test_empty_segments_before_project_id.)
        segments.insert(0, rng.choice(PROJECT_HEADS))
    path = '/' + '/'.join(segments)
    if rng.random() < 0.2:
        path += '/'
    return path


class TestRouteMatchingAgainstAnOracle(testtools.TestCase):
    """Generated paths, answered by the router as by a tiny oracle."""

    def test_generated_paths(self):
        rng = random.Random(20240501)
        table = router.RouteTable(ORACLE_ROUTES)
        outcomes = collections.Counter()
        for _ in range(4000):
            path = _random_path(rng)
            method = rng.choice(('GET', 'PUT', 'DELETE', 'POST', 'HEAD'))
            expected = _oracle(path)
            route, handler, urlvars, project_id = table.match(
                path, _method(method))
            found = route and (route.template, urlvars, project_id)
            self.assertEqual(expected, found, '%s %r' % (method, path))
            self.assertEqual(found, self._found(table.find(path)), path)
            if expected is None:
                outcomes['404'] += 1
                continue
            methods = ORACLE_ROUTES[expected[0]]
            self.assertIs(methods.get(method), handler,
                          '%s %r' % (method, path))
            if route.template in ('/test/things/special',
                                  '/test/{kind}/special'):
                outcomes['literal over variables'] += 1
            if route.template == '/cafe/servers':
                outcomes['no project id'] += 1
            if expected[2] is not None:
                outcomes['project id'] += 1
            outcomes['405' if handler is None else 'handler'] += 1
        # Every kind of answer came up often: the test is not vacuous.
        for outcome in ('404', '405', 'handler', 'project id',
                        'literal over variables', 'no project id'):
            self.assertGreater(outcomes[outcome], 40, dict(outcomes))

    @staticmethod
    def _found(answer):
        route, urlvars, project_id = answer
        return route and (route.template, urlvars, project_id)


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
