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
from hypothesis import strategies as st
from oslo_utils import strutils
import testtools

from nova_faults import exception
from nova_faults.tests import hypothesis_profiles
from nova_faults.tests import secret_messages


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

    @hypothesis_profiles.seeded
    @hypothesis_profiles.settings()
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
        # An unquoted value runs to the next whitespace, punctuation and
        # all: the scrubber errs on the side of hiding.
        ('secret=bar&user=bob', 'secret=***'),
        ('password=Zq9ab;cd', 'password=***'),
        ('auth_token: abc&def', 'auth_token: ***'),
        ('X-Auth-Token=uz(B)w|ZEcq', 'X-Auth-Token=***'),
        ('X-Auth-Token=uz(B w)|ZEcq next', 'X-Auth-Token=*** next'),
        ('password="ab"cd next', 'password="***" next'),
        ('"token": {"id": "gAAA", "expires": 1}, "x": 2',
         '"token": *** "x": 2'),
        ('http://a:password=ab@cdefgh rest', 'http://a:*** rest'),
        ('mysql://nova:x;token=abc@db/nova', 'mysql://nova:***'),
        ('invalid password "hunter2" given', 'invalid password "***" given'),
        ('apikey "password"="Zq9x"', 'apikey "password"="***"'),
        ('--os-admin-pass2 x y', '--os-admin-pass2 *** y'),
        ('--debug --token=x y', '--debug --token=*** y'),
        ('CephRgwKey: abc', 'CephRgwKey: ***'),
        ('api_key=zzz', 'api_key=***'),
        ('apiKey: zzz', 'apiKey: ***'),
        ('client_secret=zzz,', 'client_secret=***'),
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


# Secrets are drawn from every printable character. An unquoted value
# ends at whitespace by definition (and one that starts with a quote is
# a quoted value), so the forms that write a secret bare draw neither;
# the forms that quote or encode it (JSON, Python reprs, XML) draw both.
_printable = st.characters(
    blacklist_categories=('Cc', 'Cs', 'Co', 'Cn')).filter(str.isprintable)
_bare = _printable.filter(lambda c: not c.isspace())
_SECRETS = {
    True: st.text(_printable, min_size=secret_messages.RUN, max_size=40),
    False: st.text(_bare, min_size=secret_messages.RUN, max_size=40).filter(
        lambda s: s[0] not in '"\''),
}
_keys = st.sampled_from(secret_messages.KEYS).flatmap(
    lambda key: st.sampled_from([key, key.upper(), 'os_' + key, key + '2',
                                 key.title()]))
# The text around the credential: any printable text that ends (before)
# and starts (after) with a space, so that it does not become part of the
# key or of a bare value.
_around = st.text(_printable, max_size=30)


