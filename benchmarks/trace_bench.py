#!/usr/bin/env python3
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

"""Benchmark nova-faults-trace against ``grep -F`` on the same logs.

Generates realistic multi-service OpenStack logs (nova-api, conductor,
scheduler, three nova-compute hosts, neutron, glance, cinder, keystone,
placement; oslo.log's new context format with global and local request
IDs, keystoneauth "used request id" lines, tracebacks, periodic-task noise)
into a temporary directory, hides one failed request in the middle, then
times, with a warm page cache and the best of ``--repeat`` runs:

* ``grep -F -r REQUEST_ID DIR``, the baseline;
* ``nova-faults-trace REQUEST_ID DIR --format json`` for the nova-api
  local ID of a request without a global ID (the usual case: one pass);
* the same for a global ID given by the client (one pass);
* the same for the nova-api local ID of that request, whose callees
  (neutron, cinder) carry the global ID instead, so a second pass (for
  that global ID) is needed.

and prints the ratios, then the result as JSON. Example::

    python benchmarks/trace_bench.py --size-mb 1024
"""

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


# What the nova-faults-trace console script runs (``python -m`` would
# compile the module on every run, which the installed script does not).
_TRACE_MAIN = ('import sys; from nova_faults.cmd.trace import main; '
               'sys.exit(main(sys.argv[1:]))')
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

USERS = ['046033fb3f824550999752b6525adbac b22597ea961545f3bde1b2ede0bd5b91',
         '03384abb3c864c6bb55b09d33371beb4 276eb659fd4b44859849c773dcfdf138',
         '8f3c2d1e0a9b4c7d8e6f5a4b3c2d1e0f 1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6']

FILES = {
    'nova-api': 'controller/nova/nova-api.log',
    'nova-conductor': 'controller/nova/nova-conductor.log',
    'nova-scheduler': 'controller/nova/nova-scheduler.log',
    'placement': 'controller/placement/placement-api.log',
    'glance': 'controller/glance/api.log',
    'cinder-api': 'controller/cinder/api.log',
    'cinder-volume': 'storage1/cinder/volume.log',
    'keystone': 'controller/keystone/keystone.log',
    'neutron': 'network1/neutron/server.log',
    'compute1': 'compute1/nova/nova-compute.log',
    'compute2': 'compute2/nova/nova-compute.log',
    'compute3': 'compute3/nova/nova-compute.log',
}


def _uuid(rand):
    h = '%032x' % rand.getrandbits(128)
    return '%s-%s-4%s-a%s-%s' % (h[:8], h[8:12], h[13:16], h[17:20],
                                 h[20:32])


