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

"""Zones from host aggregates and os-services' migration checks.

Through the pipeline, on SQLite, and on an API database and cells on
MariaDB and PostgreSQL. Nova's rules (``nova/availability_zones.py``,
``nova/api/openstack/compute/services.py``) are the expected values.
"""

import hypothesis
from hypothesis import strategies as st
import sqlalchemy as sa

from nova_faults.db import models
from nova_faults.objects import aggregate
from nova_faults.objects import migration
from nova_faults.tests.functional import servers_base as sb

ADMIN_ROLES = ['admin', 'member', 'reader']
AZ = 'OS-EXT-AZ:availability_zone'


class ZonesAndMigrationsMixin:

    def setUp(self):
        super().setUp()
        aggregate.reset_cache()
        self.addCleanup(aggregate.reset_cache)
        self.c1 = self.make_service(0, 'host1')
        self.c2 = self.make_service(1, 'host2')
        self.c3 = self.make_service(0, 'host3')
        self.sched = self.make_service(0, 'host1', binary='nova-scheduler')
        aggregate.create(self.admin_ctx, 'agg1', ['host1'],
                         {'availability_zone': 'az1'})
        # Not a zone: other metadata only.
        aggregate.create(self.admin_ctx, 'ssd', ['host2', 'host3'],
                         {'ssd': 'true'})
        aggregate.create(self.admin_ctx, 'agg2', ['host3'],
                         {'availability_zone': 'az2'})
        aggregate.create(self.admin_ctx, 'agg3', ['host3'],
                         {'availability_zone': 'az3'})

    def get(self, path, version='2.1'):
        resp = self.api.get(path, version=version, roles=ADMIN_ROLES)
        self.assertEqual(200, resp.status_int, resp.text)
        return resp.json

    def put(self, path, body, version='2.11'):
        return self.api.put('/os-services/%s' % path, body, version=version,
                            roles=ADMIN_ROLES)

    def delete(self, service_id, version='2.53'):
        return self.api.delete('/os-services/%s' % service_id,
                               version=version, roles=ADMIN_ROLES)

    def set_zone(self, aggregate_name, zone):
        agg = models.Aggregate.__table__
        meta = models.AggregateMetadata.__table__
        engine = self.deployment.engine(api=True)
        with engine.begin() as conn:
            agg_id = conn.execute(sa.select(agg.c.id).where(
                agg.c.name == aggregate_name)).scalar_one()
            conn.execute(meta.update().where(
                meta.c.aggregate_id == agg_id,
                meta.c.key == 'availability_zone').values(value=zone))

    # -- zones ---------------------------------------------------------------

    def test_server_zones_follow_novas_rules(self):
        servers = {
            'on_az1': self.make_server(0, host='host1',
                                       availability_zone=None),
            'on_default': self.make_server(1, host='host2',
                                           availability_zone='nova'),
            'first_aggregate': self.make_server(0, host='host3',
                                                availability_zone='az2'),
            'no_host': self.make_server(1, host=None, node=None,
                                        availability_zone='az9'),
            'nothing': self.make_server(0, host=None, node=None,
                                        availability_zone=None),
        }
        expected = {'on_az1': 'az1', 'on_default': 'nova',
                    'first_aggregate': 'az2', 'no_host': 'az9',
                    'nothing': ''}
        detail = {s['id']: s[AZ]
                  for s in self.get('/servers/detail')['servers']}
        for name, server in servers.items():
            self.assertEqual(expected[name], detail[server['uuid']], name)
            shown = self.get('/servers/%s' % server['uuid'], '2.96')
            self.assertEqual(expected[name], shown['server'][AZ], name)

    def test_default_zone_option(self):
        self.conf.set_override('default_availability_zone', 'zone-d')
        self.conf.set_override('internal_service_availability_zone', 'int')
        server = self.make_server(1, host='host2')
        self.assertEqual('zone-d', self.get(
            '/servers/%s' % server['uuid'])['server'][AZ])
        zones = {(s['host'], s['binary']): s['zone']
                 for s in self.get('/os-services')['services']}
        self.assertEqual('zone-d', zones[('host2', 'nova-compute')])
        self.assertEqual('int', zones[('host1', 'nova-scheduler')])

    def test_service_zones(self):
        zones = {(s['host'], s['binary']): s['zone']
                 for s in self.get('/os-services', '2.53')['services']}
        self.assertEqual({('host1', 'nova-compute'): 'az1',
                          ('host2', 'nova-compute'): 'nova',
                          ('host3', 'nova-compute'): 'az2,az3',
                          ('host1', 'nova-scheduler'): 'internal'}, zones)
        resp = self.put(self.c1['uuid'], {'status': 'disabled'}, '2.53')
        self.assertEqual(200, resp.status_int, resp.text)
        self.assertEqual('az1', resp.json['service']['zone'])

    def test_cached_zone_is_read_again_when_a_server_disagrees(self):
        old = self.make_server(0, host='host1', availability_zone=None)
        self.assertEqual('az1', self.get(
            '/servers/%s' % old['uuid'])['server'][AZ])
        self.set_zone('agg1', 'az-new')
        # NOTE: as Nova, a server without a recorded zone shows the
        # cached zone of its host until the cache expires...
        self.assertEqual('az1', self.get(
            '/servers/%s' % old['uuid'])['server'][AZ])
        # ... and a server whose recorded zone differs refreshes it.
        moved = self.make_server(0, host='host1', availability_zone='az-new')
        detail = {s['id']: s[AZ]
                  for s in self.get('/servers/detail')['servers']}
        self.assertEqual('az-new', detail[moved['uuid']])
        self.assertEqual('az-new', detail[old['uuid']])

    def test_no_cache(self):
        self.conf.set_override('availability_zone_cache_ttl', 0,
                               group='api_database')
        server = self.make_server(0, host='host1', availability_zone=None)
        self.get('/servers/%s' % server['uuid'])
        self.set_zone('agg1', 'az-other')
        self.assertEqual('az-other', self.get(
            '/servers/%s' % server['uuid'])['server'][AZ])

    # -- forcing a compute up ------------------------------------------------

    def evacuation(self, cell=0, source='host1', status='done', **values):
        instance = self.make_server(cell, host='host9')
        values.setdefault('migration_type', 'evacuation')
        return migration.create(
            self.cell_ctx(self.cell(cell)), instance_uuid=instance['uuid'],
            source_compute=source, dest_compute='host9', status=status,
            **values)

    def force_up_message(self, host):
        return ('Unable to force up host %s as `done` evacuation migration '
                'records remain associated with the host. Ensure the '
                'compute service has been restarted, allowing these '
                'records to move to `completed` before retrying this '
                'request.' % host)

    def test_force_up_refused_with_done_evacuations(self):
        self.evacuation()
        body = {'host': 'host1', 'binary': 'nova-compute',
                'forced_down': False}
        self.assertFault(self.put('force-down', body), 400, 'badRequest',
                         self.force_up_message('host1'))
        self.assertFault(
            self.put(self.c1['uuid'], {'forced_down': False}, '2.53'),
            400, 'badRequest', self.force_up_message('host1'))
        # Forcing down is allowed; so is forcing another host up.
        body['forced_down'] = True
        self.assertEqual(200, self.put('force-down', body).status_int)
        resp = self.put(self.c2['uuid'], {'forced_down': 'false'}, '2.53')
        self.assertEqual(200, resp.status_int, resp.text)
        # The refused requests changed nothing.
        services = {s['id']: s for s in self.get(
            '/os-services', '2.53')['services']}
        self.assertTrue(services[self.c1['uuid']]['forced_down'])

    def test_force_up_allowed_when_evacuations_are_not_done(self):
        self.evacuation(status='completed')
        self.evacuation(status='done', migration_type='migration')
        self.evacuation(status='done', deleted=1)
        self.evacuation(cell=1, source='host1')   # another cell's records
        resp = self.put(self.c1['uuid'], {'forced_down': False}, '2.53')
        self.assertEqual(200, resp.status_int, resp.text)
        self.assertFalse(resp.json['service']['forced_down'])

    def test_force_up_unmapped_host_is_404(self):
        body = {'host': 'nowhere', 'binary': 'nova-compute',
                'forced_down': False}
        self.assertFault(self.put('force-down', body), 404, 'itemNotFound')

    # -- deleting a compute ---------------------------------------------------

    def move(self, status, source='host1', dest='host9', cell=0,
             deleted_instance=False):
        instance = self.make_server(cell, host='host8')
        if deleted_instance:
            table = models.Instance.__table__
            with self.deployment.engine(cell).begin() as conn:
                conn.execute(table.update().where(
                    table.c.uuid == instance['uuid']).values(
                        deleted=table.c.id))
        return migration.create(
            self.cell_ctx(self.cell(cell)), instance_uuid=instance['uuid'],
            source_compute=source, dest_compute=dest, source_node=source,
            dest_node=dest, status=status, migration_type='resize')

    def test_delete_refused_with_moves_in_progress(self):
        message = ('Unable to delete compute service that has in-progress '
                   'migrations. Complete the migrations or delete the '
                   'instances first.')
        self.move('finished', source='host9', dest='host1')
        self.assertFault(self.delete(self.c1['uuid']), 409,
                         'conflictingRequest', message)
        self.move('running', source='host3', dest='host9')
        self.assertFault(self.delete(self.c3['id'], version='2.52'), 409,
                         'conflictingRequest', message)
        self.assertIn('There are 1 in-progress migrations involving the '
                      'host', self.logs.output)

    def test_delete_allowed_when_moves_are_over(self):
        for status in migration.FINISHED_STATUSES:
            self.move(status)
        self.move('running', deleted_instance=True)
        self.move('running', cell=1)   # host1 is in cell 0
        resp = self.delete(self.c1['uuid'])
        self.assertEqual(204, resp.status_int, resp.text)
        # As Nova, the deleted compute leaves its aggregates.
        self.assertEqual({'host1': [], 'host3': ['az2', 'az3']},
                         aggregate.AggregateList.zones_by_host(
                             self.admin_ctx, self.conf, ['host1', 'host3'],
                             refresh=['host1', 'host3']))


