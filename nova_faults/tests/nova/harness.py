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

"""A real Nova API, in this process, with and without the filter.

Tests and benchmarks only; it needs Nova installed (the ``nova`` tox
environment). :class:`NovaWorld` builds, once per process:

* Nova's API database and two cell databases (SQLite files), created
  with Nova's own schema (its SQLAlchemy models), plus a third cell whose
  database cannot be opened (a down cell);
* a nova.conf naming them, parsed by Nova (``nova.config.parse_args``)
  into the process-wide ``cfg.CONF``, as Nova's WSGI application does;
* data seeded through Nova's objects (:class:`Seeder`);
* Nova's shipped api-paste.ini, twice: as shipped (plain Nova) and with
  ``[filter:nova_faults]`` before ``osapi_compute_app_v21`` (the
  documented change). In both ``authtoken`` is :func:`authtoken_factory`:
  keystonemiddleware's headers without a Keystone;
* each pipeline (``osapi_compute``: versions, /v2, /v2.1) served over
  HTTP on a free 127.0.0.1 port.

Nova's server views ask Neutron for security groups, and so do ours:
both reach the same :class:`~nova_faults.tests.fake_neutron.FakeNeutron`
through ``[neutron] endpoint_override`` of the one nova.conf; every
server has a port in its project's security groups.
"""

import datetime
import os
import re
import tempfile
import threading

from oslo_serialization import jsonutils
from oslo_utils import uuidutils
from paste import deploy
import webob
import webob.dec

from nova_faults.tests import fake_neutron
from nova_faults.tests.functional import base as functional_base

PROJECT = '6f70656e737461636b20342065766572'
OTHER_PROJECT = '0b1e5a2c3d4e5f60718293a4b5c6d7e8'
USER = 'demo-user'
ADMIN = 'admin-user'

# The documented api-paste.ini change (doc/source/admin/inside-nova.rst).
FILTER_SECTION = """
[filter:nova_faults]
use = egg:nova-faults#nova
"""
NOVA_PIPELINE_TAIL = 'keystonecontext osapi_compute_app_v21'
FILTERED_PIPELINE_TAIL = 'keystonecontext nova_faults osapi_compute_app_v21'
AUTHTOKEN_LINE = 'paste.filter_factory = keystonemiddleware.auth_token:' \
    'filter_factory'
STANDIN_LINE = 'paste.filter_factory = nova_faults.tests.nova.harness:' \
    'authtoken_factory'

# Headers keystonemiddleware's auth_token sets on a valid token (and
# removes from what the client sent).
_IDENTITY_HEADERS = (
    'X-Identity-Status', 'X-Service-Identity-Status', 'X-Domain-Id',
    'X-Domain-Name', 'X-Project-Id', 'X-Project-Name',
    'X-Project-Domain-Id', 'X-Project-Domain-Name', 'X-User-Id',
    'X-User-Name', 'X-User-Domain-Id', 'X-User-Domain-Name', 'X-Roles',
    'X-Service-Catalog', 'X-Is-Admin-Project', 'X-System-Scope',
    'X-Tenant-Id', 'X-Tenant-Name', 'X-Tenant', 'X-User', 'X-Role',
)


def nova_paste_file():
    """The api-paste.ini shipped with the installed Nova."""
    import sysconfig
    path = os.path.join(sysconfig.get_paths()['data'], 'etc', 'nova',
                        'api-paste.ini')
    if not os.path.exists(path):
        raise RuntimeError('Nova\'s api-paste.ini is not at %s' % path)
    return path


def paste_text(with_filter, filter_options=None):
    """Nova's api-paste.ini; the filter inserted when ``with_filter``."""
    with open(nova_paste_file()) as stream:
        text = stream.read()
    if AUTHTOKEN_LINE not in text or NOVA_PIPELINE_TAIL not in text:
        raise RuntimeError('Nova\'s api-paste.ini changed shape')
    text = text.replace(AUTHTOKEN_LINE, STANDIN_LINE)
    if with_filter:
        pattern = re.compile(r'^(keystone = .*?) %s$' % NOVA_PIPELINE_TAIL,
                             re.MULTILINE)
        text = pattern.sub(r'\1 ' + FILTERED_PIPELINE_TAIL, text)
        text += FILTER_SECTION
        for key, value in (filter_options or {}).items():
            text += '%s = %s\n' % (key, value)
    return text


