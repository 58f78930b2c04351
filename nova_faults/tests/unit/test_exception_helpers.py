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

"""Unit tests for exception_to_dict, safe_truncate and the credential
scrubber, including hostile messages."""

import string

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import testtools

from nova_faults import exception


class FakeHypervisorError(Exception):
    pass


class NoValidHost(exception.NovaFaultsException):
    msg_fmt = 'No valid host was found. %(reason)s'


class BrokenFormat(exception.NovaFaultsException):
    def format_message(self):
        raise ValueError('cannot format')


class SafeTruncateTestCase(testtools.TestCase):

    def test_short_text_unchanged(self):
        self.assertEqual('abc', exception.safe_truncate('abc', 255))

    def test_ascii_cut_to_bytes(self):
        self.assertEqual('a' * 255, exception.safe_truncate('a' * 300, 255))

    def test_never_splits_a_character(self):
        # 254 ASCII bytes then a 2-byte character: it does not fit whole.
        text = 'a' * 254 + '\u00e9' + 'b'
        result = exception.safe_truncate(text, 255)
        self.assertEqual('a' * 254, result)

    def test_four_byte_characters(self):
        text = '\U0001F525' * 100  # 400 bytes
        result = exception.safe_truncate(text, 255)
        self.assertEqual('\U0001F525' * 63, result)  # 252 bytes
        self.assertLessEqual(len(result.encode('utf-8')), 255)

    def test_exact_fit_kept(self):
        text = '\u20ac' * 85  # 3 bytes each = 255
        self.assertEqual(text, exception.safe_truncate(text, 255))

    @given(st.text())
    def test_property_prefix_and_length(self, text):
        result = exception.safe_truncate(text, 255)
        encoded = result.encode('utf-8')
        self.assertLessEqual(len(encoded), 255)
        self.assertTrue(text.startswith(result))
        if len(text.encode('utf-8')) > 255:
            # At most one character (<= 3 bytes dropped beyond the cut).
            self.assertGreater(len(encoded), 255 - 4)


class ExceptionToDictTestCase(testtools.TestCase):

    def test_library_exception_message_and_code(self):
        exc = NoValidHost(reason='')
        result = exception.exception_to_dict(exc)
        self.assertEqual({'exception': exc,
                          'message': 'No valid host was found. ',
                          'code': 500}, result)

    def test_code_from_kwargs(self):
        exc = exception.InstanceNotFound(instance_id='x')
        self.assertEqual(404, exception.exception_to_dict(exc)['code'])
        exc = exception.NovaFaultsException(code=409)
        self.assertEqual(409, exception.exception_to_dict(exc)['code'])

    def test_other_exception_only_class_name(self):
        exc = FakeHypervisorError('virDomainCreate failed on /dev/sda: xyz')
        result = exception.exception_to_dict(exc)
        self.assertEqual('FakeHypervisorError', result['message'])
        self.assertEqual(500, result['code'])

    def test_failing_format_message_gives_class_name(self):
        self.assertEqual(
            'BrokenFormat',
            exception.exception_to_dict(BrokenFormat())['message'])

    def test_explicit_message_wins(self):
        exc = FakeHypervisorError('secret text')
        result = exception.exception_to_dict(exc, message='Resize failed')
        self.assertEqual('Resize failed', result['message'])

    def test_message_truncated_to_255_bytes(self):
        exc = NoValidHost(reason='\u00e9' * 300)
        message = exception.exception_to_dict(exc)['message']
        self.assertLessEqual(len(message.encode('utf-8')), 255)
        self.assertTrue(message.startswith('No valid host was found. \u00e9'))
        # The cut does not leave half a character.
        message.encode('utf-8').decode('utf-8')

    def test_message_scrubbed_before_truncation(self):
        # A secret straddling byte 255 must not survive as a prefix.
        exc = NoValidHost(reason='x' * 220 + ' password=hunter2hunter2')
        message = exception.exception_to_dict(exc)['message']
        self.assertNotIn('hunter', message)

    def test_library_exception_with_url_password(self):
        exc = exception.NovaFaultsException(
            'Cannot reach mysql+pymysql://nova:s3cr3t@db.example/nova')
        self.assertEqual(
            'Cannot reach mysql+pymysql://nova:***@db.example/nova',
            exception.exception_to_dict(exc)['message'])


