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

"""The demo's failed resize left logs that the tracer can follow."""

import io
import json
import os

from nova_faults import cells
from nova_faults.cmd import trace
from nova_faults import demo
from nova_faults import demo_logs
from nova_faults.tests.functional import base


class DemoLogsTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        cells.reset()
        self.addCleanup(cells.reset)
        self.out = io.StringIO()
        demo.populate(self.conf, out=self.out)
        self.root = os.path.join(self.conf.state_path, demo_logs.DIRNAME)
        self.resize = demo.demo_request_id('vm1:resize')

    def trace(self, *args):
        stdout, stderr = io.StringIO(), io.StringIO()
        code = trace.main(list(args), stdout=stdout, stderr=stderr)
        return code, stdout.getvalue(), stderr.getvalue()

    def test_summary_names_the_logs(self):
        self.assertIn(self.root, self.out.getvalue())

    def test_files_per_host_and_service(self):
        found = sorted(
            os.path.relpath(os.path.join(d, f), self.root)
            for d, _dirs, files in os.walk(self.root) for f in files)
        self.assertEqual(['conductor/nova-conductor.log',
                          'controller/nova-api.log',
                          'controller/nova-scheduler.log',
                          'controller/placement-api.log'], found)

    def test_oslo_log_context_brackets(self):
        with open(os.path.join(self.root, 'controller',
                               'nova-api.log')) as f:
            first = f.readline()
        self.assertIn('[%s %s demo demo - - default default]' % (
            demo.demo_request_id('vm1:resize:global'), self.resize), first)

    def test_trace_follows_the_resize(self):
        code, out, err = self.trace(self.resize, self.root,
                                    '--host-from-dir', '--format', 'json')
        self.assertEqual(0, code, err)
        result = json.loads(out)
        text = json.dumps(result)
        # Four services on two hosts, the placement call, the first error.
        for service in ('nova-api', 'nova-scheduler', 'nova-conductor',
                        'placement-api'):
            self.assertIn(service, text)
        self.assertIn(demo.demo_request_id('vm1:resize:placement'), text)
        self.assertIn('No valid host was found', text)
        self.assertIn('conductor', text)

    def test_rewritten_not_appended_on_a_second_run(self):
        path = os.path.join(self.root, 'conductor', 'nova-conductor.log')
        with open(path) as f:
            before = f.read()
        demo.populate(self.conf, out=io.StringIO())
        with open(path) as f:
            self.assertEqual(before, f.read())
