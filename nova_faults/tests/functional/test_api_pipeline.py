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

"""The API pipeline through HTTP: request IDs, faults, microversions,
routing, authentication and the request log.

Test-only routes (``extra_routes``) force the faults no public route can
produce yet.
"""

import logging
import os
import re

import fixtures
from oslo_context import context as oslo_context
import testtools
import webob.exc

from nova_faults.api import deploy
from nova_faults.api import microversion
from nova_faults.api import validation
from nova_faults.api import wsgi_util
from nova_faults import conf as nf_conf
from nova_faults import exception
from nova_faults import policy
from nova_faults.tests.functional import base

REQ_ID_RE = (r'req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-'
             r'[0-9a-f]{12}')
GLOBAL_ID = 'req-0123abcd-4567-89ab-cdef-0123456789ab'


def _context(req):
    ctx = wsgi_util.get_context(req)
    return wsgi_util.json_response(req, {
        'user_id': ctx.user_id,
        'project_id': ctx.project_id,
        'roles': ctx.roles,
        'is_admin': ctx.is_admin,
        'request_id': ctx.request_id,
        'global_request_id': ctx.global_request_id,
        'version': str(microversion.from_request(req)),
        'urlvars': req.urlvars,
    })


def _conflict(req):
    raise exception.Conflict()


def _forbidden(req):
    ctx = wsgi_util.get_context(req)
    ctx.can('context_is_admin')
    return wsgi_util.json_response(req, {})


def _not_found(req):
    raise exception.InstanceNotFound(instance_id=req.urlvars['thing'])


def _webob_conflict(req):
    raise webob.exc.HTTPConflict(explanation='Webob says conflict.')


def _boom(req):
    raise ValueError('secret: password=hunter2 at db://user:pw@host')


def _library_500(req):
    raise exception.NovaFaultsException('internal detail: pw=hunter2')


def _unavailable(req):
    raise exception.CellUnavailable(cell_uuid='cell-1')


def _too_many(req):
    raise webob.exc.HTTPTooManyRequests(explanation='Slow down.',
                                        headers={'Retry-After': '7'})


_BODY_SCHEMA = {
    'type': 'object',
    'properties': {
        'thing': {
            'type': 'object',
            'properties': {'name': {'type': 'string', 'maxLength': 5}},
            'required': ['name'],
            'additionalProperties': False,
        },
    },
    'required': ['thing'],
    'additionalProperties': False,
}

_QUERY_SCHEMA = {
    'type': 'object',
    'properties': {
        'limit': validation.single_param(
            {'type': 'string', 'pattern': '^[0-9]*$'}),
        'host': validation.multi_params({'type': 'string'}),
    },
    'additionalProperties': False,
}


def _put_thing(req):
    body = validation.validate_body(req, _BODY_SCHEMA)
    return wsgi_util.json_response(req, body)


def _query(req):
    return wsgi_util.json_response(
        req, validation.validate_query(req, _QUERY_SCHEMA))


TEST_ROUTES = {
    '/test/context': {'GET': _context},
    '/test/things/{thing}': {'GET': _not_found, 'PUT': _put_thing,
                             'DELETE': _context},
    '/test/things/special': {'GET': _context},
    '/test/conflict': {'GET': _conflict},
    '/test/webob-conflict': {'GET': _webob_conflict},
    '/test/forbidden': {'GET': _forbidden},
    '/test/boom': {'GET': _boom},
    '/test/library-500': {'GET': _library_500},
    '/test/unavailable': {'GET': _unavailable},
    '/test/too-many': {'GET': _too_many},
    '/test/query': {'GET': _query},
}


class PipelineTestCase(base.APITestCase):
    extra_routes = TEST_ROUTES
    use_deployment = False


