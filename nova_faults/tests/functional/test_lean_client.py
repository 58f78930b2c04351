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

"""``benchmarks/lean_client.py`` reads what ``http.client`` reads.

The timing client of ``nova_bench.py`` against the server of
``nova-faults-api``: on one kept-alive connection, generated answers
(statuses, body sizes from empty to several receive buffers, headers
before and after ``Content-Length``) come back as ``http.client`` reads
them, an answer closing the connection is followed by a new one, and
an answer it cannot frame is an error, never a guess.
"""

import http.client
import importlib.util
import os
import random

import testtools

from nova_faults.tests import benchmark_scripts
from nova_faults.tests.functional import base

SCRIPT = os.path.join(benchmark_scripts.ROOT, 'benchmarks', 'lean_client.py')
STATUSES = ('200 OK', '202 Accepted', '404 Not Found', '409 Conflict',
            '500 Internal Server Error')


def load_lean_client():
    spec = importlib.util.spec_from_file_location('lean_client', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answer_of(path):
    """What the test application answers ``path`` (``/<seed>``)."""
    rng = random.Random(path)
    size = rng.choice((0, 1, 17, 4096, 65537, 262144, 300001,
                       rng.randrange(0, 600000)))
    body = bytes(rng.randrange(256) for _ in range(min(size, 64))) * (
        size // 64 + 1)
    return rng.choice(STATUSES), body[:size], rng.random() < 0.5


def application(environ, start_response):
    path = environ['PATH_INFO']
    if path == '/chunked':
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return iter([b'a', b'b'])
    if path == '/close':
        start_response('200 OK', [('Content-Length', '3'),
                                  ('Connection', 'close')])
        return [b'bye']
    status, body, length_first = answer_of(path)
    headers = [('X-Echo', environ.get('HTTP_X_ECHO', '')),
               ('Content-Type', 'application/octet-stream')]
    length = ('Content-Length', str(len(body)))
    headers = [length] + headers if length_first else headers + [length]
    start_response(status, headers)
    return [body]


class LeanClientTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        if not os.path.exists(SCRIPT):
            self.skipTest('no benchmarks/ in this tree')
        self.lean_client = load_lean_client()
        self.server = self.useFixture(base.LiveServer(application,
                                                      threads=2))

    def connection(self, cls):
        conn = cls('127.0.0.1', self.server.port, timeout=30)
        conn.connect()
        self.addCleanup(conn.close)
        return conn

    def test_reads_what_http_client_reads(self):
        lean = self.connection(self.lean_client.Connection)
        python = self.connection(http.client.HTTPConnection)
        rng = random.Random(17)
        for number in range(60):
            path = '/%d' % rng.randrange(10 ** 9)
            headers = {'X-Echo': 'call %d' % number}
            python.request('GET', path, headers=headers)
            response = python.getresponse()
            expected = (response.status, response.read())
            # The same connection each time: the client keeps it alive,
            # and a request built once is sent again as it was.
            for _again in range(2):
                self.assertEqual(expected, lean.get(path, headers), path)
            status, body, _length_first = answer_of(path)
            self.assertEqual((int(status.split()[0]), body), expected)

    def test_answer_without_length_is_an_error(self):
        lean = self.connection(self.lean_client.Connection)
        self.assertEqual(200, lean.get('/close', {})[0])
        self.assertRaises(self.lean_client.AnswerError, lean.get,
                          '/chunked', {})

    def test_answer_closing_the_connection(self):
        lean = self.connection(self.lean_client.Connection)
        first = lean.sock
        self.assertEqual((200, b'bye'), lean.get('/close', {}))
        self.assertIsNone(lean.sock)
        status, body, _length_first = answer_of('/2')
        self.assertEqual((int(status.split()[0]), body), lean.get('/2', {}))
        self.assertIsNot(first, lean.sock)
