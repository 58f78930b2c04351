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

"""Listing instances across cells: sorted pages merged, related rows batched.

Each cell is asked, concurrently, for at most ``limit`` rows strictly
after the marker in the requested order; the per-cell pages, each sorted
by the database, are merged in Python (a k-way merge on the same order)
and cut at ``limit``. The sort always ends with ``uuid`` (unique across
cells) so pages are stable whatever the cells hold, and NULLs sort as the
smallest values on every database backend (see
:mod:`nova_faults.db.servers`).

After the merge, the rows a page needs besides the instances (faults,
metadata, tags, block devices, compute services) are loaded with one
query per kind and per cell, only for the instances on the page.

The reads are the class methods of :class:`InstanceList`; the pure
merge (:func:`merge_sorted`, :class:`SortKey`) is reusable by other lists.
"""

import heapq
import logging
import re

from nova_faults import cells
from nova_faults.db import api as db_api
from nova_faults.db import faults as db_faults
from nova_faults.db import mappings as db_mappings
from nova_faults.db import servers as db_servers
from nova_faults.db import services as db_services
from nova_faults import exception
from nova_faults import network_info

LOG = logging.getLogger(__name__)

CELL_KEY = '_cell_uuid'


class SortKey:
    """Orders rows by ``keys``/``dirs``; None is the smallest value."""

    __slots__ = ('values', 'descs')

    def __init__(self, values, descs):
        self.values = values
        self.descs = descs

    def __lt__(self, other):
        for a, b, desc in zip(self.values, other.values, self.descs):
            if a == b:
                continue
            if a is None:
                less = True
            elif b is None:
                less = False
            else:
                less = a < b
            return less != desc
        return False


def sort_key_function(sort_keys, sort_dirs):
    descs = tuple(d == 'desc' for d in sort_dirs)
    keys = tuple(sort_keys)

    def key(row):
        return SortKey(tuple(row[k] for k in keys), descs)
    return key


def merge_sorted(pages, sort_keys, sort_dirs, limit=None):
    """Merge already sorted ``pages`` (lists of mappings) into one list.

    The pages must be sorted by ``sort_keys``/``sort_dirs`` with None as
    the smallest value; at most ``limit`` rows are returned.
    """
    merged = heapq.merge(
        *pages, key=sort_key_function(sort_keys, sort_dirs))
    if limit is None:
        return list(merged)
    result = []
    for row in merged:
        if len(result) >= limit:
            break
        result.append(row)
    return result


def _known_cell(cell_mappings, cell):
    for known in cell_mappings or ():
        if known['uuid'] == cell['uuid']:
            return known
    return cell


def _nothing_else(conn):
    return None


def _mapped_cell(ctx, cell_mappings, instance_uuid, not_found,
                 with_mapping=_nothing_else):
    """(cell mapping of an instance, ``with_mapping(conn)``).

    ``with_mapping`` runs in the mapping's transaction. Raises
    ``not_found`` when the instance is not mapped to a cell.
    """
    try:
        mapping, extra = db_mappings.instance_mapping_get_by_instance_uuid(
            ctx, instance_uuid, then=with_mapping)
    except exception.InstanceMappingNotFound:
        raise not_found
    cell = mapping.get('cell_mapping')
    if not cell:
        raise not_found
    return _known_cell(cell_mappings, cell), extra


def marker_values(ctx, conf, cell_mappings, marker, sort_keys):
    """The sort key values of the marker instance.

    Any project, any deleted state; found through its instance mapping.

    Raises ``MarkerNotFound``; ``CellUnavailable`` when its cell fails.
    """
    cell, _extra = _mapped_cell(ctx, cell_mappings, marker,
                                exception.MarkerNotFound(marker=marker))

    def lookup(cctx):
        with db_api.cell_reader(cctx) as conn:
            return db_servers.instance_get(conn, marker, read_deleted='yes',
                                           detail=False)
    try:
        result = cells.run_in_cell(ctx, conf, cell, lookup)
    except exception.CellUnavailable:
        # NOTE: Nova answers an opaque 500 here (the marker lookup hits the
        # dead database); a 503 that says why is our improvement.
        raise exception.MarkerCellUnavailable(marker=marker,
                                              cell_uuid=cell['uuid'])
    if result is None:
        raise exception.MarkerNotFound(marker=marker)
    return {key: result[key] for key in sort_keys}