class TestRequestId(PipelineTestCase):

    def test_headers_on_200(self):
        resp = self.api.get('/test/context')
        self.assertEqual(200, resp.status_int)
        local = self.assertRequestIds(resp)
        # The context carries the same local id.
        self.assertEqual(local, resp.json['request_id'])

    def test_each_request_has_its_own_id(self):
        first = self.assertRequestIds(self.api.get('/test/context'))
        second = self.assertRequestIds(self.api.get('/test/context'))
        self.assertNotEqual(first, second)

    def test_headers_on_404(self):
        resp = self.api.get('/nowhere')
        self.assertFault(resp, 404, 'itemNotFound')
        self.assertRequestIds(resp)

    def test_headers_on_400_microversion(self):
        resp = self.api.get('/test/context', version='2.x')
        self.assertEqual(400, resp.status_int)
        self.assertRequestIds(resp)

    def test_headers_on_500(self):
        resp = self.api.get('/test/boom')
        self.assertEqual(500, resp.status_int)
        self.assertRequestIds(resp)

    def test_headers_on_401(self):
        resp = self.api.get('/test/context', user=None)
        self.assertEqual(401, resp.status_int)
        self.assertRequestIds(resp)

    def test_headers_on_v21_version_document(self):
        resp = self.api.get('/v2.1/')
        self.assertEqual(200, resp.status_int)
        self.assertRequestIds(resp)

    def test_headers_on_root_document_and_its_faults(self):
        # NOTE: unlike Nova, the root pipeline has the request-id filter:
        # every answer, faults above all, carries a request ID.
        resp = self.api.get('/', absolute=True)
        self.assertEqual(200, resp.status_int)
        self.assertRequestIds(resp)
        resp = self.api.request('POST', '/', absolute=True)
        self.assertFault(resp, 405, 'badMethod')
        self.assertRequestIds(resp)
        resp = self.api.get('//v2.1/servers', absolute=True)
        self.assertFault(resp, 404, 'itemNotFound')
        self.assertRequestIds(resp)

    def test_global_id_accepted(self):
        resp = self.api.get('/test/context',
                            headers={'X-Openstack-Request-Id': GLOBAL_ID})
        self.assertEqual(GLOBAL_ID, resp.json['global_request_id'])
        local = self.assertRequestIds(resp)
        # The global id is never echoed: the headers carry the local id.
        self.assertNotEqual(GLOBAL_ID, local)
        self.assertEqual(local, resp.json['request_id'])

    def test_global_id_ignored_when_malformed(self):
        for bad in (GLOBAL_ID.upper(), 'req-1234', 'hello',
                    GLOBAL_ID + 'x', 'x' + GLOBAL_ID):
            resp = self.api.get('/test/context',
                                headers={'X-Openstack-Request-Id': bad})
            self.assertEqual(200, resp.status_int, bad)
            self.assertIsNone(resp.json['global_request_id'], bad)
            self.assertRequestIds(resp)


