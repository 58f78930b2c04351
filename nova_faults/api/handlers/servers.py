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

"""``GET /servers``, ``/servers/detail`` and ``/servers/{server_id}``.

Each handler reads like Nova's controller: validate the query, check the
policy, load the data (one page per cell, merged; then the related rows
of the page in batches), decide what the caller may see, render.

Query parameters follow Nova's ``_get_servers``: options a non-admin may
not use are dropped silently (unless ``...:allow_all_filters`` passes),
joined-table filters and ``_``-prefixed ones are refused, ``status`` is
turned into ``vm_state``/``task_state`` filters, ``all_tenants`` needs
its policy, and a non-admin only ever sees their own project.
"""

import logging

from oslo_utils import timeutils
from oslo_utils import uuidutils
import webob.exc

from nova_faults.api.handlers import common
from nova_faults.api.schemas import servers as schema
from nova_faults.api import server_query
from nova_faults.api import server_states
from nova_faults.api import validation
from nova_faults.api.views import servers as views
from nova_faults.api import wsgi_util
from nova_faults import exception
from nova_faults.objects import aggregate
from nova_faults.objects import instance_list
from nova_faults.objects import mappings as mapping_objects
from nova_faults.objects import request_spec
from nova_faults.objects import security_group
from nova_faults.policies import servers as server_policies
from nova_faults import servicegroup

LOG = logging.getLogger(__name__)

SERVERS = server_policies.SERVERS


def make_links(req):
    """The :class:`views.Links` of a request (link prefix applied)."""
    ctx = wsgi_util.get_context(req)
    project = common.project_in_url(req, ctx)
    app_url = req.application_url
    href_base = wsgi_util.url_join(wsgi_util.link_prefix(req), project)
    head, _sep, last = app_url.rstrip('/').rpartition('/')
    bookmark = wsgi_util.link_prefix(req, head if last.startswith('v')
                                     else app_url)
    bookmark = wsgi_util.url_join(bookmark, project)
    return views.Links(href_base, bookmark, params=req.GET.items())


def _remove_invalid_options(ctx, search_opts, allowed):
    if ctx.can(SERVERS % 'allow_all_filters', fatal=False):
        for key in server_query.PAGING_SORTING_PARAMS:
            search_opts.pop(key, None)
        return
    unknown = [opt for opt in search_opts if opt not in allowed]
    if unknown:
        LOG.debug("Removing options '%s' from query", ', '.join(unknown))
        for opt in unknown:
            search_opts.pop(opt, None)


def host_status_mode(ctx, target=None):
    """None: no host_status; False: any value; True: UNKNOWN only.

    NOTE: Nova's algorithm: ``show:host_status`` first, and only when it
    fails ``show:host_status:unknown-only``.
    """
    if ctx.can(SERVERS % 'show:host_status', target=target, fatal=False):
        return False
    if ctx.can(SERVERS % 'show:host_status:unknown-only', target=target,
               fatal=False):
        return True
    return None


def handle_failed_cells(conf, failed, what='servers'):
    """Skip (logged) or fail for cells that did not answer a list."""
    for cell_uuid in sorted(failed):
        if conf.api.list_records_by_skipping_down_cells:
            LOG.warning('Cell %s is not responding and hence its %s are '
                        'skipped from the results.', cell_uuid, what)
        else:
            raise exception.CellsNotResponding(cell_uuid=cell_uuid)


def _search_options(ctx, version, query):
    """Nova's search_opts from the validated query (last value wins)."""
    search_opts = {name: values[-1] for name, values in query.items()
                   if values}
    _remove_invalid_options(ctx, search_opts,
                            server_query.allowed_search_options(version))
    return search_opts


def _parse_search_options(req, ctx, version, search_opts):
    """Turn the search options into filters, as Nova's ``_get_servers``."""
    server_query.refuse_joined_and_private(
        search_opts, schema.JOINED_TABLE_QUERY_PARAMS_SERVERS)
    server_query.apply_status(search_opts, req.GET.getall('status'),
                              version)
    server_query.apply_changes_since(search_opts)
    server_query.apply_deleted(search_opts, ctx.is_admin)
    server_query.apply_tags_and_locked(search_opts, version)


