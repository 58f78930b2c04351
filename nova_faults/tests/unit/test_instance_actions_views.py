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

"""Unit tests of the pure server-action views and query schemas."""

import datetime

import testtools

from nova_faults.api.microversion import APIVersion
from nova_faults.api.schemas import instance_actions as schemas
from nova_faults.api.views import instance_actions as views

PROJECT = '6f70656e737461636b20342065766572'
T0 = datetime.datetime(2018, 4, 25, 1, 26, 29, 92892)

ACTION = {
    'id': 7, 'action': 'stop', 'instance_uuid': 'u1', 'request_id': 'req-1',
    'user_id': 'admin', 'project_id': PROJECT, 'start_time': T0,
    'finish_time': None, 'message': None, 'updated_at': T0,
    'created_at': T0, 'deleted': 0,
}
EVENT = {
    'id': 3, 'action_id': 7, 'event': 'compute_stop_instance',
    'start_time': T0, 'finish_time': T0, 'result': 'Success',
    'traceback': None, 'host': 'compute', 'details': None,
}


def v(text):
    return APIVersion.from_string(text)


class ViewsTestCase(testtools.TestCase):

    def test_host_id_matches_nova_sample(self):
        self.assertEqual(
            '2091634baaccdc4c5a1d57069c833e402921df696b7f970791b12ec6',
            views.generate_host_id('compute', PROJECT))

    def test_host_id_empty_host(self):
        self.assertEqual('', views.generate_host_id(None, PROJECT))
        self.assertEqual('', views.generate_host_id('', PROJECT))

    def test_action_keys_by_version(self):
        self.assertEqual(set(views.ACTION_KEYS),
                         set(views.action_dict(ACTION, v('2.57'))))
        self.assertEqual(set(views.ACTION_KEYS) | {'updated_at'},
                         set(views.action_dict(ACTION, v('2.58'))))

    def test_event_keys(self):
        vis = views.EventVisibility(True, False, False, True, False)
        self.assertEqual(
            {'event', 'start_time', 'finish_time', 'result', 'hostId'},
            set(views.event_dict(EVENT, PROJECT, vis)))
        vis = views.EventVisibility(True, True, True, True, True)
        self.assertEqual(
            {'event', 'start_time', 'finish_time', 'result', 'hostId',
             'traceback', 'host', 'details'},
            set(views.event_dict(EVENT, PROJECT, vis)))

    def test_show_without_events(self):
        body = views.show(ACTION, [EVENT], PROJECT, v('2.1'),
                          views.NO_EVENTS)
        self.assertNotIn('events', body['instanceAction'])

    def test_show_host_id_uses_action_project_then_server_project(self):
        vis = views.EventVisibility(True, False, False, True, False)
        action = dict(ACTION, project_id='other')
        body = views.show(action, [EVENT], PROJECT, v('2.62'), vis)
        self.assertEqual(views.generate_host_id('compute', 'other'),
                         body['instanceAction']['events'][0]['hostId'])
        action = dict(ACTION, project_id=None)
        body = views.show(action, [EVENT], PROJECT, v('2.62'), vis)
        self.assertEqual(views.generate_host_id('compute', PROJECT),
                         body['instanceAction']['events'][0]['hostId'])

    def test_index_links_only_when_page_full(self):
        base = 'http://openstack.example.com/v2.1/' + PROJECT
        body = views.index([ACTION], v('2.58'), page_size=1, base_url=base,
                           server_id='s1', params=[('limit', '1')])
        self.assertEqual(
            [{'rel': 'next',
              'href': base + '/servers/s1/os-instance-actions?limit=1&'
                             'marker=req-1'}], body['links'])
        body = views.index([ACTION], v('2.58'), page_size=2, base_url=base,
                           server_id='s1')
        self.assertNotIn('links', body)
        body = views.index([ACTION], v('2.57'), page_size=1, base_url=base,
                           server_id='s1')
        self.assertNotIn('links', body)
        body = views.index([], v('2.58'), page_size=0, base_url=base,
                           server_id='s1')
        self.assertEqual({'instanceActions': []}, body)

    def test_next_link_sorts_and_replaces_marker(self):
        href = views.next_link(
            'http://x/v2.1/', 's1',
            [('marker', 'old'), ('limit', '2'),
             ('changes-since', '2018-01-01T00:00:00+01:00')], 'req-2')
        self.assertEqual(
            'http://x/v2.1/servers/s1/os-instance-actions?changes-since='
            '2018-01-01T00%3A00%3A00%2B01%3A00&limit=2&marker=req-2', href)


class SchemaSelectionTestCase(testtools.TestCase):

    def test_index(self):
        self.assertIs(schemas.index_query,
                      schemas.index_query_schema(v('2.57')))
        self.assertIs(schemas.index_query_v258,
                      schemas.index_query_schema(v('2.65')))
        self.assertIs(schemas.index_query_v266,
                      schemas.index_query_schema(v('2.66')))
        self.assertNotIn('changes-before',
                         schemas.index_query_v258['properties'])

    def test_show(self):
        self.assertIs(schemas.show_query,
                      schemas.show_query_schema(v('2.101')))
        self.assertIs(schemas.show_query_v2102,
                      schemas.show_query_schema(v('2.102')))
