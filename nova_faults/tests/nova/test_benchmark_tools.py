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
        # Over http://, Neutron's requests leave from the request's
        # thread before the database reads, and are read after them.
        order = ('handler', 'Neutron asked', 'ports call',
                 'ports call sent', 'security-groups call sent',
                 'database reads', 'database reads returned',
                 'waiting for Neutron', 'ports answer read',
                 'answer headers parsed', 'security-groups answer read',
                 'answer headers parsed (2)', 'waiting for Neutron returned',
                 'handler returned')
        for step in order:
            self.assertEqual(50, steps[step, 'request']['count'], step)
        self.assertEqual(
            {'request'}, {thread for _step, thread in steps})
        medians = [steps[step, 'request']['median_ms'] for step in order]
        self.assertEqual(0, medians[0])
        self.assertEqual(sorted(medians), medians)
        self.assertIn('| handler returned | request |', proc.stdout)
