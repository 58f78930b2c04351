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

"""The query parameters of ``GET /servers`` and ``/servers/detail``.

Pure functions, following Nova's ``_get_servers``: which options a
microversion allows, how ``status``, ``changes-since``/``changes-before``,
``deleted``, the tag filters and ``locked`` become database filters, and
the sort keys, limit and marker. Policy decisions stay in the handler,
which passes their outcome in.
"""

from oslo_utils import strutils
import webob.exc

from nova_faults.api import server_states
from nova_faults.api import validation
from nova_faults import exception

TAG_SEARCH_FILTERS = ('tags', 'tags-any', 'not-tags', 'not-tags-any')
PAGING_SORTING_PARAMS = ('sort_key', 'sort_dir', 'limit', 'marker')
# NOTE: the query options Nova maps to other filter names.
_FILTER_MAPPING = {'image': 'image_ref', 'name': 'display_name',
                   'tenant_id': 'project_id'}


class NoMatch(Exception):
    """The filters can match no server: the answer is an empty list."""


def allowed_search_options(version):
    """The options a caller without ``allow_all_filters`` may use."""
    # NOTE: all_tenants is in the list, as in Nova, but needs its policy.
    opts = ['reservation_id', 'name', 'status', 'image', 'flavor', 'ip',
            'changes-since', 'all_tenants']
    if version >= (2, 5):
        opts.append('ip6')
    if version >= (2, 26):
        opts.extend(TAG_SEARCH_FILTERS)
    if version >= (2, 66):
        opts.append('changes-before')
    if version >= (2, 73):
        opts.append('locked')
    if version >= (2, 83):
        opts.extend(['availability_zone', 'config_drive', 'key_name',
                     'created_at', 'launched_at', 'terminated_at',
                     'power_state', 'task_state', 'vm_state', 'progress',
                     'user_id'])
    if version >= (2, 90):
        opts.append('hostname')
    return opts


def is_cell_down_supported(params, version, search_opts):
    """Whether down-cell minimal records could be used (2.69)."""
    if version < (2, 69):
        return False
    if any(key in params for key in PAGING_SORTING_PARAMS):
        return False
    return list(search_opts) in (['all_tenants'], [])


def _bool(value):
    try:
        return strutils.bool_from_string(value, strict=True)
    except ValueError as err:
        raise exception.InvalidInput(reason=str(err))


def is_all_tenants(search_opts):
    """Whether ``all_tenants`` asks for every project (400 if garbled)."""
    if 'all_tenants' not in search_opts:
        return False
    value = search_opts['all_tenants']
    if value:
        try:
            return strutils.bool_from_string(value, True)
        except ValueError as err:
            raise exception.InvalidInput(reason=str(err))
    # NOTE: as Nova, an empty all_tenants= enables it.
    return True


def refuse_joined_and_private(search_opts, joined):
    """400 for a joined-table filter or a ``_``-prefixed one, as Nova."""
    for opt in search_opts:
        if opt in joined or opt.startswith('_'):
            raise webob.exc.HTTPBadRequest(
                explanation='Invalid filter field: %s.' % opt)


def apply_status(search_opts, statuses, version):
    """``status`` values become ``vm_state``/``task_state`` filters.

    Raises :class:`NoMatch` for an unknown status before 2.38 (Nova
    answers an empty list), 400 from 2.38.
    """
    search_opts.pop('status', None)
    if not statuses:
        return
    vm_state, task_state = server_states.task_and_vm_state_from_status(
        statuses)
    if not vm_state and not task_state:
        if version >= (2, 38):
            raise webob.exc.HTTPBadRequest(explanation='Invalid status value')
        raise NoMatch()
    search_opts['vm_state'] = vm_state
    # NOTE: a status that is a vm_state's default matches whatever the
    # task_state.
    if 'default' not in task_state:
        search_opts['task_state'] = task_state


def apply_changes_since(search_opts):
    """Parse ``changes-since``/``changes-before``; 400 if they cross."""
    for name in ('changes-since', 'changes-before'):
        if name in search_opts:
            search_opts[name] = validation.datetime_param(
                name, search_opts[name])
    since = search_opts.get('changes-since')
    before = search_opts.get('changes-before')
    if since and before and before < since:
        raise webob.exc.HTTPBadRequest(
            explanation='The value of changes-since must be less than or '
                        'equal to changes-before.')


