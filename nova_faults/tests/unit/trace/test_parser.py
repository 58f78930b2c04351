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

"""The line shapes the tracer understands, from the seeds and the wild."""

import datetime
import os

import fixtures
import testtools

from nova_faults.tests.unit.trace import base
from nova_faults.trace import parser

# Seed 002 (nova-api, 2016): the old single-ID context.
KILO_ERROR = (
    '2016-06-10 21:49:30.191 7533 ERROR nova.api.openstack '
    '[req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2 '
    '03384abb3c864c6bb55b09d33371beb4 276eb659fd4b44859849c773dcfdf138 '
    '- - -] Caught error: id')
KILO_TRACE = ('2016-06-10 21:49:30.191 7533 TRACE nova.api.openstack '
              '    return req.get_response(self.application)')
KILO_STATUS = (
    '2016-06-10 21:49:30.193 7533 INFO nova.osapi_compute.wsgi.server '
    '[req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2 '
    '03384abb3c864c6bb55b09d33371beb4 276eb659fd4b44859849c773dcfdf138 '
    '- - -] 192.168.199.80 "GET /v2/276eb659fd4b44859849c773dcfdf138/images/'
    'c9509d39-78b3-4509-94b5-8498e8e6acea HTTP/1.1" status: 500 len: 359 '
    'time: 0.0436440')
# Seed 000 (devstack journald).
DEVSTACK = (
    'Jun 19 09:16:34 devstack-master nova-compute[27857]: DEBUG '
    'keystoneauth.session [None req-034279a7-f2dd-40ff-9c93-75768fda494d '
    'admin admin] POST call to network for '
    'http://10.0.2.15:9696/v2.0/ports used request id '
    'req-39b315da-e1eb-4ab5-a45b-3f2dbdaba787 {{(pid=27857) request '
    '/usr/local/lib/python2.7/dist-packages/keystoneauth1/session.py:640}}')
# oslo.log today, with a global request ID.
NEW = ('2019-12-02 19:15:36.240 1944 ERROR nova.compute.manager '
       '[%s %s 046033fb3f824550999752b6525adbac '
       'b22597ea961545f3bde1b2ede0bd5b91 - default default] '
       '[instance: %s] Failure prepping block device'
       % (base.GLOBAL, base.NOVA, base.INSTANCE))
CLIENT_RESP = (
    'DEBUG (session:224) RESP: [200] Date: Fri, 10 Jun 2016 13:49:30 GMT '
    'Connection: keep-alive Content-Type: application/json Content-Length: '
    '508 X-Compute-Request-Id: req-9b2129f1-f24e-453a-88f3-f05580894e07 ')
CLIENT_ERROR = (
    'ERROR (ClientException): The server has either erred or is incapable '
    'of performing the requested operation. (HTTP 500) (Request-ID: '
    'req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2)')


class RequestIdTest(testtools.TestCase):

    def test_valid(self):
        self.assertTrue(parser.is_request_id(base.GLOBAL))

    def test_invalid(self):
        for value in ('', 'req-', base.GLOBAL[4:], base.GLOBAL + 'a',
                      'req-3dccb8c4-08fe-4706-a91d-e843b8fe9ed', 'req-' +
                      'g' * 8 + base.GLOBAL[12:], 'request-' + base.GLOBAL,
                      base.GLOBAL.replace('-', '_')):
            self.assertFalse(parser.is_request_id(value), value)

    def test_normalize(self):
        self.assertEqual(base.GLOBAL,
                         parser.normalize_request_id(' %s\n'
                                                     % base.GLOBAL.upper()))
        self.assertIsNone(parser.normalize_request_id('nonsense'))
        self.assertIsNone(parser.normalize_request_id(None))


class ContextTest(testtools.TestCase):

    def test_old_single_id(self):
        ctx = parser.parse_context(
            'req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2 0338 276e - - -')
        self.assertIsNone(ctx.global_id)
        self.assertEqual(base.KILO, ctx.local_id)
        self.assertEqual('0338 276e - - -', ctx.user_identity)

    def test_new_without_global(self):
        ctx = parser.parse_context('None %s admin admin' % base.NOVA)
        self.assertIsNone(ctx.global_id)
        self.assertEqual(base.NOVA, ctx.local_id)
        self.assertEqual('admin admin', ctx.user_identity)

    def test_new_with_global(self):
        ctx = parser.parse_context('%s %s u p - default default'
                                   % (base.GLOBAL, base.NOVA))
        self.assertEqual(base.GLOBAL, ctx.global_id)
        self.assertEqual(base.NOVA, ctx.local_id)

    def test_no_request(self):
        ctx = parser.parse_context('-')
        self.assertIsNone(ctx.global_id)
        self.assertIsNone(ctx.local_id)

    def test_not_a_context(self):
        self.assertIsNone(parser.parse_context('instance: %s'
                                               % base.INSTANCE))
        self.assertIsNone(parser.parse_context(''))