def _list_context(ctx, detail, search_opts):
    """(context to list with, all_tenants) after the all_tenants policy."""
    all_tenants = server_query.is_all_tenants(search_opts)
    search_opts.pop('all_tenants', None)
    if all_tenants:
        ctx.can(SERVERS % ('detail:get_all_tenants' if detail
                           else 'index:get_all_tenants'))
        return ctx.elevated(), True
    # NOTE: without all_tenants, tenant_id is ignored (lp:#1185290).
    search_opts.pop('tenant_id', None)
    if ctx.project_id:
        search_opts['project_id'] = ctx.project_id
    else:
        search_opts['user_id'] = ctx.user_id
    return ctx, False


def _sort(req, ctx, version):
    sort_keys, sort_dirs = server_query.requested_sort(req.GET)
    ignored = (schema.SERVER_LIST_IGNORE_SORT_KEY_V273 if version >= (2, 73)
               else schema.SERVER_LIST_IGNORE_SORT_KEY)
    sort_keys, sort_dirs = server_query.remove_invalid_sort_keys(
        sort_keys, sort_dirs, ignored, ctx.is_admin)
    return server_query.sort_params(sort_keys, sort_dirs)


def _get_servers(req, detail):
    ctx, conf, version = common.request_setup(req)
    ctx.can(SERVERS % ('detail' if detail else 'index'))
    query = validation.validate_query(req, schema.index_query_for(version))
    search_opts = _search_options(ctx, version, query)
    cell_down_support = server_query.is_cell_down_supported(
        req.GET, version, search_opts)
    try:
        _parse_search_options(req, ctx, version, search_opts)
    except server_query.NoMatch:
        return {'servers': []}
    list_ctx, all_tenants = _list_context(ctx, detail, search_opts)
    limit, marker = server_query.limit_and_marker(req.GET,
                                                  conf.api.max_limit)
    sort_keys, sort_dirs = _sort(req, ctx, version)

    filters = server_query.db_filters(search_opts)
    if not list_ctx.is_admin:
        # NOTE: as Nova's database layer: a non-admin context only ever
        # lists its own project, whatever the filters say.
        if ctx.project_id:
            filters['project_id'] = ctx.project_id
        else:
            filters['user_id'] = ctx.user_id

    mappings = common.cell_mappings(ctx, conf)
    try:
        rows, failed = instance_list.InstanceList.get_page(
            list_ctx, conf, mappings, filters, sort_keys, sort_dirs,
            limit=limit, marker=marker, detail=detail)
    except exception.MarkerNotFound:
        raise webob.exc.HTTPBadRequest(
            explanation='marker [%s] not found' % marker)
    if cell_down_support and failed:
        project = (None if all_tenants else
                   search_opts.get('project_id', ctx.project_id))
        rows = minimal_rows(ctx, mappings, failed, project,
                            limit - len(rows) if limit else limit) + rows
    else:
        handle_failed_cells(conf, failed)

    links = make_links(req)
    if not detail:
        return views.index(rows, links, limit, conf.api.max_limit)
    opts = build_view_options(ctx, conf, version, links, mappings, rows)
    return views.detail(rows, opts, limit, conf.api.max_limit)


class Visibility:
    """What a caller may see of servers, decided once by policy.

    ``target`` is None for the detailed list (the caller's project, as
    Nova: one policy evaluation per request) and the server's project for
    show.
    """

    def __init__(self, ctx, version, target):
        self.show_extra_specs = False
        if version >= (2, 47):
            self.show_extra_specs = ctx.can(
                SERVERS % 'show:flavor-extra-specs', target=target,
                fatal=False)
        self.show_extended_attr = ctx.can(
            server_policies.EXTENDED_ATTRIBUTES, target=target, fatal=False)
        self.host_status_mode = (host_status_mode(ctx, target)
                                 if version >= (2, 16) else None)

    def related(self, version):
        """The related rows the view needs (one query each)."""
        sysmeta_keys = []
        sysmeta_prefix = None
        if version >= (2, 73):
            sysmeta_keys.append('locked_reason')
        if version >= (2, 98):
            sysmeta_prefix = 'image_'
        return instance_list.Related(
            faults=True, metadata=True,
            system_metadata=((sysmeta_keys, sysmeta_prefix)
                             if sysmeta_keys or sysmeta_prefix else None),
            tags=version >= (2, 26), bdms=True,
            services=self.host_status_mode is not None)


