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

"""Messages that carry a secret the way library exceptions do.

Shared by the scrubber's property tests, the end-to-end leak test and
``benchmarks/scrub_leaks.py`` (which counts leaks on the same messages):

* ``FORMS``: how a secret is written into a message (``key=S``,
  ``key: S``, JSON, a Python dict or keyword repr, a URL password, a
  command-line option, an HTTP header, XML).
* ``messages(count, seed)``: a fixed, reproducible list of
  ``(form, message, secret, written)`` tuples drawn with ``random``.
* ``leaked_runs(scrub, form, key, secret, before, after)``: the 4-character
  runs of the secret that survive ``scrub``.

A secret is drawn from every printable character (``str.isprintable``,
so letters of any script, punctuation, quotes, brackets and backslashes),
and with whitespace too where the form quotes or encodes it. An unquoted
value ends at whitespace by definition, so the unquoted forms draw no
whitespace, and no quote as the first character (a value that starts
with a quote is a quoted value).
"""

import json
import random
import sys
from xml.sax import saxutils

from oslo_utils import strutils

#: Run length that counts as a leak.
RUN = 4

# Our additions to oslo.utils' key list (see nova_faults.exception).
EXTRA_KEYS = ('passwd', 'pwd', 'api_key', 'api-key', 'apikey', 'access_key',
              'credential', 'keyring', 'cephx_key', 'X-Auth-Token',
              'X-Subject-Token', 'os_password', 'client_secret')

KEYS = tuple(strutils._SANITIZE_KEYS) + EXTRA_KEYS


def _unquoted(key, secret):
    return '%s=%s' % (key, secret)


def _colon(key, secret):
    return '%s: %s' % (key, secret)


def _spaced(key, secret):
    return '%s = %s' % (key, secret)


def _json(key, secret):
    return json.dumps({'name': 'vm1', key: secret, 'flavor': 'm1.small'})


def _json_compact(key, secret):
    return json.dumps({key: secret, 'name': 'vm1'}, separators=(',', ':'),
                      ensure_ascii=False)


def _python_dict(key, secret):
    return repr({'name': 'vm1', key: secret, 'retries': 3})


def _python_kwargs(key, secret):
    return '%s=%r, host=%r' % (key.replace('-', '_'), secret, 'compute1')


def _url(key, secret):
    return 'mysql+pymysql://nova:%s@db.example:3306/nova?charset=utf8' % (
        secret)


def _cli(key, secret):
    return 'nova --os-%s %s server-list' % (key.replace('_', '-'), secret)


def _header(key, secret):
    return 'X-Auth-Token: %s' % secret


def _bearer(key, secret):
    return 'Authorization: Bearer %s' % secret


def _xml(key, secret):
    tag = key.replace('-', '_')
    return '<%s>%s</%s>' % (tag, saxutils.escape(secret), tag)


#: name -> (writer, may the secret hold whitespace and start with a quote)
FORMS = {
    'key=S': (_unquoted, False),
    'key: S': (_colon, False),
    'key = S': (_spaced, False),
    'json': (_json, True),
    'json-compact': (_json_compact, True),
    'python-dict': (_python_dict, True),
    'python-kwargs': (_python_kwargs, True),
    'url': (_url, False),
    'cli': (_cli, False),
    'header': (_header, False),
    'bearer': (_bearer, False),
    'xml': (_xml, True),
}

_PREFIXES = ('', 'Connection failed: ', 'Request rejected (', 'ERROR ',
             'Unable to authenticate, ', '{"error": ')
_SUFFIXES = ('', ' (retrying)', ')', '; giving up', '.', '"}')


def printable_chars():
    """Every printable character, for the random drawing of secrets."""
    chars = [chr(c) for c in range(0x20, 0x7f)]
    # Some of every script, without drawing from all of Unicode.
    chars += [chr(c) for c in range(0xa1, 0x250)]
    chars += [chr(c) for c in range(0x370, 0x3ff)]
    chars += [chr(c) for c in range(0x4e00, 0x4e80)]
    chars += ['\U0001f511', '\U0001f525']
    return [c for c in chars if c.isprintable()]


_PRINTABLE = printable_chars()
_ASCII = [c for c in _PRINTABLE if c < '\x7f']


def draw_secret(rnd, spaces):
    """A secret of 4 to 40 characters: half of them printable ASCII."""
    alphabet = _ASCII if rnd.random() < 0.5 else _PRINTABLE
    if not spaces:
        alphabet = [c for c in alphabet if not c.isspace()]
    size = rnd.randint(RUN, 40)
    secret = ''.join(rnd.choice(alphabet) for _ in range(size))
    if not spaces:
        while secret[0] in '"\'':
            secret = rnd.choice(alphabet) + secret[1:]
    return secret


def draw_key(rnd):
    key = rnd.choice(KEYS)
    style = rnd.randrange(4)
    if style == 1:
        key = key.upper()
    elif style == 2:
        key = 'os_' + key
    elif style == 3:
        key = key + '2'
    return key


def build(form, key, secret, before='', after=''):
    """``(message, written)``: the secret as written into the message."""
    writer = FORMS[form][0]
    message = before + writer(key, secret) + after
    # The written form of the secret (JSON escapes, repr escapes, ...).
    # (Letters only: no writer escapes them.)
    marker = 'QqMarkerQq'
    template = writer(key, marker)
    written = secret
    if marker in template:
        lead, _, tail = template.partition(marker)
        body = writer(key, secret)
        written = body[len(lead):len(body) - len(tail)]
    return message, written


def messages(count=3000, seed=19):
    """``count`` reproducible ``(form, key, secret, before, after)``."""
    rnd = random.Random(seed)
    names = sorted(FORMS)
    out = []
    for i in range(count):
        form = names[i % len(names)]
        spaces = FORMS[form][1]
        out.append((form, draw_key(rnd), draw_secret(rnd, spaces),
                    rnd.choice(_PREFIXES), rnd.choice(_SUFFIXES)))
    return out


def runs(text):
    return {text[i:i + RUN] for i in range(len(text) - RUN + 1)}


def leaked_runs(scrubbed, baseline, secret, written):
    """The runs of ``secret`` in ``scrubbed`` that are not the message's own.

    ``baseline`` is the same message with a one-character secret, scrubbed:
    a run found there belongs to the surrounding text (or to the mask),
    not to the secret.
    """
    found = set()
    for text in {secret, written}:
        for run in runs(text):
            if run in scrubbed and run not in baseline:
                found.add(run)
    return found


def check(scrub, form, key, secret, before='', after=''):
    """The leaked runs of one message through ``scrub``."""
    message, written = build(form, key, secret, before, after)
    baseline = scrub(build(form, key, 'N', before, after)[0])
    return leaked_runs(scrub(message), baseline, secret, written)


def count_leaks(scrub, count=3000, seed=19):
    """(messages with a leak, {form: leaks}, first examples)."""
    leaks = 0
    by_form = {}
    examples = []
    for form, key, secret, before, after in messages(count, seed):
        if check(scrub, form, key, secret, before, after):
            leaks += 1
            by_form[form] = by_form.get(form, 0) + 1
            if len(examples) < 5:
                examples.append(build(form, key, secret, before, after)[0])
    return leaks, by_form, examples


if __name__ == '__main__':
    from nova_faults import exception
    total, forms, shown = count_leaks(exception.scrub_credentials)
    print('%d of 3000 messages leak a %d-character run' % (total, RUN))
    print(forms)
    for example in shown:
        print(' ', ascii(example))
    sys.exit(1 if total else 0)
