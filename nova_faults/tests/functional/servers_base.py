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

"""Test data for the servers and os-services functional tests.

:class:`ServersTestCase` runs the real pipeline on a deployment of an API
database and several cells (SQLite by default; subclasses choose other
backends through the data layer's ``Deployment`` fixture) and offers
``make_server``/``make_service`` helpers writing Nova-shaped rows.
"""

import datetime
import json
import uuid as uuidlib

from oslo_utils import timeutils

from nova_faults import cells
from nova_faults import context as nf_context
from nova_faults.db import api as db_api
from nova_faults.db import faults as db_faults
from nova_faults.db import instances as db_instances
from nova_faults.db import mappings as db_mappings
from nova_faults.db import request_specs as db_request_specs
from nova_faults.db import services as db_services
from nova_faults.tests import fixtures as nf_fixtures
from nova_faults.tests.functional import base

PROJECT = base.PROJECT_ID
OTHER = base.OTHER_PROJECT_ID


def flavor_json(flavorid='1', name='m1.tiny', vcpus=1, ram=512, disk=1,
                extra_specs=None):
    data = {'id': int(flavorid) if str(flavorid).isdigit() else 7,
            'flavorid': str(flavorid), 'name': name, 'vcpus': vcpus,
            'memory_mb': ram, 'root_gb': disk, 'ephemeral_gb': 0,
            'swap': 0, 'extra_specs': extra_specs or {}}
    return json.dumps({'cur': {'nova_object.name': 'Flavor',
                               'nova_object.namespace': 'nova',
                               'nova_object.version': '1.2',
                               'nova_object.data': data},
                       'old': None, 'new': None})


def network_info(address='10.0.0.2', floating=None, label='private',
                 mac='fa:16:3e:00:00:01', v6=None):
    ips = [{'address': address, 'type': 'fixed', 'version': 4,
            'floating_ips': [{'address': floating, 'type': 'floating',
                              'version': 4}] if floating else []}]
    subnets = [{'cidr': '10.0.0.0/24', 'ips': ips}]
    if v6:
        subnets.append({'cidr': 'fd00::/64', 'ips': [
            {'address': v6, 'type': 'fixed', 'version': 6,
             'floating_ips': []}]})
    return json.dumps([{'id': str(uuidlib.uuid4()), 'address': mac,
                        'network': {'id': str(uuidlib.uuid4()),
                                    'label': label, 'subnets': subnets}}])


