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

"""Query and body validation with Nova's messages."""

import testtools
import webob
import webob.exc

from nova_faults.api import validation
from nova_faults import exception

QUERY = {
    'type': 'object',
    'properties': {
        'limit': validation.single_param(
            {'type': 'string', 'pattern': '^[0-9]*$', 'minimum': 0}),
        'changes-since': validation.single_param(
            {'type': 'string', 'format': 'date-time'}),
        'uuid': validation.single_param({'type': 'string',
                                         'format': 'uuid'}),
        'host': validation.multi_params({'type': 'string'}),
    },
    'additionalProperties': False,
}
OPEN_QUERY = dict(QUERY, additionalProperties=True)


def _req(qs='', body=None, content_type='application/json'):
    req = webob.Request.blank('/x' + ('?' + qs if qs else ''),
                              method='PUT' if body is not None else 'GET')
    if body is not None:
        req.body = body
        if content_type:
            req.content_type = content_type
    return req


class TestValidateQuery(testtools.TestCase):

    def _error(self, qs, schema=QUERY):
        exc = self.assertRaises(exception.ValidationError,
                                validation.validate_query, _req(qs), schema)
        self.assertEqual(400, exc.code)
        return exc.format_message()

    def test_valid(self):
        self.assertEqual(
            {'limit': ['5'], 'host': ['a', 'b']},
            validation.validate_query(_req('limit=5&host=a&host=b'), QUERY))

    def test_pattern_message(self):
        self.assertEqual(
            "Invalid input for query parameters limit. Value: x. 'x' does "
            "not match '^[0-9]*$'", self._error('limit=x'))

    def test_repeated_single_param(self):
        self.assertEqual(
            "Invalid input for query parameters limit. Value: ['1', '2']. "
            "['1', '2'] is too long", self._error('limit=1&limit=2'))

    def test_unknown_param_refused(self):
        self.assertEqual(
            "Additional properties are not allowed ('foo' was unexpected)",
            self._error('foo=1'))

    def test_unknown_param_stripped_when_allowed(self):
        req = _req('foo=1&limit=2')
        self.assertEqual({'limit': ['2']},
                         validation.validate_query(req, OPEN_QUERY))
        self.assertEqual([('limit', '2')], list(req.GET.items()))

    def test_formats(self):
        self.assertIn("is not a 'date-time'",
                      self._error('changes-since=yesterday'))
        validation.validate_query(
            _req('changes-since=2024-01-02T03:04:05Z'), QUERY)
        self.assertIn("is not a 'uuid'", self._error('uuid=nope'))

    def test_minimum_applies_to_numeric_strings(self):
        self.assertEqual(
            'Invalid input for query parameters limit. Value: -1. -1 is '
            'less than the minimum of 0',
            self._error('limit=-1', dict(
                QUERY, properties={'limit': validation.single_param(
                    {'type': 'string', 'minimum': 0})})))


BODY = {
    'type': 'object',
    'properties': {
        'status': {'type': 'string', 'enum': ['enabled', 'disabled']},
    },
    'required': ['status'],
    'additionalProperties': False,
}


class TestValidateBody(testtools.TestCase):

    def test_valid(self):
        self.assertEqual({'status': 'enabled'}, validation.validate_body(
            _req(body=b'{"status": "enabled"}'), BODY))

    def test_field_message(self):
        exc = self.assertRaises(
            exception.ValidationError, validation.validate_body,
            _req(body=b'{"status": "on"}'), BODY)
        self.assertEqual(
            "Invalid input for field/attribute status. Value: on. 'on' is "
            "not one of ['enabled', 'disabled']", exc.format_message())

    def test_required_message(self):
        exc = self.assertRaises(exception.ValidationError,
                                validation.validate_body,
                                _req(body=b'{}'), BODY)
        self.assertEqual("'status' is a required property",
                         exc.format_message())

    def test_malformed(self):
        exc = self.assertRaises(webob.exc.HTTPBadRequest,
                                validation.validate_body,
                                _req(body=b'{"status"'), BODY)
        self.assertEqual('Malformed request body', exc.explanation)

    def test_unsupported_content_type(self):
        exc = self.assertRaises(
            webob.exc.HTTPUnsupportedMediaType, validation.validate_body,
            _req(body=b'status=on', content_type='text/html'), BODY)
        self.assertEqual('Unsupported Content-Type', exc.explanation)

    def test_text_plain_and_missing_content_type_are_json(self):
        for content_type in ('text/plain', None):
            self.assertEqual({'status': 'disabled'},
                             validation.validate_body(
                                 _req(body=b'{"status": "disabled"}',
                                      content_type=content_type), BODY))

    def test_compute_json_media_type(self):
        self.assertEqual({'status': 'disabled'}, validation.validate_body(
            _req(body=b'{"status": "disabled"}',
                 content_type='application/vnd.openstack.compute+json'),
            BODY))

    def test_empty_body_is_none(self):
        self.assertIsNone(validation.get_body(_req(body=b'')))


class TestValidators(testtools.TestCase):

    def test_one_validator_per_schema(self):
        first = validation._validator(QUERY)
        self.assertIs(first, validation._validator(QUERY))
        other = dict(QUERY)
        self.assertIsNot(first, validation._validator(other))
        self.assertIs(first, validation._validator(QUERY))

    def test_schemas_made_per_call_keep_their_own_rules(self):
        # More schemas than the cache holds, each with its own bound.
        for maximum in range(1, 400):
            schema = {'type': 'object', 'properties': {
                'limit': validation.single_param(
                    {'type': 'string', 'maximum': maximum})}}
            validation.validate_query(
                _req('limit=%d' % maximum), schema)
            self.assertRaises(exception.ValidationError,
                              validation.validate_query,
                              _req('limit=%d' % (maximum + 1)), schema)
        self.assertLessEqual(len(validation._VALIDATORS),
                             validation._MAX_VALIDATORS)
