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

"""Build the benchmark deployment: N servers over C cells, H hosts.

The databases are made by the test fixtures
(:class:`nova_faults.tests.fixtures.Deployment`: uniquely named
databases on SQLite, MariaDB or PostgreSQL, migrated, cell mappings
written, dropped afterwards).

What is written, per server (round-robin over the cells):

* the instance with its ``instance_extra`` (flavor), info cache (one
  port), two metadata keys and its instance mapping: bulk inserts through
  the data layer's tables (10,000 servers in seconds);
* three actions, ``create``, ``stop`` and ``start``, each with the events
  a conductor and a compute service record; on a tenth of the servers
  the build fails: its ``compute_build_and_run_instance`` event is an
  ``Error`` with traceback and details, the server is in ERROR and has an
  instance fault.

Actions, events and faults of a sample of the servers (``record``,
at least the first ten servers of each cell, so that a failed one of each
cell is among them) are written **through the recording library**
(``record_action_start``, ``EventReporter``,
``add_instance_fault_from_exc``), exactly as services do. Recording costs
about twenty transactions per server, so the other servers get copies of
the sample's rows (same columns, same texts, their own uuids, request ids
and times), bulk-inserted.

Services: a conductor and a scheduler per cell and ``hosts`` compute
services spread over the cells (with their host mappings); servers are
spread over the compute hosts of their cell.
"""

import datetime
import json
import sys
import time
import uuid as uuidlib

import sqlalchemy as sa

from nova_faults import context as nf_context
from nova_faults.db import api as db_api
from nova_faults.db import models
from nova_faults.db import utils as db_utils
from nova_faults import exception
from nova_faults import recording
from nova_faults.tests import fixtures as nf_fixtures

NAMESPACE = uuidlib.UUID('5d2b4f0e-9a77-4d0c-8f0c-1b6a0d5b9e21')
PROJECTS = 10
BASE_TIME = datetime.datetime(2026, 1, 1, 0, 0, 0)
CHUNK = 1000

INST = models.Instance.__table__
EXTRA = models.InstanceExtra.__table__
INFO = models.InstanceInfoCache.__table__
META = models.InstanceMetadata.__table__
FAULTS = models.InstanceFault.__table__
ACTIONS = models.InstanceAction.__table__
EVENTS = models.InstanceActionEvent.__table__
IMAPS = models.InstanceMapping.__table__


def bench_uuid(name):
    return str(uuidlib.uuid5(NAMESPACE, name))


def project_of(index):
    return 'project-%02d' % (index % PROJECTS)


class NoValidHost(exception.NovaFaultsException):
    msg_fmt = 'No valid host was found. %(reason)s'


def flavor_json():
    data = {'id': 1, 'flavorid': '1', 'name': 'm1.small', 'vcpus': 1,
            'memory_mb': 2048, 'root_gb': 20, 'ephemeral_gb': 0, 'swap': 0,
            'rxtx_factor': 1.0, 'vcpu_weight': 0, 'disabled': False,
            'is_public': True, 'extra_specs': {'hw:cpu_policy': 'shared'},
            'description': None}
    env = {'nova_object.name': 'Flavor', 'nova_object.namespace': 'nova',
           'nova_object.version': '1.2', 'nova_object.data': data}
    return json.dumps({'cur': env, 'old': None, 'new': None})


def network_info(index):
    return json.dumps([{
        'id': bench_uuid('port:%d' % index),
        'address': 'fa:16:3e:%02x:%02x:%02x' % (
            (index >> 16) & 255, (index >> 8) & 255, index & 255),
        'network': {'id': bench_uuid('net'), 'label': 'private',
                    'subnets': [{'cidr': '10.0.0.0/8', 'ips': [{
                        'address': '10.%d.%d.%d' % (
                            (index >> 16) & 255, (index >> 8) & 255,
                            index & 255),
                        'type': 'fixed', 'version': 4,
                        'floating_ips': []}]}]}}])


def _bulk(conn, table, rows):
    for start in range(0, len(rows), CHUNK):
        conn.execute(table.insert(), rows[start:start + CHUNK])


class Built:
    """What was built: the deployment, servers and timings."""

    def __init__(self, deployment):
        self.deployment = deployment
        self.servers = []      # (uuid, cell index, failed)
        self.hosts = {}        # cell index -> [host]
        self.recorded = 0
        self.seconds = {}

    def pick(self, failed=True):
        """A server of the last cell (a failed one by default)."""
        last = len(self.deployment.cells) - 1
        for uuid, cell, is_failed in self.servers:
            if cell == last and is_failed == failed:
                return uuid
        return self.servers[-1][0]


