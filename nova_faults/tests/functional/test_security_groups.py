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

"""``security_groups`` in server views, from a Neutron served over HTTP.

The fake Neutron listens on 127.0.0.1; ``[neutron]`` points at it with
``auth_type = none`` and ``endpoint_override``, as a Nova with a
keystone-less Neutron is configured. The API runs its real pipeline.
"""

import threading
import time
import uuid

import fixtures

from nova_faults import cells
from nova_faults.db import mappings as db_mappings
from nova_faults import neutron
from nova_faults.objects import security_group
from nova_faults.tests import fake_neutron
from nova_faults.tests.functional import servers_base
from nova_faults import transport

DETAIL = '/servers/detail'


class NeutronTestCase(servers_base.ServersTestCase):

    def setUp(self):
        super().setUp()
        self.neutron = self.useFixture(fake_neutron.FakeNeutron())
        self.conf.set_override('auth_type', 'none', group='neutron')
        self.conf.set_override('endpoint_override', self.neutron.endpoint,
                               group='neutron')
        self.conf.set_override('timeout', 1, group='neutron')
        neutron.reset(self.conf)
        self.addCleanup(neutron.reset, self.conf)
        security_group.reset_warnings()
        self.addCleanup(security_group.reset_warnings)

    def warnings(self):
        return [line for line in self.logs.output.splitlines()
                if ' WARNING ' in line and 'Neutron' in line]


class SecurityGroupsCases:
    """What a server view shows of Neutron's groups, and its failures.

    Run twice: with Neutron's calls sent from the request's thread and
    read when the view needs them (``http://``, :class:`SecurityGroupsTest`),
    and made in the pool's threads (:class:`ThreadedSecurityGroupsTest`).
    """

    def setUp(self):
        super().setUp()
        self.web = self.neutron.add_security_group('web')
        self.db = self.neutron.add_security_group('db')
        self.nameless = self.neutron.add_security_group('')
        self.s1 = self.make_server(cell=0)
        self.s2 = self.make_server(cell=1)
        self.s3 = self.make_server(cell=0)
        self.neutron.add_port(self.s1['uuid'], [self.web, self.db])
        self.neutron.add_port(self.s2['uuid'], [self.db])
        self.neutron.add_port(self.s2['uuid'], [self.nameless, self.db])
        # s3 has no port: no key, as in Nova.

    def by_id(self, response):
        self.assertEqual(200, response.status_int, response.text)
        return {s['id']: s for s in response.json['servers']}

    def test_detail_shows_nova_shape_with_two_calls(self):
        servers = self.by_id(self.admin_get(DETAIL))
        self.assertEqual([{'name': 'web'}, {'name': 'db'}],
                         servers[self.s1['uuid']]['security_groups'])
        # NOTE: as Nova: a nameless group shows its id, a group on two
        # ports is listed twice.
        self.assertEqual([{'name': 'db'}, {'name': self.nameless['id']},
                          {'name': 'db'}],
                         servers[self.s2['uuid']]['security_groups'])
        self.assertNotIn('security_groups', servers[self.s3['uuid']])
        ports = self.neutron.requests_for('ports')
        groups = self.neutron.requests_for('security-groups')
        self.assertEqual(1, len(ports))
        self.assertEqual(1, len(groups))
        self.assertEqual(
            sorted(s['uuid'] for s in (self.s1, self.s2, self.s3)),
            sorted(v for k, v in ports[0].query if k == 'device_id'))
        self.assertEqual(
            sorted([self.web['id'], self.db['id'], self.nameless['id']]),
            sorted(v for k, v in groups[0].query if k == 'id'))
        self.assertEqual(['id', 'name'],
                         [v for k, v in groups[0].query if k == 'fields'])

    def test_show_at_every_version(self):
        for version in ('2.1', '2.47', '2.100'):
            response = self.admin_get('/servers/%s' % self.s1['uuid'],
                                      version=version)
            self.assertEqual(200, response.status_int, response.text)
            servers_base.validate_servers(self, 'get_server', response,
                                          version)
            if version != '2.100':
                # NOTE: servers without a request spec show null hints
                # in the list at 2.100, as Nova; tempest's schema refuses.
                detail = self.admin_get(DETAIL, version=version)
                servers_base.validate_servers(self, 'list_servers_detail',
                                              detail, version)
            self.assertEqual([{'name': 'web'}, {'name': 'db'}],
                             response.json['server']['security_groups'])
            response = self.admin_get('/servers/%s' % self.s3['uuid'],
                                      version=version)
            self.assertNotIn('security_groups', response.json['server'])

    def test_index_does_not_ask_neutron(self):
        response = self.admin_get('/servers')
        self.assertEqual(200, response.status_int)
        for server in response.json['servers']:
            self.assertNotIn('security_groups', server)
        self.assertEqual([], self.neutron.requests)

    def test_one_call_each_per_page(self):
        response = self.admin_get(DETAIL + '?limit=2')
        self.assertEqual(2, len(response.json['servers']))
        self.assertEqual(1, len(self.neutron.requests_for('ports')))
        self.assertEqual(
            2, len([v for k, v in self.neutron.requests_for('ports')[0].query
                    if k == 'device_id']))

    def test_global_request_id_is_sent(self):
        global_id = 'req-12345678-1234-1234-1234-123456789abc'
        self.api.get(DETAIL, headers={'X-Openstack-Request-Id': global_id})
        sent = [r.headers.get('x-openstack-request-id')
                for r in self.neutron.requests]
        self.assertEqual([global_id, global_id], sent)

    def _assert_served_without_groups(self, response):
        servers = self.by_id(response)
        self.assertEqual(3, len(servers))
        for server in servers.values():
            self.assertNotIn('security_groups', server)
            self.assertEqual('ACTIVE', server['status'])

    def _assert_failure_served(self):
        self._assert_served_without_groups(self.admin_get(DETAIL))
        self.assertEqual(1, len(self.warnings()), self.logs.output)
        response = self.admin_get('/servers/%s' % self.s1['uuid'])
        self.assertEqual(200, response.status_int)
        self.assertNotIn('security_groups', response.json['server'])
        # NOTE: at most one WARNING per interval, whatever the requests.
        self.assertEqual(1, len(self.warnings()), self.logs.output)
        self.assertNotIn('Traceback', self.logs.output)

    def test_neutron_500(self):
        self.neutron.fail(500)
        self._assert_failure_served()
        self.assertIn('HTTP 500', self.warnings()[0])

    def test_neutron_503_on_groups_only(self):
        self.neutron.fail(503, collection='security-groups')
        self._assert_failure_served()

    def test_neutron_refuses_connections(self):
        self.neutron.refuse()
        self._assert_failure_served()
        self.assertIn('ConnectFailure', self.warnings()[0])

    def test_neutron_malformed_body(self):
        self.neutron.malformed(collection='ports')
        self._assert_failure_served()

    def test_neutron_slower_than_the_timeout(self):
        self.neutron.set_delay(3, collection='ports', times=2)
        self._assert_failure_served()

    def test_recovers_when_neutron_answers_again(self):
        self.neutron.fail(503, times=1)
        self._assert_served_without_groups(self.admin_get(DETAIL))
        servers = self.by_id(self.admin_get(DETAIL))
        self.assertIn('security_groups', servers[self.s1['uuid']])

    def test_other_project_sees_no_other_servers_ports(self):
        response = self.user_get(DETAIL)
        self.assertEqual(200, response.status_int)
        device_ids = [v for r in self.neutron.requests_for('ports')
                      for k, v in r.query if k == 'device_id']
        listed = {s['id'] for s in response.json['servers']}
        self.assertEqual(listed, set(device_ids))


