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

"""A small demo deployment that tells the story of the seed documents.

``populate(conf)`` (behind ``nova-faults-manage demo`` and
``nova-faults-api --demo``) writes, in the first cell:

* compute services ``compute1`` and ``compute2`` and a conductor;
  ``compute2`` is in host aggregate ``east``, availability zone
  ``az-east`` (``compute1`` is in the default zone, ``nova``);
* servers of project ``demo`` (user ``demo``):

  - ``vm1`` (ACTIVE): a ``create`` that succeeded, then the ``resize``
    of the faults guide that failed in the scheduler with NoValidHost
    (events ``conductor_migrate_server`` and ``cold_migrate``, with
    details and tracebacks); the server stays ACTIVE, so only its actions
    tell why;
  - ``vm2`` (ERROR): a ``create`` that failed with NoValidHost, and the
    instance fault shown with the server;
  - ``vm3`` (ACTIVE): a ``live-migration`` that failed on the hypervisor
    with an error that is not the library's: its details are only the
    class name, and the credentials in its text are scrubbed from the
    admin-only traceback and fault details;
  - ``vm4`` (deleted): ``create``, ``stop`` and ``delete``; its history
    stays readable from microversion 2.21.
  - ``vm5``, ``vm6``, ``vm7`` on hosts whose compute service is forced
    down (``compute3``: host_status ``DOWN``), disabled for maintenance
    (``compute4``: ``MAINTENANCE``) and silent for two hours
    (``compute5``: ``UNKNOWN``); ``vm1`` and ``vm3`` are on hosts that
    heartbeat while the demo runs (``UP``; see :func:`start_heartbeats`),
    and ``vm2`` has no host (``""``).

and, in a second cell ``cell-unreachable`` whose database is a closed
127.0.0.1 port, ``vm8`` and ``vm9`` and host ``compute9``, known only to
the API database (2.69 minimal records; 503 below 2.69).

Actions, events and faults are written **through the recording library**
(:mod:`nova_faults.recording`), by small stand-ins for a conductor and a
compute service (:mod:`nova_faults.demo_services`), exactly as real
services would; instances, services and mappings through the data layer.
Identifiers are derived from fixed names (UUID 5), so running it twice
changes nothing: the second run reuses the data and says so.

:func:`start_heartbeats` keeps the demo alive: its healthy services
(:data:`LIVE_SERVICES`) heartbeat every ``[DEFAULT] report_interval`` in
threads, as real services do, so their hosts stay ``UP`` for as long as
``nova-faults-api --demo`` runs.

Extending it: add a function ``step(demo)`` to :data:`STEPS`; ``demo`` is
a :class:`Demo` with the configuration, contexts, the target cell and
helpers (:meth:`Demo.server`, :meth:`Demo.service`, :meth:`Demo.request`,
:meth:`Demo.once`) that make a step idempotent.
"""

import datetime
import json
import sys
import uuid

from oslo_utils import timeutils

from nova_faults import cells
from nova_faults import context as nf_context
from nova_faults.db import actions as db_actions
from nova_faults.db import api as db_api
from nova_faults.db import instances as db_instances
from nova_faults.db import mappings as db_mappings
from nova_faults.db import request_specs as db_request_specs
from nova_faults.db import services as db_services
from nova_faults import demo_logs
from nova_faults import demo_services
from nova_faults import exception
from nova_faults.objects import aggregate
from nova_faults.objects import instance as instance_obj
from nova_faults import recording
from nova_faults import servicegroup

PROJECT_ID = 'demo'
USER_ID = 'demo'

# All demo identifiers are UUID 5s in this namespace.
NAMESPACE = uuid.UUID('8e4c6f3e-5b1a-4d55-9a3b-6e2f0c1d7a90')


def demo_uuid(name):
    """The fixed UUID of a demo object called ``name``."""
    return str(uuid.uuid5(NAMESPACE, name))


def demo_request_id(name):
    """The fixed request ID (``req-<uuid>``) of a demo request."""
    return 'req-' + demo_uuid('request:' + name)


# ---------------------------------------------------------------------------
# The deployment being filled
# ---------------------------------------------------------------------------


