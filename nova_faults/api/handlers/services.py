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

"""``GET /os-services``, ``PUT /os-services/{id}``, ``DELETE``.

Services live in the cell databases; every request looks at all cells.
Before 2.53 a ``PUT`` names an action (``enable``, ``disable``,
``disable-log-reason`` and, from 2.11, ``force-down``) and identifies the
service by host and binary (found through the host mapping); from 2.53 it
names the service's UUID. Validations, their order and messages are
Nova's.

The ``zone`` of a compute is the zone of its host aggregates (Nova's
rules, :mod:`nova_faults.objects.aggregate`). Differences from Nova
(documented): deleting a compute does not clean Placement, and enabling
or disabling one does not sync the ``COMPUTE_STATUS_DISABLED`` trait
(Placement is not reached).
"""

import logging

from oslo_utils import strutils
from oslo_utils import timeutils
from oslo_utils import uuidutils
import webob.exc

from nova_faults.api.handlers import common
from nova_faults.api.schemas import services as schema
from nova_faults.api import validation
from nova_faults.api.views import services as views
from nova_faults.api import wsgi_util
from nova_faults import cells
from nova_faults import exception
from nova_faults.objects import aggregate
from nova_faults.objects import instance_list
from nova_faults.objects import mappings as mapping_objects
from nova_faults.objects import migration
from nova_faults.objects import service as service_obj
from nova_faults.policies import services as service_policies
from nova_faults import servicegroup

LOG = logging.getLogger(__name__)

POLICY = service_policies.BASE_POLICY_NAME
# NOTE: API services never heartbeat through the servicegroup, so Nova
# hides them rather than always showing them "down" (bug 1543625).
API_SERVICES = ('nova-osapi_compute', 'nova-metadata')
MAX_SERVICE_ID = 2 ** 31 - 1
COMPUTE = servicegroup.COMPUTE_BINARY


def _detail(conf, version, service, down_time, now, with_forced_down,
            zone):
    return views.service_detail(
        service, version,
        servicegroup.service_is_up(service, down_time, now),
        zone, with_forced_down)


def _all_services(ctx, conf, version):
    """(services, minimal records of failed cells) over every cell."""
    mappings = common.cell_mappings(ctx, conf)
    results = cells.scatter_gather(ctx, mappings,
                                   service_obj.ServiceList.get_all,
                                   conf=conf)
    services = []
    minimal = []
    for cell in mappings:
        uuid = cells.cell_uuid(cell)
        result = results.get(uuid, cells.DID_NOT_RESPOND)
        if not cells.down_or_raise(result):
            services.extend(result)
            continue
        if version >= (2, 69):
            LOG.warning('Cell %s is not responding and hence only partial '
                        'results are available from this cell.', uuid)
            # NOTE: as Nova, a down cell's records take its place in the
            # cell order, among the services of the cells that answered.
            hosts = mapping_objects.HostMappingList.get_by_cell_uuid(ctx,
                                                                     uuid)
            for hm in hosts:
                services.append(views.minimal_service(hm['host']))
        else:
            # NOTE: as Nova, below 2.69 a down cell's services are simply
            # omitted, whatever list_records_by_skipping_down_cells says.
            LOG.warning('Cell %s is not responding and hence skipped from '
                        'the results.', uuid)
    return services, minimal


def index(req):
    ctx, conf, version = common.request_setup(req)
    ctx.can(POLICY % 'list', target={})
    validation.validate_query(req, schema.index_query_for(version))
    services, minimal = _all_services(ctx, conf, version)
    host = req.GET['host'] if 'host' in req.GET else ''
    binary = req.GET['binary'] if 'binary' in req.GET else ''
    down_time = servicegroup.service_down_time(conf)
    now = timeutils.utcnow()
    with_forced_down = version >= (2, 11)
    shown = [service for service in services + minimal
             if service['binary'] not in API_SERVICES and
             (not host or service['host'] == host) and
             (not binary or service['binary'] == binary)]
    full = [service for service in shown if 'id' in service]
    zones = dict(zip([id(s) for s in full],
                     aggregate.AggregateList.service_zones(ctx, conf, full)))
    result = []
    for service in shown:
        if 'id' not in service:
            result.append(service)
        else:
            result.append(_detail(conf, version, service, down_time, now,
                                  with_forced_down, zones[id(service)]))
    return wsgi_util.json_response(req, {'services': result})


