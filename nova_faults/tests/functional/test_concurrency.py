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

"""Concurrent recording on MariaDB and PostgreSQL: nothing lost, nothing twice.

Many threads record, at once, through the recording library:

* the same actions started by several threads (one request, replayed);
* events of the same actions and instances started and finished
  together, some failing;
* deadlock-prone interleavings: for each instance, two actions whose
  events are finished by two groups of threads in opposite orders
  (action 1 then 2, and 2 then 1), all released by one barrier.

Afterwards every event is stored exactly once and finished, every
action is stored once, its ``message`` is ``Error`` exactly when one of
its events failed, and its ``updated_at`` is the latest time written by
its events. No thread saw an error. ``NOVA_FAULTS_CONCURRENCY_THREADS``
(default 16) threads.
"""

import collections
import os
import threading

import sqlalchemy as sa

from nova_faults.db import models
from nova_faults import recording
from nova_faults.tests.functional import base
from nova_faults.tests.functional import figures
from nova_faults.tests.functional import servers_base

THREADS = int(os.environ.get('NOVA_FAULTS_CONCURRENCY_THREADS', '16'))
INSTANCES = 3
EVENTS_PER_THREAD = 4


class _Concurrency:
    """The test, mixed into a test case per backend."""

    cell_count = 1

    def _ctx(self, request_id):
        ctx = self.cell_ctx(self.cell(0))
        ctx.user_id, ctx.project_id = 'demo', base.PROJECT_ID
        ctx.request_id = request_id
        return ctx

    def _run_threads(self, target, count):
        barrier = threading.Barrier(count)
        errors = []

        def run(index):
            try:
                barrier.wait(30)
                target(index)
            except Exception as exc:  # noqa
                errors.append('%s: %s' % (type(exc).__name__, exc))
        threads = [threading.Thread(target=run, args=(i,))
                   for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertEqual([], errors)
        self.assertFalse(any(t.is_alive() for t in threads))

    def _rows(self):
        engine = self.deployment.engine(self.cell(0))
        actions = models.InstanceAction.__table__
        events = models.InstanceActionEvent.__table__
        with engine.connect() as conn:
            action_rows = conn.execute(sa.select(actions)).mappings()
            event_rows = conn.execute(sa.select(events)).mappings()
            return ([dict(r) for r in action_rows],
                    [dict(r) for r in event_rows])

    def test_concurrent_events(self):
        servers = [self.make_server(project_id=base.PROJECT_ID)['uuid']
                   for _ in range(INSTANCES)]
        # Two actions (two requests) per instance.
        request_ids = {uuid: ['req-%s-%d' % (uuid[:8], n) for n in (1, 2)]
                       for uuid in servers}
        expected = collections.defaultdict(dict)

        def start_actions(index):
            # Every thread starts every action: replays must not
            # duplicate them.
            for uuid in servers:
                for request_id in request_ids[uuid]:
                    recording.record_action_start(self._ctx(request_id),
                                                  uuid, 'resize')
        self._run_threads(start_actions, THREADS)

        def record_events(index):
            # Half the threads go action 1 then 2, the other half 2 then
            # 1, on every instance: opposite lock orders.
            for uuid in servers:
                order = request_ids[uuid]
                if index % 2:
                    order = list(reversed(order))
                names = ['ev%02d_%d' % (index, n)
                         for n in range(EVENTS_PER_THREAD)]
                for request_id in order:
                    ctx = self._ctx(request_id)
                    for name in names:
                        recording.event_start(ctx, uuid, name, host='h')
                for request_id in order:
                    ctx = self._ctx(request_id)
                    for n, name in enumerate(names):
                        failed = (index + n) % 7 == 0
                        expected[(uuid, request_id)][name] = failed
                        if failed:
                            try:
                                raise ValueError('boom')
                            except ValueError as exc:
                                recording.event_finish(
                                    ctx, uuid, name, exc_val=exc,
                                    exc_tb=exc.__traceback__)
                        else:
                            recording.event_finish(ctx, uuid, name)
        self._run_threads(record_events, THREADS)

        actions, events = self._rows()
        self.assertEqual(INSTANCES * 2, len(actions))
        keys = collections.Counter((a['instance_uuid'], a['request_id'])
                                   for a in actions)
        self.assertEqual({1}, set(keys.values()))
        by_action = collections.defaultdict(list)
        for event in events:
            by_action[event['action_id']].append(event)
        lost = duplicated = 0
        for action in actions:
            key = (action['instance_uuid'], action['request_id'])
            stored = by_action[action['id']]
            names = collections.Counter(e['event'] for e in stored)
            duplicated += sum(n - 1 for n in names.values())
            lost += len(set(expected[key]) - set(names))
            for event in stored:
                self.assertIsNotNone(event['finish_time'], event)
                self.assertEqual(
                    'Error' if expected[key][event['event']] else 'Success',
                    event['result'])
            failed = any(expected[key].values())
            self.assertEqual('Error' if failed else None, action['message'],
                             key)
            latest = max(max(e['start_time'], e['finish_time'])
                         for e in stored)
            self.assertEqual(latest, action['updated_at'], key)
        self.assertEqual(0, lost, 'events lost')
        self.assertEqual(0, duplicated, 'events stored twice')
        self.assertEqual(THREADS * EVENTS_PER_THREAD * INSTANCES * 2,
                         len(events))
        figures.record(self, 'figures', '%d threads, %d events, %d '
                       'actions, %d lost, %d stored twice' % (
                           THREADS, len(events), len(actions), lost,
                           duplicated))


class TestConcurrencyMySQL(_Concurrency, servers_base.ServersTestCase):
    backends = ['mysql']


class TestConcurrencyPostgreSQL(_Concurrency,
                                servers_base.ServersTestCase):
    backends = ['postgresql']