def flavor_json(flavorid, name, vcpus, memory_mb, root_gb):
    """Nova's ``instance_extra.flavor`` JSON for a flavor."""
    data = {'id': int(flavorid), 'flavorid': flavorid, 'name': name,
            'vcpus': vcpus, 'memory_mb': memory_mb, 'root_gb': root_gb,
            'ephemeral_gb': 0, 'swap': 0, 'rxtx_factor': 1.0,
            'vcpu_weight': 0, 'disabled': False, 'is_public': True,
            'extra_specs': {}, 'description': None}
    return json.dumps({'cur': {'nova_object.name': 'Flavor',
                               'nova_object.namespace': 'nova',
                               'nova_object.version': '1.2',
                               'nova_object.data': data},
                       'old': None, 'new': None})


def network_info(name, address):
    """Nova's network info cache JSON with one port on ``private``."""
    return json.dumps([{
        'id': demo_uuid('port:' + name),
        'address': 'fa:16:3e:%02x:%02x:%02x' % tuple(
            uuid.UUID(demo_uuid('mac:' + name)).bytes[:3]),
        'network': {'id': demo_uuid('network:private'), 'label': 'private',
                    'subnets': [{'cidr': '10.0.0.0/24', 'ips': [{
                        'address': address, 'type': 'fixed', 'version': 4,
                        'floating_ips': []}]}]}}])


M1_TINY = ('1', 'm1.tiny', 1, 512, 1)
IMAGE_ID = demo_uuid('image:cirros')


class Demo:
    """The deployment the steps fill, and what they made.

    ``cell`` is the first cell (the embedded ``cell1`` by default).
    ``servers`` and ``requests`` collect what was made, for the summary.
    """

    def __init__(self, conf):
        self.conf = conf
        self.admin = nf_context.get_admin_context()
        self.admin.api_db = db_api.get_api_context_manager(conf)
        mappings = [cell for cell in cells.get_cell_mappings(
            self.admin, conf, use_cache=False)
            if cell['uuid'] != '00000000-0000-0000-0000-000000000000']
        if not mappings:
            raise exception.ConfigInvalid(
                reason='there is no cell to put the demo in; run '
                       '"nova-faults-manage cell create" first')
        self.cell = mappings[0]
        self.servers = []
        self.created = []
        self.requests = []
        self.logs = None
        self.unreachable = None
        self.conductor = demo_services.Conductor(host='conductor')
        self.compute1 = demo_services.Compute(host='compute1')
        self.compute2 = demo_services.Compute(host='compute2')

    def cell_context(self, ctx=None):
        """``ctx`` (default: admin) bound to the demo cell."""
        return cells.cell_context(ctx or self.admin, self.cell,
                                  conf=self.conf)

    # -- services and servers ----------------------------------------------

    def service(self, host, binary, **values):
        """Create a service (and host mapping) unless it exists."""
        ctx = self.cell_context()
        try:
            return db_services.service_get_by_host_and_binary(ctx, host,
                                                              binary)
        except exception.ServiceNotFound:
            pass
        now = timeutils.utcnow()
        values = dict({'host': host, 'binary': binary, 'report_count': 1,
                       'last_seen_up': now, 'updated_at': now,
                       'uuid': demo_uuid('service:%s:%s' % (host, binary))},
                      **values)
        row = db_services.service_create(ctx, values)
        if binary == 'nova-compute':
            try:
                db_mappings.host_mapping_get_by_host(self.admin, host)
            except exception.HostMappingNotFound:
                db_mappings.host_mapping_create(self.admin, host,
                                                self.cell['uuid'])
        return row

    def server(self, name, address, **values):
        """Create server ``name`` of project demo unless it exists.

        Returns ``(row, created)``.
        """
        server_uuid = demo_uuid('server:' + name)
        try:
            mapping = db_mappings.instance_mapping_get_by_instance_uuid(
                self.admin, server_uuid)
        except exception.InstanceMappingNotFound:
            mapping = None
        ctx = self.cell_context()
        if mapping is not None:
            row = instance_obj.Instance.get_by_uuid(ctx, server_uuid,
                                                    read_deleted='yes')
            self.servers.append(row)
            return row, False
        row = dict(
            uuid=server_uuid, project_id=PROJECT_ID, user_id=USER_ID,
            display_name=name, hostname=name, display_description=None,
            vm_state='active', task_state=None, power_state=1,
            image_ref=IMAGE_ID, launch_index=0,
            reservation_id='r-' + server_uuid[:8], availability_zone='nova',
            config_drive='', progress=0, locked=False,
            launched_at=timeutils.utcnow(), flavor=flavor_json(*M1_TINY),
            memory_mb=M1_TINY[3], vcpus=M1_TINY[2], root_gb=M1_TINY[4],
            ephemeral_gb=0, network_info=network_info(name, address),
            metadata={'purpose': 'nova-faults demo'})
        row.update(values)
        row = db_instances.instance_create(ctx, row)
        self.created.append(name)
        db_mappings.instance_mapping_create(self.admin, {
            'instance_uuid': server_uuid, 'cell_uuid': self.cell['uuid'],
            'project_id': PROJECT_ID, 'user_id': USER_ID})
        self.servers.append(row)
        return row, True

    # -- requests ------------------------------------------------------------

    def request(self, name):
        """The context of demo request ``name``, made by user demo.

        As in Nova, the services doing the work receive the requester's
        context (with its request ID), bound here to the demo cell.
        """
        # overwrite=False: do not leave this context as the thread's
        # current one (oslo.log would tag later lines with its ids).
        ctx = nf_context.RequestContext(
            user_id=USER_ID, project_id=PROJECT_ID, is_admin=False,
            roles=['member', 'reader'], request_id=demo_request_id(name),
            overwrite=False)
        ctx.api_db = self.admin.api_db
        return self.cell_context(ctx)

    def once(self, name, server, action):
        """Start action ``action`` of request ``name`` unless it exists.

        Returns the request context, or None when the action was already
        recorded (by an earlier run).
        """
        ctx = self.request(name)
        self.requests.append((server, action, ctx.request_id))
        if db_actions.action_get_by_request_id(ctx, server['uuid'],
                                               ctx.request_id):
            return None
        recording.record_action_start(ctx, server, action)
        return ctx


