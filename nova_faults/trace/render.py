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

"""Show a :class:`~nova_faults.trace.graph.Trace`: tree, JSON or DOT.

``tree`` (the default) is for people: a summary (first error, HTTP
statuses), the call graph, then every record grouped by service and host
in time order. ``json`` is for programs; its structure is versioned by
``format_version`` and documented in ``doc/source/user/trace.rst``:
fields may be added, never renamed or removed without a new version.
``dot`` is a Graphviz digraph of the request IDs and the calls between
them (``nova-faults-trace ID --format dot | dot -Tsvg > trace.svg``).
"""

import json
import re

from nova_faults.trace import parser


JSON_FORMAT_VERSION = 1

_RESET = '\033[0m'
_STYLES = {
    'bold': '\033[1m', 'dim': '\033[2m', 'red': '\033[31m',
    'error': '\033[1;31m', 'yellow': '\033[33m', 'green': '\033[32m',
    'cyan': '\033[36m', 'header': '\033[1;36m',
}


def format_time(value, sep=' '):
    """Format a time with milliseconds, or microseconds if it has them."""
    if value is None:
        return None
    spec = 'milliseconds' if value.microsecond % 1000 == 0 else (
        'microseconds')
    return value.isoformat(sep=sep, timespec=spec)


def _json_time(value):
    return None if value is None else value.isoformat(
        timespec='microseconds')


def _where(service, host):
    return '%s@%s' % (service, host) if host else service


_SCHEME_AND_HOST_RE = re.compile(r'^[a-zA-Z][\w+.-]*://[^/?#]*')


def _short_url(url):
    """The path and query of a URL."""
    if not url:
        return ''
    return _SCHEME_AND_HOST_RE.sub('', url) or '/'


def _count(number, noun):
    return '%d %s%s' % (number, noun, '' if number == 1 else 's')


def _status_style(status):
    if status >= 500:
        return 'red'
    if status >= 400:
        return 'yellow'
    return 'green'


def _worst_status(records):
    """The worst status a request answered (not one it received)."""
    statuses = [r.http_status for r in records
                if r.http_status is not None and r.http_direction == 'served']
    return max(statuses) if statuses else None


def _records_of(trace, rid):
    return [r for r in trace.records if r.local_id == rid]


def _node_services(trace, rid):
    info = trace.ids.get(rid) or {}
    return [_where(s, h) for s, h in info.get('services', [])]


def _callees(trace, rid):
    return [c for c in trace.calls if c.caller == rid]


def call_tree(trace):
    """The call graph as nested ``(request_id, call, children)`` tuples.

    The root is the traced ID. ``call`` is the :class:`Call` leading to the
    node (None for the root and for the local IDs of a global root).
    """
    root = trace.request_id
    seen = {root}

    def children_of(rid):
        kids = []
        for call in _callees(trace, rid):
            if call.callee in seen:
                continue
            seen.add(call.callee)
            kids.append(call)
        return [(c.callee, c, children_of(c.callee)) for c in kids]

    top = []
    called = {c.callee for c in trace.calls if c.caller is not None}
    for glob, local in trace.memberships:
        if glob == root and local not in called and local not in seen:
            seen.add(local)
            top.append(local)
    tree = [(rid, None, children_of(rid)) for rid in top]
    return (root, None, tree + children_of(root))


def _call_label(call):
    if call is None:
        return ''
    if call.method:
        return '%s %s %s' % (call.method, call.service_type,
                             _short_url(call.url))
    record = call.record
    if call.caller is None and record.http_method:
        # A client's request, from its REQ: curl line.
        return '%s %s' % (record.http_method, _short_url(record.http_path))
    return 'named by %s' % (record.logger or record.service)


class _Painter:
    def __init__(self, color):
        self.color = color

    def __call__(self, text, style):
        if not self.color or not style or not text:
            return text
        return '%s%s%s' % (_STYLES[style], text, _RESET)


