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

"""The microversion list and the comparable ``APIVersion``."""

import testtools

from nova_faults.api import microversion
from nova_faults import exception


class TestVersions(testtools.TestCase):

    def test_list_is_2_1_to_2_104_in_order(self):
        self.assertEqual(tuple('2.%d' % minor for minor in range(1, 105)),
                         microversion.VERSIONS)
        self.assertEqual('2.1', microversion.MIN_VERSION_STRING)
        self.assertEqual('2.104', microversion.MAX_VERSION_STRING)
        self.assertEqual((2, 1), microversion.MIN_VERSION)
        self.assertEqual((2, 104), microversion.MAX_VERSION)

    def test_parse(self):
        version = microversion.APIVersion.from_string('2.58')
        self.assertEqual((2, 58), version)
        self.assertEqual('2.58', str(version))
        self.assertEqual('2.58', version.get_string())
        self.assertEqual((3, 0),
                         microversion.APIVersion.from_string('3.0'))

    def test_parse_errors(self):
        for bad in ('2.x', '2.01', 'LATEST', 'latest', '', None, '2',
                    '2.1.1', ' 2.1', '02.1', '0.1', '2.-1', '2,1'):
            self.assertRaises(exception.InvalidAPIVersionString,
                              microversion.APIVersion.from_string, bad)

    def test_compare_with_tuples_and_versions(self):
        version = microversion.APIVersion(2, 58)
        self.assertGreaterEqual(version, (2, 51))
        self.assertLess(version, (2, 100))
        self.assertGreater(version, microversion.APIVersion(2, 9))
        self.assertLess(version, (2, 84))
        # Numeric, not lexical: 2.100 > 2.99.
        self.assertGreater(microversion.APIVersion(2, 100), (2, 99))

    def test_matches(self):
        version = microversion.APIVersion(2, 58)
        self.assertTrue(version.matches('2.51', '2.83'))
        self.assertTrue(version.matches('2.58', '2.58'))
        self.assertTrue(version.matches((2, 1)))
        self.assertTrue(version.matches(max_version='2.58'))
        self.assertFalse(version.matches('2.59'))
        self.assertFalse(version.matches(None, (2, 57)))

    def test_supported(self):
        self.assertTrue(microversion.APIVersion(2, 1).is_supported())
        self.assertTrue(microversion.APIVersion(2, 104).is_supported())
        for unsupported in ((2, 0), (2, 105), (3, 0), (1, 1)):
            self.assertFalse(
                microversion.APIVersion(*unsupported).is_supported())

    def test_from_request_default(self):
        self.assertEqual((2, 1), microversion.from_request({}))
        self.assertEqual((2, 7), microversion.from_request(
            {microversion.ENVIRON_KEY: microversion.APIVersion(2, 7)}))