# ---------------------------------------------------------------------------
# The steps
# ---------------------------------------------------------------------------


def add_services(demo):
    demo.service('conductor', 'nova-conductor')
    demo.service('scheduler', 'nova-scheduler')
    demo.service('compute1', 'nova-compute')
    demo.service('compute2', 'nova-compute')


def _create(demo, server, name, compute):
    ctx = demo.once(name + ':create', server, 'create')
    if ctx is not None:
        demo.conductor.schedule_and_build_instances(ctx, server,
                                                    [compute.host])
        compute.build_and_run_instance(ctx, server)


def add_zone_aggregate(demo):
    """Host aggregate ``east``: ``compute2`` in zone ``az-east``."""
    zones = aggregate.AggregateList.zones_by_host(
        demo.admin, demo.conf, ['compute2'], refresh=['compute2'])
    if 'az-east' not in zones['compute2']:
        aggregate.create(demo.admin, 'east', ['compute2'],
                         {'availability_zone': 'az-east'})


def add_vm1_failed_resize(demo):
    """Seed 000: a resize that failed in the scheduler; still ACTIVE."""
    server, _created = demo.server('vm1', '10.0.0.11', host='compute1',
                                   node='compute1')
    _create(demo, server, 'vm1', demo.compute1)
    ctx = demo.once('vm1:resize', server, 'resize')
    if ctx is not None:
        try:
            demo.conductor.migrate_server(ctx, server, 'm1.small')
        except demo_services.NoValidHost:
            pass  # The server stays ACTIVE on its host: no fault.


def add_vm1_resize_logs(demo):
    """Logs of the failed resize, for ``nova-faults-trace``.

    As nova-api, the scheduler, placement and the conductor would have
    written them (see :mod:`nova_faults.demo_logs`).
    """
    server_uuid = demo_uuid('server:vm1')
    request_id = demo_request_id('vm1:resize')
    action = db_actions.action_get_by_request_id(demo.cell_context(),
                                                 server_uuid, request_id)
    if action is None:
        return
    demo.logs = demo_logs.write(
        demo.conf, server_uuid, request_id,
        global_request_id=demo_request_id('vm1:resize:global'),
        start=action['start_time'], error_class=demo_services.NoValidHost,
        placement_request_id=demo_request_id('vm1:resize:placement'))


def add_vm2_error_with_fault(demo):
    """A server whose build found no host: ERROR, with a fault."""
    server, _created = demo.server('vm2', '10.0.0.12', vm_state='error',
                                   power_state=0, launched_at=None)
    ctx = demo.once('vm2:create', server, 'create')
    if ctx is not None:
        try:
            demo.conductor.schedule_and_build_instances(ctx, server, [])
        except demo_services.NoValidHost as exc:
            demo.conductor.add_instance_fault_from_exc(
                ctx, server, exc, exc_info=sys.exc_info())


