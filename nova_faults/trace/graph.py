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

"""Rebuild what happened to a request from the lines that name it.

:func:`follow` runs the scan, parses the matching blocks into
:class:`Record` s and links request IDs together:

* a line whose context is ``[G L ...]`` says local ID ``L`` served global
  request ``G``: asked for ``G``, the tracer gathers every such ``L``;
* a line of request ``A`` that names another request ID ``B`` in its
  message (keystoneauth's ``POST call to network for ... used request id
  B``, a ``RESP: [201] ... x-openstack-request-id: B`` line, an exception
  ending in ``(Request-ID: B)``) is a call from ``A`` to ``B``.

IDs are followed downwards only (from a global ID to its local IDs, from a
caller to its callees). The global request and the callers above the asked
ID are reported as its *parents*, not followed: a global ID may span a
whole Heat stack.

Finding a new ID usually costs nothing more: in the ``[G L ...]`` format
every line of ``L`` (its own, and its callers' lines naming it) also
carries ``G``, so they were found by the first pass. Only IDs met in
another way (an old-format service that logs ``[L ...]`` alone, a callee
of a local ID whose request had a global ID) need another pass over the
files.
"""

import datetime
import functools
import re

from nova_faults.trace import _struct
from nova_faults.trace import parser
from nova_faults.trace import scan as scan_mod
from nova_faults.trace import sources as sources_mod


MAX_PASSES = 5
MAX_IDS = 1000
_INSTANCE_RE = re.compile(r'\[instance: ([0-9a-f-]{36})\]')


class Record(_struct.Struct):
    """One log record (a line and its continuation) of the trace.

    ``mentions`` lists the other request IDs the record names, ``call`` its
    parsed keystoneauth call line if it is one, ``http_direction`` says
    whether its ``http_status`` was served or received, ``index`` is its
    position in the trace once sorted.
    """

    __slots__ = ('source', 'file', 'offset', 'service', 'host', 'shape',
                 'time', 'pid', 'level', 'logger', 'global_id', 'local_id',
                 'user_identity', 'instance', 'message', 'line', 'before',
                 'after', 'mentions', 'call', 'http_status',
                 'http_direction', 'http_method', 'http_path', 'index')
    _defaults = {'http_direction': None, 'http_method': None,
                 'http_path': None, 'index': -1}

    @property
    def is_error(self):
        return self.level in parser.ERROR_LEVELS

    @property
    def lines(self):
        return self.before + [self.line] + self.after


class Call(_struct.Struct):
    """A request ID (or a client, ``caller`` None) naming another."""

    __slots__ = ('caller', 'callee', 'record', 'method', 'service_type',
                 'url')
    _defaults = {'method': None, 'service_type': None, 'url': None}


class Group(_struct.Struct):
    """The records of one service on one host."""

    __slots__ = ('service', 'host', 'records', 'files')


class Trace(_struct.Struct):
    """Everything found about one request.

    ``ids`` maps each request ID to a dict (roles, services, global_ids,
    records); ``parents`` lists dicts (id, relations); ``memberships`` the
    (global ID, local ID) pairs; ``statuses`` the records with an HTTP
    status; ``records_found`` counts records before since/until.
    """

    __slots__ = ('request_id', 'records', 'groups', 'ids', 'parents',
                 'memberships', 'calls', 'first_error', 'statuses', 'passes',
                 'files_scanned', 'bytes_scanned', 'since', 'until',
                 'records_found')
    _defaults = {'since': None, 'until': None, 'records_found': 0}


def _decode(data):
    return data.decode('utf-8', 'replace')


def make_record(block, source):
    """Parse a scan :class:`~nova_faults.trace.scan.Block` (a Record)."""
    text = _decode(block.line)
    parsed = parser.parse_line(text, year=source.year)
    ctx = parsed.context
    global_id = ctx.global_id if ctx else None
    local_id = ctx.local_id if ctx else None
    after = [_decode(x) for x in block.after]
    before = [_decode(x) for x in block.before]
    own = {global_id, local_id}
    mentions = [rid for rid in parser.request_ids(
        '\n'.join([parsed.message] + after)) if rid not in own]
    service = _service(parsed, source)
    host = parsed.host or source.host
    status = direction = method = path = None
    found = parser.http_status_and_direction(parsed.message)
    if found is not None:
        status, direction = found
        req = parser.http_request(parsed.message)
        if req is None:
            for prior in reversed(before):
                req = parser.http_request(prior)
                if req:
                    break
        if req:
            method, path = req
    m = _INSTANCE_RE.search(parsed.message)
    return Record(
        source=block.source, file=source.path, offset=block.offset,
        service=service, host=host, shape=parsed.shape, time=parsed.time,
        pid=parsed.pid, level=parsed.level, logger=parsed.logger,
        global_id=global_id, local_id=local_id,
        user_identity=ctx.user_identity if ctx else '',
        instance=m.group(1) if m else None, message=parsed.message,
        line=text, before=before, after=after, mentions=mentions,
        call=parser.ksa_call(parsed.message), http_status=status,
        http_direction=direction, http_method=method, http_path=path)


