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

"""The benchmark tools that need Nova run: ``server_timeline.py``.

Only the shape of what they write is asserted, never a timing.
"""

import testtools

from nova_faults.tests import benchmark_scripts


class ServerTimelineSmokeTest(testtools.TestCase):

    def test_every_step_in_order(self):
        proc, timeline = benchmark_scripts.run(
            self, 'server_timeline.py', ['--servers', '10', '--count', '50'],
            timeout=300)
        self.assertEqual(50, timeline['requests'])
        steps = {(entry['step'], entry['thread']): entry
                 for entry in timeline['steps']}
        for step, thread in (
                ('handler', 'request'), ('Neutron asked', 'request'),
                ('database reads', 'request'),
                ('database reads returned', 'request'),
                ('waiting for Neutron returned', 'request'),
                ('handler returned', 'request'),
                ('Neutron thread', 'neutron'), ('ports call', 'neutron'),
                ('security-groups call returned', 'neutron'),
                ('answer readable', 'neutron'),
                ('answer headers parsed (2)', 'neutron')):
            self.assertEqual(50, steps[step, thread]['count'], step)

        def at(step, thread):
            return steps[step, thread]['median_ms']
        self.assertEqual(0, at('handler', 'request'))
        self.assertLessEqual(at('ports call', 'neutron'),
                             at('security-groups call returned', 'neutron'))
        self.assertLessEqual(at('security-groups call returned', 'neutron'),
                             at('waiting for Neutron returned', 'request'))
        self.assertLessEqual(at('waiting for Neutron returned', 'request'),
                             at('handler returned', 'request'))
        self.assertIn('| handler returned | request |', proc.stdout)
