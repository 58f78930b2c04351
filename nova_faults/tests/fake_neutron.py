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

"""A fake Neutron served over real HTTP on 127.0.0.1, for tests.

``FakeNeutron()`` is a fixture: on ``setUp`` it listens on a free port
of 127.0.0.1 (a threaded ``http.server``) and ``endpoint`` is its URL, to
be given as ``[neutron] endpoint_override`` (with ``auth_type = none``)
to nova-faults or to a real Nova. It answers the read calls Nova and
openstacksdk make, the way Neutron answers them:

* ``GET /`` and ``GET /v2.0`` (version discovery), ``GET
  /v2.0/extensions``;
* ``GET /v2.0/<collection>`` for ``ports``, ``security-groups``,
  ``networks``, ``subnets`` and ``floatingips``: every query parameter
  but ``fields`` is a filter on the attribute of that name, repeated
  values match any of them (``?device_id=a&device_id=b``), an unknown
  attribute is a ``400``; ``fields`` (repeatable) limits the attributes
  returned; a ``.json`` suffix is accepted, as old clients send it;
* ``GET /v2.0/<collection>/<id>``: one resource or a ``404`` with
  Neutron's ``NeutronError`` body.

Tests add resources (``add_port``, ``add_security_group``, ...), read
``requests`` (one :class:`Request` per call received, in order) and turn
knobs: ``delay`` (seconds before each answer), ``fail(status)``,
``malformed()`` (a ``200`` whose body is not JSON), ``refuse()`` (stop
listening: connections are refused) and ``accept()``. Each knob may be
limited to one collection and to a number of requests.
"""

import collections
import http.server
import json
import threading
import time
from urllib import parse as urlparse
import uuid

import fixtures

VERSION = 'v2.0'
COLLECTIONS = {
    'ports': 'port',
    'security-groups': 'security_group',
    'networks': 'network',
    'subnets': 'subnet',
    'floatingips': 'floatingip',
}
# Neutron's body keys are the resource names with underscores.
_BODY_KEYS = {'security-groups': 'security_groups'}
_NOT_FOUND_TYPES = {
    'ports': 'PortNotFound',
    'security-groups': 'SecurityGroupNotFound',
    'networks': 'NetworkNotFound',
    'subnets': 'SubnetNotFound',
    'floatingips': 'FloatingIPNotFound',
}
_REASONS = {500: 'Internal Server Error', 502: 'Bad Gateway',
            503: 'Service Unavailable', 504: 'Gateway Timeout'}

Request = collections.namedtuple(
    'Request', ['method', 'path', 'collection', 'query', 'headers'])
Request.__doc__ = """One request the fake received.

``query`` is the list of (name, value) pairs in their order, ``headers``
a dict with lower-case names; ``collection`` is e.g. ``'ports'`` (None
for other paths).
"""


def _now():
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())


def client_conf(endpoint):
    """A nova-faults configuration whose ``[neutron]`` asks ``endpoint``.

    Without authentication (``auth_type = none``): the fake takes any
    token, and the calls carry the caller's.
    """
    from oslo_config import cfg

    from nova_faults import conf as nf_conf
    conf = cfg.ConfigOpts()
    nf_conf.register_opts(conf)
    conf([], project='nova-faults', default_config_files=[])
    conf.set_override('auth_type', 'none', group='neutron')
    conf.set_override('endpoint_override', endpoint, group='neutron')
    return conf


class _Knob:
    """A behaviour for some requests.

    For the next ``times`` requests (None: all) of one collection (None:
    any).
    """

    def __init__(self, value, collection=None, times=None):
        self.value = value
        self.collection = collection
        self.times = times

    def take(self, collection):
        if self.collection is not None and self.collection != collection:
            return False
        if self.times is not None:
            if self.times <= 0:
                return False
            self.times -= 1
        return True