def _service(parsed, source):
    if parsed.shape in ('client', 'plain'):
        # NOTE: whatever the file is called, --debug output is a client's.
        return 'client'
    if parsed.program:
        name = parsed.program
        name = sources_mod.DEVSTACK_NAMES.get(name, name)
        if name.split('-')[0] in sources_mod.PROJECTS:
            return name
    if source.service:
        return source.service
    if parsed.logger:
        top = parsed.logger.split('.')[0]
        if top in sources_mod.PROJECTS:
            return top
    return parsed.program or 'unknown'


def _sort_key(record):
    # NOTE: client --debug output has no timestamps; its lines go first, in
    # file order (the client asked before any service answered).
    return (record.time or datetime.datetime.min, record.source,
            record.offset)


def follow(request_id, srcs, jobs=None, progress=None, on_error=None,
           max_passes=MAX_PASSES, since=None, until=None):
    """Find and link every record of ``request_id`` in ``srcs``.

    :param progress: ``progress(pass_number, nbytes)``, called as files are
        read
    :returns: a :class:`Trace`; its ``records`` is empty when the ID was not
        found (or not within ``since``/``until``)
    """
    jobs = scan_mod.wanted_jobs(srcs, jobs)
    # One set of worker processes for all the passes.
    pool = scan_mod.make_pool(jobs) if jobs > 1 else None
    try:
        return _follow(request_id, srcs, jobs, pool, progress, on_error,
                       max_passes, since, until)
    finally:
        if pool is not None:
            pool.terminate()


def _follow(request_id, srcs, jobs, workers, progress, on_error, max_passes,
            since, until):
    interest = {request_id}
    searched = set()        # IDs whose every line has been read
    by_position = {}        # the records of the trace
    spare = {}              # records of a parent global, not (yet) ours
    passes = 0
    while passes < max_passes:
        todo = interest - searched
        if not todo:
            break
        passes += 1
        # NOTE: a service calls another with its own global ID (or its
        # local ID when it has none) as X-Openstack-Request-Id, so a
        # callee's lines carry the global ID of its caller. When the IDs
        # left to find hang below a global ID, one pass for that ID finds
        # them all, where one needle per ID would cost a search each.
        above = _globals_above(by_position.values(), interest) - searched
        if passes > 1 and above:
            needles, target = above, spare
        else:
            needles, target = todo, by_position
        report = None
        if progress is not None:
            report = functools.partial(progress, passes)
        for block in scan_mod.scan(srcs, needles, jobs=jobs, pool=workers,
                                   progress=report, on_error=on_error):
            key = (block.source, block.offset)
            if key not in by_position and key not in spare:
                target[key] = make_record(block, srcs[block.source])
        searched |= needles
        on_error = None             # report unreadable files only once
        while True:
            moved = [k for k, r in spare.items() if _relevant(r, interest)]
            for key in moved:
                by_position[key] = spare.pop(key)
            found, covered = _discover(by_position.values(), interest,
                                       searched)
            new = found - interest
            if len(interest) + len(new) > MAX_IDS:
                new = set(sorted(new)[:max(0, MAX_IDS - len(interest))])
            interest |= new
            # NOTE: every line of a covered ID also names an ID already
            # searched (see the module docstring): no pass is needed for it.
            searched |= covered & interest
            if not moved and not new:
                break
    records = sorted(by_position.values(), key=_sort_key)
    found = len(records)
    if since is not None or until is not None:
        records = [r for r in records if _within(r.time, since, until)]
    trace = _build(request_id, records, interest, passes, srcs, since,
                   until)
    trace.records_found = found
    return trace


def _within(time, since, until):
    if time is None:
        return True
    if since is not None and time < since:
        return False
    if until is not None and time > until:
        return False
    return True


