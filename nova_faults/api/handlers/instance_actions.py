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

"""``GET /servers/{server_id}/os-instance-actions[/{request_id}]``.

Each handler reads like Nova's controller: validate the query, load the
server (through its instance mapping, in its cell), check the policy
against the server's project, load the actions (and events), render.

A request costs a fixed number of queries whatever the number of actions
or events: the instance mapping with its cell (API database), then, in
one call to the server's cell (one read transaction, with the ``[api]
cell_timeout``), the instance and the marker and the page (list) or the
action and its events (show). Policies are checked on the instance
before anything else read is used.

Microversions that matter here (see :mod:`nova_faults.api.microversion`):
2.21 (deleted servers), 2.51 (events for everyone allowed to show), 2.58
(paging, ``changes-since``, ``updated_at``), 2.62 (event ``host`` and
``hostId``), 2.66 (``changes-before``), 2.84 (event ``details``) and 2.102
(show refuses query parameters).
"""

from oslo_utils import uuidutils
import webob.exc

from nova_faults.api.handlers import common
from nova_faults.api.schemas import instance_actions as schema
from nova_faults.api import validation
from nova_faults.api.views import instance_actions as views
from nova_faults.api import wsgi_util
from nova_faults import cells
from nova_faults import exception
from nova_faults.objects import instance as instance_obj
from nova_faults.objects import instance_action
from nova_faults.objects import mappings as mapping_objects
from nova_faults.policies import instance_actions as ia_policies


def load_server(ctx, conf, server_id, version, then=None):
    """(instance, cell mapping) of a server the caller may see, or 404.

    As Nova: a malformed, unknown or not yet scheduled server id is
    "not found"; a non-admin only finds their own project's servers
    (another project's server is a 404, not a 403); from 2.21 a deleted
    server is found too.

    ``then(cell_ctx, instance)``, when given, runs in the same cell call
    and read transaction as the instance lookup (one round trip to the
    cell per request); the result is then ``(instance, cell, its
    result)``. It must not reveal anything before the caller has checked
    the policy on the instance.

    NOTE: our improvement over Nova, which answers an opaque 500: a
    server whose cell does not respond is a 503 saying so.
    """
    if not uuidutils.is_uuid_like(server_id):
        raise exception.InstanceNotFound(instance_id=server_id)
    try:
        mapping = mapping_objects.InstanceMapping.get_by_instance_uuid(
            ctx, server_id)
    except exception.InstanceMappingNotFound:
        raise exception.InstanceNotFound(instance_id=server_id)
    cell = mapping['cell_mapping']
    if cell is None:
        raise exception.InstanceNotFound(instance_id=server_id)
    read_deleted = 'yes' if version >= (2, 21) else 'no'

    def lookup(cctx):
        with cells.reader(cctx):
            instance = instance_obj.Instance.get_by_uuid(
                cctx, server_id, read_deleted=read_deleted)
            if then is None:
                return instance
            try:
                return instance, then(cctx, instance)
            except exception.NovaFaultsException as exc:
                # Raised only after the policy check (see the callers).
                return instance, exc
    result = common.in_cell(ctx, conf, cell, lookup)
    if then is None:
        return result, cell
    return result[0], cell, result[1]


def _result(value):
    """The value of a deferred cell call; raise what it raised."""
    if isinstance(value, Exception):
        raise value
    return value


def _list_filters(query):
    """``changes-since``/``changes-before`` as datetimes; 400 if crossed."""
    filters = {}
    for name in ('changes-since', 'changes-before'):
        if name in query:
            filters[name] = validation.datetime_param(name, query[name][0])
    if 'changes-since' in filters and 'changes-before' in filters and \
            filters['changes-before'] < filters['changes-since']:
        raise webob.exc.HTTPBadRequest(
            explanation='The value of changes-since must be less than or '
                        'equal to changes-before.')
    return filters


def _base_url(req, ctx):
    # NOTE: [api] compute_link_prefix rewrites scheme, host and path
    # prefix.
    return wsgi_util.url_join(wsgi_util.link_prefix(req),
                              common.project_in_url(req, ctx))