class TestFaults(PipelineTestCase):

    def test_400_validation(self):
        resp = self.api.get('/test/query?limit=x')
        self.assertFault(
            resp, 400, 'badRequest',
            "Invalid input for query parameters limit. Value: x. 'x' does "
            "not match '^[0-9]*$'")

    def test_401_body_is_keystonemiddleware_shape(self):
        for token in (None, '', 'nocolon', ':project', 'user:', 'a:b:c'):
            resp = self.api.get('/test/context', user=None, token=token)
            self.assertEqual(401, resp.status_int, token)
            self.assertEqual(
                {'error': {'code': 401, 'title': 'Unauthorized',
                           'message': 'The request you have made requires '
                                      'authentication.'}},
                resp.json)

    def test_403_policy(self):
        resp = self.api.get('/test/forbidden', user='alice')
        self.assertFault(
            resp, 403, 'forbidden',
            "Policy doesn't allow context_is_admin to be performed.")
        self.assertEqual(200, self.api.get('/test/forbidden').status_int)

    def test_404_unknown_path(self):
        self.assertFault(self.api.get('/servers-that-do-not-exist'), 404,
                         'itemNotFound', 'The resource could not be found.')

    def test_404_from_exception(self):
        self.assertFault(self.api.get('/test/things/abc'), 404,
                         'itemNotFound', 'Instance abc could not be found.')

    def test_405_allow_from_route_table(self):
        resp = self.api.post('/test/things/abc', {})
        self.assertFault(resp, 405, 'badMethod')
        self.assertEqual('DELETE, GET, PUT', resp.headers['Allow'])
        self.assertRequestIds(resp)
        self.assertVersionHeaders(resp, '2.1')

    def test_405_on_version_document(self):
        resp = self.api.delete('/v2.1/')
        self.assertFault(resp, 405, 'badMethod')
        self.assertEqual('GET', resp.headers['Allow'])

    def test_406_microversion(self):
        resp = self.api.get('/test/context', version='2.999')
        self.assertFault(
            resp, 406, 'computeFault',
            'Version 2.999 is not supported by the API. Minimum is 2.1 '
            'and maximum is 2.104.')

    def test_409_conflict(self):
        self.assertFault(self.api.get('/test/conflict'), 409,
                         'conflictingRequest', 'Conflict')

    def test_409_webob(self):
        self.assertFault(self.api.get('/test/webob-conflict'), 409,
                         'conflictingRequest', 'Webob says conflict.')

    def test_429_retry_after(self):
        resp = self.api.get('/test/too-many')
        self.assertFault(resp, 429, 'overLimit', 'Slow down.')
        self.assertEqual('7', resp.json['overLimit']['retryAfter'])
        self.assertEqual('7', resp.headers['Retry-After'])

    def test_413_body_too_large(self):
        # The option is registered by the sizelimit filter at load time.
        self.conf.set_override('max_request_body_size', 64,
                               group='oslo_middleware')
        resp = self.api.put('/test/things/abc',
                            {'thing': {'name': 'x' * 100}})
        self.assertFault(
            resp, 413, 'overLimit',
            'Request is too large. Larger than max_request_body_size '
            '(64).')
        self.assertRequestIds(resp)
        self.assertEqual(200, self.api.put(
            '/test/things/abc', {'thing': {'name': 'ok'}}).status_int)

    def test_500_shows_class_and_request_id_only(self):
        logger = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        resp = self.api.get('/test/boom')
        message = self.assertFault(resp, 500, 'computeFault')
        local = self.assertRequestIds(resp)
        self.assertEqual(
            'Unexpected API Error. Please contact the administrator and '
            'give them this request ID: %s.\n'
            "<class 'ValueError'>" % local, message)
        for secret in ('hunter2', 'password', 'db://', 'Traceback'):
            self.assertNotIn(secret, resp.text)
        # The traceback and the text are in the log, for the operator.
        self.assertIn('Traceback', logger.output)
        self.assertIn('hunter2', logger.output)
        # Version headers are there too.
        self.assertVersionHeaders(resp, '2.1')

    def test_500_library_exception_text_hidden(self):
        self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        resp = self.api.get('/test/library-500')
        message = self.assertFault(resp, 500, 'computeFault')
        self.assertIn("<class 'nova_faults.exception.NovaFaultsException'>",
                      message)
        self.assertIn(self.assertRequestIds(resp), message)
        self.assertNotIn('hunter2', resp.text)

    def test_503_carries_request_id(self):
        resp = self.api.get('/test/unavailable')
        message = self.assertFault(resp, 503, 'serviceUnavailable')
        self.assertTrue(message.startswith(
            'Cell cell-1 is not responding, hence instance info is not '
            'available. Try again later.'), message)
        self.assertIn(self.assertRequestIds(resp), message)

    def test_body_validation(self):
        resp = self.api.put('/test/things/abc', {'thing': {'name': 'ok'}})
        self.assertEqual(200, resp.status_int)
        self.assertEqual({'thing': {'name': 'ok'}}, resp.json)
        self.assertFault(
            self.api.put('/test/things/abc',
                         {'thing': {'name': 'ok'}, 'foo': 1}),
            400, 'badRequest',
            "Additional properties are not allowed ('foo' was unexpected)")
        self.assertFault(
            self.api.put('/test/things/abc', {'thing': {'name': 'toolong'}}),
            400, 'badRequest',
            "Invalid input for field/attribute name. Value: toolong. "
            "'toolong' is too long")

    def test_malformed_body(self):
        self.assertFault(self.api.put('/test/things/abc', '{"thing": '),
                         400, 'badRequest', 'Malformed request body')

    def test_unsupported_content_type(self):
        resp = self.api.put('/test/things/abc', '<thing/>',
                            content_type='application/xml')
        self.assertFault(resp, 415, 'badMediaType',
                         'Unsupported Content-Type')

    def test_empty_body_is_validated(self):
        resp = self.api.put('/test/things/abc', b'')
        self.assertFault(resp, 400, 'badRequest',
                         "None is not of type 'object'")


