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

"""The streaming scan: find the lines that name a request, fast.

Plain files are mapped into memory (``mmap``: the kernel's page cache,
read in place, never copied whole into the process) and searched with
``find`` for the request IDs of interest (``grep -F``'s job, in C);
compressed files are decompressed in large chunks and searched the same
way. Only the lines that match are decoded and parsed.

A match is returned as a :class:`Block`: the matching line, the lines that
continue it (an old ``TRACE`` block, the ``logging_exception_prefix`` lines
of a traceback, an unprefixed ``Traceback (most recent call last):``, a
``RESP BODY:``), and for client ``--debug`` output the ``REQ: curl`` line
that came just before the response naming the request ID.

Large plain files are cut into byte ranges scanned by worker processes;
each range owns the matches that start inside it and reads on past its end
to finish the last block (and a little before its start, for look-behind);
a block found twice, from both sides of a range boundary, is kept once.
"""

import mmap
import os
import re

from nova_faults.trace import _struct
from nova_faults.trace import parser
from nova_faults.trace import sources as sources_mod


CHUNK_SIZE = 4 << 20          # bytes decompressed at a time
WINDOW = 64 << 20             # mapped bytes searched between progress reports
LOOKBACK = 16 << 10           # already-scanned bytes kept for look-behind
MAX_BLOCK = 1 << 20           # a record and its continuation, at most
MAX_LOOKBACK_LINES = 12       # how far back a REQ line is looked for
RANGE_SIZE = 64 << 20         # a worker's share of a large plain file
PARALLEL_MIN = 128 << 20      # below this much input, one process is faster
_MANY_NEEDLES = 4             # above this many IDs, one regex beats finds

_OSLO_PREFIX_BRE = re.compile(
    rb'(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d\S* \d+) ([A-Z]+) (\S+)'
    rb'(?: (\[[^\]\n]*\]))?(?: (\[instance: [^\]\n]*\]))? ?')
_SYSLOG_PREFIX_BRE = re.compile(
    rb'(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d\S*|\d{4}-\d\d-\d\dT\S+) '
    rb'(\S+ [^\s\[:]+(?:\[\d+\])?): (?:\d+ )?([A-Z]+) (\S+)'
    rb'(?: (\[[^\]\n]*\]))?(?: (\[instance: [^\]\n]*\]))? ?')
_CONTEXT_BRACKET_BRE = re.compile(rb'\[(?:-|None req-|req-)')
_TRACEBACK_BODY = (b' ', b'\t', b'Traceback (most recent call last):',
                   b'During handling', b'The above exception', b'RESP BODY:')
_EXCEPTION_LINE_BRE = re.compile(rb'[A-Za-z_][\w.]*(?:\(\w+\))?(?::|\r?$)')


class Block(_struct.Struct):
    """A matching line with the lines that belong with it.

    ``source`` is the index of the file in the list of sources, ``offset``
    the (uncompressed) offset of ``line`` in it and ``end`` the offset just
    past the block; ``before`` holds the lines leading to ``line`` (a
    client's REQ line), ``after`` its continuation lines.
    """

    __slots__ = ('source', 'offset', 'end', 'line', 'before', 'after')


class _Header(_struct.Struct):
    """The prefix of a log line, enough to tell its continuation lines.

    ``kind`` is oslo, syslog or plain; ``key`` the time and pid (oslo) or
    host and program (syslog); ``context`` the context bracket, if any;
    ``rest`` the message.
    """

    __slots__ = ('kind', 'key', 'level', 'logger', 'context', 'rest')
    _defaults = {'key': b'', 'level': b'', 'logger': b'', 'context': None,
                 'rest': b''}


def _header(line):
    for kind, regex in (('oslo', _OSLO_PREFIX_BRE),
                        ('syslog', _SYSLOG_PREFIX_BRE)):
        m = regex.match(line)
        if m:
            bracket = m.group(4)
            rest = line[m.end():]
            if bracket is not None and not _CONTEXT_BRACKET_BRE.match(
                    bracket):
                bracket = None
            return _Header(kind, m.group(1), m.group(2), m.group(3),
                           bracket, rest)
    return _Header('plain', rest=line)


def _is_traceback_body(text):
    return text.startswith(_TRACEBACK_BODY)