def _display(record, raw):
    """The record's first line and its continuation, as the tree shows them.

    Unless ``raw``, a log line is shortened to its time, level, logger,
    local request ID and message (the rest of its context is the same on
    every line of a request), and a continuation line to its text.
    """
    if record.before:
        # A client's exchange: from its REQ line down to the response.
        return record.before[0], record.before[1:] + [record.line] + (
            record.after)
    if raw or record.shape not in ('oslo', 'syslog') or not record.level:
        return record.line, record.after
    parts = [format_time(record.time), record.level, record.logger]
    if record.local_id:
        parts.append('[%s]' % record.local_id)
    parts.append(record.message)
    head = ' '.join(p for p in parts if p)
    return head, [parser.continuation_text(x) for x in record.after]


class _Glyphs:
    """The tree and arrow glyphs, Unicode or ASCII."""

    def __init__(self, unicode):
        self.branch, self.last, self.pipe, self.blank = (
            ('\u251c\u2500 ', '\u2514\u2500 ', '\u2502  ', '   ')
            if unicode else ('|- ', '`- ', '|  ', '   '))
        self.arrow = '\u2192' if unicode else '->'
        self.mark = '\u25c0' if unicode else '<--'


def _summary_lines(trace, paint, glyphs):
    """The request line, its parents, first error, statuses and bounds."""
    out = []
    first = trace.first_error
    info = trace.ids.get(trace.request_id, {})
    kind = ('global request ID' if 'global' in info.get('roles', ())
            else 'request ID')
    out.append(paint('Request %s (%s)' % (trace.request_id, kind), 'bold'))
    timed = [r.time for r in trace.records if r.time is not None]
    hosts = {g.host for g in trace.groups}
    summary = '  %s from %s on %s' % (
        _count(len(trace.records), 'record'),
        _count(len({g.service for g in trace.groups}), 'service'),
        _count(len(hosts), 'host'))
    if timed:
        summary += ', %s to %s' % (format_time(min(timed)),
                                   format_time(max(timed)))
    out.append(summary)
    for parent in trace.parents:
        rid = parent['id']
        where = ', '.join(_node_services(trace, rid))
        where = ' (%s)' % where if where else ''
        if 'global' in parent['relations']:
            out.append('  Part of global request %s%s' % (rid, where))
        for call in trace.calls:
            if call.caller == rid and call.callee in trace.ids and (
                    'caller' in parent['relations']):
                out.append('  Called by %s%s: %s %s %s' % (
                    rid, where, _call_label(call), glyphs.arrow,
                    call.callee))
    if first is not None:
        out.append(paint('  First error: %s %s %s' % (
            format_time(first.time) or '(no time)',
            _where(first.service, first.host),
            first.local_id or ''), 'error').rstrip())
        out.append(paint('    %s' % first.message, 'error'))
    if trace.statuses:
        out.append('  HTTP statuses:')
        for r in trace.statuses:
            text = '    %d %s by %s  %s  %s' % (
                r.http_status, r.http_direction,
                _where(r.service, r.host),
                format_time(r.time) or '(no time)',
                ' '.join(x for x in (r.http_method, r.http_path) if x))
            out.append(paint(text.rstrip(), _status_style(r.http_status)))
    if trace.since or trace.until:
        out.append('  Between %s and %s' % (
            format_time(trace.since) or 'the start',
            format_time(trace.until) or 'the end'))
    return out


def _node_text(trace, rid, call, paint, glyphs):
    """One node of the call graph: the call, services, records, status."""
    first = trace.first_error
    info = trace.ids.get(trace.request_id, {})
    records = _records_of(trace, rid)
    services = ', '.join(_node_services(trace, rid))
    if not services and call is not None and call.service_type:
        services = '%s, no lines found' % call.service_type
    elif not services and rid != trace.request_id:
        services = 'no lines found'
    text = rid
    if call is not None:
        text = '%s %s %s' % (_call_label(call), glyphs.arrow, rid)
    if services:
        text += '  %s' % services
    if records:
        text += ' (%s)' % _count(len(records), 'record')
    if rid == trace.request_id and 'global' in info.get('roles', ()):
        text += '  global'
    style = None
    worst = _worst_status(records)
    if worst is not None:
        text += '  HTTP %d' % worst
        style = _status_style(worst) if worst >= 400 else None
    if first is not None and first.local_id == rid:
        text += '  %s first error' % glyphs.mark
        style = 'error'
    return paint(text, style)


