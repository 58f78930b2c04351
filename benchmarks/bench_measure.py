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

"""In-process measurements: nova-faults through its WSGI app vs raw SQL.

For each endpoint, in the same process and alternating the two so that
the load of the machine weighs on both alike:

* **nova-faults**: the real paste pipeline (``deploy.loadapp``, noauth),
  called with a ``webob`` request, as a WSGI server would call it (no
  socket, no HTTP parsing);
* **raw baseline**: the same rows fetched with plain SQL (SQLAlchemy
  ``text()`` queries on the same engines, one query per table and cell,
  no ORM, no framework) and encoded with the same JSON encoder
  (``oslo_serialization.jsonutils.dump_as_bytes``).

The ratio (nova-faults median / baseline median) is what nova-faults
costs over what the database and the JSON encoding allow.

Queries per request are counted with a SQLAlchemy ``before_cursor_execute``
listener on every database of the deployment
(:class:`nova_faults.tests.fixtures.QueryCounter`).
"""

import json
import os
import statistics
import time

from oslo_serialization import jsonutils
import sqlalchemy as sa
import webob

from nova_faults.api import deploy
from nova_faults.tests import fixtures as nf_fixtures

PROJECT = 'project-00'
TOKEN = 'admin:' + PROJECT

#: name -> (path template, microversion)
ENDPOINTS = {
    'servers_detail_2.1': (
        '/v2.1/servers/detail?all_tenants=1&limit=1000', '2.1'),
    'servers_detail_2.84': (
        '/v2.1/servers/detail?all_tenants=1&limit=1000', '2.84'),
    'server_show_2.84': ('/v2.1/servers/{server}', '2.84'),
    'actions_list_2.84': (
        '/v2.1/servers/{server}/os-instance-actions', '2.84'),
    'action_show_2.84': (
        '/v2.1/servers/{server}/os-instance-actions/{request_id}', '2.84'),
    'services_2.84': ('/v2.1/os-services', '2.84'),
}


def write_results(results, output):
    """Write ``results`` to the file ``output`` as sorted, indented JSON."""
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    with open(output, 'w') as f:
        json.dump(results, f, indent=1, sort_keys=True)
        f.write('\n')


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return None
    index = min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary(seconds):
    return {'median_ms': round(statistics.median(seconds) * 1000, 3),
            'p99_ms': round(percentile(seconds, 0.99) * 1000, 3),
            'samples': len(seconds)}


def load_app(conf):
    conf.set_override('auth_strategy', 'noauth', group='api')
    return deploy.loadapp(conf)


def targets(built):
    """Path parameters: a failed server of the last cell, its create."""
    from bench_data import bench_uuid
    server = built.pick(failed=True)
    index = next(i for i, s in enumerate(built.servers) if s[0] == server)
    return {'server': server,
            'request_id': 'req-' + bench_uuid('request:%d:create' % index)}


def paths(built):
    params = targets(built)
    return {name: (path.format(**params), version)
            for name, (path, version) in ENDPOINTS.items()}


def spec(built):
    """What :class:`Baseline` needs, as JSON-able data (for raw_app)."""
    d = built.deployment
    return {'api_url': d.api_url, 'target': targets(built),
            'cells': {c['uuid']: c['database_connection'] for c in d.cells},
            'paths': {name: [path, version]
                      for name, (path, version) in paths(built).items()}}


def call(app, path, version):
    req = webob.Request.blank(path, headers={
        'X-Auth-Token': TOKEN,
        'OpenStack-API-Version': 'compute %s' % version})
    req.environ['REMOTE_ADDR'] = '127.0.0.1'
    resp = req.get_response(app)
    if resp.status_int != 200:
        raise RuntimeError('%s at %s: %s %s' % (path, version, resp.status,
                                                resp.body[:300]))
    return resp.body


# ---------------------------------------------------------------------------
# The raw baseline: plain SQL + jsonutils, no framework
# ---------------------------------------------------------------------------


def _rows(conn, sql, **params):
    if '{' in sql:
        # Column names that are reserved words, quoted for the backend.
        quote = conn.dialect.identifier_preparer.quote_identifier
        sql = sql.format(key=quote('key'), binary=quote('binary'))
    stmt = sa.text(sql)
    for name, value in params.items():
        if isinstance(value, (list, tuple)):
            stmt = stmt.bindparams(sa.bindparam(name, expanding=True))
    return [dict(row._mapping) for row in conn.execute(stmt, params)]


