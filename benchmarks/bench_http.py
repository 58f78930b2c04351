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

"""Over HTTP: gunicorn workers driven by wrk (or a bounded Python client).

Everything listens on and connects to 127.0.0.1 only. Runs are bounded
in time (``duration``) and, for the Python client, in request count.

* :func:`serve` starts ``gunicorn -w N nova_faults.wsgi.api:application``
  with ``OS_NOVA_FAULTS_CONFIG_FILES`` pointing at a configuration for the
  benchmark deployment (``noauth``), and waits for it to answer.
* :func:`load` drives one URL: ``wrk --latency`` when installed, else
  :func:`python_load` (threads, keep-alive connections of
  :mod:`lean_client`, or of ``http.client`` with ``client='http.client'``).
* :func:`peak_rss_mb` reads the workers' peak resident set (``VmHWM``).
* :func:`startup` times ``nova-faults-api`` on the embedded default (a
  fresh ``state_path``: databases created and migrated) to its first
  ``200`` on ``/``, then a second start on the same files.
"""

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lean_client  # noqa: E402

VENV_BIN = os.path.dirname(sys.executable)
HOST = '127.0.0.1'


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _get(port, path, headers=None, timeout=5):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request('GET', path, headers=headers or {})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def wait_ready(port, proc, timeout=60, path='/', start=None):
    """Seconds until ``GET path`` answers 200 (raises on timeout).

    Counted from ``start`` (a ``perf_counter`` value; default: now).
    """
    start = time.perf_counter() if start is None else start
    deadline = start + timeout
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError('server exited with %s' % proc.returncode)
        try:
            if _get(port, path, timeout=2) == 200:
                return time.perf_counter() - start
        except OSError:
            pass
        time.sleep(0.01)
    raise RuntimeError('server not ready after %ss' % timeout)


def write_config(directory, api_url):
    path = os.path.join(directory, 'nova-faults.conf')
    with open(path, 'w') as f:
        f.write('[DEFAULT]\nstate_path = %s\n\n[api]\nauth_strategy = '
                'noauth\n\n[api_database]\nconnection = %s\n'
                % (directory, api_url))
    return path


