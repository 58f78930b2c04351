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

"""The real ``openstack`` CLI: server list/show, compute service list/set.

python-openstackclient talks to the demo deployment served by cheroot,
with keystoneauth's ``admin_token`` auth type (``--os-endpoint`` and
``--os-token user:project``, which the ``noauth`` pipeline trusts).
Forcing a host down with ``compute service set --down`` turns its
servers' host_status to DOWN on the next request.
"""

import io
import json
import os
import subprocess

import fixtures
import webob
import webob.dec

from nova_faults import cells
from nova_faults import demo
from nova_faults.tests.functional import base
from nova_faults.tests.functional import test_instance_actions_cli as ia

ADMIN = 'admin:admin'
OWNER = 'demo:demo'


@webob.dec.wsgify
def identity_version_document(req):
    """A Keystone v3 version document: all "server list" needs of it."""
    body = {'version': {
        'id': 'v3.14', 'status': 'stable', 'updated': '2020-01-01T00:00:00Z',
        'links': [{'rel': 'self', 'href': req.host_url + '/v3/'}],
        'media-types': [{'base': 'application/json',
                         'type': 'application/vnd.openstack.identity-v3'
                                 '+json'}]}}
    return webob.Response(json_body=body)


class ServersCLITestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.openstack = ia.openstack_command()
        if self.openstack is None:
            self.skipTest('python-openstackclient is not installed')
        cells.reset()
        self.addCleanup(cells.reset)
        # The CLI is slow to start: keep the demo's heartbeats fresh.
        self.conf.set_override('service_down_time', 3600)
        demo.populate(self.conf, out=io.StringIO())
        self.server = self.useFixture(base.LiveServer(self.app))
        self.identity = self.useFixture(base.LiveServer(
            identity_version_document, threads=2))
        self.home = self.useFixture(fixtures.TempDir()).path
        self.vm = {name: demo.demo_uuid('server:' + name)
                   for name in ('vm1', 'vm2', 'vm3', 'vm5', 'vm6', 'vm7')}

    def cli(self, token, *args, version='2.100', output=True):
        env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
               'HOME': self.home, 'LANG': 'C.UTF-8',
               # NOTE: "server list" insists on an identity v3 proxy
               # (used only for --project); with one endpoint for every
               # service the SDK would read "v2.1" as identity v2.
               'OS_IDENTITY_ENDPOINT_OVERRIDE': self.identity.url + '/v3'}
        command = [self.openstack, '--os-auth-type', 'admin_token',
                   '--os-endpoint', self.server.url + '/v2.1',
                   '--os-token', token,
                   '--os-identity-api-version', '3',
                   '--os-compute-api-version', version] + list(args)
        if output:
            command += ['-f', 'json']
        result = subprocess.run(command, env=env, capture_output=True,
                                text=True, timeout=120)
        self.assertEqual(0, result.returncode,
                         'stdout: %s\nstderr: %s' % (result.stdout,
                                                     result.stderr))
        return json.loads(result.stdout) if output else result.stdout

    def test_server_list(self):
        servers = self.cli(OWNER, 'server', 'list', '--no-name-lookup')
        names = [s['Name'] for s in servers]
        # The demo's unreachable cell: vm8 and vm9 are 2.69 minimal
        # records (no name, status UNKNOWN).
        self.assertEqual(2, names.count(None))
        self.assertEqual({'vm1', 'vm2', 'vm3', 'vm5', 'vm6', 'vm7'},
                         set(names) - {None})
        by_name = {s['Name']: s for s in servers}
        self.assertEqual('ERROR', by_name['vm2']['Status'])
        self.assertEqual('ACTIVE', by_name['vm1']['Status'])
        self.assertEqual(self.vm['vm1'], by_name['vm1']['ID'])
        self.assertIn('10.0.0.11', json.dumps(by_name['vm1']['Networks']))
        # every project, as admin, with the long listing
        servers = self.cli(ADMIN, 'server', 'list', '--all-projects',
                           '--long', '--no-name-lookup')
        # NOTE: the client sends deleted=False; an admin keeps that filter
        # (a non-admin's is dropped), so, as in Nova, no minimal records.
        self.assertEqual(6, len(servers))
        hosts = {s['Name']: s['Host'] for s in servers}
        self.assertEqual('compute3', hosts['vm5'])

    def test_server_show(self):
        server = self.cli(OWNER, 'server', 'show', self.vm['vm2'])
        self.assertEqual('ERROR', server['status'])
        fault = server['fault']
        if isinstance(fault, str):
            fault = json.loads(fault.replace("'", '"'))
        self.assertEqual(500, fault['code'])
        self.assertEqual(ia.NO_VALID_HOST, fault['message'])
        self.assertNotIn('details', fault)
        server = self.cli(ADMIN, 'server', 'show', self.vm['vm7'],
                          version='2.16')
        self.assertEqual('UNKNOWN', server['host_status'])
        server = self.cli(OWNER, 'server', 'show', 'vm1')
        self.assertEqual(self.vm['vm1'], server['id'])
        # the SDK shows absent attributes as null
        self.assertIsNone(server.get('host_status'))

    def test_compute_service_list_and_force_down(self):
        services = self.cli(ADMIN, 'compute', 'service', 'list',
                            version='2.53')
        by_host = {(s['Host'], s['Binary']): s for s in services}
        self.assertEqual('down', by_host[('compute3', 'nova-compute')]
                         ['State'])
        self.assertEqual('disabled', by_host[('compute4', 'nova-compute')]
                         ['Status'])
        self.assertEqual('up', by_host[('compute1', 'nova-compute')]
                         ['State'])
        self.assertEqual('nova', by_host[('compute1', 'nova-compute')]
                         ['Zone'])
        server = self.cli(ADMIN, 'server', 'show', self.vm['vm1'],
                          version='2.16')
        self.assertEqual('UP', server['host_status'])
        self.cli(ADMIN, 'compute', 'service', 'set', '--down', 'compute1',
                 'nova-compute', version='2.11', output=False)
        server = self.cli(ADMIN, 'server', 'show', self.vm['vm1'],
                          version='2.16')
        self.assertEqual('DOWN', server['host_status'])
        services = self.cli(ADMIN, 'compute', 'service', 'list',
                            '--host', 'compute1', '--long', version='2.53')
        self.assertEqual([('nova-compute', 'down', True)],
                         [(s['Binary'], s['State'], s['Forced Down'])
                          for s in services])
        # and back up, by UUID (2.53)
        self.cli(ADMIN, 'compute', 'service', 'set', '--up', 'compute1',
                 'nova-compute', version='2.53', output=False)
        server = self.cli(ADMIN, 'server', 'show', self.vm['vm1'],
                          version='2.16')
        self.assertEqual('UP', server['host_status'])