class TestMicroversions(PipelineTestCase):

    def _get(self, headers):
        return self.api.get('/test/context', headers=headers)

    def test_default_is_2_1(self):
        resp = self.api.get('/test/context')
        self.assertEqual('2.1', resp.json['version'])
        self.assertVersionHeaders(resp, '2.1')

    def test_latest(self):
        resp = self.api.get('/test/context', version='latest')
        self.assertEqual('2.104', resp.json['version'])
        self.assertVersionHeaders(resp, '2.104')

    def test_explicit_versions(self):
        for version in ('2.1', '2.16', '2.58', '2.84', '2.104'):
            resp = self.api.get('/test/context', version=version)
            self.assertEqual(version, resp.json['version'])
            self.assertVersionHeaders(resp, version)

    def test_malformed(self):
        for version in ('2.x', '2.01', 'LATEST', '2', '2.', '.1',
                        'compute', '02.1', '2.1.1', '2.-1'):
            resp = self.api.get('/test/context', version=version)
            self.assertFault(
                resp, 400, 'badRequest',
                'API Version String %s is of invalid format. Must be of '
                'format MajorNum.MinorNum.' % version)
            # No version: no version headers.
            self.assertNotIn('OpenStack-API-Version', resp.headers)
            self.assertNotIn('X-OpenStack-Nova-API-Version', resp.headers)
            self.assertNotIn('Vary', resp.headers)

    def test_out_of_range(self):
        for version in ('2.0', '3.0', '2.999', '1.1', '2.105'):
            resp = self.api.get('/test/context', version=version)
            self.assertFault(
                resp, 406, 'computeFault',
                'Version %s is not supported by the API. Minimum is 2.1 '
                'and maximum is 2.104.' % version)
            # NOTE: the requested version is echoed, as Nova does.
            self.assertVersionHeaders(resp, version)

    def test_legacy_header(self):
        resp = self._get({'X-OpenStack-Nova-API-Version': '2.50'})
        self.assertEqual('2.50', resp.json['version'])
        self.assertVersionHeaders(resp, '2.50')

    def test_legacy_header_latest_and_errors(self):
        resp = self._get({'X-OpenStack-Nova-API-Version': 'latest'})
        self.assertEqual('2.104', resp.json['version'])
        self.assertEqual(400, self._get(
            {'X-OpenStack-Nova-API-Version': '2.x'}).status_int)
        self.assertEqual(406, self._get(
            {'X-OpenStack-Nova-API-Version': '3.0'}).status_int)

    def test_both_headers_standard_wins(self):
        resp = self._get({'OpenStack-API-Version': 'compute 2.60',
                          'X-OpenStack-Nova-API-Version': '2.20'})
        self.assertEqual('2.60', resp.json['version'])

    def test_standard_header_without_compute_uses_legacy(self):
        resp = self._get({'OpenStack-API-Version': 'placement 1.30',
                          'X-OpenStack-Nova-API-Version': '2.20'})
        self.assertEqual('2.20', resp.json['version'])
        resp = self._get({'OpenStack-API-Version': 'placement 1.30'})
        self.assertEqual('2.1', resp.json['version'])

    def test_last_compute_entry_wins(self):
        resp = self._get({'OpenStack-API-Version':
                          'compute 2.3, placement 1.2, compute 2.55'})
        self.assertEqual('2.55', resp.json['version'])

    def test_case_insensitive_service(self):
        resp = self._get({'OpenStack-API-Version': 'COMPUTE 2.26'})
        self.assertEqual('2.26', resp.json['version'])

    def test_headers_on_faults(self):
        resp = self.api.get('/nowhere', version='2.70')
        self.assertFault(resp, 404, 'itemNotFound')
        self.assertVersionHeaders(resp, '2.70')

    def test_no_version_headers_on_401(self):
        # The auth filter answers before the microversion filter.
        resp = self.api.get('/test/context', user=None, version='2.70')
        self.assertEqual(401, resp.status_int)
        self.assertNotIn('OpenStack-API-Version', resp.headers)


