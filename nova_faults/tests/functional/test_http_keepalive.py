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

"""Kept-alive connections: the worker that answered waits for the next.

:meth:`nova_faults.api.http_server.HTTPConnection.communicate` answers a
client's next request in the same worker when it comes within
``KEEPALIVE_LINGER``, and never keeps another client waiting for it.
The application answers with the identity of the thread that served it.
"""

import http.client
import os
import resource
import threading
import time

import fixtures
import testtools

from nova_faults.api import http_server
from nova_faults.tests.functional import base


def _app(environ, start_response):
    body = str(threading.get_ident()).encode('ascii')
    start_response('200 OK', [('Content-Type', 'text/plain'),
                              ('Content-Length', str(len(body)))])
    return [body]


def _get(connection):
    connection.request('GET', '/')
    response = connection.getresponse()
    return response.status, response.read()


class KeepAliveTest(testtools.TestCase):

    def serve(self, threads, linger):
        self.useFixture(fixtures.MockPatchObject(
            http_server, 'KEEPALIVE_LINGER', linger))
        self.server = self.useFixture(base.LiveServer(_app,
                                                      threads=threads))
        return self.server.port

    def connect(self, port):
        connection = http.client.HTTPConnection('127.0.0.1', port,
                                                timeout=30)
        self.addCleanup(connection.close)
        return connection

    def test_next_request_is_answered_by_the_same_worker(self):
        # A long linger, so a slow machine still sends within it.
        port = self.serve(threads=4, linger=10)
        connection = self.connect(port)
        answers = [_get(connection) for _ in range(20)]
        self.assertEqual([200] * 20, [status for status, _ in answers])
        self.assertEqual(1, len({body for _, body in answers}))

    def test_connections_past_descriptor_1023_wait_too(self):
        # select() cannot watch a descriptor above 1023; a busy server's
        # connections get such descriptors.
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < 1200:
            wanted = 1200 if hard == resource.RLIM_INFINITY else min(
                1200, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            self.addCleanup(resource.setrlimit, resource.RLIMIT_NOFILE,
                            (soft, hard))
        held = []
        self.addCleanup(lambda: [os.close(fd) for fd in held])
        while not held or held[-1] < 1030:
            held.append(os.open(os.devnull, os.O_RDONLY))
        self.test_next_request_is_answered_by_the_same_worker()

    def test_pipelined_requests_are_answered_in_order(self):
        port = self.serve(threads=4, linger=10)
        connection = self.connect(port)
        connection.connect()
        connection.sock.sendall(b'GET /a HTTP/1.1\r\nHost: x\r\n\r\n'
                                b'GET /b HTTP/1.1\r\nHost: x\r\n\r\n')
        reader = connection.sock.makefile('rb')
        self.addCleanup(reader.close)
        heads = []
        for _ in range(2):
            head = b''
            while not head.endswith(b'\r\n\r\n'):
                head += reader.readline()
            length = int(head.lower().split(b'content-length: ')[1]
                         .split(b'\r\n')[0])
            heads.append((head.split(b' ')[1], reader.read(length)))
        self.assertEqual([b'200', b'200'], [status for status, _ in heads])
        self.assertEqual(heads[0][1], heads[1][1])

    def test_no_client_waits_for_another_clients_pause(self):
        # One worker: it has no idle peer, so it never lingers and the
        # second client is answered at once, not after 10 s.
        port = self.serve(threads=1, linger=10)
        first, second = self.connect(port), self.connect(port)
        self.assertEqual(200, _get(first)[0])
        start = time.monotonic()
        self.assertEqual(200, _get(second)[0])
        self.assertEqual(200, _get(first)[0])
        self.assertLess(time.monotonic() - start, 5)

    def test_other_clients_are_answered_while_a_worker_waits(self):
        port = self.serve(threads=2, linger=10)
        first, second = self.connect(port), self.connect(port)
        lingering = _get(first)[1]
        # Let its worker reach the wait: a connection queued before it
        # does would (rightly) keep it from waiting at all.
        time.sleep(0.3)
        start = time.monotonic()
        answers = [_get(second) for _ in range(5)]
        self.assertLess(time.monotonic() - start, 5)
        # The second client is not served by the waiting worker.
        self.assertNotIn(lingering, {body for _, body in answers})
        self.assertEqual(lingering, _get(first)[1])

    def test_closed_connection_ends_the_wait(self):
        port = self.serve(threads=2, linger=10)
        first = self.connect(port)
        _get(first)
        workers = self.server.server.requests
        self.assertEqual(1, workers.idle)      # one waits for `first`
        first.close()
        # Its worker sees the close at once, not after the 10 s linger.
        deadline = time.monotonic() + 5
        while workers.idle < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(2, workers.idle)