class Server:
    """A running gunicorn (stop it with :meth:`stop`)."""

    def __init__(self, proc, port, log_path):
        self.proc = proc
        self.port = port
        self.log_path = log_path

    def worker_pids(self):
        pids = []
        for entry in os.listdir('/proc'):
            if not entry.isdigit():
                continue
            try:
                with open('/proc/%s/stat' % entry) as f:
                    fields = f.read().rsplit(')', 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                pids.append(int(entry))
        return pids

    def peak_rss_mb(self):
        """The largest peak RSS (VmHWM) among the workers, in MB."""
        peak = 0
        for pid in self.worker_pids():
            try:
                with open('/proc/%d/status' % pid) as f:
                    for line in f:
                        if line.startswith('VmHWM:'):
                            peak = max(peak, int(line.split()[1]))
            except OSError:
                continue
        return round(peak / 1024.0, 1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def serve(config_path, workers, log_dir):
    port = free_port()
    env = dict(os.environ, OS_NOVA_FAULTS_CONFIG_FILES=config_path)
    log_path = os.path.join(log_dir, 'gunicorn-%d.log' % port)
    log = open(log_path, 'w')
    proc = subprocess.Popen(
        [os.path.join(VENV_BIN, 'gunicorn'), '-w', str(workers), '-b',
         '%s:%d' % (HOST, port), '--timeout', '120',
         'nova_faults.wsgi.api:application'],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    server = Server(proc, port, log_path)
    try:
        wait_ready(port, proc)
        # Every worker answers (each loads the app before accepting).
        for _ in range(workers * 4):
            _get(port, '/')
    except Exception:
        server.stop()
        raise
    return server


# ---------------------------------------------------------------------------
# Load generators
# ---------------------------------------------------------------------------

_UNITS = {'us': 1e-3, 'ms': 1.0, 's': 1000.0, 'm': 60000.0}


def _ms(text):
    match = re.match(r'([\d.]+)(us|ms|s|m)$', text.strip())
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output):
    result = {}
    for line in output.splitlines():
        line = line.strip()
        match = re.match(r'(50|99)(?:\.000)?%\s+(\S+)$', line)
        if match:
            key = 'median_ms' if match.group(1) == '50' else 'p99_ms'
            result[key] = round(_ms(match.group(2)), 3)
        elif line.startswith('Requests/sec:'):
            result['rps'] = round(float(line.split()[1]), 1)
        elif 'requests in' in line:
            result['requests'] = int(line.split()[0])
        elif line.startswith('Non-2xx or 3xx responses:'):
            result['errors'] = int(line.split()[-1])
        elif line.startswith('Socket errors:'):
            result['socket_errors'] = line.split(':', 1)[1].strip()
    return result


def wrk_load(port, path, headers, connections, duration):
    cmd = ['wrk', '-t', str(min(2, connections)), '-c', str(connections),
           '-d', '%ds' % max(1, int(round(duration))), '--latency',
           '--timeout', '30s']
    for name, value in headers.items():
        cmd += ['-H', '%s: %s' % (name, value)]
    cmd.append('http://%s:%d%s' % (HOST, port, path))
    out = subprocess.run(cmd, capture_output=True, text=True,
                         timeout=duration + 60).stdout
    result = parse_wrk(out)
    result['tool'] = 'wrk'
    return result


def _http_client_get(conn, path, headers):
    """(status, body, whether the server closes) of ``GET path``."""
    conn.request('GET', path, headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    return (resp.status, body,
            resp.getheader('connection', '').lower() == 'close')


def _lean_get(conn, path, headers):
    # NOTE: lean_client closes a connection its answer closes itself.
    return conn.get(path, headers) + (False,)


# client -> (connection class, its GET, what it raises when it fails)
CLIENTS = {
    'lean': (lean_client.Connection, _lean_get,
             (OSError, lean_client.AnswerError)),
    'http.client': (http.client.HTTPConnection, _http_client_get,
                    (OSError, http.client.HTTPException)),
}


def python_load(port, path, headers, connections, duration,
                max_requests=100000, client='lean'):
    """Threads with keep-alive connections; bounded by time and count."""
    latencies = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + duration
    connection_class, get, failures = CLIENTS[client]

    def worker():
        conn = connection_class(HOST, port, timeout=30)
        while time.perf_counter() < deadline:
            with lock:
                if len(latencies) >= max_requests:
                    break
            t0 = time.perf_counter()
            try:
                if conn.sock is None:
                    conn.connect()
                status, _body, closing = get(conn, path, headers)
                ok = status == 200
                if closing:
                    conn.close()
            except failures:
                ok = False
                conn.close()
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors[0] += 1
        conn.close()

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    latencies.sort()
    if not latencies:
        return {'tool': 'python', 'client': client, 'requests': 0}
    return {
        'tool': 'python', 'client': client, 'requests': len(latencies),
        'errors': errors[0],
        'median_ms': round(latencies[len(latencies) // 2] * 1000, 3),
        'p99_ms': round(latencies[min(len(latencies) - 1,
                                      int(len(latencies) * 0.99))] * 1000,
                        3),
        'rps': round(len(latencies) / wall, 1),
    }


def load(port, path, headers, connections, duration, tool=None):
    if tool is None:
        tool = 'wrk' if shutil.which('wrk') else 'python'
    if tool == 'wrk':
        return wrk_load(port, path, headers, connections, duration)
    return python_load(port, path, headers, connections, duration)


# ---------------------------------------------------------------------------
# Start-up on the embedded default
# ---------------------------------------------------------------------------


def startup(runs=2):
    """Seconds from ``nova-faults-api`` to its first 200 on ``/``.

    A fresh home (no configuration file, embedded SQLite under a new
    ``state_path``): the first start creates and migrates the databases,
    the next ones find them.
    """
    home = tempfile.mkdtemp(prefix='nf-bench-home-')
    times = []
    try:
        env = dict(os.environ, HOME=home,
                   XDG_DATA_HOME=os.path.join(home, 'data'))
        env.pop('OS_NOVA_FAULTS_CONFIG_FILES', None)
        for _ in range(runs):
            port = free_port()
            start = time.perf_counter()
            proc = subprocess.Popen(
                [os.path.join(VENV_BIN, 'nova-faults-api'), '--port',
                 str(port)], cwd=home, env=env, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
            try:
                times.append(round(wait_ready(port, proc, start=start), 3))
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return {'first_start_s': times[0],
            'next_start_s': times[1] if len(times) > 1 else None}