def token(user=USER, project=PROJECT, roles=('member', 'reader')):
    """A stand-in token: ``user:project:role,role``."""
    return '%s:%s:%s' % (user, project, ','.join(roles))


class StandInAuthToken:
    """keystonemiddleware without Keystone: the token names the user.

    ``X-Auth-Token: user:project:role,role``. Like ``auth_token`` it
    first removes every identity header the client sent, answers 401
    when there is no valid token, and otherwise sets the same headers.
    """

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        for name in _IDENTITY_HEADERS:
            req.headers.pop(name, None)
        parts = (req.headers.get('X-Auth-Token') or '').split(':')
        if len(parts) != 3 or not all(parts[:2]):
            body = {'error': {
                'code': 401, 'title': 'Unauthorized',
                'message': 'The request you have made requires '
                           'authentication.'}}
            return webob.Response(
                status=401, content_type='application/json',
                body=jsonutils.dump_as_bytes(body))
        user, project, roles = parts
        req.headers.update({
            'X-Identity-Status': 'Confirmed',
            'X-Service-Identity-Status': 'Invalid',
            'X-User-Id': user, 'X-User-Name': user,
            'X-User-Domain-Id': 'default', 'X-User-Domain-Name': 'Default',
            'X-Project-Id': project, 'X-Project-Name': project,
            'X-Project-Domain-Id': 'default',
            'X-Project-Domain-Name': 'Default',
            'X-Roles': roles,
            'X-Is-Admin-Project': 'True',
            # NOTE: the deprecated names keystonemiddleware still sets.
            'X-Tenant-Id': project, 'X-Tenant-Name': project,
            'X-Tenant': project, 'X-User': user, 'X-Role': roles,
        })
        return req.get_response(self.application)


def authtoken_factory(global_conf, **local_conf):
    """paste.filter_factory of :class:`StandInAuthToken`."""
    return StandInAuthToken


NOVA_CONF = """
[DEFAULT]
transport_url = fake:/
state_path = {root}
host = nova-api-host
service_down_time = 60
default_availability_zone = nova

[api]
auth_strategy = keystone

[api_database]
connection = {api_url}

[database]
connection = {cell1_url}

[oslo_policy]
policy_file = {policy_file}

[oslo_messaging_notifications]
driver = noop

[oslo_concurrency]
lock_path = {root}/locks

[neutron]
endpoint_override = {neutron_url}
auth_type = none

[wsgi]
api_paste_config = {root}/api-paste.ini
"""


def sqlite_url(path):
    return 'sqlite:///%s' % path