class Baseline:
    """The same rows as nova-faults reads, with plain SQL."""

    def __init__(self, built):
        d = built.deployment
        self.api = d.engine(api=True)
        self.cells = {c['uuid']: d.engine(c) for c in d.cells}
        self.target = targets(built)

    @classmethod
    def from_spec(cls, spec):
        """The baseline of :func:`spec` (another process: raw_app)."""
        from nova_faults.db import api as db_api

        def engine(url):
            return db_api.get_engine(db_api.get_context_manager(None, url))
        self = cls.__new__(cls)
        self.api = engine(spec['api_url'])
        self.cells = {uuid: engine(url)
                      for uuid, url in spec['cells'].items()}
        self.target = spec['target']
        return self

    def _related(self, conn, uuids, hosts, detail_284):
        faults = {}
        for row in _rows(conn, 'SELECT instance_uuid, code, message, '
                         'details, created_at FROM instance_faults WHERE '
                         'instance_uuid IN :u AND deleted = 0 ORDER BY id',
                         u=uuids):
            faults[row.pop('instance_uuid')] = row
        meta = {}
        for row in _rows(conn, 'SELECT instance_uuid, {key}, value FROM '
                         'instance_metadata WHERE instance_uuid IN :u AND '
                         'deleted = 0', u=uuids):
            meta.setdefault(row['instance_uuid'], {})[row['key']] = \
                row['value']
        bdms = _rows(conn, 'SELECT instance_uuid, volume_id, '
                     'delete_on_termination FROM block_device_mapping '
                     'WHERE instance_uuid IN :u AND deleted = 0 AND '
                     'volume_id IS NOT NULL', u=uuids)
        extra = {'faults': faults, 'metadata': meta, 'bdms': bdms}
        if detail_284:
            extra['sysmeta'] = _rows(
                conn, 'SELECT instance_uuid, {key}, value FROM '
                'instance_system_metadata WHERE instance_uuid IN :u AND '
                'deleted = 0 AND {key} IN :k', u=uuids, k=['locked_reason'])
            extra['tags'] = _rows(conn, 'SELECT resource_id, tag FROM tags '
                                  'WHERE resource_id IN :u', u=uuids)
            extra['services'] = _rows(
                conn, "SELECT * FROM services WHERE host IN :h AND "
                "{binary} = 'nova-compute' AND deleted = 0",
                h=sorted(hosts) or [''])
        return extra

    def servers_detail(self, detail_284, limit=1000):
        servers = []
        for engine in self.cells.values():
            with engine.connect() as conn:
                # The page is sorted and cut, then its blobs joined.
                page = _rows(
                    conn, 'SELECT i.*, c.network_info AS info_cache, '
                    'e.flavor AS flavor, e.trusted_certs AS trusted_certs '
                    'FROM (SELECT * FROM instances WHERE deleted = 0 '
                    'ORDER BY created_at DESC, id DESC, uuid LIMIT :limit) '
                    'i LEFT OUTER JOIN instance_info_caches c ON '
                    'c.instance_uuid = i.uuid LEFT OUTER JOIN '
                    'instance_extra e ON e.instance_uuid = i.uuid ORDER BY '
                    'i.created_at DESC, i.id DESC, i.uuid', limit=limit)
                uuids = [row['uuid'] for row in page] or ['']
                hosts = {row['host'] for row in page if row['host']}
                extra = self._related(conn, uuids, hosts, detail_284)
            for row in page:
                row['fault'] = extra['faults'].get(row['uuid'])
                row['metadata'] = extra['metadata'].get(row['uuid'], {})
            servers.extend(page)
        servers.sort(key=lambda row: row['created_at'], reverse=True)
        return jsonutils.dump_as_bytes({'servers': servers[:limit]})

    def _mapping(self, uuid):
        with self.api.connect() as conn:
            return _rows(conn, 'SELECT m.*, c.uuid AS cell_uuid, '
                         'c.database_connection FROM instance_mappings m '
                         'JOIN cell_mappings c ON c.id = m.cell_id WHERE '
                         'm.instance_uuid = :u', u=uuid)[0]

    def server_show(self):
        uuid = self.target['server']
        mapping = self._mapping(uuid)
        with self.cells[mapping['cell_uuid']].connect() as conn:
            row = _rows(
                conn, 'SELECT i.*, c.network_info AS info_cache, e.flavor '
                'AS flavor, e.trusted_certs AS trusted_certs FROM instances '
                'i LEFT OUTER JOIN instance_info_caches c ON '
                'c.instance_uuid = i.uuid LEFT OUTER JOIN instance_extra e '
                'ON e.instance_uuid = i.uuid WHERE i.uuid = :u AND '
                'i.deleted = 0', u=uuid)[0]
            extra = self._related(conn, [uuid], {row['host']} - {None},
                                  True)
        with self.api.connect() as conn:
            extra['groups'] = _rows(
                conn, 'SELECT m.instance_uuid, g.uuid FROM '
                'instance_group_member m JOIN instance_groups g ON g.id = '
                'm.group_id WHERE m.instance_uuid IN :u', u=[uuid])
        row['fault'] = extra['faults'].get(uuid)
        row['metadata'] = extra['metadata'].get(uuid, {})
        return jsonutils.dump_as_bytes({'server': row})

    def _instance(self, conn, uuid):
        return _rows(conn, 'SELECT * FROM instances WHERE uuid = :u', u=uuid)

    def actions_list(self):
        uuid = self.target['server']
        mapping = self._mapping(uuid)
        with self.cells[mapping['cell_uuid']].connect() as conn:
            self._instance(conn, uuid)
            actions = _rows(
                conn, 'SELECT action, instance_uuid, request_id, user_id, '
                'project_id, start_time, message, updated_at FROM '
                'instance_actions WHERE instance_uuid = :u AND deleted = 0 '
                'ORDER BY created_at DESC, id DESC LIMIT 1000', u=uuid)
        return jsonutils.dump_as_bytes({'instanceActions': actions})

    def action_show(self):
        uuid = self.target['server']
        mapping = self._mapping(uuid)
        with self.cells[mapping['cell_uuid']].connect() as conn:
            self._instance(conn, uuid)
            action = _rows(
                conn, 'SELECT * FROM instance_actions WHERE instance_uuid '
                '= :u AND request_id = :r AND deleted = 0 ORDER BY '
                'created_at DESC, id DESC LIMIT 1', u=uuid,
                r=self.target['request_id'])[0]
            action['events'] = _rows(
                conn, 'SELECT event, start_time, finish_time, result, '
                'traceback, host, details FROM instance_actions_events '
                'WHERE action_id = :a AND deleted = 0 ORDER BY created_at '
                'DESC, id DESC', a=action['id'])
        return jsonutils.dump_as_bytes({'instanceAction': action})

    def services(self):
        services = []
        for engine in self.cells.values():
            with engine.connect() as conn:
                services.extend(_rows(conn, 'SELECT * FROM services WHERE '
                                      'deleted = 0'))
        return jsonutils.dump_as_bytes({'services': services})

    def function(self, name):
        return {
            'servers_detail_2.1': lambda: self.servers_detail(False),
            'servers_detail_2.84': lambda: self.servers_detail(True),
            'server_show_2.84': self.server_show,
            'actions_list_2.84': self.actions_list,
            'action_show_2.84': self.action_show,
            'services_2.84': self.services,
        }[name]


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------