class ServersTestCase(base.APITestCase):
    """A deployment with ``cell_count`` cells and data helpers."""

    cell_count = 2
    backends = None   # e.g. ['mysql', 'postgresql'] for the cells

    def _deployment_fixture(self):
        return self._make_deployment(nf_fixtures.Deployment)

    def _make_deployment(self, deployment_cls):
        backends = self.backends or ['sqlite'] * self.cell_count
        return deployment_cls(cells=backends)

    def setUp(self):
        super().setUp()
        cells.reset()
        self.addCleanup(cells.reset)
        self.admin_ctx = nf_context.get_admin_context()
        self.admin_ctx.api_db = db_api.get_api_context_manager(self.conf)
        self.cells = db_mappings.cell_mapping_get_all(self.admin_ctx)
        self._clock = timeutils.utcnow().replace(microsecond=0) - \
            datetime.timedelta(hours=1)
        self._serial = 0

    # -- helpers ------------------------------------------------------------

    def cell_ctx(self, cell):
        return cells.cell_context(self.admin_ctx, cell, self.conf)

    def cell(self, index):
        return self.cells[index]

    def next_time(self, seconds=1):
        self._clock += datetime.timedelta(seconds=seconds)
        return self._clock

    def make_server(self, cell=0, project_id=PROJECT, user_id='demo',
                    **values):
        """Create an instance (with mapping, extra, info cache) in a cell.

        ``values`` may hold any instances column plus ``metadata``,
        ``system_metadata``, ``tags``, ``network_info``, ``flavor``
        (JSON), ``fault`` (dict), ``volumes`` (list of (id, dot)),
        ``request_spec`` (dict of RequestSpec fields) and ``group``.
        """
        cell_mapping = self.cell(cell) if isinstance(cell, int) else cell
        ctx = self.cell_ctx(cell_mapping)
        self._serial += 1
        created = values.pop('created_at', None) or self.next_time()
        fault = values.pop('fault', None)
        volumes = values.pop('volumes', ())
        spec = values.pop('request_spec', None)
        group = values.pop('group', None)
        row = {
            'uuid': str(uuidlib.uuid4()),
            'project_id': project_id, 'user_id': user_id,
            'display_name': 'server-%d' % self._serial,
            'display_description': 'description %d' % self._serial,
            'hostname': 'server-%d' % self._serial,
            'vm_state': 'active', 'task_state': None, 'power_state': 1,
            'host': 'compute1', 'node': 'node1',
            'image_ref': '70a599e0-31e7-49b7-b260-868f441e862b',
            'launch_index': 0, 'reservation_id': 'r-%08d' % self._serial,
            'availability_zone': 'nova', 'config_drive': '',
            'progress': 0, 'access_ip_v4': '1.2.3.4',
            'access_ip_v6': '80fe::', 'auto_disk_config': False,
            'locked': False, 'locked_by': None,
            'launched_at': created, 'created_at': created,
            'updated_at': created,
            'flavor': flavor_json(),
            'network_info': network_info(),
        }
        row.update(values)
        inst = db_instances.instance_create(ctx, row)
        db_mappings.instance_mapping_create(self.admin_ctx, {
            'instance_uuid': inst['uuid'], 'cell_uuid': cell_mapping['uuid'],
            'project_id': project_id, 'user_id': user_id})
        if fault:
            fault_values = {'instance_uuid': inst['uuid'], 'code': 500,
                            'message': 'boom', 'details': '',
                            'host': row['host'],
                            'created_at': self.next_time()}
            fault_values.update(fault)
            db_faults.instance_fault_create(ctx, fault_values)
        for volume_id, dot in volumes:
            db_instances.block_device_mapping_create(ctx, {
                'instance_uuid': inst['uuid'], 'volume_id': volume_id,
                'source_type': 'volume', 'destination_type': 'volume',
                'delete_on_termination': dot, 'deleted': 0})
        if spec is not None:
            db_request_specs.request_spec_create(
                self.admin_ctx, inst['uuid'], json.dumps({
                    'nova_object.name': 'RequestSpec',
                    'nova_object.data': spec}))
        if group is not None:
            db_request_specs.instance_group_create(
                self.admin_ctx, {'uuid': group, 'project_id': project_id,
                                 'user_id': user_id, 'name': 'g'},
                policy='affinity', members=[inst['uuid']])
        return inst

    def make_servers_bulk(self, count, cell_of=lambda i: i % 2, **values):
        """Create ``count`` servers fast (one INSERT per table and cell).

        Each server has a host, a fault (ERROR every 7th), a tag, a
        metadata item, a volume and a request spec. Returns their uuids.
        """
        from nova_faults.db import models
        import sqlalchemy as sa
        by_cell = {}
        now = timeutils.utcnow()
        uuids = []
        for i in range(count):
            cell = self.cell(cell_of(i))
            uuid = str(uuidlib.uuid4())
            uuids.append(uuid)
            row = {'uuid': uuid, 'project_id': PROJECT, 'user_id': 'demo',
                   'display_name': 'bulk-%d' % i, 'hostname': 'bulk-%d' % i,
                   'vm_state': 'error' if i % 7 == 0 else 'active',
                   'power_state': 1, 'host': 'compute%d' % (cell_of(i) + 1),
                   'node': 'node1', 'image_ref': 'img', 'progress': 0,
                   'launch_index': 0, 'availability_zone': 'nova',
                   'config_drive': '', 'deleted': 0, 'hidden': False,
                   'created_at': now - datetime.timedelta(seconds=i),
                   'updated_at': now, 'launched_at': now}
            row.update(values)
            by_cell.setdefault(cell['uuid'], (cell, []))[1].append(row)
        for cell, rows in by_cell.values():
            engine = db_api.get_engine(db_api.get_context_manager(
                self.conf, cell['database_connection']))
            with engine.begin() as conn:
                conn.execute(models.Instance.__table__.insert(), rows)
                conn.execute(models.InstanceExtra.__table__.insert(), [
                    {'instance_uuid': r['uuid'], 'flavor': flavor_json(),
                     'deleted': 0} for r in rows])
                conn.execute(models.InstanceInfoCache.__table__.insert(), [
                    {'instance_uuid': r['uuid'],
                     'network_info': network_info(), 'deleted': 0}
                    for r in rows])
                conn.execute(models.InstanceMetadata.__table__.insert(), [
                    {'instance_uuid': r['uuid'], 'key': 'k', 'value': 'v',
                     'deleted': 0} for r in rows])
                conn.execute(models.Tag.__table__.insert(), [
                    {'resource_id': r['uuid'], 'tag': 'x'} for r in rows])
                conn.execute(models.BlockDeviceMapping.__table__.insert(), [
                    {'instance_uuid': r['uuid'], 'volume_id': 'v-' + r[
                        'uuid'][:8], 'uuid': str(uuidlib.uuid4()),
                     'delete_on_termination': False, 'deleted': 0}
                    for r in rows])
                conn.execute(models.InstanceFault.__table__.insert(), [
                    {'instance_uuid': r['uuid'], 'code': 500,
                     'message': 'boom', 'details': 'tb', 'deleted': 0,
                     'created_at': now} for r in rows])
            api_engine = db_api.get_engine(
                db_api.get_api_context_manager(self.conf))
            with api_engine.begin() as conn:
                cell_id = conn.execute(sa.select(
                    models.CellMapping.__table__.c.id).where(
                    models.CellMapping.__table__.c.uuid == cell['uuid'])
                ).scalar()
                conn.execute(models.InstanceMapping.__table__.insert(), [
                    {'instance_uuid': r['uuid'], 'cell_id': cell_id,
                     'project_id': PROJECT, 'user_id': 'demo',
                     'queued_for_delete': False} for r in rows])
                conn.execute(models.RequestSpec.__table__.insert(), [
                    {'instance_uuid': r['uuid'], 'spec': json.dumps({
                        'nova_object.data': {'availability_zone': 'az',
                                             'scheduler_hints': {}}})}
                    for r in rows])
        return uuids

    def make_service(self, cell=0, host='compute1', binary='nova-compute',
                     map_host=True, age=0, **values):
        """A service row (heartbeat ``age`` seconds ago) + host mapping."""
        cell_mapping = self.cell(cell) if isinstance(cell, int) else cell
        now = timeutils.utcnow()
        row = {'host': host, 'binary': binary, 'report_count': 1,
               'disabled': False, 'forced_down': False,
               'created_at': now - datetime.timedelta(days=1),
               'updated_at': now - datetime.timedelta(seconds=age),
               'last_seen_up': now - datetime.timedelta(seconds=age)}
        row.update(values)
        service = db_services.service_create(self.cell_ctx(cell_mapping), row)
        if map_host and binary == 'nova-compute':
            db_mappings.host_mapping_create(self.admin_ctx, host,
                                            cell_mapping['uuid'])
        return service

    # -- requests -----------------------------------------------------------

    def admin_get(self, path, version='2.1', **kwargs):
        return self.api.get(path, version=version, user='admin',
                            roles=['admin', 'member', 'reader'], **kwargs)

    def user_get(self, path, version='2.1', project=PROJECT, **kwargs):
        return self.api.get(path, version=version, user='demo',
                            project=project, roles=['member', 'reader'],
                            **kwargs)