class ScrubCredentialsTestCase(testtools.TestCase):

    cases = [
        ('password=abc def', 'password=*** def'),
        ('Password = abc', 'Password = ***'),
        ('token: xyz', 'token: ***'),
        ('"password": "s3 cr"', '"password": "***"'),
        ("{'admin_pass': 'x', 'name': 'vm1'}",
         "{'admin_pass': '***', 'name': 'vm1'}"),
        ("{'auth_token': 'a\\'b'}", "{'auth_token': '***'}"),
        ('passwd=foo', 'passwd=***'),
        ('secret=bar&user=bob', 'secret=***&user=bob'),
        ('api_key=zzz', 'api_key=***'),
        ('apiKey: zzz', 'apiKey: ***'),
        ('client_secret=zzz,', 'client_secret=***,'),
        ('X-Auth-Token: gAAAAB3xyz', 'X-Auth-Token: ***'),
        ('x-auth-token:gAAAAB3xyz', 'x-auth-token:***'),
        ('Authorization: Bearer abc.def', 'Authorization: ***'),
        ('--password foo', '--password ***'),
        ('mysql+pymysql://nova:pw@db/nova?charset=utf8',
         'mysql+pymysql://nova:***@db/nova?charset=utf8'),
        ('rabbit://guest:p@ss@10.0.0.1:5672/',
         'rabbit://guest:***@10.0.0.1:5672/'),
        ('see (http://u:p@h/x)', 'see (http://u:***@h/x)'),
    ]

    harmless = [
        'No valid host was found. There are not enough hosts available.',
        'the token expired',
        'http://example.com/path?x=1',
        'qemu+ssh://nova@compute1/system',
        'Instance 1b2c could not be found.',
        '',
    ]

    def test_cases(self):
        for raw, expected in self.cases:
            self.assertEqual(expected, exception.scrub_credentials(raw), raw)

    def test_harmless_unchanged(self):
        for raw in self.harmless:
            self.assertEqual(raw, exception.scrub_credentials(raw))

    def test_none(self):
        self.assertIsNone(exception.scrub_credentials(None))


# Disjoint from the noise and the key names, so a "leak" is never the
# surrounding text itself.
_SECRET_CHARS = string.digits + 'QJVW!#$%*+-.^_`|~'
_secrets = st.text(alphabet=_SECRET_CHARS, min_size=6, max_size=40).map(
    lambda s: 'Zq9' + s)
_keys = st.sampled_from([
    'password', 'PASSWORD', 'os_password', 'passwd', 'token', 'auth_token',
    'X-Auth-Token', 'secret', 'client_secret', 'api_key', 'api-key',
    'access_key', 'credential'])
_noise = st.text(alphabet=string.ascii_lowercase + ' .:', max_size=30)


class HostileMessagesTestCase(testtools.TestCase):
    """Whatever surrounds a credential, it does not survive."""

    def _assert_hidden(self, secret, text):
        scrubbed = exception.scrub_credentials(text)
        self.assertNotIn(secret, scrubbed)
        self.assertNotIn(secret[3:], scrubbed)
        stored = exception.exception_to_dict(
            exception.NovaFaultsException(text))['message']
        self.assertNotIn(secret[3:12], stored)

    @settings(max_examples=200, deadline=None)
    @given(_noise, _keys, st.sampled_from(['=', ': ', ' = ', ':', '=>']),
           st.sampled_from(['', '"', "'"]), _secrets, _noise)
    def test_key_value_pairs(self, before, key, sep, quote, secret, after):
        quoted_key = quote + key + quote
        text = '%s %s%s%s%s%s %s' % (before, quoted_key, sep, quote, secret,
                                     quote, after)
        self._assert_hidden(secret, text)

    @settings(max_examples=200, deadline=None)
    @given(_noise,
           st.sampled_from(['mysql+pymysql', 'postgresql', 'rabbit',
                            'https', 'amqp']),
           st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8),
           _secrets.map(lambda s: s.replace('@', '')),
           st.sampled_from(['', '@x', '/x', ':1']),
           _noise)
    def test_url_passwords(self, before, scheme, user, secret, tail, after):
        text = '%s %s://%s:%s%s@db.example:3306/nova %s' % (
            before, scheme, user, secret, tail, after)
        self._assert_hidden(secret, text)

    @settings(max_examples=100, deadline=None)
    @given(st.text(max_size=300), _secrets)
    def test_arbitrary_prefix(self, junk, secret):
        junk = junk.replace('"', '').replace("'", '').replace('\\', '')
        text = junk + ' password=' + secret
        self.assertNotIn(secret, exception.scrub_credentials(text))

    @given(st.text(max_size=500))
    def test_never_fails(self, text):
        exception.scrub_credentials(text)
        exception.exception_to_dict(exception.NovaFaultsException(text))