class SQLiteZonesAndMigrationsTest(ZonesAndMigrationsMixin,
                                   sb.ServersTestCase):
    cell_count = 2


class BackendsZonesAndMigrationsTest(ZonesAndMigrationsMixin,
                                     sb.ServersTestCase):
    """API database on PostgreSQL; a MariaDB and a PostgreSQL cell."""

    backends = ['mysql', 'postgresql']

    def _make_deployment(self, deployment_cls):
        return deployment_cls(cells=self.backends, api='postgresql')


class MariaDBAPIZonesTest(ZonesAndMigrationsMixin, sb.ServersTestCase):
    """API database on MariaDB; a PostgreSQL and a MariaDB cell."""

    backends = ['postgresql', 'mysql']

    def _make_deployment(self, deployment_cls):
        return deployment_cls(cells=self.backends, api='mysql')


class GeneratedZonesTest(sb.ServersTestCase):
    """Generated aggregates and servers against Nova's rules, restated."""

    cell_count = 1
    HOSTS = ('h0', 'h1', 'h2', 'h3')

    def nova_zone(self, aggregates, inst):
        # nova/availability_zones.py, with a cold cache.
        if not inst['host']:
            return inst['availability_zone'] or ''
        for hosts, zone in aggregates:      # in id order
            if zone is not None and inst['host'] in hosts:
                return zone
        return 'nova'

    def nova_service_zone(self, aggregates, host):
        zones = {zone for hosts, zone in aggregates
                 if zone is not None and host in hosts}
        return ','.join(sorted(zones)) if zones else 'nova'

    @hypothesis.settings(max_examples=25, deadline=None,
                         suppress_health_check=[
                             hypothesis.HealthCheck.function_scoped_fixture])
    @hypothesis.given(
        aggregates=st.lists(st.tuples(
            st.sets(st.sampled_from(HOSTS)),
            st.one_of(st.none(), st.sampled_from(['az1', 'az2', 'a,b']))),
            max_size=4),
        servers=st.lists(st.tuples(
            st.one_of(st.none(), st.sampled_from(HOSTS)),
            st.one_of(st.none(), st.sampled_from(['az1', 'nova', 'x']))),
            min_size=1, max_size=5))
    def test_zones_match_nova(self, aggregates, servers):
        engine = self.deployment.engine(api=True)
        with engine.begin() as conn:
            for model in (models.AggregateMetadata, models.AggregateHost,
                          models.Aggregate):
                conn.execute(model.__table__.delete())
        aggregate.reset_cache()
        for index, (hosts, zone) in enumerate(aggregates):
            metadata = {'availability_zone': zone} if zone else {'k': 'v'}
            aggregate.create(self.admin_ctx, 'agg%d' % index, sorted(hosts),
                             metadata)
        rows = [{'uuid': str(i), 'host': host, 'availability_zone': az}
                for i, (host, az) in enumerate(servers)]
        zones = aggregate.AggregateList.instance_zones(
            self.admin_ctx, self.conf, rows)
        for row in rows:
            self.assertEqual(self.nova_zone(aggregates, row),
                             zones[row['uuid']] or '')
        services = [{'host': host, 'topic': 'compute'}
                    for host in self.HOSTS] + [{'host': 'h0',
                                               'topic': 'scheduler'}]
        self.assertEqual(
            [self.nova_service_zone(aggregates, h) for h in self.HOSTS] +
            ['internal'],
            aggregate.AggregateList.service_zones(self.admin_ctx, self.conf,
                                                  services))