class TestRouting(PipelineTestCase):

    def test_path_variables(self):
        resp = self.api.delete('/test/things/abc')
        self.assertEqual({'thing': 'abc'}, resp.json['urlvars'])

    def test_literal_beats_variable(self):
        resp = self.api.get('/test/things/special')
        self.assertEqual(200, resp.status_int)
        self.assertEqual({}, resp.json['urlvars'])

    def test_trailing_slash(self):
        self.assertEqual(200, self.api.get('/test/context/').status_int)

    def test_project_id_prefix(self):
        resp = self.api.get('/%s/test/context' % self.api.project_id)
        self.assertEqual(200, resp.status_int)
        self.assertEqual(self.api.project_id, resp.json['project_id'])
        resp = self.api.delete('/%s/test/things/x' % self.api.project_id)
        self.assertEqual({'thing': 'x'}, resp.json['urlvars'])

    def test_project_id_prefix_mismatch(self):
        other = base.OTHER_PROJECT_ID
        resp = self.api.get('/%s/test/context' % other)
        self.assertFault(
            resp, 400, 'badRequest',
            "Malformed request URL: URL's project_id '%s' doesn't match "
            "Context's project_id '%s'" % (other, self.api.project_id))

    def test_project_id_must_look_like_one(self):
        # NOTE: as Nova, only hex and dashes are taken as a project id.
        self.assertFault(self.api.get('/not-a-project/test/context'), 404,
                         'itemNotFound')

    def test_path_not_utf8_is_404(self):
        for path in ('/v2.1/%ff', '/v2.1/test/things/%ff', '/%ff/x'):
            resp = self.api.get(path, absolute=True)
            self.assertFault(resp, 404, 'itemNotFound')

    def test_query_not_utf8_is_400(self):
        self.assertFault(self.api.get('/test/query?limit=%ff'), 400,
                         'badRequest', 'Query string is not UTF-8 encoded')

    def test_project_version_document(self):
        resp = self.api.get('/%s/' % self.api.project_id)
        self.assertEqual(200, resp.status_int)
        self.assertEqual('2.104', resp.json['version']['version'])


class TestNoAuth(PipelineTestCase):

    def test_admin_roles(self):
        body = self.api.get('/test/context').json
        self.assertEqual('admin', body['user_id'])
        self.assertEqual(self.api.project_id, body['project_id'])
        self.assertEqual(['admin', 'member', 'reader'], body['roles'])
        self.assertTrue(body['is_admin'])

    def test_user_roles(self):
        body = self.api.get('/test/context', user='alice',
                            project='abc').json
        self.assertEqual('alice', body['user_id'])
        self.assertEqual('abc', body['project_id'])
        self.assertEqual(['member', 'reader'], body['roles'])
        self.assertFalse(body['is_admin'])

    def test_roles_header_overrides(self):
        body = self.api.get('/test/context', user='admin',
                            roles=['reader']).json
        self.assertEqual(['reader'], body['roles'])
        self.assertFalse(body['is_admin'])
        body = self.api.get('/test/context', user='bob',
                            headers={'X-Roles': 'admin, reader'}).json
        self.assertEqual(['admin', 'reader'], body['roles'])
        self.assertTrue(body['is_admin'])