def build(backend, cells, servers, hosts=20, record=None, out=None):
    """Set up a :class:`Deployment` and fill it; returns :class:`Built`.

    The caller cleans up with ``built.deployment.cleanUp()``. Raises
    ``unittest.SkipTest`` when the backend is unreachable.
    """
    out = out or sys.stderr
    t0 = time.perf_counter()
    # The first failed server of each cell is among the first 10 * C.
    record = max(record or 0, 10 * cells)
    # Building only: SQLite need not wait for the disk at every commit.
    deployment = nf_fixtures.Deployment(
        cells=(backend,) * cells, api=backend,
        overrides={('api_database', 'sqlite_synchronous'): False})
    deployment.setUp()
    built = Built(deployment)
    try:
        built.seconds['databases'] = time.perf_counter() - t0
        t1 = time.perf_counter()
        _services(built, hosts)
        _instances(built, servers)
        built.seconds['instances'] = time.perf_counter() - t1
        t2 = time.perf_counter()
        _record_sample(built, record)
        built.seconds['recording'] = time.perf_counter() - t2
        t3 = time.perf_counter()
        _copy_history(built)
        built.seconds['history_bulk'] = time.perf_counter() - t3
        _analyze(built)
    except BaseException:
        deployment.cleanUp()
        raise
    built.seconds['total'] = time.perf_counter() - t0
    out.write('  built %s C=%d N=%d in %.1fs (%d recorded through the '
              'library)\n' % (backend, cells, servers,
                              built.seconds['total'], built.recorded))
    return built


def _services(built, hosts):
    d = built.deployment
    ncells = len(d.cells)
    for index in range(ncells):
        d.create_service(cell=index, binary='nova-conductor',
                         host='conductor-%d' % index)
        d.create_service(cell=index, binary='nova-scheduler',
                         host='scheduler-%d' % index)
        built.hosts[index] = []
    for h in range(max(hosts, ncells)):
        cell = h % ncells
        host = 'compute-%03d' % h
        values = {}
        if h % 7 == 3:
            values['disabled'] = True
            values['disabled_reason'] = 'maintenance'
        d.create_service(cell=cell, host=host, **values)
        built.hosts[cell].append(host)


