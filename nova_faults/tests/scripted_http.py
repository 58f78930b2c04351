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

"""A raw HTTP server on 127.0.0.1 answering scripted bytes, for tests.

For tests of HTTP clients (the Neutron session, its transport): it keeps
the exact bytes of each request it reads and answers each with the bytes
it is given, so that two clients can be compared on the wire.
"""

import re
import socket
import threading


class ScriptedServer:
    """A raw HTTP server on 127.0.0.1 answering scripted bytes.

    ``answers`` is a list of ``(bytes, close)``: the n-th request read
    (over every connection) gets the n-th answer (the last one once they
    run out), and its connection is closed after it when ``close``; an
    answer of None closes the connection without answering. It keeps
    the bytes of each request and counts connections and answers given
    (a closed connection counting as given once closed).
    """

    def __init__(self, answers):
        self.answers = answers
        self.received = []
        self.connections = 0
        self.answered = 0
        self.listener = socket.create_server(('127.0.0.1', 0))
        self.port = self.listener.getsockname()[1]
        self._lock = threading.Lock()
        self._answered = threading.Condition(self._lock)
        threading.Thread(target=self._serve, daemon=True).start()

    def url(self, path='/'):
        return 'http://127.0.0.1:%d%s' % (self.port, path)

    def _serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._connection, args=(conn,),
                             daemon=True).start()

    def _connection(self, conn):
        with conn, conn.makefile('rb') as reader:
            while True:
                head = b''
                while not head.endswith(b'\r\n\r\n'):
                    line = reader.readline()
                    if not line:
                        return
                    head += line
                length = re.search(rb'(?i)\r\ncontent-length: (\d+)', head)
                body = reader.read(int(length.group(1))) if length else b''
                with self._lock:
                    self.received.append(head + body)
                    index = min(len(self.received), len(self.answers)) - 1
                answer, close = self.answers[index]
                try:
                    if answer is None:
                        return
                    conn.sendall(answer)
                    if close:
                        conn.shutdown(socket.SHUT_RDWR)
                        return
                finally:
                    with self._lock:
                        self.answered += 1
                        self._answered.notify_all()

    def wait_answered(self):
        """Until every request received has been answered (or closed)."""
        with self._lock:
            self._answered.wait_for(
                lambda: self.answered >= len(self.received), 10)

    def close(self):
        self.listener.close()
