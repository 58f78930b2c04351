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

"""``nova-faults-trace``: what happened to this request, from the logs.

Reads the logs of any OpenStack service and rebuilds the path of one
request: every line of it grouped by service and host, the local request
IDs linked to a global one, the calls between services, the first error
and its traceback, the HTTP statuses. It reads files only; it needs no
configuration and touches no database.
"""

import argparse
import datetime
import os
import sys
import time

from nova_faults.trace import graph
from nova_faults.trace import parser
from nova_faults.trace import render
from nova_faults.trace import sources


PROG = 'nova-faults-trace'
DEFAULT_PATH = '/var/log'
PROGRESS_MIN = 64 << 20         # show a progress bar from this much input

_DESCRIPTION = """\
Follow one request through the logs of OpenStack services (nova, neutron,
glance, cinder, keystone, placement, ...) and show what happened to it:
every line naming it in time order, grouped by service and host; the local
request IDs linked to a global request ID; the calls between services;
the first error and its traceback; the HTTP statuses.

REQUEST_ID is a request ID such as req-3dccb8c4-08fe-4706-a91d-e843b8fe9ed2:
the X-Openstack-Request-Id or X-Compute-Request-Id of a response, the
"Request ID" of `openstack server event list`, or a global request ID.

PATH is a log file or a directory (default: %s). Directories are read
recursively for files named *.log, *.log.N, *.log.N.gz, *.txt, syslog* and
messages*; a file named on the command line is always read. Rotated files
compressed with gzip, bzip2 or xz are read as they are.
""" % DEFAULT_PATH

_EPILOG = """\
The service of a file comes from its path (nova/nova-api.log is nova-api,
neutron/server.log is neutron-server, devstack's screen-n-cpu.txt is
nova-compute) or from its syslog prefix. The host comes from a syslog
prefix, else from --host-from-dir, else from --host.

Times are compared as the logs wrote them (oslo.log writes local time
without an offset); an offset given to --since/--until is ignored.

Exit status: 0 when the request was found, 1 when the request ID is
malformed, is not found, or no log file can be read, 2 on usage errors.

examples:
  %(prog)s req-3dccb8c4-08fe-4706-a91d-e843b8fe9ed2
  %(prog)s req-3dccb8c4-08fe-4706-a91d-e843b8fe9ed2 /var/log/nova /srv/neutron
  %(prog)s REQ bundle/ --host-from-dir --format json > trace.json
  %(prog)s REQ bundle/ --host-from-dir --format dot | dot -Tsvg > trace.svg
  %(prog)s REQ --since 2019-12-02T19:00 --until 2019-12-02T20:00
"""


def _iso_time(value):
    try:
        value = value.strip()
        parsed = datetime.datetime.fromisoformat(
            value[:-1] if value.endswith('Z') else value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            'not an ISO 8601 time: %r (expected e.g. 2019-12-02T19:15:35)'
            % value)
    return parsed.replace(tzinfo=None)


def _positive(value):
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError('expected a positive number: %r'
                                         % value)
    return number


