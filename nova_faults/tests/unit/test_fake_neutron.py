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

"""The fake Neutron answers as Neutron does, over real HTTP."""

import http.client
import json
import socket
from urllib import parse as urlparse

from keystoneauth1 import adapter
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session
import testtools

from nova_faults.tests import fake_neutron


class FakeNeutronTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.neutron = self.useFixture(fake_neutron.FakeNeutron())
        self.adapter = adapter.Adapter(
            ks_session.Session(auth=noauth.NoAuth(), timeout=5),
            endpoint_override=self.neutron.endpoint,
            service_type='network')

    def get(self, path, **params):
        resp = self.adapter.get(path + '?' + urlparse.urlencode(
            params, doseq=True), raise_exc=False)
        return resp.status_code, resp

    def test_ports_by_device_ids_one_call(self):
        web = self.neutron.add_security_group('web')
        db = self.neutron.add_security_group('db')
        self.neutron.add_port('vm1', [web, db])
        self.neutron.add_port('vm2', [db])
        self.neutron.add_port('vm3', [web])
        status, resp = self.get('/v2.0/ports', device_id=['vm1', 'vm2'])
        self.assertEqual(200, status)
        ports = resp.json()['ports']
        self.assertEqual(['vm1', 'vm2'], [p['device_id'] for p in ports])
        self.assertEqual([[web['id'], db['id']], [db['id']]],
                         [p['security_groups'] for p in ports])
        self.assertEqual(1, len(self.neutron.requests_for('ports')))
        request = self.neutron.requests_for('ports')[0]
        self.assertEqual([('device_id', 'vm1'), ('device_id', 'vm2')],
                         request.query)

    def test_security_groups_by_ids_and_fields(self):
        web = self.neutron.add_security_group('web')
        self.neutron.add_security_group('db')
        status, resp = self.get('/v2.0/security-groups', id=[web['id']],
                                fields=['id', 'name'])
        self.assertEqual(200, status)
        self.assertEqual({'security_groups': [{'id': web['id'],
                                               'name': 'web'}]},
                         resp.json())

    def test_show_and_not_found(self):
        port = self.neutron.add_port('vm1')
        status, resp = self.get('/v2.0/ports/%s' % port['id'])
        self.assertEqual((200, port['id']),
                         (status, resp.json()['port']['id']))
        status, resp = self.get('/v2.0/ports/nope.json')
        self.assertEqual(404, status)
        self.assertEqual('PortNotFound', resp.json()['NeutronError']['type'])

    def test_unknown_filter_is_400(self):
        self.neutron.add_port('vm1')
        status, resp = self.get('/v2.0/ports', colour='blue')
        self.assertEqual(400, status)
        self.assertIn('NeutronError', resp.json())

    def test_version_discovery_and_extensions(self):
        status, resp = self.get('/')
        self.assertEqual('v2.0', resp.json()['versions'][0]['id'])
        status, resp = self.get('/v2.0/extensions')
        self.assertIn('security-group',
                      [e['alias'] for e in resp.json()['extensions']])

    def test_failures_limited_to_a_collection_and_count(self):
        self.neutron.fail(503, collection='ports', times=1)
        self.assertEqual(503, self.get('/v2.0/ports')[0])
        self.assertEqual(200, self.get('/v2.0/security-groups')[0])
        self.assertEqual(200, self.get('/v2.0/ports')[0])
        self.neutron.fail(500)
        self.assertEqual(500, self.get('/v2.0/security-groups')[0])
        self.neutron.reset()
        self.assertEqual(200, self.get('/v2.0/security-groups')[0])

    def test_malformed_body(self):
        self.neutron.malformed(collection='ports')
        status, resp = self.get('/v2.0/ports')
        self.assertEqual(200, status)
        self.assertRaises(ValueError, json.loads, resp.text)

    def test_delay_beyond_the_client_timeout(self):
        self.neutron.set_delay(0.5, times=1)
        short = adapter.Adapter(
            ks_session.Session(auth=noauth.NoAuth(), timeout=0.1),
            endpoint_override=self.neutron.endpoint, service_type='network')
        # NOTE: keystoneauth reports a read timeout as ConnectTimeout.
        self.assertRaises(ks_exc.ConnectTimeout, short.get, '/v2.0/ports')

    def test_refuse_and_accept(self):
        self.neutron.refuse()
        self.assertRaises(ks_exc.ConnectFailure, self.adapter.get,
                          '/v2.0/ports')
        self.neutron.accept()
        self.assertEqual(200, self.get('/v2.0/ports')[0])

    def test_writes_are_refused(self):
        conn = http.client.HTTPConnection('127.0.0.1', self.neutron.port,
                                          timeout=5)
        self.addCleanup(conn.close)
        conn.request('POST', '/v2.0/ports', body=b'{}')
        self.assertEqual(405, conn.getresponse().status)

    def test_listens_on_loopback_only(self):
        with socket.create_connection(('127.0.0.1', self.neutron.port),
                                      timeout=5):
            pass
        self.assertTrue(self.neutron.endpoint.startswith('http://127.0.0.1:'))
