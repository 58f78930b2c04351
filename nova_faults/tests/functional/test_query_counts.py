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

"""Queries per request do not grow with the data (DESIGN.md section 7).

Each test makes a small and a larger deployment state and counts, with
the ``QueryCounter`` fixture (a SQLAlchemy ``before_cursor_execute``
listener on every database), the statements one request costs: the count
must be the same. (The detailed list, the servers' actions and the
harness itself are covered in ``test_servers``, ``test_instance_actions``
and ``test_benchmark_smoke``.) No timing is asserted.
"""

import sys

from oslo_utils import uuidutils

from nova_faults.objects import aggregate
from nova_faults import recording
from nova_faults.tests import fixtures as nf_fixtures
from nova_faults.tests.functional import base

ADMIN = 'admin'


class NoValidHost(Exception):
    pass


class QueryCountTest(base.APITestCase):
    """Three SQLite cells; servers with faults, metadata and history."""

    def _deployment_fixture(self):
        return nf_fixtures.Deployment(
            cells=('sqlite',) * 3,
            overrides={('api_database', 'cell_cache_ttl'): 3600})

    def setUp(self):
        super().setUp()
        self.made = 0
        self.hosts = 0
        self.project = base.PROJECT_ID

    def add_hosts(self, count):
        for _ in range(count):
            self.deployment.create_service(
                cell=self.hosts % 3, host='compute-%d' % self.hosts)
            self.hosts += 1

    def add_servers(self, count):
        """Add ``count`` servers over the cells.

        Every other one is in ERROR with two faults; each has metadata,
        tags, system metadata and a recorded action.
        """
        uuids = []
        for _ in range(count):
            index = self.made
            self.made += 1
            cell = index % 3
            failed = index % 2 == 1
            host = 'compute-%d' % (index % max(self.hosts, 1))
            row = self.deployment.create_instance(
                cell=cell, project_id=self.project,
                vm_state='error' if failed else 'active',
                host=None if failed else host, node=host,
                metadata={'k': str(index)}, tags=['t%d' % (index % 4)],
                system_metadata={'locked_reason': 'r', 'image_os': 'x'})
            ctx = self.deployment.cell_context(
                cell, self.deployment.context(
                    project_id=self.project,
                    request_id='req-' + uuidutils.generate_uuid()))
            recording.record_action_start(ctx, row['uuid'], 'create')
            with recording.EventReporter(ctx, 'compute_build', host,
                                         row['uuid']):
                pass
            if failed:
                for _attempt in range(2):
                    try:
                        raise NoValidHost('no host')
                    except NoValidHost as exc:
                        recording.add_instance_fault_from_exc(
                            ctx, row['uuid'], exc, exc_info=sys.exc_info())
            uuids.append(row['uuid'])
        return uuids

    def count(self, path, version, transactions=False):
        self.api.get(path, version=version, user=ADMIN)  # warm caches
        counter = nf_fixtures.QueryCounter(self.deployment)
        counter.setUp()
        try:
            resp = self.api.get(path, version=version, user=ADMIN)
        finally:
            counter.cleanUp()
        self.assertEqual(200, resp.status_int, resp.text)
        if transactions:
            return counter.count, counter.transactions
        return counter.count

    def test_server_index_and_detail(self):
        self.add_hosts(3)
        counts = {}
        # From 6 servers on, every cell has one in ERROR (fault query).
        for total in (6, 30):
            self.add_servers(total - self.made)
            counts[total] = {
                (path, version): self.count(path, version)
                for path in ('/servers?all_tenants=1',
                             '/servers/detail?all_tenants=1&limit=1000')
                for version in ('2.1', '2.84')}
        self.assertEqual(counts[6], counts[30], counts)
        # The index: one page query per cell.
        self.assertEqual(3, counts[30][('/servers?all_tenants=1', '2.84')])

    def test_server_show(self):
        self.add_hosts(3)
        small = self.add_servers(2)
        few = {version: self.count('/servers/%s' % small[1], version)
               for version in ('2.1', '2.84', '2.100')}
        many = self.add_servers(40)
        # A failed server with faults, tags, metadata and a history.
        more = {version: self.count('/servers/%s' % many[-1], version)
                for version in ('2.1', '2.84', '2.100')}
        self.assertEqual(few, more)
        # Mapping; instance, faults, metadata, system metadata, tags,
        # block devices, the host's service; request spec and groups.
        self.assertLessEqual(more['2.100'], 10, more)

    def test_server_show_one_transaction_per_database(self):
        # The groups and request spec are read with the instance mapping,
        # the related rows with the instance.
        self.add_hosts(3)
        uuid = self.add_servers(2)[1]
        api_url = str(self.deployment.engine(api=True).url)
        for version in ('2.1', '2.71', '2.84', '2.100'):
            _count, transactions = self.count('/servers/%s' % uuid, version,
                                              transactions=True)
            self.assertEqual(1, transactions.pop(api_url), version)
            self.assertEqual([1], list(transactions.values()), version)

    def test_os_services(self):
        self.add_hosts(3)
        few = self.count('/os-services', '2.84')
        self.add_hosts(30)
        self.assertEqual(few, self.count('/os-services', '2.84'))
        # One query per cell.
        self.assertEqual(3, few)

    def test_zones_one_aggregate_query_per_page(self):
        """Without the zone cache: one aggregate query per request."""
        self.add_hosts(3)
        aggregate.create(self.deployment.admin_context(), 'agg',
                         ['compute-0', 'compute-1'],
                         {'availability_zone': 'az1'})
        path = '/servers/detail?all_tenants=1&limit=1000'
        self.add_servers(6)
        cached = self.count(path, '2.84')
        self.conf.set_override('availability_zone_cache_ttl', 0,
                               group='api_database')
        counts = {}
        for total in (6, 30):
            self.add_servers(total - self.made)
            counts[total] = self.count(path, '2.84')
        self.assertEqual(counts[6], counts[30], counts)
        self.assertEqual(cached + 1, counts[30])
        services = self.count('/os-services', '2.84')
        self.add_hosts(30)
        self.assertEqual(services, self.count('/os-services', '2.84'))
        # One query per cell and one for the zones of every compute.
        self.assertEqual(4, services)

    def test_instance_actions_with_many_servers(self):
        self.add_hosts(2)
        first = self.add_servers(2)[1]
        paths = ('/servers/%s/os-instance-actions' % first,)
        before = {p: self.count(p, '2.84') for p in paths}
        self.add_servers(30)
        self.assertEqual(before, {p: self.count(p, '2.84') for p in paths})
