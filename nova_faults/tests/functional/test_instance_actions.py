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

"""``os-instance-actions`` through HTTP, the real pipeline and databases.

The data is written with the recording library, as a conductor and a
compute service would: a server created by its owner, stopped by an admin
of another project, and resized by its owner, which failed in the
scheduler with NoValidHost (seed 000's story). Every test runs on SQLite,
MariaDB and PostgreSQL (one class per backend); on SQLite the deployment
has two cells and the server lives in the second one, so that every
lookup must go through the instance mapping.
"""

import datetime
import re
import threading

import fixtures
from oslo_utils import uuidutils

from nova_faults import cells
from nova_faults.db import api as db_api
from nova_faults.db import instances as db_instances
from nova_faults.db import models
from nova_faults import exception
from nova_faults.objects import instance_action
from nova_faults import policy
from nova_faults import recording
from nova_faults.tests.functional import base
from nova_faults.tests.functional import servers_base

PROJECT = base.PROJECT_ID
OTHER_PROJECT = base.OTHER_PROJECT_ID
ADMIN_PROJECT = 'ad0000000000000000000000000000ad'

STRTIME = re.compile(r'^\d{4}-[0,1]\d-[0-3]\dT\d{2}:\d{2}:\d{2}\.\d{6}$')

# (user, project, roles) of the personas of the visibility matrix.
OWNER = ('fake', PROJECT, None)              # member and reader
READER = ('reader', PROJECT, ['reader'])
OTHER = ('other', OTHER_PROJECT, None)
ADMIN = ('admin', ADMIN_PROJECT, None)       # admin, member and reader

MATRIX_VERSIONS = ('2.1', '2.50', '2.51', '2.61', '2.62', '2.83', '2.84',
                   '2.102')

ACTION_KEYS = {'action', 'instance_uuid', 'request_id', 'user_id',
               'project_id', 'start_time', 'message'}
EVENT_KEYS = {'event', 'start_time', 'finish_time', 'result'}

NO_VALID_HOST = ('No valid host was found. There are not enough hosts '
                 'available.')


class NoValidHost(exception.NovaFaultsException):
    msg_fmt = 'No valid host was found. %(reason)s'


def host_id(project_id, host):
    import hashlib
    return hashlib.sha224((project_id + host).encode('utf-8')).hexdigest()


def expected_event_keys(persona, version):
    """The keys of an event per Nova's visibility matrix (None: no events).

    Version tuples; default policies.
    """
    admin = persona is ADMIN
    if version < (2, 51) and not admin:
        return None
    keys = set(EVENT_KEYS)
    if admin:
        keys.add('traceback')
    if version >= (2, 62):
        keys.add('hostId')
        if admin:
            keys.add('host')
    if version >= (2, 84) and admin:
        keys.add('details')
    return keys


def vtuple(version):
    major, minor = version.split('.')
    return int(major), int(minor)


class Conductor(recording.Recorder):
    """Just enough of a conductor to fail a resize as Nova's does."""

    @recording.wrap_instance_event(prefix='conductor')
    def migrate_server(self, context, instance, flavor):
        self._cold_migrate(context, instance, flavor)

    def _cold_migrate(self, context, instance, flavor):
        with self.event_reporter(context, 'cold_migrate', instance):
            raise NoValidHost(reason='There are not enough hosts '
                                     'available.')


