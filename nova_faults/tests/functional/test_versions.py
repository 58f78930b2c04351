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

"""Version documents at ``/`` and ``/v2.1/``: Nova's shape, validated
with tempest's compute response schemas."""

from tempest.lib.api_schema.response.compute.v2_1 import versions as schema
from tempest.lib.common import rest_client

from nova_faults.tests.functional import base


class _TempestResponse(dict):
    """The bits of an HTTP response tempest's validator reads."""

    def __init__(self, response):
        super().__init__((k.lower(), v) for k, v in response.headerlist)
        self.status = response.status_int


class TestVersions(base.APITestCase):
    use_deployment = False

    def _validate(self, tempest_schema, response):
        rest_client.RestClient.validate_response(
            tempest_schema, _TempestResponse(response), response.json)

    def test_root_list(self):
        resp = self.api.get('/', absolute=True, user=None)
        self.assertEqual(200, resp.status_int)
        self._validate(schema.list_versions, resp)
        self.assertEqual({'versions': [
            {'id': 'v2.0',
             'links': [{'href': 'http://localhost/v2/', 'rel': 'self'}],
             'status': 'DEPRECATED',
             'version': '',
             'min_version': '',
             'updated': '2025-07-04T12:00:00Z'},
            {'id': 'v2.1',
             'links': [{'href': 'http://localhost/v2.1/', 'rel': 'self'}],
             'status': 'CURRENT',
             'version': '2.104',
             'min_version': '2.1',
             'updated': '2013-07-23T11:33:21Z'},
        ]}, resp.json)
        # NOTE: the root document is outside microversion control.
        self.assertNotIn('OpenStack-API-Version', resp.headers)

    def _assert_v21(self, resp, self_href='http://localhost/v2.1/'):
        self.assertEqual(200, resp.status_int)
        self._validate(schema.get_one_version, resp)
        self.assertEqual({'version': {
            'id': 'v2.1',
            'links': [
                {'href': self_href, 'rel': 'self'},
                {'href': 'http://docs.openstack.org/',
                 'rel': 'describedby', 'type': 'text/html'},
            ],
            'media-types': [{
                'base': 'application/json',
                'type': 'application/vnd.openstack.compute+json;'
                        'version=2.1'}],
            'status': 'CURRENT',
            'version': '2.104',
            'min_version': '2.1',
            'updated': '2013-07-23T11:33:21Z',
        }}, resp.json)

    def test_v21_document_needs_no_token(self):
        for path in ('/v2.1', '/v2.1/'):
            resp = self.api.get(path, user=None)
            self._assert_v21(resp)
            self.assertRequestIds(resp)
            self.assertVersionHeaders(resp, '2.1')

    def test_v21_document_with_project(self):
        self._assert_v21(self.api.get('/%s/' % self.api.project_id))

    def test_v21_document_microversion(self):
        resp = self.api.get('/v2.1/', version='2.90')
        self._assert_v21(resp)
        self.assertVersionHeaders(resp, '2.90')
        resp = self.api.get('/v2.1/', version='2.01')
        self.assertFault(resp, 400, 'badRequest')

    def test_multiple_choices(self):
        resp = self.api.get('/v3/whatever', absolute=True, user=None)
        self.assertEqual(300, resp.status_int)
        self._validate(schema.get_version, resp)
        self.assertEqual(
            ['http://localhost/v2/v3/whatever',
             'http://localhost/v2.1/v3/whatever'],
            [choice['links'][0]['href']
             for choice in resp.json['choices']])

    def test_compute_link_prefix(self):
        self.conf.set_override('compute_link_prefix',
                               'https://compute.example.com/prefix',
                               group='api')
        resp = self.api.get('/', absolute=True)
        self.assertEqual(
            ['https://compute.example.com/prefix/v2/',
             'https://compute.example.com/prefix/v2.1/'],
            [v['links'][0]['href'] for v in resp.json['versions']])
        self._assert_v21(
            self.api.get('/v2.1/'),
            self_href='https://compute.example.com/prefix/v2.1/')