class Generator:
    """Writes plausible log traffic until the files reach a size."""

    def __init__(self, root, seed=42):
        self.root = root
        self.rand = random.Random(seed)
        self.buffers = {k: [] for k in FILES}
        self.files = {}
        for key, rel in FILES.items():
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            self.files[key] = open(path, 'w')
        self.written = 0
        self.requests = 0
        self.clock = 1575313200.0       # 2019-12-02 19:00:00 UTC
        self.pids = {k: 1000 + i * 37 for i, k in enumerate(FILES)}

    def ts(self):
        self.clock += self.rand.random() * 0.004
        t = time.gmtime(self.clock)
        return '%s.%03d' % (time.strftime('%Y-%m-%d %H:%M:%S', t),
                            int(self.clock * 1000) % 1000)

    def line(self, key, level, logger, ctx, msg):
        text = '%s %d %s %s [%s] %s\n' % (self.ts(), self.pids[key], level,
                                          logger, ctx, msg)
        self.buffers[key].append(text)
        self.written += len(text)

    def flush(self):
        for key, buf in self.buffers.items():
            if buf:
                self.files[key].write(''.join(buf))
                buf.clear()

    def close(self):
        self.flush()
        for f in self.files.values():
            f.close()

    def noise(self):
        key = self.rand.choice(list(FILES))
        ctx = 'None req-%s - - - - -' % _uuid(self.rand)
        self.line(key, 'DEBUG', 'oslo_service.periodic_task', ctx,
                  'Running periodic task ComputeManager._poll_volume_usage '
                  'run_periodic_tasks /usr/lib/python3/dist-packages/'
                  'oslo_service/periodic_task.py:210')

    def request(self, global_id=None, local=None, neutron=None,
                cinder=None, fail=False):
        r = self.rand
        planted = bool(global_id or local)
        self.requests += 1
        user = r.choice(USERS) + ' - default default'
        local = local or 'req-' + _uuid(r)
        glob = global_id or 'None'
        api_ctx = '%s %s %s' % (glob, local, user)
        # Callees get the caller's global ID (its local one when unset).
        down = global_id or local
        instance = _uuid(r)
        compute = r.choice(('compute1', 'compute2', 'compute3'))
        kind = 1.0 if planted else r.random()
        self.line('keystone', 'INFO', 'keystone.common.wsgi',
                  'req-%s %s %s' % (_uuid(r), 'req-' + _uuid(r), user),
                  'GET http://controller/identity/v3/auth/tokens')
        if kind < 0.5:
            self.line('nova-api', 'INFO', 'nova.api.openstack.requestlog',
                      api_ctx, '10.0.0.5 "GET /compute/v2.1/servers/%s" '
                      'status: 200 len: 1874 microversion: 2.79 time: '
                      '0.049512' % instance)
            return
        self.line('nova-api', 'DEBUG', 'nova.api.openstack.wsgi', api_ctx,
                  "Action: 'create', calling method: <bound method "
                  'ServersController.create of <nova.api.openstack.compute.'
                  'servers.ServersController object at 0x7f0c2a1b4e10>>, '
                  'body: {"server": {"name": "vm-%d", "flavorRef": "2"}} '
                  '_process_stack /opt/stack/nova/nova/api/openstack/'
                  'wsgi.py:511' % r.randrange(10000))
        gl = 'req-' + _uuid(r)
        self.line('glance', 'INFO', 'eventlet.wsgi.server',
                  '%s %s %s' % (down, gl, user),
                  '10.0.0.10 - - "GET /v2/images/%s HTTP/1.1" 200 1027 '
                  '0.036752' % _uuid(r))
        self.line('nova-api', 'DEBUG', 'keystoneauth.session', api_ctx,
                  'GET call to image for http://controller/image/v2/images/'
                  '%s used request id %s request /usr/lib/python3/'
                  'dist-packages/keystoneauth1/session.py:954'
                  % (_uuid(r), gl))
        self.line('nova-api', 'INFO', 'nova.api.openstack.requestlog',
                  api_ctx, '10.0.0.5 "POST /compute/v2.1/servers" status: '
                  '202 len: 414 microversion: 2.79 time: 0.489321')
        self.line('nova-conductor', 'DEBUG', 'nova.conductor.manager',
                  api_ctx, '[instance: %s] Selected host: %s; Selected '
                  'node: %s; Alternates: [] schedule_and_build_instances '
                  '/opt/stack/nova/nova/conductor/manager.py:1406'
                  % (instance, compute, compute))
        pl = 'req-' + _uuid(r)
        self.line('placement', 'INFO', 'placement.requestlog',
                  '%s %s %s' % (down, pl, user),
                  '10.0.0.10 "GET /placement/allocation_candidates?limit='
                  '1000&resources=DISK_GB%3A1%2CMEMORY_MB%3A512%2CVCPU%3A1"'
                  ' status: 200 len: 1211 microversion: 1.36')
        self.line('nova-scheduler', 'DEBUG', 'keystoneauth.session',
                  api_ctx, 'GET call to placement for http://controller/'
                  'placement/allocation_candidates used request id %s '
                  'request /usr/lib/python3/dist-packages/keystoneauth1/'
                  'session.py:954' % pl)
        self.line(compute, 'INFO', 'nova.compute.claims', api_ctx,
                  '[instance: %s] Claim successful on node %s'
                  % (instance, compute))
        nt = neutron or 'req-' + _uuid(r)
        self.line('neutron', 'INFO', 'neutron.wsgi',
                  '%s %s %s' % (down, nt, user),
                  '10.0.0.11 "POST /v2.0/ports HTTP/1.1" status: 201  len: '
                  '1084 time: 0.1973290')
        self.line(compute, 'DEBUG', 'keystoneauth.session', api_ctx,
                  'POST call to network for http://10.0.0.12:9696/v2.0/'
                  'ports used request id %s request /usr/lib/python3/'
                  'dist-packages/keystoneauth1/session.py:954' % nt)
        if fail:
            cd = cinder or 'req-' + _uuid(r)
            cctx = '%s %s %s' % (down, cd, user)
            self.line('cinder-api', 'ERROR', 'cinder.api.middleware.fault',
                      cctx, 'Caught error: <class \'oslo_messaging.'
                      'exceptions.MessagingTimeout\'> Timed out waiting for '
                      'a reply')
            for tb in ('Traceback (most recent call last):',
                       '  File "/opt/stack/cinder/cinder/api/middleware/'
                       'fault.py", line 84, in __call__',
                       '    return req.get_response(self.application)',
                       'oslo_messaging.exceptions.MessagingTimeout: Timed '
                       'out waiting for a reply'):
                self.buffers['cinder-api'].append(
                    '%s %d ERROR cinder.api.middleware.fault %s\n'
                    % (self.ts(), self.pids['cinder-api'], tb))
            self.line('cinder-api', 'INFO', 'eventlet.wsgi.server', cctx,
                      '10.0.0.11 "POST /volume/v3/attachments HTTP/1.1" '
                      'status: 500  len: 425 time: 0.1601240')
            self.line(compute, 'ERROR', 'nova.compute.manager', api_ctx,
                      '[instance: %s] Failure prepping block device: '
                      'ClientException: (HTTP 500) (Request-ID: %s)'
                      % (instance, cd))
        else:
            self.line(compute, 'INFO', 'nova.compute.manager', api_ctx,
                      '[instance: %s] Took 9.67 seconds to build instance.'
                      % instance)

    def run(self, size, targets):
        """Write ``size`` bytes; plant the target requests evenly."""
        todo = list(targets)
        while self.written < size:
            for _ in range(200):
                if self.rand.random() < 0.3:
                    self.noise()
                self.request(fail=self.rand.random() < 0.01)
            if todo and self.written >= size * (
                    len(targets) - len(todo) + 1) // (len(targets) + 1):
                self.request(**todo.pop(0))
            self.flush()
        for target in todo:
            self.request(**target)
        self.close()


