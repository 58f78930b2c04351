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

"""Which files the tracer reads, and whose logs it takes them for."""

import gzip
import os
import socket

import fixtures
import testtools

from nova_faults.tests.unit.trace import base
from nova_faults.trace import sources


class ServiceFromPathTest(testtools.TestCase):

    def test_names(self):
        cases = {
            '/var/log/nova/nova-api.log': 'nova-api',
            '/var/log/nova/nova-compute.log.1': 'nova-compute',
            '/var/log/nova/nova-compute.log.2.gz': 'nova-compute',
            '/var/log/nova/nova-conductor.log-20191202.gz': 'nova-conductor',
            '/var/log/neutron/server.log': 'neutron-server',
            '/var/log/neutron/openvswitch-agent.log': (
                'neutron-openvswitch-agent'),
            '/var/log/cinder/volume.log.1': 'cinder-volume',
            '/var/log/glance/api.log': 'glance-api',
            '/var/log/keystone/keystone.log': 'keystone',
            '/var/log/placement/placement-api.log': 'placement-api',
            '/var/log/httpd/placement_wsgi_error.log': (
                'placement-wsgi-error'),
            'logs/screen-n-cpu.txt': 'nova-compute',
            'logs/screen-q-svc.txt.gz': 'neutron-server',
            'journal/devstack@n-api.service.log': 'nova-api',
            '/tmp/output.txt': None,
            '/var/log/syslog': None,
        }
        for path, service in cases.items():
            self.assertEqual(service, sources.service_from_path(path), path)

    def test_looks_like_log(self):
        for name in ('nova-api.log', 'nova-api.log.1', 'nova-api.log.2.gz',
                     'server.log-20191202', 'server.log-20191202.xz',
                     'screen-n-cpu.txt', 'syslog', 'syslog.1', 'messages',
                     'messages-20191201', 'client-debug.out'):
            self.assertTrue(sources.looks_like_log(name), name)
        for name in ('.hidden.log', 'system.journal', 'wtmp', 'lastlog',
                     'nova.conf', 'README'):
            self.assertFalse(sources.looks_like_log(name), name)

    def test_host_from_dir(self):
        self.assertEqual('compute1', sources.host_from_dir(
            '/b', '/b/compute1/nova/nova-compute.log'))
        self.assertIsNone(sources.host_from_dir('/b', '/b/nova-api.log'))


class DiscoverTest(testtools.TestCase):

    def test_walk_with_hosts_and_gzip(self):
        root = base.logs(self, 'cloud')
        os.makedirs(os.path.join(root, 'controller', '.cache'))
        with open(os.path.join(root, 'controller', 'nova.conf'), 'w') as f:
            f.write('[DEFAULT]\n')
        srcs = sources.discover([root], 'here', use_host_from_dir=True)
        found = {os.path.relpath(s.path, root): (s.service, s.host,
                                                 s.compressed)
                 for s in srcs}
        self.assertEqual({
            'compute1/nova/nova-compute.log': (
                'nova-compute', 'compute1', False),
            'compute1/nova/nova-compute.log.1.gz': (
                'nova-compute', 'compute1', True),
            'controller/cinder/api.log': ('cinder-api', 'controller', False),
            'controller/glance/api.log': ('glance-api', 'controller', False),
            'controller/nova/nova-api.log': (
                'nova-api', 'controller', False),
            'controller/nova/nova-conductor.log': (
                'nova-conductor', 'controller', False),
            'controller/nova/nova-scheduler.log': (
                'nova-scheduler', 'controller', False),
            'controller/placement/placement-api.log': (
                'placement-api', 'controller', False),
            'network1/neutron/server.log': (
                'neutron-server', 'network1', False),
        }, found)

    def test_default_host_and_dedup(self):
        root = base.logs(self, 'kilo')
        api = os.path.join(root, 'controller', 'nova', 'nova-api.log')
        srcs = sources.discover([root, api, api], 'here')
        self.assertEqual(3, len(srcs))
        self.assertEqual({'here'}, {s.host for s in srcs})

    def test_explicit_file_is_read_whatever_its_name(self):
        root = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(root, 'debug-output')
        with open(path, 'w') as f:
            f.write('x\n')
        self.assertEqual([path], [s.path for s in sources.discover(
            [path], 'here')])
        self.assertEqual([], sources.discover([root], 'here'))

    def test_compressed_by_content_not_name(self):
        root = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(root, 'nova-api.log.1')
        with gzip.open(path, 'wb') as f:
            f.write(b'hello\n')
        src, = sources.discover([root], 'here')
        self.assertTrue(src.compressed)
        f, compressed = sources.open_source(path)
        with f:
            self.assertEqual(b'hello\n', f.read())
        self.assertTrue(compressed)

    def test_missing_path_raises_by_default(self):
        self.assertRaises(sources.SourceError, sources.discover,
                          ['/nonexistent/nova'], 'here')

    def test_missing_path_reported(self):
        errors = []
        srcs = sources.discover(['/nonexistent/nova'], 'here',
                                on_error=lambda p, e: errors.append(p))
        self.assertEqual([], srcs)
        self.assertEqual(['/nonexistent/nova'], errors)

    def test_unreadable_file_reported(self):
        # A file that cannot be opened is reported, not fatal. Root reads
        # files whatever their mode, so the file every user (root too)
        # fails to open is a UNIX socket with a log's name (ENXIO); for
        # any other user, a file of mode 000 too (EACCES).
        root = self.useFixture(fixtures.TempDir()).path
        unreadable = [os.path.join(root, 'nova-compute.log')]
        server = socket.socket(socket.AF_UNIX)
        self.addCleanup(server.close)
        server.bind(unreadable[0])
        if os.geteuid() != 0:
            path = os.path.join(root, 'nova-api.log')
            with open(path, 'w') as f:
                f.write('x\n')
            os.chmod(path, 0)
            unreadable.append(path)
        readable = os.path.join(root, 'nova-conductor.log')
        with open(readable, 'w') as f:
            f.write('x\n')
        errors = []
        found = sources.discover([root], 'here',
                                 on_error=lambda p, e: errors.append(p))
        self.assertEqual(sorted(unreadable), sorted(errors))
        self.assertEqual([readable], [source.path for source in found])
