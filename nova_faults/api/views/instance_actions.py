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

"""Response bodies of the server actions API: pure functions.

They take actions and events (objects or anything with those attributes),
the microversion and the visibility decided by the handler, and return
dicts; they know neither the database nor the policies. Datetimes are
left as ``datetime`` objects: the JSON serialiser writes them as Nova
does (``2018-04-25T01:26:29.092892``).

Free texts (an action's ``message``, an event's ``details`` and
``traceback``) are scrubbed of credentials as they are shown, whoever
wrote them: the recording library scrubs what it stores, but the rows of
a Nova deployment were written by Nova, which does not.
"""

import collections
import hashlib
import urllib.parse

from nova_faults import exception

ACTION_KEYS = ('action', 'instance_uuid', 'request_id', 'user_id',
               'project_id', 'start_time', 'message')
ACTION_KEYS_V258 = ACTION_KEYS + ('updated_at',)
EVENT_KEYS = ('event', 'start_time', 'finish_time', 'result')

EventVisibility = collections.namedtuple(
    'EventVisibility',
    'show_events show_traceback show_host show_hostid show_details')
EventVisibility.__doc__ = """What of an action's events a caller sees.

``show_events``: the ``events`` key at all; ``show_traceback``,
``show_host``, ``show_hostid``, ``show_details``: those keys of each event.
"""

NO_EVENTS = EventVisibility(False, False, False, False, False)


def _get(obj, key):
    if isinstance(obj, dict):
        return obj.get(key)
    return getattr(obj, key, None)


def generate_host_id(host, project_id):
    """Nova's obfuscated host id: sha224 of project id + host, or ''."""
    if not host:
        return ''
    return hashlib.sha224(
        ((project_id or '') + host).encode('utf-8')).hexdigest()


def action_dict(action, version):
    """One action as the API shows it (``updated_at`` from 2.58)."""
    keys = ACTION_KEYS_V258 if version >= (2, 58) else ACTION_KEYS
    body = {key: _get(action, key) for key in keys}
    body['message'] = exception.scrub_credentials(body['message'])
    return body


def event_dict(event, hostid_project_id, visibility):
    """One event with only the keys ``visibility`` allows.

    ``hostid_project_id`` is the project the ``hostId`` is hashed with.
    """
    body = {key: _get(event, key) for key in EVENT_KEYS}
    if visibility.show_traceback:
        body['traceback'] = exception.scrub_credentials(
            _get(event, 'traceback'))
    if visibility.show_host:
        body['host'] = _get(event, 'host')
    if visibility.show_hostid:
        body['hostId'] = generate_host_id(_get(event, 'host'),
                                          hostid_project_id)
    if visibility.show_details:
        body['details'] = exception.scrub_credentials(
            _get(event, 'details'))
    return body


def show(action, events, server_project_id, version, visibility):
    """The body of ``GET .../os-instance-actions/{request_id}``."""
    body = action_dict(action, version)
    if visibility.show_events:
        # NOTE: as in Nova, the hostId is hashed with the project of the
        # *action* (who asked), falling back to the server's project when
        # the action has none (periodic tasks, nova-manage).
        project_id = _get(action, 'project_id') or server_project_id
        body['events'] = [event_dict(event, project_id, visibility)
                          for event in events]
    return {'instanceAction': body}


def next_link(base_url, server_id, params, last_request_id):
    """The ``next`` link: ``params`` sorted by name, ``marker`` last seen.

    ``base_url`` is the compute endpoint with any link prefix applied and
    the project id when the request URL had one.
    """
    params = collections.OrderedDict(sorted(params))
    params['marker'] = last_request_id
    url = '%s/servers/%s/os-instance-actions' % (base_url.rstrip('/'),
                                                 server_id)
    return '%s?%s' % (url, urllib.parse.urlencode(params))


def index(actions, version, page_size=None, base_url=None, server_id=None,
          params=()):
    """The body of ``GET .../os-instance-actions``.

    From 2.58 a ``links`` list with a ``next`` link is added when the page
    is full: ``page_size`` (the effective limit) is non-zero and equals the
    number of actions returned.
    """
    items = [action_dict(action, version) for action in actions]
    body = {'instanceActions': items}
    if version >= (2, 58) and page_size and page_size == len(items):
        body['links'] = [{
            'rel': 'next',
            'href': next_link(base_url, server_id, params,
                              items[-1]['request_id']),
        }]
    return body