class SecurityGroupsTest(SecurityGroupsCases, NeutronTestCase):

    def test_show_sends_to_neutron_before_it_reads_the_server(self):
        events = []
        real_init = transport.Exchange.__init__
        real_finish = transport.Exchange.finish
        real_mapping = db_mappings.instance_mapping_get_by_instance_uuid

        def sent(exchange, *args, **kwargs):
            real_init(exchange, *args, **kwargs)
            events.append('sent %s' % exchange.path.split('?')[0])

        def finish(exchange):
            events.append('read %s' % exchange.path.split('?')[0])
            return real_finish(exchange)

        def mapping(*args, **kwargs):
            events.append('server read')
            return real_mapping(*args, **kwargs)
        for owner, name, new in (
                (transport.Exchange, '__init__', sent),
                (transport.Exchange, 'finish', finish),
                (db_mappings, 'instance_mapping_get_by_instance_uuid',
                 mapping)):
            self.useFixture(fixtures.MockPatchObject(owner, name, new))
        # A server that is not found: the ports were asked for, and the
        # 404 is answered without reading Neutron's answer.
        response = self.admin_get('/servers/%s' % uuid.uuid4())
        self.assertEqual(404, response.status_int)
        self.assertEqual(['sent /v2.0/ports', 'server read'], events)
        # Not a UUID: nothing is asked.
        del events[:]
        self.assertEqual(404, self.admin_get('/servers/x').status_int)
        self.assertEqual([], events)
        # The first time, the groups are asked for once the ports are
        # known; the next time, they are asked for with the ports.
        for asked in (['sent /v2.0/ports', 'server read', 'read /v2.0/ports',
                       'sent /v2.0/security-groups',
                       'read /v2.0/security-groups'],
                      ['sent /v2.0/ports', 'sent /v2.0/security-groups',
                       'server read', 'read /v2.0/ports',
                       'read /v2.0/security-groups']):
            del events[:]
            response = self.admin_get('/servers/%s' % self.s1['uuid'])
            self.assertEqual([{'name': 'web'}, {'name': 'db'}],
                             response.json['server']['security_groups'])
            self.assertEqual(asked, events)


