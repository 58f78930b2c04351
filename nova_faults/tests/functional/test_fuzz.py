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

"""Raw HTTP fuzzing of a live ``nova-faults-api`` over seeded data.

The generators of :mod:`nova_faults.tests.functional.fuzz` build hostile
requests for every route of the route table, in four classes (query,
path, header, body); each test sends its class, over real sockets, to
the same HTTP server ``nova-faults-api`` runs, serving a deployment of
two cells with servers, faults, actions, events and services. Every
answer must be a success with a JSON body or a Nova fault (the
keystonemiddleware 401 aside) with the request-ID headers: no 5xx, no
traceback or internal name, no hang.

``TestFuzzRealDatabases`` sends the query and body classes (the ones that
reach the databases) to cells on MariaDB and PostgreSQL, a quarter as
many.

The run is deterministic. ``NOVA_FAULTS_FUZZ_REQUESTS`` (default 16000,
split evenly between the classes) sets how many requests and
``NOVA_FAULTS_FUZZ_SEED`` (default 16) which ones; a longer run is e.g.
``NOVA_FAULTS_FUZZ_REQUESTS=40000 NOVA_FAULTS_FUZZ_SEED=$RANDOM``. A
failure names the seed, class and number of each bad request, which is
all it takes to send it again (:func:`fuzz.generate`).
"""

import collections
import logging
import os

import fixtures

from nova_faults.api import router
from nova_faults import recording
from nova_faults.tests.functional import base
from nova_faults.tests.functional import figures
from nova_faults.tests.functional import fuzz
from nova_faults.tests.functional import servers_base

REQUESTS = int(os.environ.get('NOVA_FAULTS_FUZZ_REQUESTS', '16000'))
SEED = os.environ.get('NOVA_FAULTS_FUZZ_SEED', '16')
# Seconds without a byte from the server before a request is a hang.
TIMEOUT = 30
# Examples shown per category of problem in a failure message.
SHOWN = 8


class _Fuzz:
    """Seeded data, a live server, the classes reaching the databases."""

    cell_count = 2

    def setUp(self):
        super().setUp()
        # NOTE: thousands of requests log an INFO line each, with URLs up
        # to 64 KiB: captured whole, they outgrow a subunit packet. The
        # problems are in the failure message; warnings and errors (a 5xx
        # and its traceback) are still captured.
        self.useFixture(fixtures.FakeLogger(
            level=logging.WARNING,
            format='%(asctime)s %(levelname)s %(name)s %(message)s'))
        values = {'server_id': [], 'request_id': [], 'service_id': []}
        for cell in range(self.cell_count):
            server = self.make_server(
                cell=cell, project_id=base.PROJECT_ID, vm_state='error',
                host='compute%d' % cell,
                fault={'code': 500, 'message': 'boom',
                       'details': 'Traceback (most recent call last)'})
            self.make_server(cell=cell, project_id=base.OTHER_PROJECT_ID)
            ctx = self.cell_ctx(self.cell(cell))
            ctx.user_id, ctx.project_id = 'demo', base.PROJECT_ID
            ctx.request_id = 'req-%08d-1111-2222-3333-444444444444' % cell
            action = recording.record_action_start(ctx, server['uuid'],
                                                   'resize')
            try:
                with recording.EventReporter(ctx, 'compute_resize',
                                             'compute%d' % cell,
                                             server['uuid']):
                    raise ValueError('no room')
            except ValueError:
                pass
            service = self.make_service(cell=cell, host='compute%d' % cell)
            values['server_id'].append(server['uuid'])
            values['request_id'].append(action['request_id'])
            values['service_id'] += [service['uuid'], str(service['id'])]
        values['uuids'] = values['service_id'][::2]
        values['hosts'] = ['compute%d' % cell
                           for cell in range(self.cell_count)]
        values['service_id'] += ['enable', 'disable', 'disable-log-reason',
                                 'force-down']
        self.deployment_info = fuzz.Deployment(
            router.ROUTES, values, base.PROJECT_ID, base.OTHER_PROJECT_ID)
        self.live = self.useFixture(base.LiveServer(self.app))

    share = 1

    def _fuzz(self, kind):
        count = max(1, int(REQUESTS * self.share) // len(fuzz.CLASSES))
        found = collections.defaultdict(list)
        statuses = collections.Counter()
        kinds = collections.Counter()
        for number in range(count):
            request = fuzz.generate(SEED, kind, number, self.deployment_info)
            try:
                response = fuzz.send(self.live.port, request, TIMEOUT)
            except fuzz.Hang as hang:
                found['hang'].append(str(hang))
                continue
            if response is not None:
                statuses[response.status] += 1
            for category, text in fuzz.problems(request, response):
                found[category].append(text)
                kinds[fuzz.signature(category, response)] += 1
        summary = '%d requests (seed %s); statuses %s; problems %s' % (
            count, SEED, dict(sorted(statuses.items())),
            {k: len(v) for k, v in sorted(found.items())} or 'none')
        figures.record(self, 'fuzz %s' % kind, summary)
        if kinds:
            figures.record(self, 'fuzz %s problems' % kind, '; '.join(
                '%d x %s' % (n, sig) for sig, n in kinds.most_common()))
        if found:
            lines = [summary]
            for category, texts in sorted(found.items()):
                lines.append('== %s (%d)' % (category, len(texts)))
                lines.extend(texts[:SHOWN])
            self.fail('\n'.join(lines))

    def test_query(self):
        self._fuzz('query')

    def test_body(self):
        self._fuzz('body')


class TestFuzz(_Fuzz, servers_base.ServersTestCase):
    """Every class, on SQLite cells."""

    def test_path(self):
        self._fuzz('path')

    def test_header(self):
        self._fuzz('header')


class TestFuzzRealDatabases(_Fuzz, servers_base.ServersTestCase):
    """The classes that reach the databases, on MariaDB and PostgreSQL."""

    backends = ['mysql', 'postgresql']
    share = 0.25