def build_parser():
    p = argparse.ArgumentParser(
        prog=PROG, description=_DESCRIPTION, epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('request_id', metavar='REQUEST_ID',
                   help='the request ID to follow (req-<uuid>)')
    p.add_argument('paths', metavar='PATH', nargs='*',
                   help='log files or directories to read (default: %s)'
                   % DEFAULT_PATH)
    p.add_argument('--format', choices=('tree', 'json', 'dot'),
                   default='tree',
                   help='output: a readable tree (default), JSON, or a '
                        'Graphviz digraph of the calls')
    p.add_argument('--since', type=_iso_time, metavar='TIME',
                   help='ignore lines before this ISO 8601 time')
    p.add_argument('--until', type=_iso_time, metavar='TIME',
                   help='ignore lines after this ISO 8601 time')
    p.add_argument('--host', default=os.uname().nodename,
                   help='host of the files without a syslog prefix '
                        '(default: this host, %(default)s)')
    p.add_argument('--host-from-dir', action='store_true',
                   help='take the host of a file from the first directory '
                        'below the PATH it was found in, for log bundles '
                        'laid out as PATH/<host>/...')
    p.add_argument('--year', type=_positive,
                   help='year of syslog timestamps, which have none '
                        '(default: the year the file was last modified)')
    p.add_argument('--jobs', type=_positive, metavar='N',
                   help='processes scanning large inputs (default: one '
                        'per CPU, at most 8)')
    p.add_argument('--max-passes', type=_positive, default=graph.MAX_PASSES,
                   metavar='N',
                   help='at most this many passes over the files to '
                        'follow newly found request IDs (default: '
                        '%(default)s)')
    p.add_argument('--raw', action='store_true',
                   help='show the lines of the tree as they were logged '
                        '(default: time, level, logger, request ID and '
                        'message only)')
    p.add_argument('--color', choices=('auto', 'always', 'never'),
                   default='auto',
                   help='colour the tree (default: when stdout is a '
                        'terminal and NO_COLOR is not set)')
    p.add_argument('--progress', choices=('auto', 'always', 'never'),
                   default='auto',
                   help='progress bar on stderr (default: for large inputs '
                        'when stderr is a terminal)')
    return p


class ProgressBar:
    """A one-line progress bar on a terminal, redrawn 10 times a second."""

    def __init__(self, total, stream):
        self.total = max(total, 1)
        self.stream = stream
        self.done = 0
        self.current_pass = 0
        self.last = 0.0
        self.shown = False

    def __call__(self, number, nbytes):
        if number != self.current_pass:
            self.current_pass = number
            self.done = 0
        self.done += nbytes
        now = time.monotonic()
        if now - self.last < 0.1 and self.done < self.total:
            return
        self.last = now
        frac = min(1.0, self.done / self.total)
        width = 30
        bar = '#' * int(frac * width)
        self.stream.write('\rscanning [%-*s] %3d%% %d/%d MB, pass %d' % (
            width, bar, frac * 100, self.done >> 20, self.total >> 20,
            number))
        self.stream.flush()
        self.shown = True

    def close(self):
        if self.shown:
            self.stream.write('\r\033[K')
            self.stream.flush()


def _isatty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _use_color(choice, stream):
    if choice != 'auto':
        return choice == 'always'
    return (_isatty(stream) and 'NO_COLOR' not in os.environ
            and os.environ.get('TERM') != 'dumb')


def _human(nbytes):
    for unit in ('bytes', 'KB', 'MB', 'GB'):
        if nbytes < 1024 or unit == 'GB':
            return ('%d %s' % (nbytes, unit) if unit == 'bytes'
                    else '%.1f %s' % (nbytes, unit))
        nbytes /= 1024.0


def main(argv=None, stdout=None, stderr=None):
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    args = build_parser().parse_args(argv)

    def fail(message):
        stderr.write('%s: %s\n' % (PROG, message))
        return 1

    request_id = parser.normalize_request_id(args.request_id)
    if request_id is None:
        return fail('%r is not a request ID: expected "req-" followed by a '
                    'UUID, e.g. req-3dccb8c4-08fe-4706-a91d-e843b8fe9ed2'
                    % args.request_id)
    if args.since and args.until and args.since > args.until:
        return fail('--since %s is after --until %s' % (
            render.format_time(args.since), render.format_time(args.until)))
    paths = args.paths or [DEFAULT_PATH]
    unreadable = []

    def on_error(path, exc=None):
        detail = path if exc is None else '%s: %s' % (
            path, getattr(exc, 'strerror', None) or exc)
        unreadable.append(detail)
        stderr.write('%s: cannot read %s\n' % (PROG, detail))

    srcs = sources.discover(paths, args.host,
                            use_host_from_dir=args.host_from_dir,
                            year=args.year, on_error=on_error)
    if not srcs:
        return fail('no log files to read in %s' % ', '.join(paths))
    total = sum(s.size for s in srcs)
    progress = None
    if args.progress == 'always' or (
            args.progress == 'auto' and total >= PROGRESS_MIN
            and _isatty(stderr)):
        progress = ProgressBar(total, stderr)
    try:
        trace = graph.follow(request_id, srcs, jobs=args.jobs,
                             progress=progress, on_error=on_error,
                             max_passes=args.max_passes, since=args.since,
                             until=args.until)
    finally:
        if progress is not None:
            progress.close()
    if not trace.records:
        where = '%d file%s (%s) in %s' % (
            len(srcs), '' if len(srcs) == 1 else 's', _human(total),
            ', '.join(paths))
        if trace.records_found:
            return fail('request ID %s has %d records in %s, none between '
                        '%s and %s' % (
                            request_id, trace.records_found, where,
                            render.format_time(args.since) or 'the start',
                            render.format_time(args.until) or 'the end'))
        return fail('request ID %s not found in %s%s' % (
            request_id, where,
            ' (%d could not be read)' % len(unreadable)
            if unreadable else ''))
    if args.format == 'json':
        text = render.render_json(trace)
    elif args.format == 'dot':
        text = render.render_dot(trace)
    else:
        encoding = (getattr(stdout, 'encoding', None) or '').lower()
        text = render.render_tree(
            trace, color=_use_color(args.color, stdout),
            unicode=encoding.replace('-', '') in ('utf8', ''), raw=args.raw)
    try:
        stdout.write(text)
        stdout.flush()
    except BrokenPipeError:
        # `nova-faults-trace ... | head`: the reader is gone, which is not
        # an error; keep Python from complaining at exit.
        if stdout is sys.stdout:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
    return 0


if __name__ == '__main__':
    sys.exit(main())
