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

"""The OpenAPI document: served, truthful, and fuzzed with schemathesis.

* the document is served without a token at ``/v2.1/openapi.json``,
  describes every route of the route table and is what :func:`build`
  gives;
* schemathesis generates requests from it (a bounded number per
  operation: ``NOVA_FAULTS_SCHEMATHESIS_EXAMPLES``, default 50, shared
  among the seeds of ``tests/hypothesis_profiles.py``) against a live
  server (cheroot) with data in it, as an admin and as a project member:
  no 5xx, every status documented, every body matching its schema, and
  every 200 body matching tempest's response schema for its route and
  microversion too (an oracle that is not built from our schemas);
* schemathesis also generates schema-*invalid* requests (negative
  mode): never a 5xx, every status documented, every refusal a Nova
  fault whose code is the status;
* requests that reach real data (a server with actions and events, a
  service) are checked against the document too, at several
  microversions.
"""

import os

import hypothesis
import requests

from nova_faults.api import openapi
from nova_faults.api import router
from nova_faults import recording
from nova_faults.tests.functional import base
from nova_faults.tests.functional import figures
from nova_faults.tests.functional import servers_base
from nova_faults.tests import hypothesis_profiles

EXAMPLES = int(os.environ.get('NOVA_FAULTS_SCHEMATHESIS_EXAMPLES', '50'))
VERSIONS = ('2.1', '2.51', '2.53', '2.58', '2.62', '2.69', '2.84', '2.96',
            'latest')


def _checks():
    # NOTE: schemathesis' negative_data_rejection is not among them: a
    # query string carries only strings, so a value it negates to a
    # boolean or a number ("?host=true") is a valid string again, and
    # Nova ignores unknown query parameters; a negative request is
    # checked by the same conformance checks (no 5xx, a documented status
    # and body) instead.
    from schemathesis import checks
    from schemathesis.specs.openapi import checks as oa_checks
    return [checks.not_a_server_error, oa_checks.status_code_conformance,
            oa_checks.content_type_conformance,
            oa_checks.response_schema_conformance]


class TestOpenAPIDocument(base.APITestCase):

    def test_served_without_token(self):
        resp = self.api.get(openapi.PATH, user=None)
        self.assertEqual(200, resp.status_int)
        self.assertEqual('application/json; charset=UTF-8',
                         resp.headers['Content-Type'])
        self.assertEqual(openapi.build(), resp.json)
        self.assertRequestIds(resp)

    def test_every_route_is_described(self):
        doc = openapi.build()
        self.assertEqual('3.1.0', doc['openapi'])
        for template, methods in router.ROUTES.items():
            for method in methods:
                op = doc['paths'][template][method.lower()]
                names = [p['name'] for p in op['parameters']]
                self.assertIn('OpenStack-API-Version', names)
                self.assertIn('X-OpenStack-Nova-API-Version', names)
                self.assertNotIn('500', op['responses'])

    def test_query_parameters_come_from_the_handler_schemas(self):
        doc = openapi.build()
        params = {p['name']: p for p in
                  doc['paths']['/servers/{server_id}/os-instance-actions']
                  ['get']['parameters']}
        self.assertEqual({'type': 'string', 'format': 'date-time'},
                         params['changes-before']['schema'])
        self.assertEqual('From microversion 2.66.',
                         params['changes-before']['description'])
        servers = {p['name'] for p in
                   doc['paths']['/servers/detail']['get']['parameters']}
        self.assertLessEqual({'limit', 'marker', 'locked', 'tags',
                              'sort_key', 'changes-since'}, servers)

    def test_other_methods_refused(self):
        resp = self.api.post(openapi.PATH, {}, user=None)
        self.assertFault(resp, 405, 'badMethod')

    def test_link_prefix(self):
        self.conf.set_override('compute_link_prefix',
                               'https://cloud.example.com/compute',
                               group='api')
        resp = self.api.get(openapi.PATH, user=None)
        self.assertEqual([{'url': 'https://cloud.example.com/compute/v2.1'}],
                         resp.json['servers'])