def fault_uuids(rows):
    """The instances whose fault is shown (ERROR or DELETED)."""
    return [row['uuid'] for row in rows
            if server_states.server_status(row) in views.FAULT_STATUSES]


def _host_statuses(conf, rows, services):
    """host_status of ``rows``; ``services`` keyed by (cell, host)."""
    down_time = servicegroup.service_down_time(conf)
    now = timeutils.utcnow()
    by_cell = {}
    for row in rows:
        by_cell.setdefault(row[instance_list.CELL_KEY], []).append(row)
    statuses = {}
    for cell_uuid, cell_rows in by_cell.items():
        cell_services = {host: svc for (c, host), svc in services.items()
                         if c == cell_uuid}
        statuses.update(servicegroup.host_statuses(
            cell_rows, cell_services, down_time, now))
    return statuses


def view_options(ctx, conf, version, links, rows, visibility, data,
                 specs=None, groups=None, show=False, security_groups=None):
    zones = aggregate.AggregateList.instance_zones(ctx, conf, rows)
    host_statuses = {}
    if visibility.host_status_mode is not None:
        host_statuses = _host_statuses(conf, rows, data['services'])
    return views.ViewOptions(
        version, links, is_admin=ctx.is_admin,
        show_extended_attr=visibility.show_extended_attr,
        show_extra_specs=visibility.show_extra_specs,
        host_status_mode=visibility.host_status_mode,
        faults=data['faults'], metadata=data['metadata'],
        system_metadata=data['system_metadata'], tags=data['tags'],
        bdms=data['bdms'], host_statuses=host_statuses,
        request_specs=specs, server_groups=groups,
        hints_without_spec={} if show else None,
        security_groups=security_groups, availability_zones=zones)


def minimal_rows(ctx, mappings, failed, project, limit):
    """Minimal records (2.69) of the servers of cells that failed.

    From the instance mappings not queued for delete, of ``project``
    (None: every project); they come first in the list, as in Nova.
    """
    rows = []
    for cell in mappings:
        if cell['uuid'] not in failed:
            continue
        LOG.warning('Cell %s is not responding and hence only partial '
                    'results are available from this cell if any.',
                    cell['uuid'])
        # NOTE: as Nova, each down cell may give up to the remaining
        # limit (it is not decreased from one down cell to the next).
        found = mapping_objects.InstanceMappingList.\
            get_not_deleted_by_cell_and_project(ctx, cell['uuid'], project,
                                                limit=limit)
        for mapping in found:
            rows.append(views.minimal_row(mapping))
    return rows


def build_view_options(ctx, conf, version, links, mappings, rows):
    """Decide visibility and load the related rows of a list page."""
    # Neutron is asked while the related rows are read.
    security_groups = security_group.SecurityGroupList.\
        start_names_by_instance(ctx, conf, [row['uuid'] for row in rows])
    rows = [row for row in rows if views.MINIMAL_KEY not in row]
    visibility = Visibility(ctx, version, target=None)
    data, _failed = instance_list.InstanceList.get_related(
        ctx, conf, mappings, rows, visibility.related(version),
        fault_uuids=fault_uuids(rows))
    specs = None
    if version >= (2, 96):
        specs = request_spec.RequestSpecList.get_view_fields(
            ctx, [row['uuid'] for row in rows])
    return view_options(ctx, conf, version, links, rows, visibility, data,
                        specs=specs, security_groups=security_groups())