class HostileMessagesTestCase(testtools.TestCase):
    """Whatever surrounds a credential, no 4-character run of it survives."""

    def _assert_hidden(self, form, key, secret, before, after):
        leaked = secret_messages.check(exception.scrub_credentials, form,
                                       key, secret, before, after)
        message = secret_messages.build(form, key, secret, before, after)[0]
        self.assertEqual(set(), leaked, ascii(message))
        stored = exception.exception_to_dict(
            exception.NovaFaultsException(message))['message']
        baseline = exception.exception_to_dict(exception.NovaFaultsException(
            secret_messages.build(form, key, 'N', before, after)[0]))
        self.assertEqual(set(), secret_messages.leaked_runs(
            stored, baseline['message'], secret, secret), ascii(message))

    @hypothesis_profiles.seeded
    @hypothesis_profiles.settings(max_examples=300)
    @given(st.data(), st.sampled_from(sorted(secret_messages.FORMS)), _keys,
           _around, _around)
    def test_every_form(self, data, form, key, before, after):
        secret = data.draw(_SECRETS[secret_messages.FORMS[form][1]])
        self._assert_hidden(form, key, secret, before + ' ', ' ' + after)

    def test_3000_generated_messages(self):
        # The fixed list the leak counts of the release note are measured
        # on (benchmarks/scrub_leaks.py).
        leaks, by_form, examples = secret_messages.count_leaks(
            exception.scrub_credentials, 3000)
        self.assertEqual((0, {}), (leaks, by_form), examples)

    def test_every_oslo_key_is_a_credential(self):
        for key in strutils._SANITIZE_KEYS:
            for name in (key, key.upper(), 'my_' + key + '2',
                         key.replace('_', '-')):
                self.assertTrue(exception.is_secret_name(name), name)
                self.assertEqual(name + '=***',
                                 exception.scrub_credentials(
                                     name + '=Zq9;x&y'))

    @hypothesis_profiles.seeded
    @hypothesis_profiles.settings(max_examples=200)
    @given(_around, st.sampled_from(['mysql+pymysql', 'postgresql', 'rabbit',
                                     'https', 'amqp']),
           st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8),
           _SECRETS[False], st.sampled_from(['', '@x', '/x', ':1']),
           _around)
    def test_url_passwords(self, before, scheme, user, secret, tail, after):
        def message(password):
            return '%s %s://%s:%s%s@db.example:3306/nova %s' % (
                before, scheme, user, password, tail, after)
        text = message(secret)
        scrubbed = exception.scrub_credentials(text)
        baseline = exception.scrub_credentials(message('N'))
        self.assertEqual(set(), secret_messages.leaked_runs(
            scrubbed, baseline, secret + tail, secret), ascii(text))

    @hypothesis_profiles.seeded
    @hypothesis_profiles.settings(max_examples=100)
    @given(st.text(max_size=300), _SECRETS[False])
    def test_arbitrary_prefix(self, junk, secret):
        # Whatever comes before (unbalanced quotes and brackets included),
        # a credential after whitespace is hidden.
        text = junk + ' password=' + secret
        scrubbed = exception.scrub_credentials(text)
        self.assertNotIn(secret, scrubbed)

    @hypothesis_profiles.seeded
    @hypothesis_profiles.settings()
    @given(st.text(max_size=500))
    def test_never_fails(self, text):
        exception.scrub_credentials(text)
        exception.exception_to_dict(exception.NovaFaultsException(text))

    def test_linear_structure(self):
        # No timing here (benchmarks/scrub_leaks.py measures the ratio of
        # a text 8 times longer): hostile shapes of 200,000 characters
        # are scrubbed at all, whole.
        for unit in ('password=', '"password": "', '--password ', '{[(',
                     'a' * 50 + ' ', 'x://a:b', '<password>', 'token "',
                     'password={"a": "'):
            text = unit * (200000 // len(unit))
            self.assertIsInstance(exception.scrub_credentials(text), str)


class ScrubCacheTestCase(testtools.TestCase):
    """Short texts are scrubbed once while kept; the answers are equal."""

    def setUp(self):
        super().setUp()
        exception._scrub_cached.cache_clear()
        self.addCleanup(exception._scrub_cached.cache_clear)

    @hypothesis_profiles.seeded
    @hypothesis_profiles.settings()
    @given(st.text(max_size=300), st.text(max_size=300))
    def test_kept_answers_are_the_scrubbers(self, text, other):
        for _ in range(2):
            for value in (text, other, text + ' password=' + other):
                self.assertEqual(exception._scrub(value),
                                 exception.scrub_credentials(value))

    def test_generated_messages_scrubbed_alike_when_kept(self):
        # Fewer messages than the cache keeps: all kept.
        count = exception.SCRUB_CACHE_SIZE // 2
        first = secret_messages.count_leaks(exception.scrub_credentials,
                                            count)
        self.assertGreater(exception._scrub_cached.cache_info().currsize, 0)
        # Answered from the kept results this time.
        hits = exception._scrub_cached.cache_info().hits
        self.assertEqual(first, secret_messages.count_leaks(
            exception.scrub_credentials, count))
        self.assertGreater(exception._scrub_cached.cache_info().hits, hits)

    def test_a_repeated_text_is_scrubbed_once(self):
        text = 'Connection to http://admin:Zq9x@db failed'
        calls = []
        real = exception._pair_spans

        def counting(value):
            calls.append(value)
            return real(value)
        self.patch(exception, '_pair_spans', counting)
        for _ in range(3):
            self.assertEqual('Connection to http://admin:***@db failed',
                             exception.scrub_credentials(text))
        self.assertEqual([text], calls)

    def test_long_texts_are_not_kept(self):
        text = 'x' * exception.SCRUB_CACHED_LENGTH + ' password=secret'
        self.assertEqual('x' * exception.SCRUB_CACHED_LENGTH +
                         ' password=***', exception.scrub_credentials(text))
        self.assertEqual(0, exception._scrub_cached.cache_info().currsize)

    def test_bounded(self):
        for i in range(exception.SCRUB_CACHE_SIZE + 50):
            exception.scrub_credentials('token=%d' % i)
        self.assertEqual(exception.SCRUB_CACHE_SIZE,
                         exception._scrub_cached.cache_info().currsize)

    def test_text_like_values_are_kept_as_text(self):
        class Message(str):
            pass
        self.assertEqual('password=***', exception.scrub_credentials(
            Message('password=abcd')))
        self.assertIs(str, type(exception.scrub_credentials(
            Message('password=abcd'))))