def apply_deleted(search_opts, is_admin):
    """Nova's ``deleted`` rules (and ``vm_state=deleted``, admin only)."""
    if 'deleted' not in search_opts:
        if 'changes-since' not in search_opts and \
                'changes-before' not in search_opts:
            search_opts['deleted'] = False
    else:
        # NOTE: as Nova, an invalid value lists non-deleted servers.
        search_opts['deleted'] = strutils.bool_from_string(
            search_opts['deleted'], default=False)
    if search_opts.get('vm_state') == ['deleted']:
        if not is_admin:
            raise webob.exc.HTTPForbidden(
                explanation='Only administrators may list deleted '
                            'instances')
        search_opts['deleted'] = True


def apply_tags_and_locked(search_opts, version):
    """Split the tag filters (2.26) and parse ``locked`` strictly."""
    if version >= (2, 26):
        for tag_filter in TAG_SEARCH_FILTERS:
            if tag_filter in search_opts:
                search_opts[tag_filter] = search_opts[tag_filter].split(',')
    if 'locked' in search_opts:
        search_opts['locked'] = _bool(search_opts['locked'])


def requested_sort(params):
    """The ``sort_key``/``sort_dir`` lists (Nova's defaults if absent)."""
    sort_keys = [v.strip() for v in params.getall('sort_key')]
    sort_dirs = [v.strip() for v in params.getall('sort_dir')]
    if not sort_keys:
        sort_keys = ['created_at']
    if not sort_dirs:
        sort_dirs = ['desc']
    return sort_keys, sort_dirs


def remove_invalid_sort_keys(sort_keys, sort_dirs, ignored, is_admin):
    """Drop the ignored keys; 403 for ``host``/``node`` unless admin."""
    for key in list(sort_keys):
        if key in ignored:
            # NOTE: as Nova, an ignored key drops its direction too, when
            # there is one at its position.
            index = sort_keys.index(key)
            if len(sort_dirs) > index:
                sort_dirs.pop(index)
            sort_keys.pop(index)
        elif key in ('host', 'node') and not is_admin:
            raise webob.exc.HTTPForbidden(
                explanation='Only administrators can sort servers by %s'
                            % key)
    return sort_keys, sort_dirs


def sort_params(sort_keys, sort_dirs):
    """Nova's sort keys for an instance list: ``uuid`` appended.

    ``sort_keys``/``sort_dirs`` are what the request asked for after the
    ignored keys are removed (Nova's defaults: ``created_at``, ``desc``).
    Raises ``InvalidInput`` for an unknown direction or more directions
    than keys.
    """
    keys = list(sort_keys or [])
    dirs = list(sort_dirs or [])
    if not keys:
        keys, dirs = ['created_at', 'id'], ['desc', 'desc']
    if 'uuid' not in keys:
        # NOTE: as Nova's InstanceSortContext, uuid (unique in every
        # cell) is appended ascending, so that pages are stable across
        # cells; like Nova the direction is appended even when fewer
        # directions than keys were given.
        keys.append('uuid')
        dirs.append('asc')
    for sort_dir in dirs:
        if sort_dir not in ('asc', 'desc'):
            raise exception.InvalidInput(
                reason="Unknown sort direction, must be 'desc' or 'asc'")
    default_dir = dirs[0] if dirs else 'desc'
    while len(dirs) < len(keys):
        dirs.append(default_dir)
    if len(dirs) > len(keys):
        raise exception.InvalidInput(
            reason='Sort direction size exceeds sort key size')
    return keys, dirs


def db_filters(search_opts):
    """The search options under the filter names of the database layer."""
    filters = {}
    for opt, value in search_opts.items():
        filters[_FILTER_MAPPING.get(opt, opt)] = value
    return filters


def limit_and_marker(params, max_limit):
    """The page size (at most ``max_limit``) and the marker, or None."""
    limit = max_limit
    if 'limit' in params:
        limit = validation.page_limit(params['limit'], max_limit)
    marker = params['marker'] if 'marker' in params else None
    return limit, marker