class TestSchemathesis(servers_base.ServersTestCase):
    """Generated requests against a live server, checked by the document."""

    cell_count = 1

    def setUp(self):
        super().setUp()
        # A request spec, as every server Nova creates has: without one,
        # Nova's detailed list shows "scheduler_hints": null (a quirk we
        # keep), which tempest's schema does not allow.
        self.server = self.make_server(
            fault={'code': 500, 'message': 'boom'}, vm_state='error',
            request_spec={'project_id': base.PROJECT_ID, 'user_id': 'demo',
                          'availability_zone': 'nova',
                          'scheduler_hints': {}})
        ctx = self.cell_ctx(self.cell(0))
        ctx.user_id, ctx.project_id = 'demo', base.PROJECT_ID
        self.action = recording.record_action_start(
            ctx, self.server['uuid'], 'resize')
        try:
            with recording.EventReporter(ctx, 'compute_resize', 'compute1',
                                         self.server['uuid']):
                raise ValueError('no room')
        except ValueError:
            pass
        self.service = self.make_service(host='compute1')
        self.make_service(host='conductor1', binary='nova-conductor')
        self.live = self.useFixture(base.LiveServer(self.app))
        import schemathesis
        self.schema = schemathesis.openapi.from_url(
            self.live.url + openapi.PATH)
        self.base_url = self.live.url + '/v2.1'
        self.session = requests.Session()
        self.addCleanup(self.session.close)
        self.cases = 0
        self.tempest_checked = 0

    def _token(self, user):
        return {'X-Auth-Token': '%s:%s' % (user, base.PROJECT_ID)}

    def _call(self, case, user):
        headers = dict(case.headers or {})
        headers.update(self._token(user))
        response = case.call(base_url=self.base_url, session=self.session,
                             headers=headers, timeout=base.HANG_SECONDS)
        self.cases += 1
        case.validate_response(response, checks=_checks(), headers=headers)
        if response.status_code >= 400 and response.status_code != 401:
            # A refusal is a Nova fault whose code is the status.
            body = response.json()
            self.assertEqual(1, len(body), body)
            fault = list(body.values())[0]
            self.assertEqual(response.status_code, fault['code'], body)
            self.assertTrue(fault['message'], body)
        self._tempest_oracle(case, response)
        return response

    def _tempest_oracle(self, case, response):
        if response.status_code != 200:
            return
        # schemathesis' responses: lower-case names, lists of values.
        version = response.headers['openstack-api-version'][0].split()[-1]
        body = response.json() if response.content else None
        if servers_base.tempest_validate(
                case.operation.path, case.method.upper(),
                case.path_parameters, version, 200, body):
            self.tempest_checked += 1

    def _operations(self):
        for result in self.schema.get_all_operations():
            yield result.ok()

    def _explore(self, mode):
        from schemathesis.generation import GenerationMode
        negative = mode == 'negative'
        operations = 0
        expected = list(self._operations())
        if negative:
            # Only a query or a body can be made schema-invalid (a header
            # or a path segment is any string), so only operations that
            # take one are explored in negative mode.
            expected = [op for op in expected if len(op.query) or
                        len(op.body)]
        for operation in expected:
            strategy = operation.as_strategy(
                generation_mode=GenerationMode(mode))

            @hypothesis_profiles.settings(
                max_examples=EXAMPLES,
                phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate])
            @hypothesis.given(case=strategy)
            def run(case):
                self._call(case, 'admin')
                self._call(case, 'demo')
            hypothesis_profiles.explore(run, '%s (%s %s)' % (
                self.id(), operation.method.upper(), operation.path))
            operations += 1
        self.assertEqual(len(expected), operations)
        self.assertGreater(operations, 0)
        # Figures for the report (and the test's details).
        figures.record(self, 'cases', (
            '%d requests over %d operations, %d bodies checked by tempest'
            % (self.cases, operations, self.tempest_checked)))
        self.assertGreater(self.cases, 0)

    def test_generated_requests(self):
        self._explore('positive')
        # Valid requests reach data: tempest's schemas checked some.
        self.assertGreater(self.tempest_checked, 0)

    def test_generated_invalid_requests(self):
        # Negative mode: schema-invalid input is refused (a documented
        # 4xx fault), never a 5xx.
        self._explore('negative')
        self.assertGreater(self.cases, 0)

    def test_real_data_matches_the_document(self):
        uuid = self.server['uuid']
        requests_made = [
            ('/servers', 'GET', {}),
            ('/servers/detail', 'GET', {}),
            ('/servers/{server_id}', 'GET', {'server_id': uuid}),
            ('/servers/{server_id}/os-instance-actions', 'GET',
             {'server_id': uuid}),
            ('/servers/{server_id}/os-instance-actions/{request_id}', 'GET',
             {'server_id': uuid, 'request_id': self.action['request_id']}),
            ('/os-services', 'GET', {}),
        ]
        statuses = set()
        for template, method, path_parameters in requests_made:
            operation = self.schema[template][method]
            for version in VERSIONS:
                for user in ('admin', 'demo'):
                    case = operation.Case(
                        path_parameters=path_parameters,
                        headers={'OpenStack-API-Version':
                                 'compute %s' % version})
                    response = self._call(case, user)
                    statuses.add(response.status_code)
        self.assertIn(200, statuses)
        put = self.schema['/os-services/{service_id}']['PUT']
        for version, service_id, body in (
                ('2.1', 'disable', {'host': 'compute1',
                                    'binary': 'nova-compute'}),
                ('2.11', 'force-down', {'host': 'compute1',
                                        'binary': 'nova-compute',
                                        'forced_down': False}),
                ('2.53', self.service['uuid'], {'status': 'enabled'})):
            case = put.Case(path_parameters={'service_id': service_id},
                            headers={'OpenStack-API-Version':
                                     'compute %s' % version},
                            body=body, media_type='application/json')
            self.assertEqual(200, self._call(case, 'admin').status_code)
        figures.record(self, 'cases', '%d requests' % self.cases)