class ParseLineTest(testtools.TestCase):

    def test_oslo_old_format(self):
        line = parser.parse_line(KILO_ERROR)
        self.assertEqual('oslo', line.shape)
        self.assertEqual(datetime.datetime(2016, 6, 10, 21, 49, 30, 191000),
                         line.time)
        self.assertEqual(('7533', 'ERROR', 'nova.api.openstack'),
                         (line.pid, line.level, line.logger))
        self.assertEqual(base.KILO, line.context.local_id)
        self.assertEqual('Caught error: id', line.message)

    def test_oslo_trace_line(self):
        line = parser.parse_line(KILO_TRACE)
        self.assertEqual('TRACE', line.level)
        self.assertIsNone(line.context)
        self.assertEqual('    return req.get_response(self.application)',
                         line.message)

    def test_oslo_new_format_keeps_instance_in_message(self):
        line = parser.parse_line(NEW)
        self.assertEqual(base.GLOBAL, line.context.global_id)
        self.assertEqual(base.NOVA, line.context.local_id)
        self.assertEqual('[instance: %s] Failure prepping block device'
                         % base.INSTANCE, line.message)

    def test_iso_t_separator_and_offset(self):
        line = parser.parse_line(
            '2019-12-02T19:15:36.240+02:00 1944 INFO nova.compute.manager '
            '[-] hello')
        self.assertEqual(datetime.datetime(2019, 12, 2, 19, 15, 36, 240000),
                         line.time)
        self.assertEqual('hello', line.message)

    def test_syslog_journald(self):
        line = parser.parse_line(DEVSTACK, year=2017)
        self.assertEqual('syslog', line.shape)
        self.assertEqual(datetime.datetime(2017, 6, 19, 9, 16, 34),
                         line.time)
        self.assertEqual(('devstack-master', 'nova-compute', '27857'),
                         (line.host, line.program, line.pid))
        self.assertEqual(('DEBUG', 'keystoneauth.session'),
                         (line.level, line.logger))
        self.assertEqual(base.DEVSTACK_NOVA, line.context.local_id)
        self.assertTrue(line.message.startswith('POST call to network'))

    def test_syslog_without_oslo_body(self):
        line = parser.parse_line(
            'Jun  9 09:16:34 host1 haproxy[42]: 10.0.0.1 GET / 200')
        self.assertEqual('syslog', line.shape)
        self.assertIsNone(line.level)
        self.assertEqual(9, line.time.day)

    def test_client_debug(self):
        line = parser.parse_line(CLIENT_ERROR)
        self.assertEqual('client', line.shape)
        self.assertEqual(('ERROR', 'ClientException'),
                         (line.level, line.logger))
        self.assertIsNone(line.time)
        resp = parser.parse_line(CLIENT_RESP)
        self.assertEqual(('client', 'DEBUG', 'session'),
                         (resp.shape, resp.level, resp.logger))

    def test_plain(self):
        line = parser.parse_line('REQ: curl -g -i -X GET http://x/v2.1')
        self.assertEqual('plain', line.shape)
        self.assertEqual('REQ: curl -g -i -X GET http://x/v2.1',
                         line.message)