# -- tempest response schemas ------------------------------------------------


class _Resp(dict):
    def __init__(self, status):
        super().__init__()
        self.status = status


def tempest_schema(client_cls, version):
    """The tempest schema module ``client_cls`` uses at ``version``."""
    from tempest.lib.common import api_version_request as avr
    wanted = avr.APIVersionRequest(version)
    for item in client_cls.schema_versions_info:
        low = avr.APIVersionRequest(item['min'])
        high = avr.APIVersionRequest(item['max'])
        if wanted.matches(low, high):
            return item['schema']
    raise AssertionError('no tempest schema for %s' % version)


def validate_servers(test, name, response, version):
    """Validate a servers response with tempest's schema ``name``."""
    from tempest.lib.common import rest_client
    from tempest.lib.services.compute import servers_client
    schema = getattr(tempest_schema(servers_client.ServersClient, version),
                     name)
    rest_client.RestClient.validate_response(
        schema, _Resp(response.status_int), response.json)


def validate_services(test, name, response, version):
    """Validate an os-services response with tempest's schema ``name``."""
    from tempest.lib.common import rest_client
    from tempest.lib.services.compute import services_client
    if name == 'update_forced_down':
        from tempest.lib.api_schema.response.compute.v2_11 import services
        module = services
    else:
        module = tempest_schema(services_client.ServicesClient, version)
    rest_client.RestClient.validate_response(
        getattr(module, name), _Resp(response.status_int),
        response.json if response.body else None)