class FakeNeutron(fixtures.Fixture):
    """Neutron's read API over HTTP; see the module docstring."""

    def __init__(self, extensions=('security-group', 'port-security')):
        super().__init__()
        self.extensions = list(extensions)
        self._lock = threading.Lock()
        self._resources = {name: collections.OrderedDict()
                           for name in COLLECTIONS}
        self.requests = []
        self._delays = []
        self._failures = []
        self._server = None
        self._thread = None
        self.port = None

    # -- lifecycle --------------------------------------------------------

    def _setUp(self):
        self._listen(0)
        self.addCleanup(self._stop)

    def _listen(self, port):
        fake = self

        class Handler(_Handler):
            neutron = fake

        server = _Server(('127.0.0.1', port), Handler)
        server.daemon_threads = True
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever,
                                        kwargs={'poll_interval': 0.05},
                                        name='fake-neutron', daemon=True)
        self._thread.start()

    def _stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None

    @property
    def endpoint(self):
        """The URL to use as ``[neutron] endpoint_override``."""
        return 'http://127.0.0.1:%d' % self.port

    def refuse(self):
        """Stop listening: new connections are refused until accept()."""
        self._stop()

    def accept(self):
        """Listen again, on the same port."""
        if self._server is None:
            self._listen(self.port)

    # -- knobs ------------------------------------------------------------

    def set_delay(self, seconds, collection=None, times=None):
        """Wait ``seconds`` before answering (a slow Neutron)."""
        with self._lock:
            self._delays.append(_Knob(seconds, collection, times))

    def fail(self, status=500, collection=None, times=None):
        """Answer ``status`` with Neutron's error body."""
        with self._lock:
            self._failures.append(_Knob(status, collection, times))

    def malformed(self, collection=None, times=None):
        """Answer ``200`` with a body that is not JSON."""
        with self._lock:
            self._failures.append(_Knob('malformed', collection, times))

    def reset(self):
        """Forget every delay and failure (not the resources)."""
        with self._lock:
            self._delays = []
            self._failures = []

    def _behaviour(self, collection):
        with self._lock:
            delay = 0
            for knob in self._delays:
                if knob.take(collection):
                    delay = knob.value
                    break
            failure = None
            for knob in self._failures:
                if knob.take(collection):
                    failure = knob.value
                    break
            return delay, failure

    # -- data -------------------------------------------------------------

    def add(self, collection, resource):
        """Store a resource dict (its ``id`` set when missing)."""
        resource.setdefault('id', str(uuid.uuid4()))
        with self._lock:
            self._resources[collection][resource['id']] = resource
        return resource

    def add_security_group(self, name, project_id='project', **attrs):
        group = {'name': name, 'description': '', 'project_id': project_id,
                 'tenant_id': project_id, 'security_group_rules': [],
                 'stateful': True, 'shared': False, 'tags': [],
                 'created_at': _now(), 'updated_at': _now(),
                 'revision_number': 1}
        group.update(attrs)
        return self.add('security-groups', group)

    def add_port(self, device_id, security_groups=(), project_id='project',
                 **attrs):
        """A compute port of ``device_id`` (a server uuid).

        ``security_groups``: group dicts or ids.
        """
        port = {'name': '', 'network_id': str(uuid.uuid4()),
                'project_id': project_id, 'tenant_id': project_id,
                'mac_address': 'fa:16:3e:00:00:%02x' % (
                    len(self._resources['ports']) % 256),
                'admin_state_up': True, 'status': 'ACTIVE',
                'device_id': device_id, 'device_owner': 'compute:nova',
                'fixed_ips': [], 'allowed_address_pairs': [],
                'port_security_enabled': True,
                'security_groups': [g['id'] if isinstance(g, dict) else g
                                    for g in security_groups],
                'binding:host_id': '', 'binding:vnic_type': 'normal',
                'binding:vif_type': 'unbound', 'binding:profile': {},
                'binding:vif_details': {}, 'tags': [],
                'created_at': _now(), 'updated_at': _now(),
                'revision_number': 1}
        port.update(attrs)
        return self.add('ports', port)

    def remove(self, collection, resource_id):
        with self._lock:
            self._resources[collection].pop(resource_id, None)

    def requests_for(self, collection):
        """The requests received for one collection, in order."""
        return [r for r in list(self.requests)
                if r.collection == collection]

    # -- answers ----------------------------------------------------------

    def _list(self, collection, query):
        fields = [value for name, value in query if name == 'fields']
        filters = {}
        for name, value in query:
            if name in ('fields', 'limit', 'marker', 'sort_key',
                        'sort_dir', 'page_reverse'):
                continue
            filters.setdefault(name, set()).add(value)
        with self._lock:
            items = [dict(r) for r in self._resources[collection].values()]
        known = set()
        for item in items:
            known.update(item)
        for name in filters:
            if items and name not in known:
                return 400, _error(
                    'HTTPBadRequest',
                    '[%s] is invalid attribute for filtering' % name)
        result = []
        for item in items:
            if all(_matches(item.get(name), values)
                   for name, values in filters.items()):
                result.append(_select(item, fields))
        return 200, {_BODY_KEYS.get(collection, collection): result}

    def _show(self, collection, resource_id, query):
        fields = [value for name, value in query if name == 'fields']
        with self._lock:
            item = self._resources[collection].get(resource_id)
        if item is None:
            return 404, _error(
                _NOT_FOUND_TYPES[collection],
                '%s %s could not be found.' % (
                    COLLECTIONS[collection].replace('_', ' ').title()
                    .replace(' ', ''), resource_id))
        return 200, {COLLECTIONS[collection]: _select(dict(item), fields)}

    def answer(self, path, query):
        """(status, body dict, collection) for a GET of ``path``."""
        parts = [p for p in path.split('/') if p]
        if parts and parts[-1].endswith('.json'):
            parts[-1] = parts[-1][:-len('.json')]
        if not parts:
            return 200, {'versions': [self._version()]}, None
        if parts[0] != VERSION:
            return 404, _error('HTTPNotFound', 'The resource could not '
                               'be found.'), None
        if len(parts) == 1:
            return 200, {'resources': [
                {'name': COLLECTIONS[c], 'collection': c,
                 'links': [{'rel': 'self', 'href': '%s/%s/%s' % (
                     self.endpoint, VERSION, c)}]}
                for c in COLLECTIONS]}, None
        collection = parts[1]
        if collection == 'extensions' and len(parts) == 2:
            return 200, {'extensions': [
                {'alias': alias, 'name': alias, 'description': '',
                 'links': [], 'updated': '2013-01-01T00:00:00-00:00'}
                for alias in self.extensions]}, collection
        if collection not in COLLECTIONS or len(parts) > 3:
            return 404, _error('HTTPNotFound', 'The resource could not '
                               'be found.'), None
        if len(parts) == 3:
            return self._show(collection, parts[2], query) + (collection,)
        return self._list(collection, query) + (collection,)

    def _version(self):
        return {'id': VERSION, 'status': 'CURRENT',
                'links': [{'rel': 'self',
                           'href': '%s/%s/' % (self.endpoint, VERSION)}]}