class MessageTest(testtools.TestCase):

    def test_http_status(self):
        cases = {
            KILO_STATUS: 500,
            'http://controller:8774/v2/x returned with HTTP 500': 500,
            '10.0.0.5 "POST /compute/v2.1/servers" status: 202 len: 414 '
            'microversion: 2.79 time: 0.489321': 202,
            '10.0.0.10 - - [02/Dec/2019 19:15:35] "GET /v2/images/x '
            'HTTP/1.1" 200 1027 0.036752': 200,
            '"GET /v2/276eb659fd4b44859849c773dcfdf138/images HTTP/1.1" '
            '200 508': 200,
            CLIENT_RESP: 200,
            CLIENT_ERROR: 500,
            'HTTP/1.1 404 Not Found content-length: 0': 404,
            'Lock "compute_resources" acquired': None,
        }
        for text, status in cases.items():
            self.assertEqual(status, parser.http_status(text), text)

    def test_http_request(self):
        self.assertEqual(
            ('GET', '/v2/276eb659fd4b44859849c773dcfdf138/images/'
             'c9509d39-78b3-4509-94b5-8498e8e6acea'),
            parser.http_request(KILO_STATUS))
        self.assertEqual(('POST', '/compute/v2.1/servers'),
                         parser.http_request(
                             '10.0.0.5 "POST /compute/v2.1/servers" '
                             'status: 202'))
        self.assertEqual(('GET', 'http://controller:8774/v2/x/images'),
                         parser.http_request(
                             'DEBUG (session:195) REQ: curl -g -i -X GET '
                             'http://controller:8774/v2/x/images -H "A: b"'))
        self.assertIsNone(parser.http_request('no request here'))

    def test_ksa_call(self):
        call = parser.ksa_call(parser.parse_line(DEVSTACK).message)
        self.assertEqual({'method': 'POST', 'service_type': 'network',
                          'url': 'http://10.0.2.15:9696/v2.0/ports',
                          'request_id': base.DEVSTACK_NEUTRON}, call)
        self.assertIsNone(parser.ksa_call('GET call to compute'))

    def test_request_ids(self):
        text = '%s and %s then %s again' % (base.NOVA, base.CINDER,
                                            base.NOVA)
        self.assertEqual([base.NOVA, base.CINDER], parser.request_ids(text))

    def test_continuation_text(self):
        self.assertEqual('    return req.get_response(self.application)',
                         parser.continuation_text(KILO_TRACE))
        self.assertEqual(
            '  File "x.py", line 1, in f',
            parser.continuation_text(
                '2019-12-02 19:15:36.240 1944 ERROR nova.compute.manager '
                '[instance: %s]   File "x.py", line 1, in f'
                % base.INSTANCE))
        self.assertEqual('  File "x.py"',
                         parser.continuation_text('  File "x.py"'))


class OsloLogRenderedTest(testtools.TestCase):
    """Lines as oslo.log's ContextFormatter really writes them."""

    def _render(self, date_format=True):
        import io
        import logging

        from oslo_config import cfg
        from oslo_context import context
        from oslo_log import formatters
        from oslo_log import log as oslo_log

        from nova_faults.trace import graph
        from nova_faults.trace import sources

        conf = cfg.ConfigOpts()
        oslo_log.register_options(conf)
        conf([], project='nova')
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatters.ContextFormatter(
            project='nova', version='1', config=conf,
            datefmt=conf.log_date_format if date_format else None))
        logger = logging.getLogger('nova.compute.manager.trace-test')
        logger.propagate = False
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        self.addCleanup(logger.removeHandler, handler)
        with_global = context.RequestContext(
            request_id=base.NOVA, global_request_id=base.GLOBAL,
            user_id='u', project_id='p', overwrite=False)
        local_only = context.RequestContext(
            request_id=base.NOVA, user_id='u', project_id='p',
            overwrite=False)
        try:
            raise ValueError('boom')
        except ValueError:
            logger.exception('Instance failed to spawn', extra={
                'context': with_global, 'instance_uuid': base.INSTANCE})
        logger.info('Took 9.67 seconds', extra={'context': local_only})
        root = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(root, 'nova-compute.log')
        with open(path, 'w') as f:
            f.write(stream.getvalue())
        srcs = sources.discover([path], 'here')
        return graph.follow(base.NOVA, srcs)

    def test_default_date_format(self):
        trace = self._render()
        self.assertEqual(2, len(trace.records))
        error, info = trace.records
        self.assertEqual((base.GLOBAL, base.NOVA, 'ERROR'),
                         (error.global_id, error.local_id, error.level))
        self.assertEqual(base.INSTANCE, error.instance)
        self.assertEqual(5, len(error.after))
        self.assertEqual('ValueError: boom',
                         parser.continuation_text(error.after[-2]))
        self.assertEqual((None, base.NOVA), (info.global_id, info.local_id))
        self.assertIs(error, trace.first_error)
        self.assertIsNotNone(error.time)

    def test_no_date_format(self):
        trace = self._render(date_format=False)
        self.assertEqual(2, len(trace.records))
        self.assertEqual(5, len(trace.records[0].after))
        self.assertIsNotNone(trace.records[0].time)