def _ip_matcher(filters):
    ip4 = filters.get('ip')
    ip6 = filters.get('ip6')
    if ip4 is None and ip6 is None:
        return None
    # NOTE: as Nova without Neutron substring filtering: a regular
    # expression matched at the start of the fixed addresses.
    ipv4_f = re.compile(str(ip4))
    ipv6_f = re.compile(str(ip6))

    def match(row):
        vifs = network_info.load_json(row.get('info_cache')) or []
        for vif in vifs if isinstance(vifs, list) else []:
            for subnet in (vif.get('network') or {}).get('subnets') or []:
                for ip in subnet.get('ips') or []:
                    address = ip.get('address')
                    if not address:
                        continue
                    version = network_info.ip_version(ip)
                    if ((version == 4 and ipv4_f.match(address)) or
                            (version == 6 and ipv6_f.match(address))):
                        return True
        return False
    return match


class Related:
    """What to load besides the instances rows, for a page of servers."""

    def __init__(self, faults=True, metadata=True, system_metadata=None,
                 tags=False, bdms=True, services=False):
        self.faults = faults
        self.metadata = metadata
        # None: nothing; else (keys, prefix) to load.
        self.system_metadata = system_metadata
        self.tags = tags
        self.bdms = bdms
        self.services = services


def related_rows(conn, cell_uuid, rows, related, fault_uuids=None):
    """The related rows of ``rows`` (all in one cell) on ``conn``.

    One query per kind. Returns ``{kind: {uuid: ...}}``; ``services`` is
    keyed by (cell uuid, host).
    """
    uuids = [row['uuid'] for row in rows]
    out = {'faults': {}, 'metadata': {}, 'system_metadata': {}, 'tags': {},
           'bdms': {}, 'services': {}}
    if related.faults:
        if fault_uuids is None:
            wanted = uuids
        else:
            shown = set(fault_uuids)
            wanted = [u for u in uuids if u in shown]
        out['faults'] = db_faults.latest_faults(conn, wanted)
    if related.metadata:
        out['metadata'] = db_servers.metadata(conn, uuids)
    if related.system_metadata is not None:
        keys, prefix = related.system_metadata
        out['system_metadata'] = db_servers.system_metadata(
            conn, uuids, keys=keys, prefix=prefix)
    if related.tags:
        out['tags'] = db_servers.tags(conn, uuids)
    if related.bdms:
        out['bdms'] = db_servers.volume_bdms(conn, uuids)
    if related.services:
        hosts = {row['host'] for row in rows
                 if row['host'] and not row['deleted']}
        out['services'] = {
            (cell_uuid, host): service for host, service in
            db_services.compute_services(conn, hosts).items()}
    return out


def _with_cell_uuid(fn):
    """Adapt ``fn(cell_ctx, cell_uuid)`` for :func:`cells.scatter_gather`."""
    def call(cctx):
        return fn(cctx, cells.cell_uuid(cctx.cell_mapping))
    return call


