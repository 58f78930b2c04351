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

"""nova-faults inside Nova 34's own pipeline, against plain Nova.

Two copies of Nova's API run over HTTP on the same databases: Nova's
shipped api-paste.ini, and the same file with the documented filter
inserted. Every request is sent to both and the answers compared
(status and JSON body; link host and port normalised).
"""

import json
import os
import re
import time

import requests
import testtools

from nova_faults.tests.nova import harness

USER = harness.token()
ADMIN = harness.token(harness.ADMIN, harness.PROJECT,
                      ('admin', 'member', 'reader'))
OTHER = harness.token('other-user', harness.OTHER_PROJECT)

_ONE_OF = re.compile(r'one of \[([^\]]*)\]')

VERSIONS = ('2.1', '2.16', '2.47', '2.62', '2.69', '2.84', '2.96',
            '2.100', 'latest')


class NovaFilterTestCase(testtools.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.world = harness.NovaWorld.get()
        cls.nova = cls.world.serve(cls.world.nova_app)
        cls.filtered = cls.world.serve(cls.world.filtered_app)

    @classmethod
    def tearDownClass(cls):
        cls.nova.cleanUp()
        cls.filtered.cleanUp()
        super().tearDownClass()

    def call(self, server, path, token=USER, version=None, method='GET',
             body=None):
        headers = {'X-Auth-Token': token}
        if version is not None:
            headers['OpenStack-API-Version'] = 'compute %s' % version
        path = path.format(**self.world.servers)
        return requests.request(method, server.url + path, headers=headers,
                                json=body, timeout=60)

    def both(self, path, **kwargs):
        """(plain Nova's answer, filtered Nova's answer)."""
        return (self.call(self.nova, path, **kwargs),
                self.call(self.filtered, path, **kwargs))

    def body(self, response, server):
        text = response.text.replace(server.url, 'http://nova')
        try:
            body = json.loads(text)
        except ValueError:
            return text
        fault = body.get('badRequest') if isinstance(body, dict) else None
        if fault and isinstance(fault.get('message'), str):
            # NOTE: Nova lists a schema's allowed values from a set: their
            # order changes with the process' hash seed. Compare them
            # sorted.
            fault['message'] = _ONE_OF.sub(
                lambda match: 'one of %s' % sorted(
                    item.strip().strip("'")
                    for item in match.group(1).split(',')),
                fault['message'])
        return body

    def assertSame(self, path, **kwargs):
        nova, ours = self.both(path, **kwargs)
        where = '%s %s' % (path, kwargs)
        self.assertEqual(nova.status_code, ours.status_code, where)
        self.assertEqual(self.body(nova, self.nova),
                         self.body(ours, self.filtered), where)
        for name in ('OpenStack-API-Version', 'X-OpenStack-Nova-API-Version'):
            self.assertEqual(nova.headers.get(name), ours.headers.get(name),
                             where)
        return nova, ours


class OurRoutesTest(NovaFilterTestCase):
    """Nova's answers, our code: identical bodies where Nova answers."""

    ROUTES = (
        '/v2.1/servers',
        '/v2.1/servers/detail',
        '/v2.1/servers/detail?all_tenants=1',
        '/v2.1/servers/detail?status=ERROR',
        '/v2.1/servers?limit=1',
        '/v2.1/servers/{error}',
        '/v2.1/servers/{active}',
        '/v2.1/servers/{geneva}',
        '/v2.1/servers/{other}',
        '/v2.1/servers/{error}/os-instance-actions',
        '/v2.1/servers/{active}/os-instance-actions',
        '/v2.1/os-services',
        '/v2.1/os-services?binary=nova-compute',
        '/v2.1/%s/servers/detail' % harness.PROJECT,
        '/v2.1/%s/servers/{error}' % harness.PROJECT,
        '/v2.1/servers/%s' % '00000000-0000-0000-0000-000000000000',
        '/v2.1/servers/detail?limit=-1',
        '/v2.1/servers/detail?sort_key=nope',
    )

    def test_routes_versions_and_users(self):
        checked = 0
        for path in self.ROUTES:
            for version in VERSIONS:
                for token in (USER, ADMIN, OTHER):
                    self.assertSame(path, token=token, version=version)
                    checked += 1
        self.assertEqual(len(self.ROUTES) * len(VERSIONS) * 3, checked)

    def test_action_show(self):
        nova, _ours = self.both('/v2.1/servers/{error}/os-instance-actions',
                                token=ADMIN, version='2.84')
        request_ids = [action['request_id']
                       for action in nova.json()['instanceActions']]
        self.assertEqual(3, len(request_ids))
        for request_id in request_ids:
            for version in ('2.1', '2.51', '2.62', '2.84', 'latest'):
                for token in (USER, ADMIN):
                    self.assertSame(
                        '/v2.1/servers/{error}/os-instance-actions/' +
                        request_id, token=token, version=version)

    def test_no_version_or_legacy_header(self):
        self.assertSame('/v2.1/servers/detail')
        nova = requests.get(
            self.nova.url + '/v2.1/servers/detail', timeout=60,
            headers={'X-Auth-Token': USER,
                     'X-OpenStack-Nova-API-Version': '2.60'})
        ours = requests.get(
            self.filtered.url + '/v2.1/servers/detail', timeout=60,
            headers={'X-Auth-Token': USER,
                     'X-OpenStack-Nova-API-Version': '2.60'})
        self.assertEqual(self.body(nova, self.nova),
                         self.body(ours, self.filtered))

    def test_versions_nova_refuses(self):
        for version in ('2.0', '2.105', '3.0', '2.x', 'LATEST'):
            nova, ours = self.assertSame('/v2.1/servers/detail',
                                         version=version)
            self.assertIn(nova.status_code, (400, 406))

    def test_one_pair_of_request_ids(self):
        response = self.call(self.filtered, '/v2.1/servers/{error}',
                             version='2.84')
        self.assertEqual(200, response.status_code)
        local = response.headers['x-openstack-request-id']
        self.assertEqual(local, response.headers['x-compute-request-id'])
        self.assertNotIn(',', local)
        self.assertRegex(local, r'^req-[0-9a-f-]{36}$')


class OurImprovementsTest(NovaFilterTestCase):
    """Proof that nova-faults answers: where Nova fails, we do not."""

    def test_down_cell_server_actions(self):
        for version in ('2.1', '2.69', '2.84'):
            nova, ours = self.both(
                '/v2.1/servers/{down}/os-instance-actions', version=version)
            self.assertEqual(500, nova.status_code)
            self.assertEqual(503, ours.status_code, ours.text)
            message = ours.json()['serviceUnavailable']['message']
            self.assertIn(self.world.seeder.cells['down'].uuid, message)
            self.assertIn(ours.headers['x-openstack-request-id'], message)
            self.assertNotIn('sqlite', message)

    def test_down_cell_server_show(self):
        # Before 2.69 a server in a down cell is our 503 where Nova's
        # is an opaque 500; from 2.69 both answer the minimal record.
        nova, ours = self.both('/v2.1/servers/{down}', version='2.1')
        self.assertEqual((500, 503), (nova.status_code, ours.status_code))
        self.assertSame('/v2.1/servers/{down}', version='2.69')
        self.assertSame('/v2.1/servers/{down}', version='2.84')


class PassThroughTest(NovaFilterTestCase):
    """Everything else is Nova's answer, byte for byte."""

    def test_other_routes(self):
        for path in ('/v2.1/flavors', '/v2.1/flavors/detail',
                     '/v2.1/flavors/2', '/v2.1/limits',
                     '/v2.1/os-availability-zone',
                     '/v2.1/os-availability-zone/detail',
                     '/v2.1/os-hypervisors',
                     '/v2.1/os-hypervisors/detail', '/v2.1/os-aggregates',
                     '/v2.1/os-keypairs', '/v2.1/no-such-thing',
                     '/v2.1/servers/{error}/os-interface',
                     '/v2.1/servers/{error}/metadata', '/', '/v2.1',
                     '/v2.1/'):
            for version in ('2.1', '2.53', 'latest'):
                for token in (USER, ADMIN):
                    nova, ours = self.both(path, token=token,
                                           version=version)
                    self.assertEqual(nova.status_code, ours.status_code,
                                     path)
                    self.assertEqual(self.body(nova, self.nova),
                                     self.body(ours, self.filtered), path)

    def test_writes_and_other_methods(self):
        for method, path, body in (
                ('POST', '/v2.1/servers', {'server': {'name': 1}}),
                ('POST', '/v2.1/servers', 'not json'),
                ('PUT', '/v2.1/os-services/nope', {}),
                ('DELETE', '/v2.1/os-keypairs/no-such-key', None),
                ('HEAD', '/v2.1/servers/detail', None),
                ('PATCH', '/v2.1/servers/{error}', {})):
            nova, ours = self.both(path, method=method, body=body,
                                   token=ADMIN, version='2.84')
            self.assertEqual(nova.status_code, ours.status_code, path)
            self.assertEqual(self.body(nova, self.nova),
                             self.body(ours, self.filtered), path)

    def test_no_token(self):
        nova, ours = self.both('/v2.1/servers/detail', token='')
        self.assertEqual(401, nova.status_code)
        self.assertEqual((nova.status_code, nova.text),
                         (ours.status_code, ours.text))


class NovaPolicyFileTest(NovaFilterTestCase):
    """One policy file, Nova's: tuning it changes our answers too."""

    RULES = ('"os_compute_api:os-instance-actions:events": '
             '"rule:admin_or_owner"\n'
             '"os_compute_api:servers:show:host_status": '
             '"rule:admin_or_owner"\n')

    def _write_policy(self, text):
        with open(self.world.policy_file, 'w') as stream:
            stream.write(text)
        # NOTE: oslo.policy reloads a file whose mtime grew.
        later = max(time.time(), os.path.getmtime(self.world.policy_file))
        os.utime(self.world.policy_file, (later + 10, later + 10))

    def test_owner_sees_events_and_host_status(self):
        path = '/v2.1/servers/{error}'
        nova, ours = self.both(path, version='2.84')
        self.assertNotIn('host_status', ours.json()['server'])
        self.addCleanup(self._write_policy, '{}\n')
        self._write_policy(self.RULES)
        nova, ours = self.assertSame(path, version='2.84')
        # The server's host is disabled: MAINTENANCE.
        self.assertEqual('MAINTENANCE', ours.json()['server']['host_status'])
        listing = self.call(self.filtered,
                            '/v2.1/servers/{error}/os-instance-actions',
                            version='2.84').json()['instanceActions']
        request_id = listing[0]['request_id']
        nova, ours = self.assertSame(
            '/v2.1/servers/{error}/os-instance-actions/' + request_id,
            version='2.84')
        self.assertIn('events', ours.json()['instanceAction'])
        # admin_or_owner is "is_admin:True or project_id:...": an admin
        # sees another project's host status, in Nova and here.
        nova, ours = self.assertSame('/v2.1/servers/{other}', token=ADMIN,
                                     version='2.16')
        self.assertEqual('UP', ours.json()['server']['host_status'])