def _call_graph_lines(trace, paint, glyphs):
    """The clients' calls and the tree of calls between requests."""
    out = [paint('Call graph', 'header')]
    for call in (c for c in trace.calls if c.caller is None):
        out.append('client (%s): %s %s %s' % (
            call.record.file, _call_label(call), glyphs.arrow, call.callee))

    def walk(node, prefix, is_last, is_root):
        rid, call, children = node
        text = _node_text(trace, rid, call, paint, glyphs)
        if is_root:
            out.append(text)
            child_prefix = ''
        else:
            out.append(prefix + (glyphs.last if is_last else glyphs.branch)
                       + text)
            child_prefix = prefix + (glyphs.blank if is_last
                                     else glyphs.pipe)
        children = children or []
        for i, child in enumerate(children):
            walk(child, child_prefix, i == len(children) - 1, False)

    walk(call_tree(trace), '', True, True)
    return out


def _record_lines(trace, paint, glyphs, raw):
    """The records grouped by service and host, the first error marked."""
    first = trace.first_error
    out = [paint('Records by service and host', 'header')]
    for group in trace.groups:
        out.append(paint('%s @ %s (%s) %s' % (
            group.service, group.host, _count(len(group.records), 'record'),
            ', '.join(group.files)), 'cyan'))
        for i, r in enumerate(group.records):
            is_last = i == len(group.records) - 1
            lead = glyphs.last if is_last else glyphs.branch
            cont = glyphs.blank if is_last else glyphs.pipe
            is_first = r is first
            text, after = _display(r, raw)
            style = None
            if is_first:
                text += '  %s FIRST ERROR' % glyphs.mark
                style = 'error'
            elif r.is_error:
                style = 'red'
            elif r.http_status is not None and r.http_status >= 400:
                style = _status_style(r.http_status)
            out.append(lead + paint(text, style))
            for line in after:
                out.append((cont + '    ' + paint(
                    line, 'red' if is_first else 'dim')).rstrip())
    return out


def render_tree(trace, color=False, unicode=True, raw=False):
    """The trace as text for a terminal; ``raw`` keeps lines as logged."""
    paint = _Painter(color)
    glyphs = _Glyphs(unicode)
    out = _summary_lines(trace, paint, glyphs)
    out.append('')
    out.extend(_call_graph_lines(trace, paint, glyphs))
    out.append('')
    out.extend(_record_lines(trace, paint, glyphs, raw))
    return '\n'.join(out) + '\n'


def to_dict(trace):
    """The trace as a JSON-serialisable dict (see ``format_version``)."""
    def ids_entry(rid):
        info = trace.ids[rid]
        return {
            'id': rid,
            'roles': sorted(info['roles']),
            'services': [{'service': s, 'host': h}
                         for s, h in info['services']],
            'global_ids': sorted(info['global_ids']),
            'records': info['records'],
        }

    def order(rid):
        return (rid != trace.request_id,
                min((r.index for r in trace.records
                     if rid in (r.local_id, r.global_id)), default=1 << 30),
                rid)

    timed = [r.time for r in trace.records if r.time is not None]
    return {
        'format_version': JSON_FORMAT_VERSION,
        'request_id': trace.request_id,
        'since': _json_time(trace.since),
        'until': _json_time(trace.until),
        'summary': {
            'records': len(trace.records),
            'services': len({g.service for g in trace.groups}),
            'hosts': len({g.host for g in trace.groups}),
            'first_time': _json_time(min(timed)) if timed else None,
            'last_time': _json_time(max(timed)) if timed else None,
            'passes': trace.passes,
            'files_scanned': trace.files_scanned,
            'bytes_scanned': trace.bytes_scanned,
        },
        'ids': [ids_entry(rid) for rid in sorted(trace.ids, key=order)],
        'parents': trace.parents,
        'links': [{'global_id': g, 'local_id': l}
                  for g, l in trace.memberships],
        'calls': [{
            'caller': c.caller,
            'caller_service': c.record.service,
            'caller_host': c.record.host,
            'callee': c.callee,
            'method': c.method,
            'service_type': c.service_type,
            'url': c.url,
            'record': c.record.index,
        } for c in trace.calls],
        'first_error': (trace.first_error.index
                        if trace.first_error is not None else None),
        'http_statuses': [{
            'status': r.http_status, 'direction': r.http_direction,
            'method': r.http_method, 'path': r.http_path,
            'record': r.index,
        } for r in trace.statuses],
        'groups': [{
            'service': g.service, 'host': g.host, 'files': g.files,
            'records': [r.index for r in g.records],
        } for g in trace.groups],
        'records': [{
            'index': r.index,
            'time': _json_time(r.time),
            'service': r.service,
            'host': r.host,
            'file': r.file,
            'offset': r.offset,
            'level': r.level,
            'logger': r.logger,
            'pid': r.pid,
            'global_request_id': r.global_id,
            'request_id': r.local_id,
            'user_identity': r.user_identity or None,
            'instance': r.instance,
            'message': r.message,
            'http_status': r.http_status,
            'http_direction': r.http_direction,
            'before': r.before,
            'line': r.line,
            'after': r.after,
        } for r in trace.records],
    }