def _matches(value, wanted):
    if isinstance(value, list):
        return any(str(v) in wanted for v in value)
    if isinstance(value, bool):
        return str(value) in wanted or str(value).lower() in wanted
    return ('' if value is None else str(value)) in wanted


def _select(item, fields):
    if not fields:
        return item
    return {name: item[name] for name in fields if name in item}


def _error(kind, message):
    return {'NeutronError': {'type': kind, 'message': message,
                             'detail': ''}}


class _Server(http.server.ThreadingHTTPServer):

    def handle_error(self, request, client_address):
        # A client that gave up (its timeout) closed the connection: not
        # an error of the fake.
        pass


class _Handler(http.server.BaseHTTPRequestHandler):
    neutron = None
    protocol_version = 'HTTP/1.1'
    # Headers and body go out in two writes: without this, delayed ACKs
    # add tens of milliseconds to every answer on a kept-alive connection.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def _send(self, status, body, content_type='application/json'):
        self.send_response(status, _REASONS.get(status))
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        self.send_header('X-Openstack-Request-Id',
                         'req-%s' % uuid.uuid4())
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        split = urlparse.urlsplit(self.path)
        query = urlparse.parse_qsl(split.query, keep_blank_values=True)
        status, body, collection = self.neutron.answer(split.path, query)
        self.neutron.requests.append(Request(
            'GET', split.path, collection, query,
            {k.lower(): v for k, v in self.headers.items()}))
        delay, failure = self.neutron._behaviour(collection)
        if delay:
            time.sleep(delay)
        if failure == 'malformed':
            self._send(200, b'{"ports": [ this is not json')
            return
        if failure is not None:
            status, body = failure, _error(
                'HTTPServerError' if failure < 503
                else 'HTTPServiceUnavailable',
                'Request Failed: internal server error while '
                'processing your request.')
        self._send(status, json.dumps(body).encode('utf-8'))

    def _unsupported(self):
        length = int(self.headers.get('Content-Length') or 0)
        if length:
            self.rfile.read(length)
        split = urlparse.urlsplit(self.path)
        self.neutron.requests.append(Request(
            self.command, split.path, None, [],
            {k.lower(): v for k, v in self.headers.items()}))
        self._send(405, json.dumps(_error(
            'HTTPMethodNotAllowed',
            'The fake Neutron serves reads only.')).encode('utf-8'))

    do_POST = do_PUT = do_DELETE = do_PATCH = _unsupported