class NovaWorld:
    """Nova's databases, configuration and both pipelines, once."""

    _instance = None
    _lock = threading.Lock()

    @classmethod
    def get(cls):
        """The process' world, built on first use (kept until exit)."""
        with cls._lock:
            if cls._instance is None:
                world = cls()
                world.start()
                cls._instance = world
            return cls._instance

    def __init__(self):
        self.neutron = fake_neutron.FakeNeutron()
        self.root = tempfile.mkdtemp(prefix='nova-faults-nova-')
        self.api_path = os.path.join(self.root, 'nova_api.sqlite')
        self.cell_paths = {
            'cell0': os.path.join(self.root, 'nova_cell0.sqlite'),
            'cell1': os.path.join(self.root, 'nova_cell1.sqlite'),
            'cell2': os.path.join(self.root, 'nova_cell2.sqlite'),
        }
        # NOTE: a directory that does not exist: SQLite cannot open it.
        self.down_path = os.path.join(self.root, 'missing', 'down.sqlite')
        self.policy_file = os.path.join(self.root, 'policy.yaml')
        self.conf_file = os.path.join(self.root, 'nova.conf')
        self.servers = {}

    def start(self):
        self.neutron.setUp()
        self.neutron_url = self.neutron.endpoint
        os.makedirs(os.path.join(self.root, 'locks'))
        with open(self.policy_file, 'w') as stream:
            stream.write('{}\n')
        with open(self.conf_file, 'w') as stream:
            stream.write(NOVA_CONF.format(
                root=self.root, api_url=sqlite_url(self.api_path),
                cell1_url=sqlite_url(self.cell_paths['cell1']),
                policy_file=self.policy_file,
                neutron_url=self.neutron_url))
        for name, text in (('api-paste.ini', paste_text(False)),
                           ('api-paste-filtered.ini', paste_text(True))):
            with open(os.path.join(self.root, name), 'w') as stream:
                stream.write(text)
        self._parse_conf()
        self._create_schemas()
        self.seeder = Seeder(self)
        self.seeder.seed()
        self.nova_app = self.load('api-paste.ini')
        self.filtered_app = self.load('api-paste-filtered.ini')

    def _parse_conf(self):
        from nova import config
        from nova import objects
        # NOTE: what Nova's WSGI application does before loading paste.
        config.parse_args(['nova-api', '--config-file', self.conf_file])
        objects.register_all()

    def _create_schemas(self):
        from nova.db.api import models as api_models
        from nova.db.main import models as main_models
        import sqlalchemy
        engine = sqlalchemy.create_engine(sqlite_url(self.api_path))
        api_models.BASE.metadata.create_all(engine)
        engine.dispose()
        for path in self.cell_paths.values():
            engine = sqlalchemy.create_engine(sqlite_url(path))
            main_models.BASE.metadata.create_all(engine)
            engine.dispose()

    def load(self, paste_name, name='osapi_compute'):
        return deploy.loadapp(
            'config:%s' % os.path.join(self.root, paste_name), name=name)

    def write_paste(self, name, filter_options):
        with open(os.path.join(self.root, name), 'w') as stream:
            stream.write(paste_text(True, filter_options))
        return name

    def serve(self, app, threads=8):
        """A started ``LiveServer`` fixture for ``app``; caller cleans."""
        server = functional_base.LiveServer(app, threads=threads)
        server.setUp()
        return server


def _at(minutes):
    base = datetime.datetime(2026, 11, 20, 10, 0, 0)
    return base + datetime.timedelta(minutes=minutes)


