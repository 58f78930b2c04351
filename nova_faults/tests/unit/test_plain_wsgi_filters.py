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

"""The pipeline filters as plain WSGI callables, around applications the
router never is: one that answers on its first iteration (PEP 3333) and
one that raises."""

import logging

import fixtures
import testtools
import webob

from nova_faults.api.middleware import request_id
from nova_faults.api.middleware import request_log


def _lazy(environ, start_response):
    """Calls start_response only when its body is iterated."""
    start_response('202 Accepted', [('Content-Type', 'text/plain'),
                                    ('Content-Length', '4')])
    yield b'late'


def _boom(environ, start_response):
    raise RuntimeError('boom')


class RequestLogTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.logger = self.useFixture(fixtures.FakeLogger(
            name='nova_faults.api.middleware.request_log',
            level=logging.INFO, format='%(message)s'))

    def test_status_of_an_answer_given_on_first_iteration(self):
        resp = webob.Request.blank('/x').get_response(
            request_log.RequestLog(_lazy, {}))
        self.assertEqual((202, b'late'), (resp.status_int, resp.body))
        self.assertIn('"GET /x" status: 202 len: 4 ',
                      self.logger.output)

    def test_an_exception_is_logged_as_500_and_raised(self):
        self.assertRaises(
            RuntimeError, webob.Request.blank('/y').get_response,
            request_log.RequestLog(_boom, {}))
        self.assertIn('"GET /y" status: 500 len: 0 ', self.logger.output)


class RequestIdTest(testtools.TestCase):

    def test_headers_added_once_whatever_their_case(self):
        def app(environ, start_response):
            start_response('200 OK', [('X-Compute-Request-Id', 'mine')])
            return [b'']
        resp = webob.Request.blank('/').get_response(
            request_id.RequestId(app, {}))
        self.assertEqual(['mine'],
                         resp.headers.getall('x-compute-request-id'))
        local = resp.headers['x-openstack-request-id']
        self.assertTrue(local.startswith('req-'), local)
