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

"""The API benchmark harness runs: ``benchmarks/run.py --smoke``.

A seconds-long run on SQLite with a handful of servers (one cell, one
gunicorn worker, HTTP runs of a fraction of a second with the Python
client) that must produce the JSON document with every section.
Only its shape is asserted, never a timing. Skipped when the source tree
(with ``benchmarks/``) or gunicorn is not there.
"""

import json
import os
import shutil
import subprocess
import sys

import fixtures
import testtools

from nova_faults.tests import benchmark_scripts

ROOT = benchmark_scripts.ROOT
RUN = os.path.join(ROOT, 'benchmarks', 'run.py')
ENDPOINTS = ('servers_detail_2.1', 'servers_detail_2.84', 'server_show_2.84',
             'actions_list_2.84', 'action_show_2.84', 'services_2.84')


class BenchmarkSmokeTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        if not os.path.exists(RUN):
            self.skipTest('no benchmarks/ in this tree')
        bindir = os.path.dirname(sys.executable)
        if not (os.path.exists(os.path.join(bindir, 'gunicorn')) or
                shutil.which('gunicorn')):
            self.skipTest('gunicorn is not installed')

    def test_smoke_writes_every_section(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        output = os.path.join(tmp, 'smoke.json')
        proc = subprocess.run(
            [sys.executable, RUN, '--smoke', '--output', output],
            capture_output=True, text=True, timeout=120, cwd=tmp)
        self.assertEqual(0, proc.returncode, proc.stderr[-3000:])
        with open(output) as f:
            result = json.load(f)
        for key in ('date', 'command', 'machine', 'settings', 'configs',
                    'startup'):
            self.assertIn(key, result)
        self.assertGreater(result['startup']['first_start_s'], 0)
        [config] = result['configs']
        self.assertEqual(('sqlite', 1), (config['backend'], config['cells']))
        self.assertGreater(config['http']['peak_rss_mb'], 0)
        self.assertEqual(sorted(ENDPOINTS), sorted(config['endpoints']))
        for name, entry in config['endpoints'].items():
            for side in ('nova_faults', 'baseline'):
                self.assertGreater(entry[side]['median_ms'], 0, name)
                self.assertIn('p99_ms', entry[side])
            self.assertGreater(entry['ratio'], 0, name)
            self.assertGreater(entry['queries'], 0, name)
            self.assertGreater(entry['http']['requests'], 0, name)
            self.assertEqual(0, entry['http'].get('errors', 0), name)
            for key in ('median_ms', 'p99_ms', 'rps'):
                self.assertIn(key, entry['http'])
        # The Markdown table is printed too.
        self.assertIn('| endpoint |', proc.stdout)


class StartupABSmokeTest(testtools.TestCase):
    """``benchmarks/startup_ab.py`` times a checkout's two starts."""

    def test_one_round(self):
        proc, result = benchmark_scripts.run(
            self, 'startup_ab.py',
            ['--trees', ROOT, '--labels', 'here', '--rounds', '1'])
        self.assertEqual(('seconds', 1), (result['unit'], result['rounds']))
        [(label, starts)] = result['trees'].items()
        self.assertEqual('here', label)
        for start in ('first', 'next'):
            [seconds] = starts[start]
            self.assertGreater(seconds, 0)
        self.assertIn('| here |', proc.stdout)


class HTTPABSmokeTest(testtools.TestCase):
    """``benchmarks/http_ab.py`` serves two checkouts with their logs."""

    def test_two_servers_of_one_checkout(self):
        proc, result = benchmark_scripts.run(
            self, 'http_ab.py',
            ['--trees', '%s,%s' % (ROOT, ROOT), '--labels', 'one,two',
             '--servers', '10', '--count', '4', '--burst', '2',
             '--routes', 'actions_list_2.84,services_2.84'])
        self.assertEqual(['one', 'two'], result['trees'])
        self.assertEqual({'actions_list_2.84', 'services_2.84'},
                         set(result['routes']))
        for row in result['routes'].values():
            for label in ('one', 'two'):
                self.assertGreater(row[label]['median_ms'], 0)
        # Every call was logged by its server (5 warm-up calls and 4
        # timed per route; the start-up's own calls of "/" besides).
        for label in ('one', 'two'):
            self.assertGreaterEqual(result['log_lines'][label], 18)
        self.assertIn('| actions_list_2.84 |', proc.stdout)


class HTTPCompareSmokeTest(testtools.TestCase):
    """``benchmarks/http_compare.py`` times both servers and their work."""

    def test_one_route_one_kind(self):
        proc, result = benchmark_scripts.run(
            self, 'http_compare.py',
            ['--backends', 'sqlite', '--servers', '10', '--kinds',
             'nova-faults-api', '--routes', 'services_2.84',
             '--connections', '1', '--duration', '0.3'])
        [entry] = result['backends']
        [(kind, routes)] = entry['kinds'].items()
        self.assertEqual(('sqlite', 'nova-faults-api'),
                         (entry['backend'], kind))
        run = routes['services_2.84']['1']
        for side in ('nova_faults', 'raw'):
            self.assertEqual(0, run[side]['errors'])
            self.assertGreater(run[side]['requests'], 0)
            # The server's processor time is counted: not nothing, and
            # not more than the client's whole run per request.
            self.assertGreater(run[side]['cpu_us_per_request'], 0)
            self.assertLess(run[side]['cpu_us_per_request'], 1e6)
        self.assertGreater(run['ratio'], 0)
        self.assertGreater(run['cpu_ratio'], 0)
        self.assertIn('| services_2.84 | 1 |', proc.stdout)


class FixedCostSmokeTest(testtools.TestCase):
    """``benchmarks/fixed_cost.py`` times a route's pieces."""

    def test_one_route(self):
        proc, result = benchmark_scripts.run(
            self, 'fixed_cost.py',
            ['--routes', 'action_show_2.84', '--number', '5',
             '--repeat', '1'])
        [route] = result['routes']
        self.assertEqual('action_show_2.84', route['route'])
        times = {piece['piece']: piece['times'] for piece in route['pieces']}
        # Action show checks three rules and reads two databases.
        self.assertEqual(3, times['policy check'])
        self.assertEqual(2, times['engine options read'])
        for piece in route['pieces']:
            self.assertGreater(piece['us'], 0, piece['piece'])
        self.assertEqual({'API database', 'cell database'},
                         set(route['empty_scopes_us']))
        for key in ('middleware_us', 'request_us', 'raw_us', 'log_line_us'):
            self.assertGreater(route[key], 0, key)
        # The middleware alone costs less than the whole request.
        self.assertLess(route['middleware_us'], route['request_us'])
        self.assertIn('| **the request** |', proc.stdout)


class RequestInstructionsSmokeTest(testtools.TestCase):
    """``benchmarks/request_instructions.py`` counts a route's work."""

    def test_one_route_of_one_checkout(self):
        if not shutil.which('valgrind'):
            self.skipTest('valgrind is not installed')
        proc, result = benchmark_scripts.run(
            self, 'request_instructions.py',
            ['--trees', ROOT, '--labels', 'here', '--count', '20',
             '--routes', 'services_2.84', '--raw'], timeout=600)
        self.assertEqual(('instructions per request', 20),
                         (result['unit'], result['count']))
        self.assertEqual({'services_2.84': ['here', 'raw']},
                         {route: list(per)
                          for route, per in result['routes'].items()})
        # The raw baseline (plain SQL and JSON) does less than the
        # pipeline, but is not nothing either.
        per = result['routes']['services_2.84']
        self.assertLess(per['raw'], per['here'])
        self.assertGreater(per['raw'], 100000)
        # A request through the pipeline is millions of instructions; the
        # warm-up's are not counted twice (the difference of two runs).
        self.assertGreater(result['routes']['services_2.84']['here'],
                           1000000)
        self.assertLess(result['routes']['services_2.84']['here'],
                        100000000)
        self.assertIn('| services_2.84 |', proc.stdout)
        self.assertIn('here / raw', proc.stdout)

    def test_simulated_caches_and_branches(self):
        if not shutil.which('valgrind'):
            self.skipTest('valgrind is not installed')
        proc, result = benchmark_scripts.run(
            self, 'request_instructions.py',
            ['--trees', ROOT, '--labels', 'here', '--count', '10',
             '--routes', 'actions_list_2.84', '--simulate'],
            timeout=900)
        simulated = result['simulated']['actions_list_2.84']
        self.assertEqual({'here'}, set(simulated))
        for run in simulated.values():
            self.assertEqual({'instructions', 'I1 misses', 'D1 misses',
                              'branches', 'mispredicts'}, set(run))
            # Misses and mispredictions are counted, and fewer than the
            # instructions or branches they are among.
            self.assertLess(0, run['I1 misses'])
            self.assertLess(run['I1 misses'], run['instructions'])
            self.assertLess(0, run['mispredicts'])
            self.assertLess(run['mispredicts'], run['branches'])
        # The instructions table reads the same counts.
        self.assertEqual(simulated['here']['instructions'],
                         result['routes']['actions_list_2.84']['here'])
        self.assertIn('mispredicts per request', proc.stdout)