class InstanceActionsTestMixin:
    """The tests; mixed into one class per database backend."""

    backend = 'sqlite'
    cell_count = 2

    def _deployment_fixture(self):
        from nova_faults.tests import fixtures as nf_fixtures
        return nf_fixtures.Deployment(cells=(self.backend,) * self.cell_count,
                                      api=self.backend)

    def setUp(self):
        super().setUp()
        cells.reset()
        self.addCleanup(cells.reset)
        # The server lives in the last cell.
        self.cell_index = self.cell_count - 1
        self.cell = self.deployment.cells[self.cell_index]
        self.server = self.deployment.create_instance(
            cell=self.cell_index, project_id=PROJECT, user_id='fake',
            host='compute')
        self.server_id = self.server['uuid']
        self.req_create = self.record(
            'create', OWNER,
            [('conductor_schedule_and_build_instances', 'conductor'),
             ('compute_build_and_run_instance', 'compute')])
        self.req_stop = self.record('stop', ADMIN,
                                    [('compute_stop_instance', 'compute')])
        self.req_resize = self.new_request_id()
        ctx = self.request_context(OWNER, self.req_resize)
        recording.record_action_start(ctx, self.server_id, 'resize')
        self.assertRaises(NoValidHost,
                          Conductor(host='conductor').migrate_server,
                          ctx, self.server, 'm1.small')

    # -- data ---------------------------------------------------------------

    @staticmethod
    def new_request_id():
        return 'req-' + uuidutils.generate_uuid()

    def request_context(self, persona, request_id, server=None, **kwargs):
        user, project, _roles = persona
        ctx = self.deployment.context(user_id=user, project_id=project,
                                      request_id=request_id,
                                      is_admin=persona is ADMIN, **kwargs)
        return cells.cell_context(ctx, self.cell, conf=self.conf)

    def record(self, action, persona, events, server_id=None, **kwargs):
        request_id = self.new_request_id()
        ctx = self.request_context(persona, request_id, **kwargs)
        recording.record_action_start(ctx, server_id or self.server_id,
                                      action)
        for name, host in events:
            with recording.EventReporter(ctx, name, host,
                                         server_id or self.server_id):
                pass
        return request_id

    # -- requests -----------------------------------------------------------

    def get(self, path, persona=ADMIN, version='2.1', **kwargs):
        user, project, roles = persona
        return self.api.get(path, version=version, user=user,
                            project=project, roles=roles, **kwargs)

    def actions_url(self, server_id=None, request_id=None, query=''):
        url = '/servers/%s/os-instance-actions' % (server_id or
                                                   self.server_id)
        if request_id:
            url += '/' + request_id
        return url + query

    def list_actions(self, persona=ADMIN, version='2.1', query='',
                     server_id=None, status=200):
        resp = self.get(self.actions_url(server_id, query=query), persona,
                        version)
        self.assertEqual(status, resp.status_int, resp.text)
        if status == 200:
            servers_base.validate_servers(self, 'list_instance_actions',
                                          resp, version)
        return resp

    def show_action(self, request_id, persona=ADMIN, version='2.1',
                    query='', server_id=None, status=200, tempest=True):
        resp = self.get(self.actions_url(server_id, request_id, query),
                        persona, version)
        self.assertEqual(status, resp.status_int, resp.text)
        if status == 200 and tempest:
            servers_base.validate_servers(self, 'show_instance_action',
                                          resp, version)
        return resp

    # -- list ---------------------------------------------------------------

    def test_list_newest_first(self):
        for version in ('2.1', '2.21', '2.57', '2.58', '2.66', '2.104'):
            body = self.list_actions(version=version).json
            self.assertEqual(['instanceActions'], list(body))
            actions = body['instanceActions']
            self.assertEqual(['resize', 'stop', 'create'],
                             [a['action'] for a in actions])
            self.assertEqual(
                [self.req_resize, self.req_stop, self.req_create],
                [a['request_id'] for a in actions])
            keys = ACTION_KEYS | ({'updated_at'}
                                  if vtuple(version) >= (2, 58) else set())
            for action in actions:
                self.assertEqual(keys, set(action))
                self.assertEqual(self.server_id, action['instance_uuid'])
                self.assertRegex(action['start_time'], STRTIME)
                if 'updated_at' in action:
                    self.assertRegex(action['updated_at'], STRTIME)
            resize, stop, create = actions
            self.assertEqual('Error', resize['message'])
            self.assertIsNone(stop['message'])
            self.assertIsNone(create['message'])
            self.assertEqual(('fake', PROJECT),
                             (resize['user_id'], resize['project_id']))
            # The requester's project, not the server's.
            self.assertEqual(('admin', ADMIN_PROJECT),
                             (stop['user_id'], stop['project_id']))

    def test_list_as_owner_and_reader(self):
        for persona in (OWNER, READER):
            for version in ('2.1', '2.58', '2.84'):
                actions = self.list_actions(
                    persona, version).json['instanceActions']
                self.assertEqual(3, len(actions))

    def test_list_updated_at_follows_events(self):
        actions = self.list_actions(version='2.58').json['instanceActions']
        resize = actions[0]
        show = self.show_action(self.req_resize, version='2.58').json
        finish_times = [e['finish_time']
                        for e in show['instanceAction']['events']]
        self.assertEqual(max(finish_times), resize['updated_at'])
        self.assertEqual(resize['updated_at'],
                         show['instanceAction']['updated_at'])

    def test_list_ignores_query_before_258(self):
        for query in ('?limit=1', '?foo=bar&limit=x', '?marker=nope',
                      '?changes-since=garbage'):
            actions = self.list_actions(
                version='2.57', query=query).json['instanceActions']
            self.assertEqual(3, len(actions), query)

    def test_list_limit_and_links(self):
        body = self.list_actions(version='2.58', query='?limit=1').json
        self.assertEqual([self.req_resize],
                         [a['request_id'] for a in body['instanceActions']])
        href = ('http://localhost/v2.1/servers/%s/os-instance-actions?'
                'limit=1&marker=%s' % (self.server_id, self.req_resize))
        self.assertEqual([{'rel': 'next', 'href': href}], body['links'])
        # Follow the links to the end.
        seen = [self.req_resize]
        while 'links' in body:
            path = body['links'][0]['href'].replace('http://localhost', '')
            resp = self.get(path, version='2.58')
            self.assertEqual(200, resp.status_int, resp.text)
            body = resp.json
            seen.extend(a['request_id'] for a in body['instanceActions'])
        self.assertEqual([self.req_resize, self.req_stop, self.req_create],
                         seen)
        # The last page is empty: "next" is given for every full page.
        self.assertEqual({'instanceActions': []}, body)

    def test_list_marker(self):
        body = self.list_actions(
            version='2.58', query='?marker=%s' % self.req_stop).json
        self.assertEqual([self.req_create],
                         [a['request_id'] for a in body['instanceActions']])
        self.assertNotIn('links', body)

    def test_list_no_links_when_page_not_full(self):
        body = self.list_actions(version='2.58', query='?limit=4').json
        self.assertEqual(3, len(body['instanceActions']))
        self.assertNotIn('links', body)

    def test_list_limit_zero(self):
        for query in ('?limit=0', '?limit=0&marker=req-bogus'):
            body = self.list_actions(version='2.58', query=query).json
            self.assertEqual({'instanceActions': []}, body)

    def test_list_limit_capped_by_max_limit(self):
        self.conf.set_override('max_limit', 2, group='api')
        for query in ('', '?limit=5'):
            body = self.list_actions(version='2.58', query=query).json
            self.assertEqual(2, len(body['instanceActions']))
            self.assertEqual(
                'http://localhost/v2.1/servers/%s/os-instance-actions?%s'
                'marker=%s' % (self.server_id,
                               'limit=5&' if query else '', self.req_stop),
                body['links'][0]['href'])

    def test_list_links_sorted_with_all_params(self):
        since = '2000-01-01T00:00:00Z'
        before = '2999-01-01T00:00:00Z'
        query = '?limit=1&changes-before=%s&changes-since=%s' % (before,
                                                                 since)
        body = self.list_actions(version='2.66', query=query).json
        self.assertEqual(
            'http://localhost/v2.1/servers/%s/os-instance-actions?'
            'changes-before=2999-01-01T00%%3A00%%3A00Z&'
            'changes-since=2000-01-01T00%%3A00%%3A00Z&limit=1&marker=%s'
            % (self.server_id, self.req_resize), body['links'][0]['href'])

    def test_list_links_keep_project_id_and_prefix(self):
        resp = self.get('/v2.1/%s/servers/%s/os-instance-actions?limit=1'
                        % (PROJECT, self.server_id), OWNER, '2.58')
        self.assertEqual(200, resp.status_int, resp.text)
        self.assertEqual(
            'http://localhost/v2.1/%s/servers/%s/os-instance-actions?'
            'limit=1&marker=%s' % (PROJECT, self.server_id,
                                   self.req_resize),
            resp.json['links'][0]['href'])
        self.conf.set_override('compute_link_prefix',
                               'https://compute.example.com/proxy',
                               group='api')
        body = self.list_actions(version='2.58', query='?limit=1').json
        self.assertEqual(
            'https://compute.example.com/proxy/v2.1/servers/%s/'
            'os-instance-actions?limit=1&marker=%s'
            % (self.server_id, self.req_resize), body['links'][0]['href'])

    def _set_updated_at(self):
        """Give the three actions updated_at T, T+10s, T+20s."""
        base_time = datetime.datetime(2020, 5, 1, 12, 0, 0)
        table = models.InstanceAction.__table__
        with self.deployment.engine(self.cell_index).begin() as conn:
            for offset, request_id in enumerate(
                    (self.req_create, self.req_stop, self.req_resize)):
                conn.execute(table.update()
                             .where(table.c.request_id == request_id)
                             .values(updated_at=base_time +
                                     datetime.timedelta(seconds=10 *
                                                        offset)))

    def _request_ids(self, query, version='2.66'):
        body = self.list_actions(version=version, query=query).json
        return [a['request_id'] for a in body['instanceActions']]

    def test_list_changes_since_inclusive(self):
        self._set_updated_at()
        self.assertEqual([self.req_resize, self.req_stop], self._request_ids(
            '?changes-since=2020-05-01T12:00:10Z', '2.58'))
        self.assertEqual([self.req_resize, self.req_stop], self._request_ids(
            '?changes-since=2020-05-01T12:00:10'))
        # A zone offset is normalised to UTC.
        self.assertEqual([self.req_resize], self._request_ids(
            '?changes-since=2020-05-01T14:00:11%2B02:00'))
        self.assertEqual([], self._request_ids(
            '?changes-since=2020-05-01T12:00:21Z'))

    def test_list_changes_before_inclusive(self):
        self._set_updated_at()
        self.assertEqual([self.req_stop, self.req_create], self._request_ids(
            '?changes-before=2020-05-01T12:00:10Z'))
        self.assertEqual([self.req_stop], self._request_ids(
            '?changes-since=2020-05-01T12:00:10Z&'
            'changes-before=2020-05-01T12:00:10Z'))
        self.assertEqual([], self._request_ids(
            '?changes-before=2020-05-01T11:59:59Z'))

    def test_list_errors(self):
        cases = [
            ('2.58', '?limit=x', 'Invalid input for query parameters limit.'),
            ('2.58', '?limit=-1',
             'Invalid input for query parameters limit.'),
            ('2.58', '?limit=1&limit=2',
             'Invalid input for query parameters limit.'),
            ('2.58', '?marker=a&marker=b',
             'Invalid input for query parameters marker.'),
            ('2.58', '?changes-since=yesterday',
             'Invalid input for query parameters changes-since.'),
            ('2.66', '?changes-before=2020-13-01T00:00:00Z',
             'Invalid input for query parameters changes-before.'),
        ]
        for version, query, prefix in cases:
            resp = self.list_actions(version=version, query=query,
                                     status=400)
            message = self.assertFault(resp, 400, 'badRequest')
            self.assertTrue(message.startswith(prefix), (query, message))
        for version, query, name in [
                ('2.58', '?foo=bar', 'foo'),
                ('2.104', '?sort_key=id', 'sort_key'),
                ('2.65', '?changes-before=2020-01-01T00:00:00Z',
                 'changes-before')]:
            resp = self.list_actions(version=version, query=query,
                                     status=400)
            self.assertFault(
                resp, 400, 'badRequest',
                "Additional properties are not allowed ('%s' was "
                "unexpected)" % name)

    def test_list_changes_since_after_changes_before(self):
        resp = self.list_actions(
            version='2.66', status=400,
            query='?changes-since=2020-01-02T00:00:00Z&'
                  'changes-before=2020-01-01T00:00:00Z')
        self.assertFault(resp, 400, 'badRequest',
                         'The value of changes-since must be less than or '
                         'equal to changes-before.')

    def test_list_unknown_marker_names_it(self):
        # NOTE: our improvement: Nova says "Marker None could not be
        # found.".
        for marker in ('req-nope', self.new_request_id()):
            resp = self.list_actions(version='2.58', status=400,
                                     query='?marker=%s' % marker)
            self.assertFault(resp, 400, 'badRequest',
                             'Marker %s could not be found.' % marker)

    def test_list_marker_of_another_server(self):
        other = self.deployment.create_instance(
            cell=self.cell_index, project_id=PROJECT, user_id='fake')
        request_id = self.record('create', OWNER, [],
                                 server_id=other['uuid'])
        resp = self.list_actions(version='2.58', status=400,
                                 query='?marker=%s' % request_id)
        self.assertFault(resp, 400, 'badRequest',
                         'Marker %s could not be found.' % request_id)

    # -- show ---------------------------------------------------------------

    def test_visibility_matrix(self):
        for version in MATRIX_VERSIONS:
            vt = vtuple(version)
            for persona in (OWNER, READER, ADMIN):
                body = self.show_action(self.req_resize, persona,
                                        version).json['instanceAction']
                keys = ACTION_KEYS | ({'updated_at'} if vt >= (2, 58)
                                      else set())
                event_keys = expected_event_keys(persona, vt)
                if event_keys is None:
                    self.assertEqual(keys, set(body), (version, persona))
                    continue
                self.assertEqual(keys | {'events'}, set(body),
                                 (version, persona))
                # Newest first, as in seed 000's walkthrough.
                self.assertEqual(
                    ['cold_migrate', 'conductor_migrate_server'],
                    [e['event'] for e in body['events']])
                for event in body['events']:
                    self.assertEqual(event_keys, set(event),
                                     (version, persona))
                    self.assertEqual('Error', event['result'])
                    self.assertRegex(event['start_time'], STRTIME)
                    self.assertRegex(event['finish_time'], STRTIME)
                    if 'traceback' in event:
                        self.assertIn('raise NoValidHost(',
                                      event['traceback'])
                        self.assertNotIn('Traceback (most recent',
                                         event['traceback'])
                    if 'hostId' in event:
                        self.assertEqual(host_id(PROJECT, 'conductor'),
                                         event['hostId'])
                    if 'host' in event:
                        self.assertEqual('conductor', event['host'])
                    if 'details' in event:
                        self.assertEqual(NO_VALID_HOST, event['details'])
            for persona in (OTHER,):
                resp = self.show_action(self.req_resize, persona, version,
                                        status=404)
                self.assertFault(resp, 404, 'itemNotFound',
                                 'Instance %s could not be found.'
                                 % self.server_id)
                resp = self.list_actions(persona, version, status=404)
                self.assertFault(resp, 404, 'itemNotFound')

    def test_show_shapes_match_nova_samples(self):
        # Keys of the published samples (doc/api_samples/os-instance-
        # actions/v2.*/instance-action-get[-non-admin]-resp.json).
        samples = {
            ('2.1', ADMIN): ['event', 'finish_time', 'result',
                             'start_time', 'traceback'],
            ('2.51', OWNER): ['event', 'finish_time', 'result',
                              'start_time'],
            ('2.58', ADMIN): ['event', 'finish_time', 'result',
                              'start_time', 'traceback'],
            ('2.62', ADMIN): ['event', 'finish_time', 'host', 'hostId',
                              'result', 'start_time', 'traceback'],
            ('2.62', OWNER): ['event', 'finish_time', 'hostId', 'result',
                              'start_time'],
            ('2.84', ADMIN): ['details', 'event', 'finish_time', 'host',
                              'hostId', 'result', 'start_time',
                              'traceback'],
            ('2.84', OWNER): ['event', 'finish_time', 'hostId', 'result',
                              'start_time'],
        }
        for (version, persona), keys in samples.items():
            body = self.show_action(self.req_stop, persona,
                                    version).json['instanceAction']
            (event,) = body['events']
            self.assertEqual(keys, sorted(event), version)
            self.assertEqual('compute_stop_instance', event['event'])
            self.assertEqual('Success', event['result'])
            if 'traceback' in event:
                self.assertIsNone(event['traceback'])
            if 'details' in event:
                self.assertIsNone(event['details'])
            if vtuple(version) >= (2, 58):
                self.assertEqual(event['finish_time'], body['updated_at'])

    def test_show_host_id_uses_action_project(self):
        # The stop was requested by an admin of another project: its
        # events' hostId is hashed with that project, as in Nova.
        for persona in (OWNER, ADMIN):
            (event,) = self.show_action(
                self.req_stop, persona,
                '2.62').json['instanceAction']['events']
            self.assertEqual(host_id(ADMIN_PROJECT, 'compute'),
                             event['hostId'])

    def test_show_host_id_falls_back_to_server_project(self):
        request_id = self.new_request_id()
        ctx = self.request_context(OWNER, request_id)
        recording.record_action_start(ctx, self.server_id, 'reboot')
        table = models.InstanceAction.__table__
        with self.deployment.engine(self.cell_index).begin() as conn:
            conn.execute(table.update()
                         .where(table.c.request_id == request_id)
                         .values(project_id=None, user_id=None))
        # A periodic task (no project) attaches to the newest action.
        service_ctx = self.request_context((None, None, None),
                                           self.new_request_id())
        with recording.EventReporter(service_ctx, 'compute_reboot_instance',
                                     'compute', self.server_id):
            pass
        # NOTE: tempest's schemas (unlike Nova's) want string user and
        # project ids, so this body is not checked against them.
        body = self.show_action(request_id, OWNER, '2.84',
                                tempest=False).json
        self.assertIsNone(body['instanceAction']['project_id'])
        self.assertIsNone(body['instanceAction']['user_id'])
        (event,) = body['instanceAction']['events']
        self.assertEqual(host_id(PROJECT, 'compute'), event['hostId'])

    def test_show_event_without_host(self):
        request_id = self.record('lock', OWNER, [('api_lock', None)])
        # NOTE: tempest's schema wants a string host; Nova's allows null.
        (event,) = self.show_action(
            request_id, ADMIN, '2.84',
            tempest=False).json['instanceAction']['events']
        self.assertEqual('', event['hostId'])
        self.assertIsNone(event['host'])

    def test_show_details_of_a_non_library_exception(self):
        request_id = self.new_request_id()
        ctx = self.request_context(OWNER, request_id)
        recording.record_action_start(ctx, self.server_id, 'reboot')

        class HypervisorError(Exception):
            pass

        def reboot():
            with recording.EventReporter(ctx, 'compute_reboot_instance',
                                         'compute', self.server_id):
                raise HypervisorError('libvirt: password=swordfish')
        self.assertRaises(HypervisorError, reboot)
        (event,) = self.show_action(
            request_id, ADMIN, '2.84').json['instanceAction']['events']
        self.assertEqual('HypervisorError', event['details'])
        self.assertNotIn('swordfish', event['traceback'])

    def test_show_query_params(self):
        self.show_action(self.req_stop, version='2.101', query='?foo=bar')
        resp = self.show_action(self.req_stop, version='2.102',
                                query='?foo=bar', status=400)
        self.assertFault(resp, 400, 'badRequest',
                         "Additional properties are not allowed ('foo' was "
                         "unexpected)")

    def test_show_unknown_request_id(self):
        for request_id in ('req-nope', '999', self.new_request_id()):
            for persona in (OWNER, ADMIN):
                resp = self.show_action(request_id, persona, status=404)
                self.assertFault(resp, 404, 'itemNotFound',
                                 'Action %s not found' % request_id)

    def test_show_request_id_of_another_server(self):
        other = self.deployment.create_instance(
            cell=self.cell_index, project_id=PROJECT, user_id='fake')
        request_id = self.record('create', OWNER, [],
                                 server_id=other['uuid'])
        self.show_action(request_id, server_id=other['uuid'])
        resp = self.show_action(request_id, status=404)
        self.assertFault(resp, 404, 'itemNotFound',
                         'Action %s not found' % request_id)

    # -- servers ------------------------------------------------------------

    def test_unknown_or_malformed_server(self):
        for server_id in (uuidutils.generate_uuid(), 'nope', '1234'):
            for version in ('2.1', '2.21', '2.104'):
                for persona in (OWNER, ADMIN):
                    resp = self.list_actions(persona, version, status=404,
                                             server_id=server_id)
                    self.assertFault(resp, 404, 'itemNotFound',
                                     'Instance %s could not be found.'
                                     % server_id)
                    resp = self.show_action(self.req_stop, persona,
                                            version, status=404,
                                            server_id=server_id)
                    self.assertFault(resp, 404, 'itemNotFound',
                                     'Instance %s could not be found.'
                                     % server_id)

    def test_server_not_scheduled_yet(self):
        server_id = uuidutils.generate_uuid()
        self.deployment.create_instance_mapping(server_id, cell=False,
                                                project_id=PROJECT)
        resp = self.list_actions(OWNER, '2.84', status=404,
                                 server_id=server_id)
        self.assertFault(resp, 404, 'itemNotFound')

    def test_deleted_server(self):
        ctx = self.deployment.cell_context(self.cell_index)
        db_instances.instance_destroy(ctx, self.server_id)
        for persona in (OWNER, ADMIN):
            for version in ('2.1', '2.20'):
                resp = self.list_actions(persona, version, status=404)
                self.assertFault(resp, 404, 'itemNotFound',
                                 'Instance %s could not be found.'
                                 % self.server_id)
                self.show_action(self.req_stop, persona, version,
                                 status=404)
            for version in ('2.21', '2.58', '2.84'):
                actions = self.list_actions(
                    persona, version).json['instanceActions']
                self.assertEqual(
                    [self.req_resize, self.req_stop, self.req_create],
                    [a['request_id'] for a in actions])
                self.show_action(self.req_resize, persona, version)
        # Another project still gets 404 for a deleted server.
        self.list_actions(OTHER, '2.21', status=404)

    def test_admin_sees_other_projects_servers(self):
        other = self.deployment.create_instance(
            cell=self.cell_index, project_id=OTHER_PROJECT, user_id='other')
        request_id = self.record('create', OTHER, [('x', 'compute')],
                                 server_id=other['uuid'])
        resp = self.list_actions(OWNER, '2.84', server_id=other['uuid'],
                                 status=404)
        self.assertFault(resp, 404, 'itemNotFound')
        actions = self.list_actions(
            ADMIN, '2.84', server_id=other['uuid']).json['instanceActions']
        self.assertEqual([request_id], [a['request_id'] for a in actions])
        self.show_action(request_id, OTHER, '2.84', server_id=other['uuid'])

    # -- policies -----------------------------------------------------------

    def test_policy_denied(self):
        # A role that is neither reader nor admin in the server's project.
        nobody = ('nobody', PROJECT, ['observer'])
        for version in ('2.1', '2.58', '2.84'):
            resp = self.list_actions(nobody, version, status=403)
            self.assertFault(
                resp, 403, 'forbidden',
                "Policy doesn't allow os_compute_api:os-instance-actions:"
                "list to be performed.")
            resp = self.show_action(self.req_stop, nobody, version,
                                    status=403)
            self.assertFault(
                resp, 403, 'forbidden',
                "Policy doesn't allow os_compute_api:os-instance-actions:"
                "show to be performed.")

    def test_policy_checked_after_server_lookup(self):
        nobody = ('nobody', PROJECT, ['observer'])
        resp = self.list_actions(nobody, '2.84', status=404,
                                 server_id=uuidutils.generate_uuid())
        self.assertFault(resp, 404, 'itemNotFound')

    def _set_policy(self, rules):
        path = self.useFixture(fixtures.TempDir()).path + '/policy.yaml'
        with open(path, 'w') as f:
            for name, check in rules.items():
                f.write('"%s": "%s"\n' % (name, check))
        self.conf.set_override('policy_file', path, group='oslo_policy')
        policy.reset()
        policy.init(self.conf)

    def test_details_granted_to_project_readers(self):
        self._set_policy({
            'os_compute_api:os-instance-actions:events:details':
                'rule:project_reader_or_admin'})
        for persona in (OWNER, READER):
            events = self.show_action(
                self.req_resize, persona,
                '2.84').json['instanceAction']['events']
            self.assertEqual(2, len(events), persona)
            for event in events:
                self.assertEqual(EVENT_KEYS | {'hostId', 'details'},
                                 set(event))
                self.assertEqual(NO_VALID_HOST, event['details'])
            # Not before 2.84.
            events = self.show_action(
                self.req_resize, persona,
                '2.83').json['instanceAction']['events']
            self.assertNotIn('details', events[0])

    def test_events_granted_to_project_readers(self):
        self._set_policy({
            'os_compute_api:os-instance-actions:events':
                'rule:project_reader_or_admin'})
        body = self.show_action(self.req_resize, OWNER,
                                '2.1').json['instanceAction']
        self.assertEqual(EVENT_KEYS | {'traceback'},
                         set(body['events'][0]))
        event = self.show_action(self.req_resize, OWNER,
                                 '2.84').json['instanceAction']['events'][0]
        # events passes but not events:details.
        self.assertEqual(EVENT_KEYS | {'traceback', 'host', 'hostId'},
                         set(event))

    def test_legacy_rule_with_old_defaults(self):
        self.conf.set_override('enforce_new_defaults', False,
                               group='oslo_policy')
        policy.reset()
        policy.init(self.conf)
        # Under the deprecated admin_or_owner rule any role in the
        # project may list and show.
        nobody = ('nobody', PROJECT, ['observer'])
        actions = self.list_actions(nobody, '2.84').json['instanceActions']
        self.assertIn(self.req_stop, [a['request_id'] for a in actions])
        action = self.show_action(self.req_stop, nobody,
                                  '2.84').json['instanceAction']
        self.assertEqual(self.req_stop, action['request_id'])

    # -- cells and cost -----------------------------------------------------

    def test_cell_down_is_503_without_url(self):
        secret_url = 'mysql+pymysql://nova:s3cr3t@127.0.0.1:1/nova_cell'
        table = models.CellMapping.__table__
        with self.deployment.engine(api=True).begin() as conn:
            conn.execute(table.update()
                         .where(table.c.uuid == self.cell['uuid'])
                         .values(database_connection=secret_url))
        self.addCleanup(db_api.dispose, secret_url)
        for path in (self.actions_url(),
                     self.actions_url(request_id=self.req_stop)):
            resp = self.get(path, OWNER, '2.84')
            message = self.assertFault(resp, 503, 'serviceUnavailable')
            self.assertIn(self.cell['uuid'], message)
            self.assertIn('not responding', message)
            self.assertNotIn('s3cr3t', resp.text)
            self.assertNotIn('127.0.0.1', resp.text)
            self.assertIn(resp.headers['x-openstack-request-id'], message)

    def _grow(self, actions, events):
        for index in range(actions):
            self.record('reboot', OWNER,
                        [('compute_reboot_%d' % i, 'compute')
                         for i in range(events)])

    def _count(self, path):
        counter = self.useFixture(servers_base_counter(self.deployment))
        resp = self.get(path, OWNER, '2.84')
        self.assertEqual(200, resp.status_int, resp.text)
        return counter.count

    def test_bounded_queries(self):
        list_small = self._count(self.actions_url())
        show_small = self._count(self.actions_url(request_id=self.req_resize))
        paged_small = self._count(self.actions_url(
            query='?limit=50&marker=%s' % self.req_resize))
        self._grow(actions=10, events=3)
        last = self.record('resize', OWNER,
                           [('event_%d' % i, 'compute') for i in range(12)])
        self.assertEqual(list_small, self._count(self.actions_url()))
        self.assertEqual(show_small,
                         self._count(self.actions_url(request_id=last)))
        self.assertEqual(paged_small, self._count(self.actions_url(
            query='?limit=50&marker=%s' % last)))
        # Mapping, instance, action(s) (+ events / + marker).
        self.assertLessEqual(list_small, 3)
        self.assertLessEqual(show_small, 4)
        self.assertLessEqual(paged_small, 4)