class TestRequestLog(PipelineTestCase):

    def setUp(self):
        super().setUp()
        self.logger = self.useFixture(fixtures.FakeLogger(
            name='nova_faults.api.middleware.request_log',
            level=logging.INFO, format='%(levelname)s %(message)s'))

    def test_one_line_per_request(self):
        self.api.get('/test/context?a=1', version='2.58')
        lines = self.logger.output.splitlines()
        self.assertEqual(1, len(lines), lines)
        self.assertRegex(
            lines[0],
            r'^INFO 127\.0\.0\.1 "GET /v2\.1/test/context\?a=1" '
            r'status: 200 len: \d+ microversion: 2\.58 time: '
            r'\d+\.\d{6}$')

    def test_thread_context_forgotten_after_request(self):
        # NOTE: server threads serve many requests; a stale context would
        # put the previous request's ids on the next log lines.
        self.api.get('/test/context', user='alice')
        self.assertIsNone(oslo_context.get_current())

    def test_fault_and_no_version(self):
        self.api.get('/test/context', version='2.x')
        self.api.get('/test/boom')
        self.api.get('/', absolute=True)
        lines = self.logger.output.splitlines()
        self.assertEqual(3, len(lines), lines)
        self.assertIn('status: 400 len: ', lines[0])
        self.assertIn('microversion: - time:', lines[0])
        self.assertIn('status: 500 len: ', lines[1])
        self.assertIn('microversion: 2.1 time:', lines[1])
        self.assertTrue(re.search(r'"GET /" status: 200', lines[2]),
                        lines[2])


class TestKeystonePipeline(testtools.TestCase):
    """The production pipeline: keystonemiddleware's auth_token.

    It reads our configuration; no identity server is needed to refuse a
    request without a token.
    """

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.FakeLogger(level=logging.INFO))
        policy.reset()
        self.addCleanup(policy.reset)
        tmp = self.useFixture(fixtures.TempDir()).path
        conf_file = os.path.join(tmp, 'nova-faults.conf')
        with open(conf_file, 'w') as f:
            f.write('[DEFAULT]\nstate_path = %s\n'
                    '[api]\nauth_strategy = keystone\n'
                    '[keystone_authtoken]\n'
                    'www_authenticate_uri = https://keystone.example.com/v3'
                    '\n' % tmp)
        self.conf = nf_conf.load(['--config-file', conf_file],
                                 default_config_files=[])
        self.app = deploy.loadapp(self.conf)
        self.api = base.APIClient(self.app)

    def test_no_token_is_401_with_request_ids(self):
        resp = self.api.get('/servers', user=None)
        self.assertEqual(401, resp.status_int)
        self.assertEqual(
            {'error': {'code': 401, 'title': 'Unauthorized',
                       'message': 'The request you have made requires '
                                  'authentication.'}}, resp.json)
        self.assertEqual('Keystone uri="https://keystone.example.com/v3"',
                         resp.headers['WWW-Authenticate'])
        local = resp.headers['x-openstack-request-id']
        self.assertRegex(local, '^%s$' % REQ_ID_RE)
        self.assertEqual(local, resp.headers['x-compute-request-id'])

    def test_version_documents_need_no_token(self):
        self.assertEqual(200, self.api.get('/', absolute=True,
                                           user=None).status_int)
        self.assertEqual(200, self.api.get('/v2.1/', user=None).status_int)