class Seeder:
    """The data, through Nova's objects.

    * cell1: servers of ``PROJECT`` (one in ERROR with a fault, actions
      with failed events and their tracebacks) and of ``OTHER_PROJECT``;
      compute hosts with services (one disabled, one forced down);
    * cell2: more servers and a compute host in an aggregate with an
      availability zone;
    * the down cell: servers that exist only in the API database (their
      instance and request spec mappings) and a host mapping.
    """

    def __init__(self, world):
        self.world = world
        self.groups = {}

    def _port(self, uuid, project):
        if project not in self.groups:
            neutron = self.world.neutron
            self.groups[project] = [
                neutron.add_security_group('default', project_id=project),
                neutron.add_security_group('web', project_id=project)]
        self.world.neutron.add_port(uuid, security_groups=self.groups[project],
                                    project_id=project)

    def seed(self):
        from nova import context as nova_context
        from nova import objects
        self.ctxt = nova_context.get_admin_context()
        self.cells = {}
        for name, path in (('cell0', self.world.cell_paths['cell0']),
                           ('cell1', self.world.cell_paths['cell1']),
                           ('cell2', self.world.cell_paths['cell2']),
                           ('down', self.world.down_path)):
            uuid = (objects.CellMapping.CELL0_UUID if name == 'cell0'
                    else uuidutils.generate_uuid())
            cell = objects.CellMapping(
                self.ctxt, uuid=uuid, name=name, transport_url='fake:/',
                database_connection=sqlite_url(path))
            cell.create()
            self.cells[name] = cell
        self.flavor = objects.Flavor(
            self.ctxt, name='m1.small', memory_mb=2048, vcpus=1, root_gb=20,
            ephemeral_gb=0, swap=0, flavorid='2', rxtx_factor=1.0,
            vcpu_weight=0, disabled=False, is_public=True,
            extra_specs={'hw:cpu_policy': 'shared'}, description=None)
        self.flavor.create()
        objects.Flavor(
            self.ctxt, name='m1.large', memory_mb=8192, vcpus=4,
            root_gb=80, ephemeral_gb=0, swap=0, flavorid='4',
            rxtx_factor=1.0, vcpu_weight=0, disabled=False,
            is_public=True, extra_specs={}, description='big').create()
        self.hosts()
        aggregate = objects.Aggregate(
            self.ctxt, name='geneva-agg',
            metadata={'availability_zone': 'geneva'})
        aggregate.create()
        aggregate.add_host('compute3')
        objects.KeyPair(
            self.ctxt, user_id=USER, name='demo-key', type='ssh',
            public_key='ssh-rsa AAAAB3NzaC1yc2E demo@example',
            fingerprint='aa:bb:cc').create()
        servers = self.world.servers
        servers['active'] = self.server('cell1', 'compute1', 'active-one')
        servers['error'] = self.server('cell1', 'compute2', 'broken',
                                       vm_state='error', fault=True)
        servers['other'] = self.server('cell1', 'compute1', 'not-mine',
                                       project=OTHER_PROJECT)
        servers['geneva'] = self.server('cell2', 'compute3', 'in-geneva',
                                        availability_zone='geneva')
        servers['stopped'] = self.server('cell2', 'compute3', 'stopped',
                                         vm_state='stopped', power_state=4)
        servers['down'] = self.down_server('lost-one')
        self.actions(servers['error'])
        self.actions(servers['active'], fail=False)

    def hosts(self):
        from nova import context as nova_context
        from nova import objects
        self.compute_ids = {}
        for cell, host, disabled, forced_down in (
                ('cell1', 'compute1', False, False),
                ('cell1', 'compute2', True, False),
                ('cell2', 'compute3', False, False),
                ('cell2', 'compute4', False, True)):
            with nova_context.target_cell(
                    self.ctxt, self.cells[cell]) as cctxt:
                service = objects.Service(
                    cctxt, host=host, binary='nova-compute',
                    topic='compute', report_count=3, disabled=disabled,
                    disabled_reason='maintenance' if disabled else None,
                    forced_down=forced_down)
                service.create()
                node = objects.ComputeNode(
                    cctxt, host=host, hypervisor_hostname=host + '.node',
                    uuid=uuidutils.generate_uuid(), service_id=service.id,
                    vcpus=8, memory_mb=16384, local_gb=200, vcpus_used=1,
                    memory_mb_used=2048, local_gb_used=20,
                    hypervisor_type='QEMU', hypervisor_version=8002000,
                    cpu_info='{}', free_ram_mb=14336, free_disk_gb=180,
                    current_workload=0, running_vms=1,
                    disk_available_least=180, host_ip='192.0.2.10',
                    supported_hv_specs=[], pci_device_pools=None,
                    metrics='[]', extra_resources=None, stats={},
                    numa_topology=None, cpu_allocation_ratio=16.0,
                    ram_allocation_ratio=1.5,
                    disk_allocation_ratio=1.0)
                node.create()
                self.compute_ids[host] = node.id
            objects.HostMapping(self.ctxt, host=host,
                                cell_mapping=self.cells[cell]).create()
        with nova_context.target_cell(
                self.ctxt, self.cells['cell1']) as cctxt:
            objects.Service(cctxt, host='conductor1',
                            binary='nova-conductor', topic='conductor',
                            report_count=3).create()
        objects.HostMapping(self.ctxt, host='lost-host',
                            cell_mapping=self.cells['down']).create()

    def _request_spec(self, uuid, project, availability_zone):
        from nova import objects
        spec = objects.RequestSpec(
            self.ctxt, instance_uuid=uuid, project_id=project,
            user_id=USER, flavor=self.flavor, num_instances=1,
            availability_zone=availability_zone,
            image=objects.ImageMeta.from_dict({
                'id': self.image, 'properties': {}}),
            scheduler_hints={}, is_bfv=False)
        spec.create()

    image = '155d900f-4e14-4e4c-a73d-069cbf4541e6'

    def server(self, cell, host, name, project=PROJECT, vm_state='active',
               power_state=1, availability_zone='nova', fault=False):
        from nova import context as nova_context
        from nova.network import model as network_model
        from nova import objects
        uuid = uuidutils.generate_uuid()
        with nova_context.target_cell(self.ctxt, self.cells[cell]) as cctxt:
            instance = objects.Instance(
                cctxt, uuid=uuid, project_id=project, user_id=USER,
                display_name=name, hostname=name, host=host,
                node=host + '.node', compute_id=self.compute_ids[host],
                vm_state=vm_state,
                power_state=power_state, task_state=None,
                image_ref=self.image, flavor=self.flavor,
                instance_type_id=self.flavor.id,
                memory_mb=self.flavor.memory_mb, vcpus=self.flavor.vcpus,
                root_gb=self.flavor.root_gb, ephemeral_gb=0,
                availability_zone=availability_zone, launch_index=0,
                launched_at=_at(1), key_name='demo-key',
                metadata={'purpose': 'test'}, system_metadata={},
                reservation_id='r-' + uuid[:8], locked=False,
                config_drive='', root_device_name='/dev/vda',
                progress=0,
                info_cache=objects.InstanceInfoCache(
                    network_info=network_model.NetworkInfo([])))
            instance.create()
            # NOTE: a real server has been saved since its creation; Nova
            # shows "updated" as the time of the request when
            # updated_at is NULL.
            instance.launched_on = host
            instance.save()
            if fault:
                objects.InstanceFault(
                    cctxt, instance_uuid=uuid, code=500,
                    message='No valid host was found. ',
                    details='Traceback (most recent call last):\n  ...\n'
                            'NoValidHost: No valid host was found.',
                    host=host).create()
        objects.InstanceMapping(
            self.ctxt, instance_uuid=uuid, cell_mapping=self.cells[cell],
            project_id=project, user_id=USER,
            queued_for_delete=False).create()
        self._request_spec(uuid, project, availability_zone)
        self._port(uuid, project)
        return uuid

    def down_server(self, name, project=PROJECT):
        from nova import objects
        uuid = uuidutils.generate_uuid()
        objects.InstanceMapping(
            self.ctxt, instance_uuid=uuid,
            cell_mapping=self.cells['down'], project_id=project,
            user_id=USER, queued_for_delete=False).create()
        self._request_spec(uuid, project, 'nova')
        return uuid

    def actions(self, uuid, fail=True):
        from nova import context as nova_context
        from nova import objects
        cell = self.cells['cell1']
        for number, action in enumerate(('create', 'reboot', 'resize')):
            request_id = 'req-' + uuidutils.generate_uuid()
            ctxt = nova_context.RequestContext(
                user_id=USER, project_id=PROJECT, request_id=request_id,
                is_admin=True)
            with nova_context.target_cell(ctxt, cell) as cctxt:
                objects.InstanceAction.action_start(cctxt, uuid, action)
                for event in ('compute_prep_' + action,
                              'compute_' + action):
                    objects.InstanceActionEvent.event_start(
                        cctxt, uuid, event, host='compute2')
                    if fail and action == 'resize' and \
                            event == 'compute_resize':
                        try:
                            raise ValueError('Disk of %s too small' % uuid)
                        except ValueError as exc:
                            objects.InstanceActionEvent.\
                                event_finish_with_failure(
                                    cctxt, uuid, event, exc_val=exc,
                                    exc_tb=exc.__traceback__)
                    else:
                        objects.InstanceActionEvent.event_finish(
                            cctxt, uuid, event)
                objects.InstanceAction.action_finish(cctxt, uuid)

    def request_ids(self, uuid):
        """The request IDs of ``uuid``'s actions (cell1), newest first."""
        from nova import context as nova_context
        from nova import objects
        with nova_context.target_cell(self.ctxt,
                                      self.cells['cell1']) as cctxt:
            return [action.request_id for action in
                    objects.InstanceActionList.get_by_instance_uuid(
                        cctxt, uuid)]

    def many_servers(self, count, cell='cell1'):
        """``count`` more servers of ``PROJECT`` (benchmarks)."""
        return [self.server(cell, 'compute1', 'bench-%d' % number)
                for number in range(count)]