def servers_base_counter(deployment):
    from nova_faults.tests import fixtures as nf_fixtures
    return nf_fixtures.QueryCounter(deployment)


class SQLiteInstanceActionsTest(InstanceActionsTestMixin, base.APITestCase):
    backend = 'sqlite'

    def test_cell_file_is_read_in_the_request_thread(self):
        # A SQLite file cannot hang as a database server can: it is read
        # without a hand-off to the cell pool (nova_faults.cells).
        seen = []
        real = instance_action.InstanceActionList.get_by_instance_uuid

        def record(cls, *args, **kwargs):
            seen.append(threading.current_thread())
            return real(*args, **kwargs)
        self.useFixture(fixtures.MonkeyPatch(
            'nova_faults.objects.instance_action.InstanceActionList.'
            'get_by_instance_uuid', record))
        resp = self.get(self.actions_url(), OWNER, '2.84')
        self.assertEqual(200, resp.status_int, resp.text)
        self.assertEqual([threading.current_thread()], seen)


class ServerCellTestMixin:
    """What only a cell on a database server can do: stop answering."""

    def test_hung_cell_is_503_after_cell_timeout(self):
        self.conf.set_override('cell_timeout', 1, group='api')
        release = threading.Event()
        self.addCleanup(release.set)
        real = instance_action.InstanceActionList.get_by_instance_uuid

        def hang(cls, *args, **kwargs):
            # MonkeyPatch keeps it a classmethod (cls is the class).
            release.wait(10)
            return real(*args, **kwargs)
        self.useFixture(fixtures.MonkeyPatch(
            'nova_faults.objects.instance_action.InstanceActionList.'
            'get_by_instance_uuid', hang))
        resp = self.get(self.actions_url(), OWNER, '2.84')
        message = self.assertFault(resp, 503, 'serviceUnavailable')
        self.assertIn(self.cell['uuid'], message)


# NOTE: one cell on the server backends keeps their run time reasonable;
# the SQLite class proves the routing through the instance mappings.
class MySQLInstanceActionsTest(InstanceActionsTestMixin, ServerCellTestMixin,
                               base.APITestCase):
    backend = 'mysql'
    cell_count = 1


class PostgreSQLInstanceActionsTest(InstanceActionsTestMixin,
                                    ServerCellTestMixin, base.APITestCase):
    backend = 'postgresql'
    cell_count = 1