def _run(cmd):
    """Run ``cmd``; return (wall seconds, CPU seconds, stdout).

    CPU seconds (user + system, the command and its worker processes)
    hardly change with the load of a shared machine; wall seconds do.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit('%s failed (%d): %s' % (
            ' '.join(cmd), proc.returncode, proc.stderr.decode()[:500]))
    cpu = (after.ru_utime - before.ru_utime) + (
        after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


def _warm(root):
    for dirpath, _, names in os.walk(root):
        for name in names:
            with open(os.path.join(dirpath, name), 'rb') as f:
                while f.read(16 << 20):
                    pass


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--size-mb', type=int, default=64,
                   help='size of the generated logs (default: 64; the '
                        'issue measures 1024)')
    p.add_argument('--repeat', type=int, default=5,
                   help='runs of each command; the best is kept')
    p.add_argument('--jobs', type=int,
                   help='pass --jobs to nova-faults-trace')
    p.add_argument('--dir', help='generate into this directory (kept)')
    p.add_argument('--keep', action='store_true',
                   help='keep the generated logs')
    p.add_argument('--reuse', action='store_true',
                   help='with --dir: time the logs generated there by an '
                        'earlier run instead of generating new ones')
    args = p.parse_args(argv)

    root = args.dir or tempfile.mkdtemp(prefix='trace-bench-')
    os.makedirs(root, exist_ok=True)
    rand = random.Random(7)
    # A failed boot with a client-given global ID, and one without (the
    # usual case: the callees then carry nova's local ID as their global).
    targets = [{
        'global_id': 'req-' + _uuid(rand),
        'local': 'req-' + _uuid(rand),
        'neutron': 'req-' + _uuid(rand),
        'cinder': 'req-' + _uuid(rand),
        'fail': True,
    }, {
        'local': 'req-' + _uuid(rand),
        'fail': True,
    }]
    marker = root.rstrip(os.sep) + '.target.json'
    try:
        start = time.perf_counter()
        if args.reuse and args.dir and os.path.exists(marker):
            with open(marker) as f:
                targets = json.load(f)
        else:
            gen = Generator(root)
            gen.run(args.size_mb << 20, targets)
            targets[0]['requests'] = gen.requests
            if args.dir:
                with open(marker, 'w') as f:
                    json.dump(targets, f)
        gen_seconds = time.perf_counter() - start
        total = sum(os.path.getsize(os.path.join(d, n))
                    for d, _, names in os.walk(root) for n in names)
        _warm(root)
        trace_cmd = [sys.executable, '-c', _TRACE_MAIN,
                     '--format', 'json', '--progress', 'never']
        if args.jobs:
            trace_cmd += ['--jobs', str(args.jobs)]
        result = {
            'date': time.strftime('%Y-%m-%d'),
            'load_average': os.getloadavg()[0],
            'size_bytes': total,
            'files': len(FILES),
            'cpus': os.cpu_count(),
            'generate_seconds': round(gen_seconds, 2),
            'requests': targets[0].get('requests'),
            'runs': [],
        }
        for label, rid in (
                ('local ID, no global ID (1 pass)', targets[1]['local']),
                ('global ID (1 pass)', targets[0]['global_id']),
                ('local ID under a global ID (2 passes)',
                 targets[0]['local'])):
            grep_cmd = ['grep', '-F', '-r', '--', rid, root]
            # Alternate the two commands so that a busy machine slows both.
            grep_runs, trace_runs = [], []
            for _ in range(args.repeat):
                grep_runs.append(_run(grep_cmd)[:2])
                wall, cpu, out = _run(trace_cmd + [rid, root])
                trace_runs.append((wall, cpu))
            g_best = min(w for w, _ in grep_runs)
            t_best = min(w for w, _ in trace_runs)
            g_med = statistics.median(w for w, _ in grep_runs)
            t_med = statistics.median(w for w, _ in trace_runs)
            g_cpu = min(c for _, c in grep_runs)
            t_cpu = min(c for _, c in trace_runs)
            doc = json.loads(out)
            run = {
                'query': label,
                'request_id': rid,
                'grep_seconds': round(g_best, 3),
                'trace_seconds': round(t_best, 3),
                'ratio': round(t_best / g_best, 2),
                'grep_median_seconds': round(g_med, 3),
                'trace_median_seconds': round(t_med, 3),
                'median_ratio': round(t_med / g_med, 2),
                'grep_cpu_seconds': round(g_cpu, 3),
                'trace_cpu_seconds': round(t_cpu, 3),
                'cpu_ratio': round(t_cpu / g_cpu, 2),
                'records': doc['summary']['records'],
                'services': doc['summary']['services'],
                'passes': doc['summary']['passes'],
            }
            result['runs'].append(run)
            print('%-38s grep -F %.3fs  nova-faults-trace %.3fs  ratio %.2f '
                  '(median %.2f, CPU %.2f; %d records, %d services, %d '
                  'passes)' % (label, g_best, t_best, run['ratio'],
                               run['median_ratio'], run['cpu_ratio'],
                               run['records'], run['services'],
                               run['passes']))
        print('%.0f MB of logs in %d files, %d CPUs, load average %.1f' % (
            total / (1 << 20), len(FILES), os.cpu_count(),
            os.getloadavg()[0]))
        print(json.dumps(result, indent=2))
        return 0
    finally:
        if not (args.keep or args.dir):
            shutil.rmtree(root, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
