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

"""Fault bodies, the exception mapping and the fault wrapper."""

import logging

import fixtures
import testtools
import webob
import webob.exc

from nova_faults.api import faults
from nova_faults.api.middleware import fault_wrap
from nova_faults import exception

REQ_ID = 'req-11111111-2222-3333-4444-555555555555'


def _req():
    req = webob.Request.blank('/v2.1/x')
    req.environ['openstack.request_id'] = REQ_ID
    return req


class TestFaultBody(testtools.TestCase):

    def test_root_names(self):
        expected = {400: 'badRequest', 401: 'unauthorized',
                    403: 'forbidden', 404: 'itemNotFound',
                    405: 'badMethod', 406: 'computeFault',
                    409: 'conflictingRequest', 413: 'overLimit',
                    415: 'badMediaType', 429: 'overLimit',
                    500: 'computeFault', 501: 'notImplemented',
                    502: 'computeFault', 503: 'serviceUnavailable'}
        for status, root in expected.items():
            self.assertEqual(root, faults.fault_name(status), status)

    def test_response(self):
        resp = faults.fault_response(404, 'Gone.')
        self.assertEqual(404, resp.status_int)
        self.assertEqual('application/json; charset=UTF-8',
                         resp.headers['Content-Type'])
        self.assertEqual({'itemNotFound': {'code': 404,
                                           'message': 'Gone.'}}, resp.json)

    def test_retry_after_only_for_413_and_429(self):
        for status in (413, 429):
            resp = faults.fault_response(status, 'Wait.',
                                         {'Retry-After': '3'})
            self.assertEqual('3', resp.json['overLimit']['retryAfter'])
            self.assertEqual('3', resp.headers['Retry-After'])
        resp = faults.fault_response(503, 'Down.', {'Retry-After': '3'})
        self.assertNotIn('retryAfter', resp.json['serviceUnavailable'])


class TestFromException(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.logger = self.useFixture(fixtures.FakeLogger(
            level=logging.DEBUG))

    def test_library_4xx(self):
        resp = faults.from_exception(
            _req(), exception.PolicyNotAuthorized(action='a:b'))
        self.assertEqual({'forbidden': {
            'code': 403,
            'message': "Policy doesn't allow a:b to be performed."}},
            resp.json)

    def test_library_code_from_kwargs(self):
        resp = faults.from_exception(
            _req(), exception.Invalid('Nope.', code=409))
        self.assertEqual(409, resp.status_int)

    def test_unsafe_library_500(self):
        resp = faults.from_exception(
            _req(), exception.NovaFaultsException('db password=x'))
        message = resp.json['computeFault']['message']
        self.assertNotIn('password', message)
        self.assertIn(REQ_ID, message)
        self.assertIn('db password=x', self.logger.output)

    def test_503_is_shown_with_request_id(self):
        resp = faults.from_exception(
            _req(), exception.CellUnavailable(cell_uuid='c1'))
        self.assertEqual(
            'Cell c1 is not responding, hence instance info is not '
            'available. Try again later. Request ID: %s' % REQ_ID,
            resp.json['serviceUnavailable']['message'])

    def test_webob(self):
        resp = faults.from_exception(
            _req(), webob.exc.HTTPNotFound(explanation='No such thing.'))
        self.assertEqual({'itemNotFound': {'code': 404,
                                           'message': 'No such thing.'}},
                         resp.json)
        # webob's own text/html content type does not leak.
        self.assertEqual('application/json; charset=UTF-8',
                         resp.headers['Content-Type'])

    def test_unexpected(self):
        resp = faults.from_exception(_req(), KeyError('secret'))
        self.assertEqual(
            'Unexpected API Error. Please contact the administrator and '
            'give them this request ID: %s.\n'
            "<class 'KeyError'>" % REQ_ID,
            resp.json['computeFault']['message'])

    def test_unexpected_without_request_id(self):
        resp = faults.from_exception(webob.Request.blank('/'),
                                     RuntimeError('x'))
        self.assertEqual(
            "Unexpected API Error. Please contact the administrator.\n"
            "<class 'RuntimeError'>", resp.json['computeFault']['message'])


class TestFaultWrapper(testtools.TestCase):
    """What escapes middleware becomes a fault, never a traceback."""

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))

    def _call(self, exc):
        def app(environ, start_response):
            raise exc
        req = _req()
        return req.get_response(fault_wrap.FaultWrapper(app, {}))

    def test_unexpected(self):
        resp = self._call(ZeroDivisionError('1/0 secret'))
        self.assertEqual(500, resp.status_int)
        message = resp.json['computeFault']['message']
        self.assertIn("<class 'ZeroDivisionError'>", message)
        self.assertIn(REQ_ID, message)
        self.assertNotIn('secret', resp.text)

    def test_library(self):
        resp = self._call(exception.InstanceNotFound(instance_id='i-1'))
        self.assertEqual({'itemNotFound': {
            'code': 404, 'message': 'Instance i-1 could not be found.'}},
            resp.json)

    def test_passes_responses_through(self):
        def app(environ, start_response):
            start_response('200 OK', [('Content-Type', 'text/plain')])
            return [b'fine']
        resp = _req().get_response(fault_wrap.FaultWrapper(app, {}))
        self.assertEqual(b'fine', resp.body)
