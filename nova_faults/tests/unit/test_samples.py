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

"""The sample configuration and policy files in etc/ are what the code
generates: a change to an option or a rule must regenerate them."""

import os
import subprocess
import sys
import tempfile

import testtools

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..',
                                    '..'))
ETC = os.path.join(ROOT, 'etc', 'nova_faults')


def _generate(tool, generator_conf, committed):
    """Run a generator into a temporary file; return (new, committed)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'sample')
        bindir = os.path.dirname(sys.executable)
        subprocess.run(
            [os.path.join(bindir, tool), '--config-file',
             os.path.join(ETC, generator_conf), '--output-file', out],
            check=True, cwd=ROOT, capture_output=True)
        with open(out) as f:
            new = f.read()
    with open(os.path.join(ETC, committed)) as f:
        return new, f.read()


class TestSamples(testtools.TestCase):

    def test_config_sample_is_current(self):
        new, committed = _generate(
            'oslo-config-generator', 'nova_faults-config-generator.conf',
            'nova_faults.conf.sample')
        self.assertEqual(committed, new,
                         'Run "tox -e genconfig" and commit the result.')

    def test_policy_sample_is_current(self):
        new, committed = _generate(
            'oslopolicy-sample-generator',
            'nova_faults-policy-generator.conf', 'policy.yaml.sample')
        self.assertEqual(committed, new,
                         'Run "tox -e genpolicy" and commit the result.')