def _follow(buf, pos, limit, eof, head):
    """Collect from ``buf[pos:limit]`` the continuation lines of ``head``.

    Returns ``(lines, next_pos, complete)``: ``complete`` is False when the
    block may go on beyond ``limit`` (more data is needed to know).
    """
    lines = []
    in_traceback = head.rest.startswith(b'Traceback (')
    start = pos
    while pos < limit:
        if pos - start > MAX_BLOCK:
            return lines, pos, True
        end = buf.find(b'\n', pos, limit)
        nxt = limit if end < 0 else end + 1
        line = bytes(buf[pos:nxt]).rstrip(b'\r\n')
        if not line.strip():
            # A blank line ends the record, unless a chained traceback
            # goes on after it.
            if nxt >= limit:
                return lines, pos, eof
            peek_end = buf.find(b'\n', nxt, limit)
            peek = buf[nxt:limit if peek_end < 0 else peek_end]
            if not peek.startswith((b'During handling', b'The above exc',
                                    b'Traceback (')):
                return lines, pos, True
            lines.append(line)
            pos = nxt
            continue
        if parser.RECORD_START_BRE.match(line):
            if head.kind == 'plain':
                return lines, pos, True
            cand = _header(line)
            if (cand.kind != head.kind or cand.key != head.key
                    or cand.logger != head.logger
                    or cand.level not in (head.level, b'TRACE')):
                return lines, pos, True
            body = cand.rest
            if cand.context is not None:
                # NOTE: devstack's exception prefix repeats the context on
                # every traceback line; the same context at the same time is
                # still a different record unless it reads like a traceback.
                if cand.context != head.context:
                    return lines, pos, True
                if not (_is_traceback_body(body) or (
                        in_traceback and _EXCEPTION_LINE_BRE.match(body))):
                    return lines, pos, True
        elif head.kind == 'plain':
            body = line
            if not (_is_traceback_body(body) or (
                    in_traceback and _EXCEPTION_LINE_BRE.match(body))):
                return lines, pos, True
        else:
            body = line             # an unprefixed line inside a record
        if body.startswith(b'Traceback ('):
            in_traceback = True
        elif in_traceback and not body.startswith((b' ', b'\t')) and (
                _EXCEPTION_LINE_BRE.match(body)):
            in_traceback = False
        lines.append(line)
        pos = nxt
    return lines, pos, eof


def _lookback(buf, line_start, floor):
    """The lines before a client's response, back to its ``REQ: curl``.

    Empty if there is no REQ line close enough.
    """
    lines = []
    end = line_start - 1          # the newline ending the previous line
    while end > floor and len(lines) < MAX_LOOKBACK_LINES:
        start = buf.rfind(b'\n', floor, end) + 1
        if start <= 0 and floor > 0:
            start = max(start, floor)
        line = bytes(buf[start:end]).rstrip(b'\r')
        if (not line.strip() or b'req-' in line
                or _OSLO_PREFIX_BRE.match(line)
                or _SYSLOG_PREFIX_BRE.match(line)):
            return []
        lines.append(line)
        if b'REQ: curl' in line:
            lines.reverse()
            return lines
        end = start - 1
    return []


def _finder(needles):
    """A function yielding the positions of any needle in a buffer."""
    if len(needles) > _MANY_NEEDLES:
        regex = re.compile(b'|'.join(re.escape(n) for n in needles))

        def find_many(buf, lo, hi):
            return [m.start() for m in regex.finditer(buf, lo, hi)]
        return find_many

    def find(buf, lo, hi):
        hits = []
        for needle in needles:
            i = buf.find(needle, lo, hi)
            while i >= 0:
                hits.append(i)
                i = buf.find(needle, i + 1, hi)
        if len(needles) > 1:
            hits.sort()
        return hits
    return find


def _open_at(path, start):
    """Open ``path`` on the first line starting at or after ``start``.

    Returns ``(file, offset, tail, carry)``: ``tail`` holds up to LOOKBACK
    bytes of whole lines before ``offset``, ``carry`` bytes already read
    from ``offset`` on. ``offset`` is None at end of file.
    """
    f, compressed = sources_mod.open_source(path)
    if start <= 0:
        return f, 0, b'', b''
    back = max(0, start - LOOKBACK)
    f.seek(back)
    pre = f.read(start - back)
    skipped = b''
    carry = b''
    if not pre.endswith(b'\n'):
        # The line containing ``start`` belongs to the previous range.
        while True:
            piece = f.read(1 << 16)
            if not piece:
                f.close()
                return None, None, b'', b''
            nl = piece.find(b'\n')
            if nl >= 0:
                skipped += piece[:nl + 1]
                carry = piece[nl + 1:]
                break
            skipped += piece
    tail = (pre + skipped)[-LOOKBACK:]
    first_nl = tail.find(b'\n')
    if back > 0 or len(pre + skipped) > LOOKBACK:
        tail = tail[first_nl + 1:]
    return f, start + len(skipped), tail, carry