# Which tempest schema (client, name) describes a 200 answer of a route:
# an oracle from outside our code for the fuzzing tests.
_TEMPEST_SCHEMAS = {
    ('/servers', 'GET'): ('servers', 'list_servers'),
    ('/servers/detail', 'GET'): ('servers', 'list_servers_detail'),
    ('/servers/{server_id}', 'GET'): ('servers', 'get_server'),
    ('/servers/{server_id}/os-instance-actions', 'GET'):
        ('servers', 'list_instance_actions'),
    ('/servers/{server_id}/os-instance-actions/{request_id}', 'GET'):
        ('servers', 'show_instance_action'),
    ('/os-services', 'GET'): ('services', 'list_services'),
}
_SERVICE_ACTIONS = {'enable': 'enable_disable_service',
                    'disable': 'enable_disable_service',
                    'disable-log-reason': 'disable_log_reason',
                    'force-down': 'update_forced_down'}


def tempest_validate(template, method, path_parameters, version, status,
                     body):
    """Check a 200 body against tempest's schema for its route and version.

    ``version`` is the microversion the server answered with (its
    ``OpenStack-API-Version`` header, without "compute "). Returns the
    name of the schema used, or None when tempest has none for this
    answer (not a 200, or a route tempest does not describe); raises
    tempest's ``InvalidHTTPResponseBody`` when the body does not match.
    """
    from tempest.lib.common import api_version_request as avr
    from tempest.lib.common import rest_client
    from tempest.lib.services.compute import servers_client
    from tempest.lib.services.compute import services_client
    if status != 200:
        return None
    client, name = _TEMPEST_SCHEMAS.get((template, method), (None, None))
    if template == '/os-services/{service_id}' and method == 'PUT':
        service_id = (path_parameters or {}).get('service_id', '')
        client = 'services'
        name = ('update_service' if avr.APIVersionRequest(version) >=
                avr.APIVersionRequest('2.53')
                else _SERVICE_ACTIONS.get(service_id))
    if name is None:
        return None
    if name == 'update_forced_down':
        from tempest.lib.api_schema.response.compute.v2_11 import services
        module = services
    else:
        module = tempest_schema(
            servers_client.ServersClient if client == 'servers'
            else services_client.ServicesClient, version)
    rest_client.RestClient.validate_response(getattr(module, name),
                                             _Resp(status), body)
    return name
