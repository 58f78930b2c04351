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

"""No 4-character run of a secret reaches a response, end to end.

The 3,000 secret-carrying messages of ``tests/secret_messages.py`` are
stored the two ways they reach a database:

* written raw, as Nova writes them (a Nova deployment's rows were never
  scrubbed): event ``details``, action ``message`` and fault ``message``
  (and ``details`` of a non-500 fault, which everyone sees);
* recorded through the recording library (a library exception's message
  in an event's details and a fault's message).

Then they are read through the paste pipeline as a project member, at
2.84 (with the operators' recipe that shows members the event details)
and through ``/servers/detail``: no run of any secret survives.
"""

import uuid as uuidlib

from oslo_policy import policy as oslo_policy
from oslo_utils import timeutils

from nova_faults.db import api as db_api
from nova_faults.db import models
from nova_faults import exception
from nova_faults import policy
from nova_faults import recording
from nova_faults.tests.functional import servers_base
from nova_faults.tests import secret_messages

MESSAGES = secret_messages.messages(3000)
EVENTS_PER_ACTION = 100
MEMBER = dict(user='demo', project=servers_base.PROJECT,
              roles=['member', 'reader'])


class LibraryError(exception.NovaFaultsException):
    msg_fmt = 'Operation failed: %(reason)s'


def _baseline(form, key, before, after):
    """The message of the same form with a one-character secret."""
    return secret_messages.build(form, key, 'N', before, after)[0]


class TestNoSecretReachesAResponse(servers_base.ServersTestCase):

    cell_count = 1

    def setUp(self):
        super().setUp()
        policy._ENFORCER.set_rules(oslo_policy.Rules.from_dict({
            'os_compute_api:os-instance-actions:events:details':
                'rule:project_reader_or_admin'}), overwrite=False,
            use_conf=False)
        self.engine = db_api.get_engine(db_api.get_context_manager(
            self.conf, self.cell(0)['database_connection']))
        self.checked = 0

    def _assert_hidden(self, shown, index, scrub=exception.scrub_credentials):
        form, key, secret, before, after = MESSAGES[index]
        baseline = scrub(_baseline(form, key, before, after))
        written = secret_messages.build(form, key, secret, before, after)[1]
        leaked = secret_messages.leaked_runs(shown, baseline, secret,
                                             written)
        self.assertEqual(set(), leaked, (index, ascii(shown)))
        self.checked += 1

    def _write_events(self, server_uuid, raw):
        """Actions of EVENTS_PER_ACTION events: details = the messages."""
        now = timeutils.utcnow()
        requests = []
        with self.engine.begin() as conn:
            for first in range(0, len(MESSAGES), EVENTS_PER_ACTION):
                request_id = 'req-%s' % uuidlib.uuid4()
                message = secret_messages.build(*MESSAGES[first])[0]
                action_id = conn.execute(
                    models.InstanceAction.__table__.insert().values(
                        action='resize', instance_uuid=server_uuid,
                        request_id=request_id, user_id='demo',
                        project_id=servers_base.PROJECT, start_time=now,
                        message=message if raw else 'Error', deleted=0,
                        created_at=now)).inserted_primary_key[0]
                rows = []
                for index in range(first, first + EVENTS_PER_ACTION):
                    message = secret_messages.build(*MESSAGES[index])[0]
                    details = (message if raw else recording.event_details(
                        LibraryError(reason=message)))
                    rows.append({'event': 'e%04d' % index,
                                 'action_id': action_id, 'start_time': now,
                                 'finish_time': now, 'result': 'Error',
                                 'details': details, 'host': 'compute1',
                                 'deleted': 0, 'created_at': now})
                conn.execute(models.InstanceActionEvent.__table__.insert(),
                             rows)
                requests.append((first, request_id))
        return requests

    def _check_events(self, raw):
        server = self.make_server(project_id=servers_base.PROJECT)
        requests = self._write_events(server['uuid'], raw)
        for first, request_id in requests:
            resp = self.api.get('/servers/%s/os-instance-actions/%s' % (
                server['uuid'], request_id), version='2.84', **MEMBER)
            self.assertEqual(200, resp.status_int, resp.text)
            body = resp.json['instanceAction']
            if raw:
                self._assert_hidden(body['message'], first)
            events = body['events']
            self.assertEqual(EVENTS_PER_ACTION, len(events))
            for event in events:
                index = int(event['event'][1:])
                if raw:
                    self._assert_hidden(event['details'], index)
                else:
                    self._assert_hidden(event['details'], index,
                                        scrub=self._as_recorded)
        self.assertEqual(len(MESSAGES) + (len(requests) if raw else 0),
                         self.checked)

    @staticmethod
    def _as_recorded(message):
        return recording.event_details(LibraryError(reason=message))

    def test_event_details_written_raw(self):
        self._check_events(raw=True)

    def test_event_details_recorded(self):
        self._check_events(raw=False)

    def test_fault_messages(self):
        uuids = self.make_servers_bulk(len(MESSAGES), cell_of=lambda i: 0,
                                       vm_state='error')
        by_uuid = {}
        with self.engine.begin() as conn:
            table = models.InstanceFault.__table__
            for index, uuid in enumerate(uuids):
                message = secret_messages.build(*MESSAGES[index])[0]
                # Every other fault is a 400: its details are everyone's.
                code = 400 if index % 2 else 500
                conn.execute(table.update().where(
                    table.c.instance_uuid == uuid).values(
                    message=message, details=message, code=code))
                by_uuid[uuid] = index
        # And one recorded by the library, as a compute service would.
        recorded = self.make_server(project_id=servers_base.PROJECT,
                                    vm_state='error')
        form, key, secret, before, after = MESSAGES[7]
        message = secret_messages.build(form, key, secret, before, after)[0]
        recording.Recorder(self.conf, host='compute1').\
            add_instance_fault_from_exc(self.cell_ctx(self.cell(0)),
                                        recorded, LibraryError(
                                            reason=message))
        seen = 0
        marker = None
        while True:
            path = '/servers/detail?limit=1000'
            if marker:
                path += '&marker=' + marker
            resp = self.api.get(path, version='2.84', **MEMBER)
            self.assertEqual(200, resp.status_int, resp.text)
            servers = resp.json['servers']
            if not servers:
                break
            for server in servers:
                marker = server['id']
                fault = server.get('fault')
                self.assertIsNotNone(fault, server['id'])
                if server['id'] == recorded['uuid']:
                    self._assert_hidden(
                        fault['message'], 7, scrub=lambda m: (
                            exception.exception_to_dict(
                                LibraryError(reason=m))['message']))
                    seen += 1
                    continue
                index = by_uuid[server['id']]
                self._assert_hidden(fault['message'], index)
                if index % 2:
                    self._assert_hidden(fault['details'], index)
                else:
                    self.assertNotIn('details', fault)
                seen += 1
        self.assertEqual(len(MESSAGES) + 1, seen)