def scan_range(index, path, needles, start=0, end=None, progress=None):
    """Yield the :class:`Block` s of ``path`` naming one of ``needles``.

    Only lines starting in ``[start, end)`` are considered.
    """
    f, offset, tail, carry = _open_at(path, start)
    if f is None or (end is not None and offset >= end):
        if f is not None:
            f.close()
        return
    find = _finder(needles)
    last_end = 0
    # For a compressed file, progress is counted in compressed bytes.
    raw_pos = getattr(getattr(f, 'fileobj', None), 'tell', None)
    reported = 0
    # One buffer, reused: [look-behind | not yet searched | just read].
    # Reading into it (rather than allocating a new chunk each time)
    # spares a copy and the page faults of fresh memory.
    lo = len(tail)
    n = lo + len(carry)
    buf = bytearray(n + CHUNK_SIZE)
    buf[:n] = tail + carry
    base = offset - lo               # file offset of buf[0]
    with f:
        while True:
            if len(buf) < n + CHUNK_SIZE:
                buf.extend(bytes(n + CHUNK_SIZE - len(buf)))
            with memoryview(buf)[n:n + CHUNK_SIZE] as view:
                got = f.readinto(view) or 0
            if progress is not None:
                if raw_pos is not None:
                    now = raw_pos()
                    progress(now - reported)
                    reported = now
                else:
                    progress(got)
            eof = got == 0
            n += got
            if eof:
                limit = n
            else:
                nl = buf.rfind(b'\n', lo, n)
                if nl < 0 and n - lo < MAX_BLOCK * 8:
                    continue            # no whole line yet: read more
                limit = n if nl < 0 else nl + 1
            stop_at = None if end is None else end - base
            resume = limit
            pos = lo
            for hit in find(buf, lo, limit):
                if hit < pos:
                    continue
                ls = buf.rfind(b'\n', lo, hit)
                ls = lo if ls < 0 else ls + 1
                if stop_at is not None and ls >= stop_at:
                    return
                le = buf.find(b'\n', hit, limit)
                le = limit if le < 0 else le
                line = bytes(buf[ls:le]).rstrip(b'\r\n')
                head = _header(line)
                after, nxt, complete = _follow(buf, min(le + 1, limit),
                                               limit, eof, head)
                if not complete and nxt - ls < MAX_BLOCK:
                    resume = ls
                    break
                before = []
                if head.kind == 'plain':
                    before = _lookback(buf, ls, max(0, last_end - base))
                yield Block(index, base + ls, base + nxt, line, before,
                            after)
                last_end = base + nxt
                pos = nxt
            if eof or (stop_at is not None and resume >= stop_at):
                return
            # Keep the look-behind and the unsearched rest; read on.
            cut = max(0, resume - LOOKBACK)
            if cut:
                cut = buf.find(b'\n', cut - 1, resume) + 1 or resume
            keep = n - cut
            buf[:keep] = buf[cut:n]
            base += cut
            lo = resume - cut
            n = keep


def _map(path):
    """Map a plain file read-only, or None if it cannot be mapped."""
    with open(path, 'rb') as f:
        try:
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:
            return None         # empty (or a special file): stream it


def scan_mapped(index, m, needles, start=0, end=None, progress=None):
    """Like :func:`scan_range`, for a plain file mapped in memory.

    A range owns the matches that *start* in ``[start, end)``: the block
    of a line that straddles two ranges may be found by both, and
    :func:`scan` keeps one.
    """
    try:
        m.madvise(mmap.MADV_SEQUENTIAL)
    except (AttributeError, OSError):
        pass
    size = len(m)
    end = size if end is None else min(end, size)
    find = _finder(needles)
    width = max(len(n) for n in needles)
    last_end = 0
    for lo in range(start, end, WINDOW):
        hi = min(end, lo + WINDOW)
        for hit in find(m, lo, min(size, hi + width - 1)):
            if hit < last_end or hit >= hi:
                continue
            ls = m.rfind(b'\n', 0, hit) + 1
            le = m.find(b'\n', hit)
            le = size if le < 0 else le
            line = m[ls:le].rstrip(b'\r\n')
            head = _header(line)
            after, nxt, _ = _follow(m, min(le + 1, size), size, True, head)
            before = []
            if head.kind == 'plain':
                before = _lookback(m, ls, last_end)
            yield Block(index, ls, nxt, line, before, after)
            last_end = nxt
        if progress is not None:
            progress(hi - lo)