class ThreadedSecurityGroupsTest(SecurityGroupsCases, NeutronTestCase):

    def setUp(self):
        super().setUp()
        # keystoneauth1 collects each call's timing: its answers cannot
        # be read later, so the calls are made in the pool's threads.
        self.conf.set_override('collect_timing', True, group='neutron')
        neutron.reset(self.conf)

    def _hold_neutron(self):
        """names_by_instance blocked until released; what it saw."""
        release = threading.Event()
        self.addCleanup(release.set)
        seen = {'threads': [], 'finished': False}
        real = security_group.SecurityGroupList.names_by_instance.__func__

        def held(cls, ctx, conf, uuids):
            seen['threads'].append(threading.current_thread().name)
            release.wait(10)
            seen['finished'] = True
            return real(cls, ctx, conf, uuids)
        self.useFixture(fixtures.MockPatchObject(
            security_group.SecurityGroupList, 'names_by_instance',
            classmethod(held)))
        return release, seen

    def test_show_asks_neutron_while_it_reads_the_server(self):
        release, seen = self._hold_neutron()
        # A server that is not found: answered without waiting for
        # Neutron's answer (which it does not need).
        response = self.admin_get('/servers/%s' % uuid.uuid4())
        self.assertEqual(404, response.status_int)
        self.assertFalse(seen['finished'])
        # The call may not have started yet when the 404 is answered.
        for _ in range(1000):
            if seen['threads']:
                break
            time.sleep(0.01)
        self.assertEqual(1, len(seen['threads']))
        self.assertTrue(seen['threads'][0].startswith('nova-faults-neutron'),
                        seen['threads'])
        # Not a UUID: nothing is asked.
        self.assertEqual(404, self.admin_get('/servers/x').status_int)
        self.assertEqual(1, len(seen['threads']))
        release.set()
        response = self.admin_get('/servers/%s' % self.s1['uuid'])
        self.assertEqual([{'name': 'web'}, {'name': 'db'}],
                         response.json['server']['security_groups'])
        self.assertTrue(seen['finished'])


class NeutronNotConfiguredTest(servers_base.ServersTestCase):

    def test_key_omitted_and_nothing_asked(self):
        neutron_fake = self.useFixture(fake_neutron.FakeNeutron())
        server = self.make_server()
        neutron_fake.add_port(server['uuid'],
                              [neutron_fake.add_security_group('web')])
        for path in (DETAIL, '/servers/%s' % server['uuid']):
            response = self.admin_get(path)
            self.assertEqual(200, response.status_int)
            self.assertNotIn('security_groups', response.text)
        self.assertEqual([], neutron_fake.requests)
        self.assertFalse(neutron.is_configured(self.conf))


class DownCellSecurityGroupsTest(NeutronTestCase):
    """A down cell's server in the detailed list (2.69) keeps its groups."""

    cell_count = 1

    def test_minimal_record_shows_groups(self):
        up = self.make_server(0)
        down = db_mappings.cell_mapping_create(self.admin_ctx, {
            'name': 'down', 'transport_url': 'none:///',
            'database_connection': 'mysql+pymysql://nobody@127.0.0.1:1/x'})
        cells.reset_cache()
        lost = '3f0d4d6c-2222-4c1e-9a53-0c6a4f2b7e01'
        db_mappings.instance_mapping_create(self.admin_ctx, {
            'instance_uuid': lost, 'cell_uuid': down['uuid'],
            'project_id': servers_base.PROJECT, 'user_id': 'demo'})
        web = self.neutron.add_security_group('web')
        self.neutron.add_port(lost, [web])
        self.neutron.add_port(up['uuid'], [web])
        response = self.user_get(DETAIL, version='2.69')
        self.assertEqual(200, response.status_int, response.text)
        servers = {s['id']: s for s in response.json['servers']}
        # NOTE: as Nova: the five keys of a minimal record, and the groups.
        self.assertEqual({'id', 'status', 'tenant_id', 'created', 'links',
                          'security_groups'}, set(servers[lost]))
        self.assertEqual([{'name': 'web'}], servers[lost]['security_groups'])
        self.assertEqual([{'name': 'web'}],
                         servers[up['uuid']]['security_groups'])
        self.assertEqual(1, len(self.neutron.requests_for('ports')))