def index(req):
    """List a server's actions, newest first."""
    ctx, conf, version = common.request_setup(req)
    query = validation.validate_query(req,
                                      schema.index_query_schema(version))
    server_id = req.urlvars['server_id']
    if version < (2, 58):
        # Before 2.58: every action, no paging (parameters were dropped).
        def load_all(cctx, instance):
            return instance_action.InstanceActionList.get_by_instance_uuid(
                cctx, instance['uuid'])
        instance, cell, actions = load_server(ctx, conf, server_id, version,
                                              then=load_all)
        ctx.can(ia_policies.LIST,
                target={'project_id': instance['project_id']})
        return wsgi_util.json_response(
            req, views.index(_result(actions), version))

    filters = _list_filters(query)
    max_limit = conf.api.max_limit
    limit = max_limit
    if 'limit' in query:
        limit = validation.page_limit(query['limit'][0], max_limit)
    marker = query['marker'][0] if 'marker' in query else None

    def load(cctx, instance):
        # NOTE: an unknown marker is a 400 that names the marker; Nova
        # says "Marker None could not be found.". limit=0 answers an
        # empty page before the marker is looked at, as in Nova.
        return instance_action.InstanceActionList.get_by_instance_uuid(
            cctx, instance['uuid'], limit=limit, marker=marker,
            filters=filters)
    # The instance and the page in one cell call; the policy is checked
    # before anything of the page is used (a bad marker included).
    instance, cell, actions = load_server(ctx, conf, server_id, version,
                                          then=load)
    ctx.can(ia_policies.LIST, target={'project_id': instance['project_id']})
    actions = _result(actions)
    body = views.index(actions, version, page_size=limit,
                       base_url=_base_url(req, ctx), server_id=server_id,
                       params=req.GET.items())
    return wsgi_util.json_response(req, body)


def event_visibility(ctx, target, version):
    """What of the events the caller sees, per Nova's algorithm.

    ``...:events`` passing shows events with tracebacks at every version
    (and ``host`` from 2.62); otherwise events without tracebacks from
    2.51, none before. ``hostId`` from 2.62 for everyone who gets events;
    ``details`` from 2.84 when ``...:events:details`` passes.
    """
    if ctx.can(ia_policies.EVENTS, target=target, fatal=False):
        show_traceback = True
        show_host = version >= (2, 62)
    elif version >= (2, 51):
        show_traceback = show_host = False
    else:
        return views.NO_EVENTS
    show_details = version >= (2, 84) and ctx.can(
        ia_policies.EVENTS_DETAILS, target=target, fatal=False)
    return views.EventVisibility(
        show_events=True, show_traceback=show_traceback,
        show_host=show_host, show_hostid=version >= (2, 62),
        show_details=show_details)


def show(req):
    """Show one action of a server, with the events the caller may see."""
    ctx, conf, version = common.request_setup(req)
    validation.validate_query(req, schema.show_query_schema(version))
    server_id = req.urlvars['server_id']
    request_id = req.urlvars['request_id']

    def load(cctx, instance):
        # NOTE: the events are read with the action (one round trip to
        # the cell); the policies below decide whether they are shown.
        action = instance_action.InstanceAction.get_by_request_id(
            cctx, instance['uuid'], request_id)
        if action is None:
            return action, []
        return action, instance_action.InstanceActionEventList.get_by_action(
            cctx, action['id'])
    instance, cell, loaded = load_server(ctx, conf, server_id, version,
                                         then=load)
    target = {'project_id': instance['project_id']}
    ctx.can(ia_policies.SHOW, target=target)
    visibility = event_visibility(ctx, target, version)
    action, events = _result(loaded)
    if not visibility.show_events:
        events = []
    if action is None:
        raise webob.exc.HTTPNotFound(
            explanation='Action %s not found' % request_id)
    body = views.show(action, events, instance['project_id'], version,
                      visibility)
    return wsgi_util.json_response(req, body)