def _find_service(ctx, conf, predicate_fn, *args):
    """[(cell mapping, service row)] found by ``predicate_fn`` in cells."""
    mappings = common.cell_mappings(ctx, conf)
    results = cells.scatter_gather(ctx, mappings, predicate_fn, *args,
                                   conf=conf)
    found = []
    for cell in mappings:
        result = results.get(cells.cell_uuid(cell), cells.DID_NOT_RESPOND)
        if cells.down_or_raise(result) or not result:
            continue
        found.append((cell, result))
    return found


def _by_uuid(cctx, uuid):
    try:
        return service_obj.Service.get_by_uuid(cctx, uuid)
    except exception.ServiceNotFound:
        return None


def _by_id(cctx, service_id):
    try:
        return service_obj.Service.get_by_id(cctx, service_id)
    except exception.ServiceNotFound:
        return None


def _not_compute(binary):
    return webob.exc.HTTPBadRequest(
        explanation='Updating a %s service is not supported. Only '
                    'nova-compute services can be updated.' % binary)


def update(req):
    ctx, conf, version = common.request_setup(req)
    body = validation.validate_body(req, schema.update_schema_for(version))
    service_id = req.urlvars['service_id']
    if version >= (2, 53):
        return _update_v253(req, ctx, conf, version, service_id, body)
    ctx.can(POLICY % 'update', target={})
    actions = {'enable': _enable, 'disable': _disable,
               'disable-log-reason': _disable_log_reason}
    if version >= (2, 11):
        actions['force-down'] = _forced_down
    action = actions.get(service_id)
    if action is None:
        raise webob.exc.HTTPNotFound(explanation='Unknown action')
    result = action(ctx, conf, body)
    return wsgi_util.json_response(req, result)


def _enable(ctx, conf, body):
    _update_by_host(ctx, conf, body['host'], body['binary'],
                    {'disabled': False, 'disabled_reason': None})
    return views.action_result(body['host'], body['binary'],
                               status='enabled')


def _disable(ctx, conf, body, reason=None):
    _update_by_host(ctx, conf, body['host'], body['binary'],
                    {'disabled': True, 'disabled_reason': reason})
    return views.action_result(body['host'], body['binary'],
                               status='disabled', disabled_reason=reason)


def _disable_log_reason(ctx, conf, body):
    if 'disabled_reason' not in body:
        raise webob.exc.HTTPBadRequest(
            explanation='Missing disabled reason field')
    return _disable(ctx, conf, body, body['disabled_reason'])


def _forced_down(ctx, conf, body):
    if 'forced_down' not in body:
        raise webob.exc.HTTPBadRequest(
            explanation='Missing forced_down field')
    forced_down = strutils.bool_from_string(body['forced_down'])
    if body['binary'] == COMPUTE and forced_down is False:
        try:
            mapping = mapping_objects.HostMapping.get_by_host(ctx,
                                                              body['host'])
        except exception.HostMappingNotFound:
            # NOTE: Nova asks the database of its own [database] section
            # here; an unmapped host has no cell to ask, and the update
            # below answers 404.
            mapping = None
        if mapping is not None:
            _check_for_evacuations(ctx, conf, mapping['cell_mapping'],
                                   body['host'])
    _update_by_host(ctx, conf, body['host'], body['binary'],
                    {'forced_down': forced_down})
    return views.action_result(body['host'], body['binary'],
                               forced_down=forced_down)


def _check_for_evacuations(ctx, conf, cell, host):
    """400 when ``done`` evacuations from ``host`` remain (Nova's check).

    NOTE: Nova answers 400 (a 409 awaits a new microversion there).
    """
    done = common.in_cell(
        ctx, conf, cell, migration.MigrationList.done_evacuations_from_host,
        host)
    if done:
        raise webob.exc.HTTPBadRequest(
            explanation='Unable to force up host %s as `done` evacuation '
                        'migration records remain associated with the '
                        'host. Ensure the compute service has been '
                        'restarted, allowing these records to move to '
                        '`completed` before retrying this request.' % host)


def _assert_no_in_progress_migrations(ctx, conf, cell, service):
    """409 when moves from or to the service's host are unfinished."""
    moves = common.in_cell(ctx, conf, cell,
                           migration.MigrationList.in_progress_by_host,
                           service['host'])
    if moves:
        LOG.info('Unable to delete compute service with id %s for host %s. '
                 'There are %i in-progress migrations involving the host. '
                 'Migrations (uuid:status): %s', service['id'],
                 service['host'], len(moves),
                 ','.join('%s:%s' % move for move in moves))
        raise webob.exc.HTTPConflict(
            explanation='Unable to delete compute service that has '
                        'in-progress migrations. Complete the migrations '
                        'or delete the instances first.')


