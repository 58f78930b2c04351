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

"""JSON responses and link helpers."""

import datetime
import decimal
import ipaddress
import uuid

from hypothesis import given
from hypothesis import strategies as st
from oslo_serialization import jsonutils
import testtools
import webob

from nova_faults.api import wsgi_util
from nova_faults.tests import hypothesis_profiles


class _Stamp(datetime.datetime):
    """A datetime subclass, which oslo.serialization formats as well."""


# What views put in a body: JSON's own types, naive and aware datetimes
# over the whole calendar (and a subclass), dates, and the other values
# oslo.serialization converts.
_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=8),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(), st.datetimes(timezones=st.just(datetime.timezone.utc)),
    st.datetimes().map(lambda d: _Stamp(*d.timetuple()[:6], d.microsecond)),
    st.dates(), st.uuids(), st.builds(ipaddress.IPv4Address,
                                      st.integers(0, 2 ** 32 - 1)),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
    st.binary(max_size=4).map(lambda b: b.hex().encode()))
_BODIES = st.recursive(
    _LEAVES, lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=6), children, max_size=4)),
    max_leaves=20)


class TestJSONResponse(testtools.TestCase):

    def test_datetimes_as_nova_serialises_them(self):
        resp = wsgi_util.json_response(
            webob.Request.blank('/'),
            {'start_time': datetime.datetime(2018, 4, 25, 1, 26, 29, 92892),
             'updated_at': datetime.datetime(2012, 10, 29, 13, 42, 2)},
            status=202, headers={'Location': 'x'})
        self.assertEqual(202, resp.status_int)
        self.assertEqual('application/json; charset=UTF-8',
                         resp.headers['Content-Type'])
        self.assertEqual('x', resp.headers['Location'])
        self.assertEqual({'start_time': '2018-04-25T01:26:29.092892',
                          'updated_at': '2012-10-29T13:42:02.000000'},
                         resp.json)

    @hypothesis_profiles.seeded
    @hypothesis_profiles.settings()
    @given(st.dictionaries(st.text(max_size=6), _BODIES, max_size=5))
    def test_body_is_what_jsonutils_writes(self, body):
        # NOTE: the datetimes are formatted without jsonutils' converter,
        # to the same text; everything else still goes through it.
        resp = wsgi_util.json_response(webob.Request.blank('/'), body)
        self.assertEqual(jsonutils.dump_as_bytes(body), resp.body)

    def test_unconvertible_value_as_jsonutils_writes_it(self):
        body = {'id': uuid.UUID(int=7), 'n': decimal.Decimal('1.5'),
                'other': object}
        resp = wsgi_util.json_response(webob.Request.blank('/'), body)
        self.assertEqual(jsonutils.dump_as_bytes(body), resp.body)

    def test_empty_response(self):
        resp = wsgi_util.empty_response(webob.Request.blank('/'))
        self.assertEqual(204, resp.status_int)
        self.assertEqual(b'', resp.body)
        self.assertNotIn('Content-Type', resp.headers)


class TestLinks(testtools.TestCase):

    def test_url_join(self):
        self.assertEqual('http://h/v2.1/p/servers',
                         wsgi_util.url_join('http://h/v2.1/', '/p/',
                                            'servers'))
        self.assertEqual('http://h/v2.1/',
                         wsgi_util.url_join('http://h', 'v2.1', ''))
        self.assertEqual('http://h/servers',
                         wsgi_util.url_join('http://h', '', 'servers'))

    def test_update_link_prefix(self):
        self.assertEqual('http://h:8774/v2.1', wsgi_util.update_link_prefix(
            'http://h:8774/v2.1', None))
        self.assertEqual(
            'https://api.example.com/compute/v2.1',
            wsgi_util.update_link_prefix('http://h:8774/v2.1',
                                         'https://api.example.com/compute'))

    def test_path_info_not_utf8(self):
        self.assertIsNone(wsgi_util.path_info(
            webob.Request.blank('/%ff')))
        self.assertEqual('/é', wsgi_util.path_info(
            webob.Request.blank('/%C3%A9')))
