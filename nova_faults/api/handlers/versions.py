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

"""Version discovery: ``GET /`` (all versions) and ``GET /v2.1/`` (one).

The documents are Nova's, field for field (``nova/api/openstack/compute/
versions.py`` and ``views/versions.py``), so that clients and tempest's
schemas discover nova-faults as a compute endpoint. The v2.1 entry
advertises our microversion range.
"""

import copy

from nova_faults.api import microversion
from nova_faults.api import wsgi_util

_DOC_LINK = 'http://docs.openstack.org/'

# NOTE: Nova (since 32.0.0) marks the legacy v2.0 API DEPRECATED and gives
# it empty version/min_version; nova-faults serves no /v2, but the list is
# kept identical to Nova's so version discovery behaves the same.
VERSIONS = {
    'v2.0': {
        'id': 'v2.0',
        'status': 'DEPRECATED',
        'version': '',
        'min_version': '',
        'updated': '2025-07-04T12:00:00Z',
        'links': [
            {'rel': 'describedby', 'type': 'text/html',
             'href': _DOC_LINK},
        ],
        'media-types': [
            {'base': 'application/json',
             'type': 'application/vnd.openstack.compute+json;version=2'},
        ],
    },
    'v2.1': {
        'id': 'v2.1',
        'status': 'CURRENT',
        'version': microversion.MAX_VERSION_STRING,
        'min_version': microversion.MIN_VERSION_STRING,
        'updated': '2013-07-23T11:33:21Z',
        'links': [
            {'rel': 'describedby', 'type': 'text/html',
             'href': _DOC_LINK},
        ],
        'media-types': [
            {'base': 'application/json',
             'type': 'application/vnd.openstack.compute+json;version=2.1'},
        ],
    },
}


def _href(req, version_id, path=''):
    version_number = 'v2.1' if version_id.startswith('v2.1') else 'v2'
    return wsgi_util.url_join(wsgi_util.link_prefix(req), version_number,
                              path)


def index(req):
    """``GET /``: every version, with a self link each."""
    versions = []
    for key in sorted(VERSIONS):
        version = VERSIONS[key]
        versions.append({
            'id': version['id'],
            'status': version['status'],
            'version': version['version'],
            'min_version': version['min_version'],
            'updated': version['updated'],
            'links': [{'rel': 'self', 'href': _href(req, version['id'])}],
        })
    return wsgi_util.json_response(req, {'versions': versions})


def multi(req):
    """Any other path under ``/``: 300 Multiple Choices, as Nova."""
    choices = []
    for key in sorted(VERSIONS):
        version = VERSIONS[key]
        choices.append({
            'id': version['id'],
            'status': version['status'],
            'links': [{'rel': 'self',
                       'href': _href(req, version['id'], req.path)}],
            'media-types': version['media-types'],
        })
    return wsgi_util.json_response(req, {'choices': choices}, status=300)


def show(req):
    """``GET /v2.1/``: the v2.1 document with its media types."""
    version = copy.deepcopy(VERSIONS['v2.1'])
    version['links'].insert(0, {
        'rel': 'self',
        'href': wsgi_util.link_prefix(req).rstrip('/') + '/',
    })
    return wsgi_util.json_response(req, {'version': version})
