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

"""The Nova filter's pure pieces, with an application standing for Nova.

What it serves, what it leaves to Nova, which microversions it answers,
and how it loads (never stopping Nova). The filter inside a real Nova is
tested in ``nova_faults/tests/nova``.
"""

import logging
import os

import fixtures
import testtools
import webob
import webob.dec

from nova_faults.plugin import conf as conf_loader
from nova_faults.plugin import nova_filter
from nova_faults import policy


class FakeNova:
    """Answers everything 299 and, at ``latest``, names its maximum."""

    def __init__(self, max_version='2.100'):
        self.max_version = max_version
        self.calls = []

    @webob.dec.wsgify
    def __call__(self, req):
        self.calls.append((req.method, req.path_info))
        response = webob.Response(status=299, body=b'nova')
        if 'latest' in req.headers.get('OpenStack-API-Version', ''):
            response.headers['OpenStack-API-Version'] = (
                'compute %s' % self.max_version)
        return response


class NovaFilterTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.logs = self.useFixture(fixtures.FakeLogger(
            level=logging.INFO, format='%(levelname)s %(message)s'))
        policy.reset()
        self.addCleanup(policy.reset)
        self.dir = self.useFixture(fixtures.TempDir()).path

    def write_conf(self, text):
        path = os.path.join(self.dir, 'nova.conf')
        with open(path, 'w') as stream:
            stream.write(text)
        return path

    def make(self, text='[api_database]\nconnection = sqlite://\n',
             nova=None, **local):
        local.setdefault('config_file', self.write_conf(text))
        self.nova = nova or FakeNova()
        return nova_filter.filter_factory({}, **local)(self.nova)

    def test_missing_connection_passes_through(self):
        app = self.make('[DEFAULT]\n')
        self.assertIsInstance(app, nova_filter.PassThrough)
        self.assertIn('ERROR nova-faults filter disabled, every request '
                      'goes to Nova: [api_database] connection is not set',
                      self.logs.output)
        response = webob.Request.blank('/servers/detail').get_response(app)
        self.assertEqual(299, response.status_int)

    def test_no_configuration_at_all(self):
        app = nova_filter.filter_factory({}, config_file='')(FakeNova())
        self.assertIsInstance(app, nova_filter.PassThrough)
        self.assertIn('no configuration file', self.logs.output)

    def test_unparsable_file_passes_through(self):
        app = self.make('[api_database\nconnection = x\n')
        self.assertIsInstance(app, nova_filter.PassThrough)
        self.assertIn('could not be read', self.logs.output)

    def test_disabled(self):
        app = self.make('[api_database]\nconnection = sqlite://\n'
                        '[nova_faults]\nenabled = False\n')
        self.assertIsInstance(app, nova_filter.PassThrough)

    def test_nova_settings_and_ours(self):
        path = self.write_conf(
            '[api_database]\nconnection = sqlite://\n'
            '[api]\nmax_limit = 7\n'
            '[nova_faults]\ncell_timeout = 5\ncell_cache_ttl = 0\n')
        conf = conf_loader.load({'config_file': path})
        self.assertEqual(7, conf.api.max_limit)
        self.assertEqual(5, conf.api.cell_timeout)
        self.assertEqual(0, conf.api_database.cell_cache_ttl)

    def test_process_files(self):
        from oslo_config import cfg
        process = cfg.ConfigOpts()
        path = self.write_conf('[api_database]\nconnection = sqlite://\n')
        process(['--config-file', path], project='nova')
        self.assertEqual(([path], []), conf_loader.sources({}, process))
        # The paste keys win.
        self.assertEqual((['a', 'b'], ['c']), conf_loader.sources(
            {'config_file': 'a, b', 'config_dir': 'c'}, process))
        # A ConfigOpts never called: not inside Nova.
        self.assertEqual(([], []), conf_loader.sources({}, cfg.ConfigOpts()))

    def _passes(self, app, path, method='GET', version=None):
        req = webob.Request.blank(path, method=method)
        if version:
            req.headers['OpenStack-API-Version'] = 'compute %s' % version
        before = len(self.nova.calls)
        response = req.get_response(app)
        return response.status_int == 299 and \
            self.nova.calls[before:][-1] == (method, path)

    def test_what_goes_to_nova(self):
        app = self.make()
        self.assertIsInstance(app, nova_filter.NovaFaults)
        for method, path in (('POST', '/servers'),
                             ('PUT', '/os-services/x'),
                             ('DELETE', '/servers/x'),
                             ('HEAD', '/servers/detail'),
                             ('GET', '/flavors'),
                             ('GET', '/servers/x/os-interface'),
                             ('GET', '/not-hex-project/servers'),
                             ('GET', '/os-services/x')):
            self.assertTrue(self._passes(app, path, method), path)

    def test_routes_setting(self):
        app = self.make('[api_database]\nconnection = sqlite://\n'
                        '[nova_faults]\nroutes = servers:index\n')
        # NOTE: /servers/detail must not fall to servers:show.
        self.assertIsNone(app._find('/servers/detail'))
        self.assertIsNone(app._find('/servers/x'))
        self.assertIsNotNone(app._find('/servers'))
        self.assertIsNotNone(app._find('/0123abcd/servers'))

    def _version(self, app, value, legacy=False):
        req = webob.Request.blank('/servers')
        if value is not None:
            name = ('X-OpenStack-Nova-API-Version' if legacy
                    else 'OpenStack-API-Version')
            req.headers[name] = value if legacy else 'compute %s' % value
        version = app._version(req)
        return None if version is None else str(version)

    def test_versions_from_nova(self):
        app = self.make(nova=FakeNova('2.90'))
        self.assertEqual('2.1', self._version(app, None))
        self.assertEqual('2.90', self._version(app, 'latest'))
        self.assertEqual('2.90', self._version(app, '2.90'))
        self.assertEqual('2.53', self._version(app, '2.53', legacy=True))
        for refused in ('2.91', '2.0', '3.0', '2.x', 'LATEST', '2.01'):
            self.assertIsNone(self._version(app, refused), refused)
        # Nova was asked once, at "latest", on its version document.
        self.assertEqual([('GET', '/')], self.nova.calls)

    def test_newer_nova(self):
        app = self.make(nova=FakeNova('2.150'))
        # "latest" is Nova's: we cannot answer it.
        self.assertEqual('2.104', self._version(app, '2.104'))
        self.assertEqual('2.104', str(app.max_version(None)))
        self.assertIsNone(self._version(app, '2.105'))

    def test_configured_maximum(self):
        app = self.make('[api_database]\nconnection = sqlite://\n'
                        '[nova_faults]\nmax_microversion = 2.60\n')
        self.assertEqual('2.60', self._version(app, 'latest'))
        self.assertIsNone(self._version(app, '2.61'))
        self.assertEqual([], self.nova.calls)

    def test_nova_without_version_headers(self):
        class Silent(FakeNova):
            @webob.dec.wsgify
            def __call__(self, req):
                self.calls.append((req.method, req.path_info))
                return webob.Response(status=299)
        app = self.make(nova=Silent())
        self.assertIsNone(self._version(app, '2.1'))
        self.assertIn('set [nova_faults] max_microversion', self.logs.output)
        self.assertTrue(self._passes(app, '/servers'))