class InstanceList:
    """The reads of the server lists and of one server with its view data."""

    @classmethod
    def get_page(cls, ctx, conf, cell_mappings, filters, sort_keys,
                 sort_dirs, limit=None, marker=None, detail=True):
        """A merged, sorted page of instance rows from ``cell_mappings``.

        Returns ``(rows, failed_cells)``: rows are dicts with the instance
        columns (and, for ``detail``, the info cache and flavor JSON), each
        carrying its cell uuid under :data:`CELL_KEY`; ``failed_cells``
        maps the uuid of every cell that failed or did not answer in time
        to its result (an exception or ``cells.DID_NOT_RESPOND``). The
        caller decides whether to skip them or fail.
        """
        marker_row = None
        if marker is not None:
            marker_row = marker_values(ctx, conf, cell_mappings, marker,
                                       sort_keys)
        ip_match = _ip_matcher(filters)
        db_limit = None if ip_match else limit
        with_blobs = detail or ip_match is not None

        def page(cctx):
            with db_api.cell_reader(cctx) as conn:
                rows = db_servers.instance_list(
                    conn, filters, sort_keys, sort_dirs, limit=db_limit,
                    marker=marker_row, detail=with_blobs)
            if ip_match is not None:
                rows = [row for row in rows if ip_match(row)]
                if limit is not None:
                    rows = rows[:limit]
            return rows

        if limit == 0:
            return [], {}
        results = cells.scatter_gather(ctx, cell_mappings, page, conf=conf)
        pages = []
        failed = {}
        for cell_uuid, result in results.items():
            # A failure that is not the cell's (bad input, a bug) is
            # raised.
            if cells.down_or_raise(result):
                failed[cell_uuid] = result
                continue
            rows = []
            for row in result:
                row = dict(row)
                row[CELL_KEY] = cell_uuid
                rows.append(row)
            pages.append(rows)
        return merge_sorted(pages, sort_keys, sort_dirs, limit), failed

    @classmethod
    def get_related(cls, ctx, conf, cell_mappings, rows, related,
                    fault_uuids=None):
        """Load the rows related to ``rows`` (one query per kind and cell).

        Returns ``(data, failed)`` where ``data`` is a dict with
        ``faults``, ``metadata``, ``system_metadata``, ``tags``, ``bdms``
        (each keyed by instance uuid) and ``services`` (nova-compute rows
        keyed by (cell uuid, host)); a cell that fails is logged and its
        data left out, as Nova does for faults and block devices of a
        list. ``fault_uuids`` restricts the fault query to those instances
        (the ones in ERROR or DELETED).
        """
        by_cell = {}
        for row in rows:
            by_cell.setdefault(row[CELL_KEY], []).append(row)
        targets = [cell for cell in cell_mappings if cell['uuid'] in by_cell]
        fault_uuids = set(fault_uuids) if fault_uuids is not None else None

        def load(cctx, cell_uuid):
            with db_api.cell_reader(cctx) as conn:
                return related_rows(conn, cell_uuid, by_cell[cell_uuid],
                                    related, fault_uuids)

        data = {'faults': {}, 'metadata': {}, 'system_metadata': {},
                'tags': {}, 'bdms': {}, 'services': {}}
        failed = {}
        if not targets:
            return data, failed
        results = cells.scatter_gather(ctx, targets, _with_cell_uuid(load),
                                       conf=conf)
        for cell_uuid, result in results.items():
            if cells.down_or_raise(result):
                LOG.warning('Failed to load the details of servers of cell '
                            '%s; they are shown without them.', cell_uuid)
                failed[cell_uuid] = result
                continue
            for kind, values in result.items():
                data[kind].update(values)
        return data, failed

    @classmethod
    def get_one(cls, ctx, conf, instance_uuid, cell_mappings=None,
                project_id=None, then=None, with_mapping=None):
        """One instance row (any columns the views need) and its cell.

        Found through its instance mapping; ``project_id`` scopes the
        lookup (another project's instance is "not found", as Nova's
        database layer answers). ``then(conn, row)``, when given, runs on
        the same connection and transaction as the lookup (one round
        trip to the cell) for a row that was found; the result is then
        ``(row, cell, its result)``, else ``(row, cell)``.
        ``with_mapping(conn)``, when given, runs in the API database
        transaction that reads the instance mapping (the request's other
        API database reads); its result is added last. Raises
        ``InstanceNotFound``; ``CellUnavailable`` (503, naming the cell)
        when the cell does not answer.
        """
        not_found = exception.InstanceNotFound(instance_id=instance_uuid)
        cell, api_result = _mapped_cell(
            ctx, cell_mappings, instance_uuid, not_found,
            with_mapping or _nothing_else)
        api_result = () if with_mapping is None else (api_result,)

        def lookup(cctx):
            with db_api.cell_reader(cctx) as conn:
                row = db_servers.instance_get(
                    conn, instance_uuid, read_deleted=ctx.read_deleted,
                    project_id=project_id)
                if row is None:
                    return None, None
                row = dict(row)
                row[CELL_KEY] = cell['uuid']
                return row, then(conn, row) if then is not None else None
        row, extra = cells.run_in_cell(ctx, conf, cell, lookup)
        if row is None:
            raise not_found
        if then is None:
            return (row, cell) + api_result
        return (row, cell, extra) + api_result

    @classmethod
    def count_by_hosts(cls, ctx, hosts):
        """``{host: number of live instances}`` in the context's cell."""
        return db_services.instance_count_by_hosts(ctx, hosts)