def _instances(built, count):
    d = built.deployment
    ncells = len(d.cells)
    flavor = flavor_json()
    per_cell = {index: ([], [], [], []) for index in range(ncells)}
    mappings = []
    cell_ids = {}
    with d.engine(api=True).connect() as conn:
        for row in conn.execute(sa.select(models.CellMapping.__table__)):
            cell_ids[row.uuid] = row.id
    for i in range(count):
        cell = i % ncells
        uuid = bench_uuid('server:%d' % i)
        failed = i % 10 == 9
        hosts = built.hosts[cell]
        host = hosts[i // ncells % len(hosts)]
        created = BASE_TIME + datetime.timedelta(seconds=i)
        project = project_of(i)
        inst, extra, info, meta = per_cell[cell]
        inst.append(db_utils.row_with_defaults(INST, {
            'uuid': uuid, 'project_id': project, 'user_id': 'user-%d' % i,
            'display_name': 'server-%05d' % i, 'hostname': 'server-%05d' % i,
            'display_description': 'benchmark server %d' % i,
            'vm_state': 'error' if failed else 'active', 'task_state': None,
            'power_state': 0 if failed else 1,
            'image_ref': bench_uuid('image'), 'launch_index': 0,
            'reservation_id': 'r-%08d' % i, 'availability_zone': 'nova',
            'config_drive': '', 'progress': 0, 'locked': False,
            'key_name': 'key-%d' % (i % 5),
            'host': None if failed else host,
            'node': None if failed else host,
            'memory_mb': 2048, 'vcpus': 1, 'root_gb': 20, 'ephemeral_gb': 0,
            'launched_at': None if failed else created,
            'created_at': created, 'updated_at': created, 'deleted': 0,
            'hidden': False}))
        extra.append(db_utils.row_with_defaults(EXTRA, {
            'instance_uuid': uuid, 'flavor': flavor,
            'created_at': created}))
        info.append(db_utils.row_with_defaults(INFO, {
            'instance_uuid': uuid, 'network_info': network_info(i),
            'created_at': created}))
        for key, value in (('purpose', 'benchmark'), ('index', str(i))):
            meta.append({'instance_uuid': uuid, 'key': key, 'value': value,
                         'deleted': 0, 'created_at': created})
        mappings.append(db_utils.row_with_defaults(IMAPS, {
            'instance_uuid': uuid, 'project_id': project,
            'user_id': 'user-%d' % i, 'queued_for_delete': False,
            'cell_id': cell_ids[d.cells[cell]['uuid']],
            'created_at': created}))
        built.servers.append((uuid, cell, failed))
    for cell, (inst, extra, info, meta) in per_cell.items():
        with d.engine(cell).begin() as conn:
            _bulk(conn, INST, inst)
            _bulk(conn, EXTRA, extra)
            _bulk(conn, INFO, info)
            _bulk(conn, META, meta)
    with d.engine(api=True).begin() as conn:
        _bulk(conn, IMAPS, mappings)


class _Services(recording.Recorder):
    """Stands for a conductor and compute services recording events."""


def _request_context(built, cell, project, name):
    d = built.deployment
    ctx = nf_context.RequestContext(
        user_id='user', project_id=project, roles=['member', 'reader'],
        request_id='req-' + bench_uuid('request:' + name), overwrite=False)
    ctx.timestamp = BASE_TIME + datetime.timedelta(
        seconds=int(uuidlib.UUID(bench_uuid(name)).int % 100000))
    return d.cell_context(cell, ctx)


def record_server(built, index):
    """Record the history of server ``index`` through the library."""
    uuid, cell, failed = built.servers[index]
    project = project_of(index)
    conductor = recording.Recorder(host='conductor-%d' % cell)
    host = built.hosts[cell][index // len(built.deployment.cells)
                             % len(built.hosts[cell])]
    compute = recording.Recorder(host=host)

    ctx = _request_context(built, cell, project, '%d:create' % index)
    recording.record_action_start(ctx, uuid, 'create')
    with conductor.event_reporter(
            ctx, 'conductor_schedule_and_build_instances', uuid):
        pass
    try:
        with compute.event_reporter(ctx, 'compute_build_and_run_instance',
                                    uuid):
            if failed:
                raise NoValidHost(reason='There are not enough hosts '
                                         'available.')
    except NoValidHost as exc:
        compute.add_instance_fault_from_exc(ctx, uuid, exc,
                                            exc_info=sys.exc_info())
    for action, event in (('stop', 'compute_stop_instance'),
                          ('start', 'compute_start_instance')):
        ctx = _request_context(built, cell, project,
                               '%d:%s' % (index, action))
        recording.record_action_start(ctx, uuid, action)
        with compute.event_reporter(ctx, event, uuid):
            pass


def _record_sample(built, record):
    """Record through the library: the first ``record`` servers."""
    count = min(record, len(built.servers))
    # At least one failed and one good server in every cell.
    for index in range(count):
        record_server(built, index)
    built.recorded = count


def _copy_history(built):
    """Copy the recorded history of sample servers to the others."""
    d = built.deployment
    ncells = len(d.cells)
    if built.recorded >= len(built.servers):
        return
    # The template of a good and a failed server of each cell.
    for cell in range(ncells):
        template = {}
        for index in range(built.recorded):
            uuid, c, failed = built.servers[index]
            if c == cell and failed not in template:
                template[failed] = uuid
        engine = d.engine(cell)
        with engine.begin() as conn:
            rows = {}
            for failed, uuid in template.items():
                actions = [dict(r._mapping) for r in conn.execute(
                    sa.select(ACTIONS).where(ACTIONS.c.instance_uuid == uuid)
                    .order_by(ACTIONS.c.id))]
                events = [dict(r._mapping) for r in conn.execute(
                    sa.select(EVENTS).where(EVENTS.c.action_id.in_(
                        [a['id'] for a in actions])).order_by(EVENTS.c.id))]
                faults = [dict(r._mapping) for r in conn.execute(
                    sa.select(FAULTS).where(FAULTS.c.instance_uuid == uuid))]
                rows[failed] = (actions, events, faults)
            next_action = (conn.execute(
                sa.select(sa.func.max(ACTIONS.c.id))).scalar() or 0) + 1
            new_actions, new_events, new_faults = [], [], []
            for index in range(built.recorded, len(built.servers)):
                uuid, c, failed = built.servers[index]
                if c != cell or failed not in rows:
                    continue
                actions, events, faults = rows[failed]
                shift = datetime.timedelta(seconds=index)
                ids = {}
                for action in actions:
                    new = dict(action, id=next_action, instance_uuid=uuid,
                               project_id=project_of(index),
                               request_id='req-' + bench_uuid(
                                   'request:%d:%s' % (index,
                                                      action['action'])))
                    _shift(new, shift)
                    ids[action['id']] = next_action
                    next_action += 1
                    new_actions.append(new)
                for event in events:
                    new = dict(event, action_id=ids[event['action_id']])
                    new.pop('id')
                    _shift(new, shift)
                    new_events.append(new)
                for fault in faults:
                    new = dict(fault, instance_uuid=uuid)
                    new.pop('id')
                    _shift(new, shift)
                    new_faults.append(new)
            _bulk(conn, ACTIONS, new_actions)
            _bulk(conn, EVENTS, new_events)
            _bulk(conn, FAULTS, new_faults)
            if engine.dialect.name == 'postgresql':
                conn.exec_driver_sql(
                    "SELECT setval(pg_get_serial_sequence("
                    "'instance_actions', 'id'), "
                    "(SELECT max(id) FROM instance_actions))")


def _shift(row, delta):
    for key in ('created_at', 'updated_at', 'start_time', 'finish_time'):
        if row.get(key) is not None:
            row[key] = row[key] + delta


def _analyze(built):
    """Fresh planner statistics after the bulk inserts."""
    d = built.deployment
    engines = [d.engine(api=True)] + [d.engine(c) for c in d.cells]
    for engine in engines:
        with engine.begin() as conn:
            if engine.dialect.name in ('postgresql', 'sqlite'):
                conn.exec_driver_sql('ANALYZE')


def admin_context(built):
    return built.deployment.admin_context()


def api_url(built):
    return built.deployment.api_url


def dispose(built):
    db_api.dispose()
    built.deployment.cleanUp()