def add_vm3_failed_live_migration(demo):
    """A hypervisor error: details are only its class name."""
    server, _created = demo.server('vm3', '10.0.0.13', host='compute2',
                                   node='compute2',
                                   availability_zone='az-east')
    _create(demo, server, 'vm3', demo.compute2)
    ctx = demo.once('vm3:live-migration', server, 'live-migration')
    if ctx is not None:
        demo.conductor.live_migrate_instance(ctx, server, 'compute1')
        try:
            demo.compute2.live_migration(ctx, server, 'compute1')
        except demo_services.LibvirtError as exc:
            # NOTE: as Nova's compute manager, the fault is recorded too;
            # the server is rolled back to ACTIVE, so it is not shown.
            demo.compute2.add_instance_fault_from_exc(
                ctx, server, exc, exc_info=sys.exc_info())


def add_vm4_deleted(demo):
    """A deleted server whose history stays readable from 2.21."""
    server, _created = demo.server('vm4', '10.0.0.14', host='compute1',
                                   node='compute1')
    _create(demo, server, 'vm4', demo.compute1)
    ctx = demo.once('vm4:stop', server, 'stop')
    if ctx is not None:
        demo.compute1.stop_instance(ctx, server)
    ctx = demo.once('vm4:delete', server, 'delete')
    if ctx is not None:
        demo.compute1.terminate_instance(ctx, server)
        cctx = demo.cell_context()
        db_instances.instance_update(cctx, server['uuid'], {
            'vm_state': 'deleted', 'power_state': 0,
            'terminated_at': timeutils.utcnow()})
        db_instances.instance_destroy(cctx, server['uuid'])
        db_mappings.instance_mapping_update(demo.admin, server['uuid'],
                                            {'queued_for_delete': True})


def add_host_status_servers(demo):
    """Seed 003: servers on hosts in every host_status state.

    ``compute1``/``compute2`` heartbeat now (UP); ``compute3`` is forced
    down (DOWN), ``compute4`` disabled (MAINTENANCE), ``compute5`` last
    reported two hours ago (UNKNOWN). ``vm2`` has no host ("").
    """
    ctx = demo.cell_context()
    stale = timeutils.utcnow() - datetime.timedelta(hours=2)
    demo.service('compute3', 'nova-compute', forced_down=True)
    demo.service('compute4', 'nova-compute', disabled=True,
                 disabled_reason='maintenance: kernel upgrade')
    demo.service('compute5', 'nova-compute', last_seen_up=stale,
                 updated_at=stale)
    for host, binary in LIVE_SERVICES:
        # One heartbeat now; start_heartbeats() keeps them going.
        servicegroup.report_state(ctx, demo.conf, binary, host=host)
    for name, address, host in (('vm5', '10.0.0.15', 'compute3'),
                                ('vm6', '10.0.0.16', 'compute4'),
                                ('vm7', '10.0.0.17', 'compute5')):
        demo.server(name, address, host=host, node=host)


#: The demo's healthy services, (host, binary): they heartbeat while the
#: demo runs. compute3 (forced down) and compute5 (silent for two hours)
#: do not; compute4 is alive, only disabled for maintenance.
LIVE_SERVICES = (
    ('conductor', 'nova-conductor'),
    ('scheduler', 'nova-scheduler'),
    ('compute1', 'nova-compute'),
    ('compute2', 'nova-compute'),
    ('compute4', 'nova-compute'),
)


def start_heartbeats(conf):
    """Start the heartbeats of :data:`LIVE_SERVICES` in the demo cell.

    Each runs in a daemon thread every ``[DEFAULT] report_interval``
    seconds until its ``stop()``; returns the started
    :class:`~nova_faults.servicegroup.Heartbeat` objects.
    """
    demo = Demo(conf)
    return [servicegroup.Heartbeat(demo.cell_context(), conf, binary,
                                   host=host).start()
            for host, binary in LIVE_SERVICES]


UNREACHABLE_CELL = 'cell-unreachable'
#: Port 1 of 127.0.0.1: nothing listens there, the connection is refused
#: at once (no password in the URL: it is shown by ``cell list``).
UNREACHABLE_URL = 'mysql+pymysql://nova@127.0.0.1:1/nova_cell_unreachable'


