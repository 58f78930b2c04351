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

"""Compute API microversions: the list, and a small comparable version.

The list reads top to bottom like Nova's ``rest_api_version_history``;
every version that changes something nova-faults serves carries a comment
saying what. Inside a handler, a version check is a visible ``if``::

    version = microversion.from_request(req)
    if version >= (2, 58):
        ...

The microversion middleware stores the negotiated :class:`APIVersion` in
the WSGI environ under :data:`ENVIRON_KEY`.
"""

import collections
import re

from nova_faults import exception

SERVICE_TYPE = 'compute'
HEADER = 'OpenStack-API-Version'
LEGACY_HEADER = 'X-OpenStack-Nova-API-Version'
ENVIRON_KEY = 'nova_faults.microversion'

# NOTE: Nova's own format check (api_version_request.py): no leading zero
# in the minor part ("2.01" is malformed), a minor of exactly "0" is
# well-formed (and then out of range: 406, not 400).
_VERSION_RE = re.compile(r'^([1-9]\d*)\.([1-9]\d*|0)$')

VERSIONS = (
    '2.1',    # Base: equivalent to v2.0; instance actions list/show,
              # os-services, servers index/detail/show; events are
              # visible to admins only.
    '2.2',
    '2.3',
    '2.4',
    '2.5',
    '2.6',
    '2.7',
    '2.8',
    '2.9',    # servers: "locked" in server views.
    '2.10',
    '2.11',   # os-services: "forced_down" in the service view.
    '2.12',
    '2.13',
    '2.14',
    '2.15',
    '2.16',   # servers: "host_status" (UP/DOWN/UNKNOWN/MAINTENANCE/"")
              # in detail and show, behind its policies.
    '2.17',
    '2.18',   # project_id in the URL becomes optional.
    '2.19',   # servers: "description".
    '2.20',
    '2.21',   # os-instance-actions: readable for deleted servers.
    '2.22',
    '2.23',
    '2.24',
    '2.25',
    '2.26',   # servers: "tags".
    '2.27',   # OpenStack-API-Version header official (accepted always).
    '2.28',
    '2.29',
    '2.30',
    '2.31',
    '2.32',
    '2.33',
    '2.34',
    '2.35',
    '2.36',
    '2.37',
    '2.38',   # servers: 400 for an invalid status filter.
    '2.39',
    '2.40',
    '2.41',
    '2.42',
    '2.43',
    '2.44',
    '2.45',
    '2.46',   # X-OpenStack-Request-ID (signalling only: always sent).
    '2.47',   # servers: embedded "flavor" dict instead of a link.
    '2.48',
    '2.49',
    '2.50',
    '2.51',   # os-instance-actions: events visible to non-admins
              # (without traceback).
    '2.52',
    '2.53',   # os-services: UUID ids, PUT /os-services/{uuid}.
    '2.54',
    '2.55',
    '2.56',
    '2.57',
    '2.58',   # os-instance-actions: paging (limit, marker),
              # changes-since, "updated_at", "links".
    '2.59',
    '2.60',
    '2.61',
    '2.62',   # os-instance-actions: event "host" (admin) and "hostId".
    '2.63',   # servers: "trusted_image_certificates".
    '2.64',
    '2.65',
    '2.66',   # changes-before filter (servers, instance actions).
    '2.67',
    '2.68',
    '2.69',   # minimal constructs for servers/os-services in down cells.
    '2.70',
    '2.71',   # servers: "server_groups" in show.
    '2.72',
    '2.73',   # servers: "locked_reason".
    '2.74',
    '2.75',   # 400 for unknown query parameters on servers; consistent
              # server representation.
    '2.76',
    '2.77',
    '2.78',
    '2.79',
    '2.80',
    '2.81',
    '2.82',
    '2.83',   # servers: more filters allowed for non-admins.
    '2.84',   # os-instance-actions: event "details" (sanitized message).
    '2.85',
    '2.86',
    '2.87',
    '2.88',
    '2.89',
    '2.90',   # servers: "OS-EXT-SRV-ATTR:hostname" for non-admins.
    '2.91',
    '2.92',
    '2.93',
    '2.94',
    '2.95',
    '2.96',   # servers: "pinned_availability_zone".
    '2.97',
    '2.98',   # servers: embedded image properties.
    '2.99',
    '2.100',  # servers: "scheduler_hints".
    '2.101',
    '2.102',  # additional query parameters restricted on all APIs.
    '2.103',
    '2.104',  # Current maximum (PUT pinned_availability_zone).
)

MIN_VERSION_STRING = VERSIONS[0]
MAX_VERSION_STRING = VERSIONS[-1]


class APIVersion(collections.namedtuple('APIVersion', 'major minor')):
    """A compute API version, comparable with tuples and itself.

    ``APIVersion(2, 58) >= (2, 51)`` is True; ``str()`` gives ``'2.58'``.
    """

    __slots__ = ()

    @classmethod
    def from_string(cls, version_string):
        """Parse ``'X.Y'``; raise ``InvalidAPIVersionString`` otherwise."""
        match = _VERSION_RE.match(version_string or '')
        if not match:
            raise exception.InvalidAPIVersionString(version=version_string)
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self):
        return '%d.%d' % (self.major, self.minor)

    def get_string(self):
        return str(self)

    def matches(self, min_version=None, max_version=None):
        """Whether ``min_version <= self <= max_version``.

        Bounds may be strings (``'2.51'``), tuples or ``APIVersion``;
        ``None`` leaves that side open.
        """
        if min_version is not None and self < _as_version(min_version):
            return False
        if max_version is not None and self > _as_version(max_version):
            return False
        return True

    def is_supported(self):
        """Whether this version is within ``[MIN_VERSION, MAX_VERSION]``."""
        return MIN_VERSION <= self <= MAX_VERSION


def _as_version(value):
    if isinstance(value, str):
        return APIVersion.from_string(value)
    return APIVersion(*value)


MIN_VERSION = APIVersion.from_string(MIN_VERSION_STRING)
MAX_VERSION = APIVersion.from_string(MAX_VERSION_STRING)
DEFAULT_VERSION = MIN_VERSION


def from_request(req):
    """The version negotiated for ``req`` (a webob Request or environ).

    Requests that did not pass the microversion middleware (unit tests,
    the root versions document) are at the default, 2.1.
    """
    environ = getattr(req, 'environ', req)
    return environ.get(ENVIRON_KEY, DEFAULT_VERSION)