def get_instance(ctx, conf, server_id, mappings, version):
    """A server the caller may see, or 404; with what its view needs.

    Returns ``(row, visibility, related data, groups)``. The instance and
    its related rows are read in one call to its cell; its server groups
    (2.71) and request spec fields (2.96; then ``groups`` is ``(groups,
    specs)``) with its instance mapping, in one transaction of the API
    database. A non-admin only finds their own project's servers
    (another project's server is "not found", as Nova's database layer
    answers). A server whose cell does not answer is a 503 naming the
    cell.
    """
    if not uuidutils.is_uuid_like(server_id):
        raise exception.InstanceNotFound(instance_id=server_id)
    project_id = None
    if not ctx.is_admin and ctx.user_id and ctx.project_id:
        project_id = ctx.project_id

    def related(conn, row):
        visibility = Visibility(ctx, version,
                                {'project_id': row['project_id']})
        data = instance_list.related_rows(
            conn, row[instance_list.CELL_KEY], [row],
            visibility.related(version), fault_uuids([row]))
        return visibility, data

    def groups(api_conn):
        if version < (2, 71):
            return None
        return request_spec.InstanceGroupList.read(
            api_conn, [server_id], with_specs=version >= (2, 96))
    row, _cell, (visibility, data), groups = \
        instance_list.InstanceList.get_one(
            ctx, conf, server_id, mappings, project_id=project_id,
            then=related, with_mapping=groups)
    return row, visibility, data, groups


def index(req):
    return wsgi_util.json_response(req, _get_servers(req, detail=False))


def detail(req):
    return wsgi_util.json_response(req, _get_servers(req, detail=True))


def show(req):
    ctx, conf, version = common.request_setup(req)
    validation.validate_query(req, schema.show_query_for(version))
    server_id = req.urlvars['server_id']
    security_groups = None      # get_instance: 404 for what is not a UUID
    if uuidutils.is_uuid_like(server_id):
        # Neutron is asked while the server is read (and its answer left
        # unread if the server is not found or not the caller's).
        security_groups = security_group.SecurityGroupList.\
            start_names_by_instance(ctx, conf, [server_id])
    mappings = common.cell_mappings(ctx, conf)
    try:
        row, visibility, data, groups = get_instance(
            ctx, conf, server_id, mappings, version)
    except exception.CellUnavailable:
        if version < (2, 69):
            raise
        return _show_from_down_cell(req, ctx, version, server_id)
    ctx.can(SERVERS % 'show', target={'project_id': row['project_id']})
    specs = None
    if version >= (2, 96):
        groups, specs = groups
    opts = view_options(ctx, conf, version, make_links(req), [row],
                        visibility, data, specs=specs, groups=groups,
                        show=True, security_groups=security_groups())
    return wsgi_util.json_response(req, {'server': views.show(row, opts)})


def _show_from_down_cell(req, ctx, version, server_id):
    """The 2.69 minimal construct of a server whose cell did not answer.

    404 when the server is queued for delete, has no request spec, or
    (for a non-admin) belongs to another project.
    """
    not_found = exception.InstanceNotFound(instance_id=server_id)
    mapping = mapping_objects.InstanceMapping.get_by_instance_uuid(
        ctx, server_id)
    if mapping.get('queued_for_delete'):
        raise not_found
    if not ctx.is_admin and ctx.project_id and \
            mapping['project_id'] != ctx.project_id:
        raise not_found
    try:
        spec = request_spec.RequestSpec.get_fields_by_instance_uuid(
            ctx, server_id)
    except exception.RequestSpecNotFound:
        raise not_found
    target = {'project_id': mapping['project_id']}
    ctx.can(SERVERS % 'show', target=target)
    show_extra_specs = ctx.can(SERVERS % 'show:flavor-extra-specs',
                               target=target, fatal=False)
    groups = None
    if version >= (2, 71):
        groups = request_spec.InstanceGroupList.get_uuids_by_instance_uuids(
            ctx, [server_id]).get(server_id, [])
    server = views.minimal_show(mapping, spec, version, make_links(req),
                                show_extra_specs, server_groups=groups)
    return wsgi_util.json_response(req, {'server': server})