def render_json(trace):
    return json.dumps(to_dict(trace), indent=2, ensure_ascii=False) + '\n'


def _dot_quote(text):
    return '"%s"' % (text.replace('\\', '\\\\').replace('"', '\\"')
                     .replace('\n', '\\n'))


def _dot_attrs(attrs):
    return '[%s]' % ', '.join('%s=%s' % (k, v if k == 'penwidth'
                                         else _dot_quote(str(v)))
                              for k, v in attrs.items())


def render_dot(trace):
    """The request IDs and the calls between them as a Graphviz digraph."""
    first = trace.first_error
    lines = [
        'digraph %s {' % _dot_quote('trace ' + trace.request_id),
        '  graph [rankdir="LR", labelloc="t", fontname="Helvetica", '
        'label=%s];' % _dot_quote('nova-faults-trace ' + trace.request_id),
        '  node [shape="box", style="rounded", fontname="Helvetica", '
        'fontsize="10"];',
        '  edge [fontname="Helvetica", fontsize="9"];',
    ]
    for rid in trace.ids:
        info = trace.ids[rid]
        records = _records_of(trace, rid)
        label = [rid]
        label.extend(_node_services(trace, rid))
        if 'global' in info['roles'] and not info['services']:
            label.append('global request')
        if records:
            label.append(_count(len(records), 'record'))
        worst = _worst_status(records)
        attrs = {'label': '\n'.join(label)}
        if worst is not None:
            attrs['label'] += '\nHTTP %d' % worst
        if rid == trace.request_id:
            attrs['penwidth'] = 2
        if 'parent' in info['roles']:
            attrs['style'] = 'rounded,dashed'
        if first is not None and first.local_id == rid:
            attrs['color'] = 'red'
            attrs['fontcolor'] = 'red'
            attrs['label'] += '\nfirst error'
        elif worst is not None and worst >= 500:
            attrs['color'] = 'red'
        elif worst is not None and worst >= 400:
            attrs['color'] = 'orange'
        lines.append('  %s %s;' % (_dot_quote(rid), _dot_attrs(attrs)))
    clients = {}
    for call in trace.calls:
        if call.caller is None and call.record.file not in clients:
            name = 'client %d' % (len(clients) + 1)
            clients[call.record.file] = name
            lines.append('  %s %s;' % (_dot_quote(name), _dot_attrs({
                'label': 'client\n%s' % call.record.file,
                'shape': 'ellipse'})))
    called = {c.callee for c in trace.calls if c.caller is not None}
    for glob, local in trace.memberships:
        if local in called or glob not in trace.ids:
            continue
        lines.append('  %s -> %s %s;' % (_dot_quote(glob), _dot_quote(local),
                                         _dot_attrs({'style': 'dashed',
                                                     'label': 'global'})))
    for call in trace.calls:
        caller = (clients[call.record.file] if call.caller is None
                  else call.caller)
        label = _call_label(call)
        if call.method:
            label = '%s %s\n%s' % (call.method, call.service_type,
                                   _short_url(call.url))
        lines.append('  %s -> %s %s;' % (_dot_quote(caller),
                                         _dot_quote(call.callee),
                                         _dot_attrs({'label': label})))
    lines.append('}')
    return '\n'.join(lines) + '\n'