def scan_file(index, path, compressed, needles, start=0, end=None,
              progress=None):
    """The blocks of one file (or of a range of a plain file)."""
    m = None if compressed else _map(path)
    if m is None:
        yield from scan_range(index, path, needles, start, end, progress)
        return
    with m:
        yield from scan_mapped(index, m, needles, start, end, progress)


def _scan_task(task):
    index, path, compressed, needles, start, end = task
    try:
        return index, start, list(scan_file(index, path, compressed,
                                            needles, start, end)), None
    except OSError as exc:
        return index, start, [], '%s: %s' % (path, exc.strerror or exc)


def _tasks(srcs, needles, split):
    tasks = []
    for index, src in enumerate(srcs):
        if split and not src.compressed and src.size > RANGE_SIZE:
            for start in range(0, src.size, RANGE_SIZE):
                tasks.append((index, src.path, False, needles, start,
                              min(start + RANGE_SIZE, src.size)))
        else:
            tasks.append((index, src.path, src.compressed, needles, 0,
                          None))
    return tasks


def default_jobs():
    try:
        return max(1, min(len(os.sched_getaffinity(0)), 8))
    except AttributeError:
        return max(1, min(os.cpu_count() or 1, 8))


def make_pool(jobs):
    """Worker processes for :func:`scan`, to reuse across passes."""
    # Imported here: a small trace should not pay for it.
    import multiprocessing
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context('fork' if 'fork' in methods else None)
    return ctx.Pool(jobs)


def wanted_jobs(srcs, jobs=None):
    """How many processes scan ``srcs``.

    ``jobs`` if given, else one per CPU for a large input, one otherwise.
    """
    if jobs is not None:
        return jobs
    total = sum(s.size for s in srcs)
    return default_jobs() if total >= PARALLEL_MIN else 1


def scan(srcs, request_ids, jobs=None, progress=None, on_error=None,
         pool=None):
    """Find every block of ``srcs`` naming one of ``request_ids``.

    :param srcs: list of :class:`~nova_faults.trace.sources.Source`
    :param request_ids: the IDs to look for (str)
    :param jobs: worker processes (default: CPUs, when the input is large)
    :param progress: called with a number of bytes read, now and then
    :param on_error: called with a message for a file that cannot be read
    :param pool: a :func:`make_pool` pool to use when ``jobs`` > 1
    :returns: blocks sorted by source and offset, without overlaps
    """
    needles = sorted({rid.encode('ascii') for rid in request_ids})
    jobs = wanted_jobs(srcs, jobs)
    blocks = []
    if jobs <= 1:
        for task in _tasks(srcs, needles, split=False):
            index, path, compressed = task[:3]
            size = srcs[index].size
            done = [0]

            def report(n, done=done):
                done[0] += n
                if progress is not None:
                    progress(n)
            try:
                blocks.extend(scan_file(index, path, compressed, needles,
                                        progress=report))
            except OSError as exc:
                if on_error is not None:
                    on_error('%s: %s' % (path, exc.strerror or exc))
            if progress is not None and done[0] < size:
                progress(size - done[0])
    else:
        tasks = _tasks(srcs, needles, split=True)
        own = pool is None
        if own:
            pool = make_pool(min(jobs, len(tasks)))
        try:
            for index, start, found, error in pool.imap_unordered(
                    _scan_task, tasks):
                blocks.extend(found)
                if error and on_error is not None:
                    on_error(error)
                if progress is not None:
                    src = srcs[index]
                    progress(src.size if src.compressed or src.size <=
                             RANGE_SIZE else
                             min(RANGE_SIZE, src.size - start))
        finally:
            if own:
                pool.terminate()
    return _without_overlaps(blocks)


def _without_overlaps(blocks):
    """Sort blocks and drop any that starts inside the previous one.

    A range's worker may find a line its neighbour already took in.
    """
    blocks.sort(key=lambda b: (b.source, b.offset))
    kept = []
    for block in blocks:
        if kept and kept[-1].source == block.source and (
                block.offset < kept[-1].end):
            continue
        kept.append(block)
    return kept
