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

"""Linking request IDs: global to local, caller to callee, passes."""

import datetime
import os

import fixtures
import testtools

from nova_faults.tests.unit.trace import base
from nova_faults.trace import graph
from nova_faults.trace import sources


class FollowTest(testtools.TestCase):

    def _follow(self, scenario, rid, **kw):
        root = base.logs(self, scenario)
        srcs = sources.discover([root], 'here', use_host_from_dir=True,
                                year=2017)
        return graph.follow(rid, srcs, **kw)

    def _calls(self, trace):
        return [(c.caller, c.callee, c.method, c.service_type)
                for c in trace.calls]

    def test_global_id_gathers_every_service(self):
        trace = self._follow('cloud', base.GLOBAL)
        self.assertEqual(1, trace.passes)
        self.assertEqual(27, len(trace.records))
        self.assertEqual(
            [('nova-api', 'controller'), ('glance-api', 'controller'),
             ('nova-conductor', 'controller'),
             ('nova-scheduler', 'controller'),
             ('placement-api', 'controller'), ('nova-compute', 'compute1'),
             ('neutron-server', 'network1'), ('cinder-api', 'controller')],
            [(g.service, g.host) for g in trace.groups])
        self.assertEqual(
            [(base.GLOBAL, rid) for rid in (base.NOVA, base.GLANCE,
                                            base.PLACEMENT, base.NEUTRON,
                                            base.CINDER, base.NEUTRON2)],
            trace.memberships)
        self.assertEqual([
            (base.NOVA, base.GLANCE, 'GET', 'image'),
            (base.NOVA, base.PLACEMENT, 'GET', 'placement'),
            (base.NOVA, base.NEUTRON, 'POST', 'network'),
            (base.NOVA, base.CINDER, 'POST', 'volumev3'),
            (base.NOVA, base.NEUTRON2, 'DELETE', 'network'),
        ], self._calls(trace))
        self.assertEqual([], trace.parents)
        self.assertEqual({'global', 'queried'},
                         trace.ids[base.GLOBAL]['roles'])
        self.assertEqual(
            [('nova-api', 'controller'), ('nova-conductor', 'controller'),
             ('nova-scheduler', 'controller'), ('nova-compute', 'compute1')],
            trace.ids[base.NOVA]['services'])

    def test_records_in_time_order_across_files(self):
        trace = self._follow('cloud', base.GLOBAL)
        times = [r.time for r in trace.records]
        self.assertEqual(sorted(times), times)
        compute = [g for g in trace.groups if g.service == 'nova-compute'][0]
        self.assertEqual(2, len(compute.files))
        self.assertTrue(compute.files[0].endswith('nova-compute.log.1.gz'))

    def test_first_error_and_statuses(self):
        trace = self._follow('cloud', base.GLOBAL)
        first = trace.first_error
        self.assertEqual(('cinder-api', base.CINDER),
                         (first.service, first.local_id))
        self.assertEqual(7, len(first.after))
        self.assertEqual([200, 202, 200, 201, 500, 500, 500, 500, 204],
                         [r.http_status for r in trace.statuses])

    def test_local_id_under_global(self):
        # nova's callees carry the client's global ID, not nova's local
        # one: a second pass (for that global ID) finds them.
        trace = self._follow('cloud', base.NOVA)
        self.assertEqual(2, trace.passes)
        self.assertEqual(27, len(trace.records))
        self.assertEqual([{'id': base.GLOBAL, 'relations': ['global']}],
                         trace.parents)
        self.assertEqual(5, len(trace.calls))

    def test_callee_id_names_its_caller(self):
        trace = self._follow('cloud', base.CINDER)
        self.assertEqual(1, trace.passes)
        self.assertEqual(
            [('cinder-api', base.CINDER)] * 4 + [('nova-compute', base.NOVA)]
            * 3, sorted((r.service, r.local_id) for r in trace.records))
        self.assertEqual([{'id': base.GLOBAL, 'relations': ['global']},
                          {'id': base.NOVA, 'relations': ['caller']}],
                         trace.parents)
        self.assertEqual([(base.NOVA, base.CINDER, 'POST', 'volumev3')],
                         self._calls(trace))

    def test_old_format_needs_a_second_pass(self):
        trace = self._follow('kilo', base.KILO)
        self.assertEqual(2, trace.passes)
        self.assertEqual(
            ['client', 'client', 'nova-api', 'glance-api', 'nova-api',
             'nova-api', 'nova-api', 'nova-api'],
            [r.service for r in trace.records])
        self.assertEqual([(None, base.KILO, None, None),
                          (base.KILO, base.KILO_GLANCE, None, None)],
                         self._calls(trace))
        self.assertEqual('Caught error: id', trace.first_error.message)
        self.assertEqual(49, len(trace.first_error.after))

    def test_max_passes(self):
        trace = self._follow('kilo', base.KILO, max_passes=1)
        self.assertEqual(1, trace.passes)
        self.assertNotIn('glance-api', [r.service for r in trace.records])

    def test_devstack_call_graph(self):
        trace = self._follow('devstack', base.DEVSTACK_NOVA)
        self.assertEqual([(base.DEVSTACK_NOVA, base.DEVSTACK_NEUTRON,
                           'POST', 'network')], self._calls(trace))
        self.assertEqual([(base.DEVSTACK_NOVA, base.DEVSTACK_NEUTRON)],
                         trace.memberships)
        self.assertEqual({'devstack-master'}, {g.host for g in trace.groups})
        self.assertEqual(datetime.datetime(2017, 6, 19, 9, 16, 34),
                         trace.records[0].time)
        self.assertIn('Instance failed to spawn', trace.first_error.message)

    def test_since_until(self):
        since = datetime.datetime(2019, 12, 2, 19, 15, 36)
        until = datetime.datetime(2019, 12, 2, 19, 15, 36, 230000)
        trace = self._follow('cloud', base.GLOBAL, since=since, until=until)
        self.assertEqual(27, trace.records_found)
        self.assertTrue(all(since <= r.time <= until for r in trace.records))
        self.assertEqual(6, len(trace.records))
        self.assertEqual(
            {'neutron-server', 'nova-compute', 'cinder-api'},
            {g.service for g in trace.groups})

    def test_not_found(self):
        trace = self._follow('cloud', 'req-00000000-0000-4000-8000-'
                             '000000000000')
        self.assertEqual([], trace.records)
        self.assertEqual(0, trace.records_found)

    def test_other_requests_in_the_same_global_stay_out(self):
        # Another nova request of the same global request, calling its own
        # neutron: found by the pass for the global ID, but not ours.
        root = base.logs(self, 'cloud')
        other, other_neutron = (
            'req-11111111-2222-4333-8444-555555555555',
            'req-66666666-7777-4888-9999-aaaaaaaaaaaa')
        with open(os.path.join(root, 'controller', 'nova', 'nova-api.log'),
                  'a') as f:
            f.write('2019-12-02 19:15:41.000 2701 DEBUG keystoneauth.session '
                    '[%s %s u p - default default] GET call to network for '
                    'http://10.0.0.12:9696/v2.0/networks used request id %s '
                    'request x.py:1\n' % (base.GLOBAL, other, other_neutron))
        with open(os.path.join(root, 'network1', 'neutron', 'server.log'),
                  'a') as f:
            f.write('2019-12-02 19:15:40.990 4242 INFO neutron.wsgi '
                    '[%s %s u p - default default] 10.0.0.11 "GET '
                    '/v2.0/networks HTTP/1.1" status: 200  len: 10 time: 0.1'
                    '\n' % (base.GLOBAL, other_neutron))
        srcs = sources.discover([root], 'here', use_host_from_dir=True)
        trace = graph.follow(base.NOVA, srcs)
        ids = {r.local_id for r in trace.records}
        self.assertNotIn(other, ids)
        self.assertNotIn(other_neutron, ids)
        self.assertEqual(27, len(trace.records))
        # Asked for the global ID, both are there.
        trace = graph.follow(base.GLOBAL, srcs)
        self.assertEqual(29, len(trace.records))

    def test_unreadable_file_reported_once(self):
        root = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(root, 'nova-api.log')
        with open(path, 'w') as f:
            f.write('x\n')
        srcs = sources.discover([root], 'here')
        os.unlink(path)
        errors = []
        graph.follow(base.NOVA, srcs, on_error=errors.append)
        self.assertEqual(1, len(errors))
        self.assertIn('No such file', errors[0])


class WorkerPoolTest(testtools.TestCase):

    def test_passes_share_one_pool(self):
        root = base.logs(self, 'kilo')
        srcs = sources.discover([root], 'here', use_host_from_dir=True)
        made = []
        real = graph.scan_mod.make_pool

        def make_pool(jobs):
            made.append(jobs)
            return real(jobs)
        self.useFixture(fixtures.MonkeyPatch(
            'nova_faults.trace.scan.make_pool', make_pool))
        trace = graph.follow(base.KILO, srcs, jobs=2)
        self.assertEqual(2, trace.passes)
        self.assertEqual([2], made)
        self.assertEqual(8, len(trace.records))