def _discover(records, interest, searched):
    """IDs reachable downwards from ``interest``, and the covered ones.

    An ID is covered when its records name a global ID already searched:
    all its lines were found with that global ID.
    """
    found = set()
    covered = set()
    for r in records:
        if r.global_id in interest and r.local_id:
            found.add(r.local_id)
        if r.global_id in searched and r.local_id:
            covered.add(r.local_id)
        if r.local_id is not None and r.local_id in interest:
            found.update(r.mentions)
    return found, covered


def _globals_above(records, interest):
    """Global IDs of the records of ``interest`` that are not ours."""
    return {r.global_id for r in records
            if r.local_id in interest and r.global_id
            and r.global_id not in interest}


def _relevant(record, interest):
    """Whether a record found through a parent global ID is ours."""
    return (record.local_id in interest
            or any(m in interest for m in record.mentions))


def _info(ids, rid):
    return ids.setdefault(rid, {
        'roles': set(), 'services': [], 'global_ids': set(), 'records': 0})


def _collect_ids(records, interest, ids, parents):
    """Fill ``ids`` and ``parents`` from the records; the memberships."""
    memberships = {}
    for r in records:
        if r.local_id:
            entry = _info(ids, r.local_id)
            entry['roles'].add('local')
            entry['records'] += 1
            where = (r.service, r.host)
            if where not in entry['services']:
                entry['services'].append(where)
            if r.global_id:
                entry['global_ids'].add(r.global_id)
        if r.global_id:
            _info(ids, r.global_id)['roles'].add('global')
            if r.local_id != r.global_id:
                _info(ids, r.global_id)['records'] += 1
            if r.local_id and r.global_id != r.local_id:
                memberships.setdefault((r.global_id, r.local_id), r)
            if r.local_id in interest and r.global_id not in interest:
                parents.setdefault(r.global_id, set()).add('global')
    return memberships


def _collect_calls(records, interest, parents):
    """The calls between requests, keyed by (caller, callee, source)."""
    calls = {}
    for r in records:
        caller = r.local_id
        if caller is None and r.shape not in ('client', 'plain'):
            continue                # an oslo line outside any request
        for callee in r.mentions:
            if callee == caller or callee == r.global_id:
                continue
            key = (caller, callee, r.source if caller is None else None)
            call = calls.get(key)
            ksa = r.call if r.call and r.call['request_id'] == callee else None
            if call is None:
                call = calls[key] = Call(caller, callee, r)
            if ksa and call.method is None:
                call.method = ksa['method']
                call.service_type = ksa['service_type']
                call.url = ksa['url']
            if (callee in interest and caller is not None
                    and caller not in interest):
                parents.setdefault(caller, set()).add('caller')
    return calls


def _groups(records):
    """The records grouped by (service, host), in order of appearance."""
    groups = {}
    for r in records:
        group = groups.get((r.service, r.host))
        if group is None:
            group = groups[(r.service, r.host)] = Group(
                r.service, r.host, [], [])
        group.records.append(r)
        if r.file not in group.files:
            group.files.append(r.file)
    return groups


def _build(request_id, records, interest, passes, srcs, since, until):
    for i, r in enumerate(records):
        r.index = i
    ids = {}
    _info(ids, request_id)['roles'].add('queried')
    parents = {}
    memberships = _collect_ids(records, interest, ids, parents)
    calls = _collect_calls(records, interest, parents)
    nodes = interest | set(parents)
    calls = [c for c in calls.values()
             if c.callee in nodes and (c.caller is None or c.caller in nodes)]
    for call in calls:
        _info(ids, call.callee)['roles'].add('callee')
    for rid in list(ids):
        if rid not in nodes:
            del ids[rid]
    for rid in parents:
        _info(ids, rid)['roles'].add('parent')
    memberships = [k for k in memberships if k[1] in interest]
    groups = _groups(records)
    errors = [r for r in records if r.is_error]
    timed_errors = [r for r in errors if r.time is not None]
    first_error = (timed_errors or errors or [None])[0]
    return Trace(
        request_id=request_id, records=records,
        groups=list(groups.values()), ids=ids,
        parents=[{'id': rid, 'relations': sorted(rels)}
                 for rid, rels in sorted(parents.items())],
        memberships=memberships,
        calls=sorted(calls, key=lambda c: c.record.index),
        first_error=first_error,
        statuses=[r for r in records if r.http_status is not None],
        passes=passes, files_scanned=len(srcs),
        bytes_scanned=sum(s.size for s in srcs), since=since, until=until)
