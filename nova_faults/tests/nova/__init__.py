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

"""Tests of the filter inside a real Nova 34 (they need Nova installed).

They run on their own, in the ``nova`` tox environment and the CI step
that installs Nova, both of which set ``NOVA_FAULTS_TEST_NOVA=1``
(``NOVA_FAULTS_TEST_NOVA=1 stestr --test-path ./nova_faults/tests/nova
run``). Without it the package holds no tests, so the main suite does
not need Nova; with it, a missing Nova is an import error, not a skip.
"""

import os

ENABLE_ENV = 'NOVA_FAULTS_TEST_NOVA'


def load_tests(loader, standard_tests, pattern):
    if os.environ.get(ENABLE_ENV) != '1':
        return standard_tests
    here = os.path.dirname(__file__)
    top = os.path.dirname(os.path.dirname(os.path.dirname(here)))
    standard_tests.addTests(loader.discover(
        start_dir=here, pattern=pattern or 'test*.py', top_level_dir=top))
    return standard_tests