def count_queries(built, app, path, version, times=3):
    """Statements of one request (the fewest of ``times`` requests).

    NOTE: the cell list is read again once per ``[api_database]
    cell_cache_ttl`` (10 s) per worker; the fewest leaves that out.
    """
    counter = nf_fixtures.QueryCounter(built.deployment)
    counter.setUp()
    counts = []
    try:
        call(app, path, version)     # warm caches (cell mappings)
        for _ in range(times):
            counter.reset()
            call(app, path, version)
            counts.append(counter.count)
        return min(counts)
    finally:
        counter.cleanUp()


def measure(built, conf, budget=2.0, min_samples=5, max_samples=2000,
            endpoints=None):
    """``{endpoint: {...}}`` with nova-faults, baseline and ratio."""
    app = load_app(conf)
    baseline = Baseline(built)
    results = {}
    for name, (path, version) in paths(built).items():
        if endpoints and name not in endpoints:
            continue
        raw = baseline.function(name)
        size = len(call(app, path, version))
        raw_size = len(raw())
        for _ in range(2):
            call(app, path, version)
            raw()
        nf_times, raw_times = [], []
        deadline = time.perf_counter() + budget
        while (len(nf_times) < min_samples or
               (time.perf_counter() < deadline and
                len(nf_times) < max_samples)):
            t0 = time.perf_counter()
            call(app, path, version)
            t1 = time.perf_counter()
            raw()
            t2 = time.perf_counter()
            nf_times.append(t1 - t0)
            raw_times.append(t2 - t1)
        nf, base = summary(nf_times), summary(raw_times)
        results[name] = {
            'path': path, 'version': version,
            'nova_faults': nf, 'baseline': base,
            'ratio': round(nf['median_ms'] / base['median_ms'], 2),
            'bytes': size, 'baseline_bytes': raw_size,
            'queries': count_queries(built, app, path, version),
        }
    return results


def profile(built, conf, name, seconds=3.0, out_html=None):
    """A pyinstrument profile of one endpoint, as text (and HTML).

    pyinstrument is only needed for ``--profile`` (``pip install
    pyinstrument``); it samples the request's thread, so the time spent
    in the cells' threads shows as waiting in ``scatter_gather``.
    """
    try:
        from pyinstrument import Profiler
    except ImportError:
        return 'pyinstrument is not installed: pip install pyinstrument'
    app = load_app(conf)
    path, version = paths(built)[name]
    call(app, path, version)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        call(app, path, version)
    profiler.stop()
    if out_html:
        with open(out_html, 'w') as f:
            f.write(profiler.output_html())
    return profiler.output_text(unicode=False, color=False,
                                show_all=False)