def add_unreachable_cell(demo):
    """Seed 004: a cell whose database does not answer.

    Cell ``cell-unreachable`` points at a closed 127.0.0.1 port. The API
    database knows its servers ``vm8`` (availability zone ``az-east``,
    in server group ``demo-group``) and ``vm9`` (boot from volume) and
    its compute host ``compute9``: at microversion 2.69 they are listed
    as minimal ``UNKNOWN`` records; below 2.69 the cell is skipped from
    lists (``[api] list_records_by_skipping_down_cells``) and showing
    its servers answers 503.
    """
    existing = db_mappings.cell_mapping_get_by_name(
        demo.admin, UNREACHABLE_CELL)
    if existing:
        cell = existing[0]
    else:
        cell = db_mappings.cell_mapping_create(demo.admin, {
            'uuid': demo_uuid('cell:' + UNREACHABLE_CELL),
            'name': UNREACHABLE_CELL, 'transport_url': 'none:///',
            'database_connection': UNREACHABLE_URL, 'disabled': False})
        cells.reset_cache()
    try:
        db_mappings.host_mapping_get_by_host(demo.admin, 'compute9')
    except exception.HostMappingNotFound:
        db_mappings.host_mapping_create(demo.admin, 'compute9', cell['uuid'])
    group = demo_uuid('group:demo-group')
    for name, az, image in (('vm8', 'az-east', IMAGE_ID),
                            ('vm9', None, None)):
        server_uuid = demo_uuid('server:' + name)
        try:
            db_mappings.instance_mapping_get_by_instance_uuid(demo.admin,
                                                              server_uuid)
            continue
        except exception.InstanceMappingNotFound:
            pass
        db_mappings.instance_mapping_create(demo.admin, {
            'instance_uuid': server_uuid, 'cell_uuid': cell['uuid'],
            'project_id': PROJECT_ID, 'user_id': USER_ID})
        data = {'instance_uuid': server_uuid, 'project_id': PROJECT_ID,
                'user_id': USER_ID, 'availability_zone': az,
                'num_instances': 1,
                'flavor': json.loads(flavor_json(*M1_TINY))['cur']}
        if image:
            data['image'] = {'nova_object.name': 'ImageMeta',
                             'nova_object.data': {'id': image}}
        spec = json.dumps({
            'nova_object.name': 'RequestSpec',
            'nova_object.version': '1.14', 'nova_object.data': data})
        db_request_specs.request_spec_create(demo.admin, server_uuid, spec)
        if name == 'vm8':
            db_request_specs.instance_group_create(
                demo.admin, {'uuid': group, 'project_id': PROJECT_ID,
                             'user_id': USER_ID, 'name': 'demo-group'},
                policy='anti-affinity', members=[server_uuid])
    demo.unreachable = (cell, [demo_uuid('server:vm8'),
                               demo_uuid('server:vm9')])


#: The steps of :func:`populate`, in order; each takes a :class:`Demo`.
STEPS = [
    add_services,
    add_zone_aggregate,
    add_vm1_failed_resize,
    add_vm1_resize_logs,
    add_vm2_error_with_fault,
    add_vm3_failed_live_migration,
    add_vm4_deleted,
    add_host_status_servers,
    add_unreachable_cell,
]


def summary(demo):
    """The lines printed at the end: servers, then requests."""
    lines = ['Demo deployment in cell %s (%s), project %s, user %s.'
             % (demo.cell['name'], demo.cell['uuid'], PROJECT_ID, USER_ID)]
    if not demo.created:
        lines.append('The demo data were already there: reused as they are '
                     '(to start over, delete the databases, e.g. the '
                     'state path of the embedded default).')
    lines += ['', 'Servers:']
    seen = set()
    for server in demo.servers:
        if server['uuid'] in seen:
            continue
        seen.add(server['uuid'])
        lines.append('  %-4s %s' % (server['display_name'], server['uuid']))
    lines += ['', 'Requests (server, action, request ID):']
    for server, action, request_id in demo.requests:
        lines.append('  %-4s %-15s %s'
                     % (server['display_name'], action, request_id))
    if demo.unreachable:
        cell, uuids = demo.unreachable
        lines += ['', 'Unreachable cell %s (%s): servers known only to the '
                  'API database:' % (cell['name'], cell['uuid'])]
        lines += ['  %-4s %s' % ('vm%d' % (8 + i), uuid)
                  for i, uuid in enumerate(uuids)]
    if demo.logs:
        lines += ['', 'Logs of the failed resize, for nova-faults-trace:',
                  '  ' + demo.logs]
    return lines


def populate(conf, steps=None, out=None):
    """Fill the deployment configured in ``conf`` with the demo data.

    Idempotent. Prints the server IDs and request IDs it made (to
    ``out``, default standard output) and returns None (success).
    """
    demo = Demo(conf)
    for step in (STEPS if steps is None else steps):
        step(demo)
    out = out or sys.stdout
    for line in summary(demo):
        out.write(line + '\n')
    out.flush()
    return None