def _update_by_host(ctx, conf, host, binary, values):
    if binary != COMPUTE:
        raise _not_compute(binary)
    try:
        mapping = mapping_objects.HostMapping.get_by_host(ctx, host)
    except exception.HostMappingNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    cell = mapping['cell_mapping']

    def apply(cctx):
        try:
            service = service_obj.Service.get_by_host_and_binary(cctx, host,
                                                                 binary)
        except exception.ServiceNotFound:
            return None
        return service_obj.Service.update(cctx, service['id'], values)
    service = common.in_cell(ctx, conf, cell, apply)
    if service is None:
        raise webob.exc.HTTPNotFound(
            explanation='Could not find binary %s on host %s.'
                        % (binary, host))
    return service


def _update_v253(req, ctx, conf, version, service_id, body):
    if not uuidutils.is_uuid_like(service_id):
        raise webob.exc.HTTPBadRequest(
            explanation='Invalid uuid %s' % service_id)
    ctx.can(POLICY % 'update', target={})
    found = _find_service(ctx, conf, _by_uuid, service_id)
    if not found:
        raise exception.ServiceNotFound(service_id=service_id)
    cell, service = found[0]
    if service['binary'] != COMPUTE:
        raise _not_compute(service['binary'])
    body = body or {}
    values = {}
    if 'status' in body:
        if body['status'] == 'enabled':
            if body.get('disabled_reason'):
                raise webob.exc.HTTPBadRequest(
                    explanation="Specifying 'disabled_reason' with status "
                                "'enabled' is invalid.")
            values.update(disabled=False, disabled_reason=None)
        else:
            values.update(disabled=True,
                          disabled_reason=body.get('disabled_reason'))
    if 'forced_down' in body:
        values['forced_down'] = strutils.bool_from_string(
            body['forced_down'], strict=True)
        if values['forced_down'] is False:
            _check_for_evacuations(ctx, conf, cell, service['host'])
    if not values:
        raise webob.exc.HTTPBadRequest(
            explanation="No updates were requested. Fields 'status' or "
                        "'forced_down' should be specified.")
    service = common.in_cell(ctx, conf, cell, service_obj.Service.update,
                             service['id'], values)
    zone, = aggregate.AggregateList.service_zones(ctx, conf, [service])
    detail = _detail(conf, version, service,
                     servicegroup.service_down_time(conf),
                     timeutils.utcnow(), with_forced_down=True, zone=zone)
    return wsgi_util.json_response(req, {'service': detail})


def delete(req):
    ctx, conf, version = common.request_setup(req)
    ctx.can(POLICY % 'delete', target={})
    service_id = req.urlvars['service_id']
    if version >= (2, 53):
        if not uuidutils.is_uuid_like(service_id):
            raise webob.exc.HTTPBadRequest(
                explanation='Invalid uuid %s' % service_id)
        found = _find_service(ctx, conf, _by_uuid, service_id)
    else:
        try:
            number = strutils.validate_integer(service_id, 'id')
        except ValueError as exc:
            raise exception.InvalidInput(reason=str(exc))
        # NOTE: services.id is a 32-bit INT in Nova's schema: a larger
        # number names no service (and SQLite cannot even bind it).
        found = []
        if abs(number) <= MAX_SERVICE_ID:
            found = _find_service(ctx, conf, _by_id, number)
    if not found:
        raise webob.exc.HTTPNotFound(
            explanation='Service %s not found.' % service_id)
    if len(found) > 1:
        raise webob.exc.HTTPBadRequest(
            explanation='Service id %s refers to multiple services.'
                        % service_id)
    cell, service = found[0]
    if service['binary'] == COMPUTE:
        counts = common.in_cell(ctx, conf, cell,
                                instance_list.InstanceList.count_by_hosts,
                                [service['host']])
        if counts.get(service['host']):
            raise webob.exc.HTTPConflict(
                explanation='Unable to delete compute service that is '
                            'hosting instances. Migrate or delete the '
                            'instances first.')
        _assert_no_in_progress_migrations(ctx, conf, cell, service)
        aggregate.remove_host(ctx, service['host'])
        mapping_objects.HostMapping.destroy(ctx, service['host'])
    common.in_cell(ctx, conf, cell, service_obj.Service.destroy, service['id'])
    return wsgi_util.empty_response(req, status=204)
