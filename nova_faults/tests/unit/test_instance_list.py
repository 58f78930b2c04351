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

"""Unit tests of the cross-cell merge and sort parameters."""

import testtools

from nova_faults.api import server_query
from nova_faults import exception
from nova_faults.objects import instance_list


class MergeTest(testtools.TestCase):

    def test_sort_params(self):
        self.assertEqual((['created_at', 'uuid'], ['desc', 'asc']),
                         server_query.sort_params(['created_at'], ['desc']))
        self.assertEqual((['created_at', 'id', 'uuid'],
                          ['desc', 'desc', 'asc']),
                         server_query.sort_params([], []))
        self.assertRaises(exception.InvalidInput, server_query.sort_params,
                          ['host'], ['up'])

    def test_merge_with_nulls_and_desc(self):
        a = [{'host': 'b', 'uuid': '1'}, {'host': None, 'uuid': '3'}]
        b = [{'host': 'c', 'uuid': '0'}, {'host': 'a', 'uuid': '2'},
             {'host': None, 'uuid': '4'}]
        merged = instance_list.merge_sorted(
            [a, b], ['host', 'uuid'], ['desc', 'asc'], limit=4)
        self.assertEqual(['0', '1', '2', '3'], [r['uuid'] for r in merged])
        merged = instance_list.merge_sorted(
            [list(reversed(a)), list(reversed(b))], ['host', 'uuid'],
            ['asc', 'desc'])
        self.assertEqual(['4', '3', '2', '1', '0'],
                         [r['uuid'] for r in merged])

    def test_sort_params_quirks(self):
        # NOTE: Nova appends uuid/asc even with fewer directions than keys.
        self.assertEqual((['display_name', 'host', 'uuid'],
                          ['asc', 'asc', 'asc']),
                         server_query.sort_params(['display_name', 'host'],
                                                  ['asc']))
        self.assertRaises(exception.InvalidInput, server_query.sort_params,
                          ['display_name'], ['asc', 'desc', 'asc'])

    def test_merge_limit_and_mixed_types(self):
        import datetime
        t = datetime.datetime(2020, 1, 1)
        pages = [[{'created_at': t + datetime.timedelta(seconds=s),
                   'uuid': 'c%d' % s} for s in (9, 5, 1)],
                 [{'created_at': t + datetime.timedelta(seconds=s),
                   'uuid': 'd%d' % s} for s in (8, 5, 2)]]
        merged = instance_list.merge_sorted(pages, ['created_at', 'uuid'],
                                            ['desc', 'asc'], limit=4)
        self.assertEqual(['c9', 'd8', 'c5', 'd5'],
                         [r['uuid'] for r in merged])
