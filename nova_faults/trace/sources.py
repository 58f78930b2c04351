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

"""Which files to read, how to open them, and whose logs they are.

A directory is searched recursively for files that look like logs
(``*.log``, rotated ``*.log.1``, ``*.log.2.gz``, ``*.log-20240101``,
``*.txt``, ``syslog*``, ``messages*``); a file named on the command line is
always read. Compressed files (gzip, bzip2, xz) are recognised by their
first bytes, not by their names.

The service a file belongs to comes from its path: ``nova-api.log`` is
``nova-api``, ``neutron/server.log`` is ``neutron-server``, devstack's
``screen-n-cpu.txt`` is ``nova-compute``. The host comes from a syslog
prefix when there is one, else from the first directory below the path
given on the command line (``--host-from-dir``, for collected log bundles
laid out as ``<host>/...``), else from ``--host``.
"""

import datetime
import importlib
import os
import re

from nova_faults.trace import _struct


PROJECTS = ('nova', 'neutron', 'glance', 'cinder', 'keystone', 'placement',
            'heat', 'swift', 'octavia', 'ironic', 'manila', 'barbican',
            'designate', 'horizon', 'aodh', 'gnocchi', 'magnum', 'trove',
            'zun', 'masakari', 'watcher', 'cyborg', 'blazar', 'senlin')

# NOTE: devstack names its services (screen windows, systemd units) with
# short codes; map them back to the names operators know.
DEVSTACK_NAMES = {
    'n-api': 'nova-api', 'n-api-meta': 'nova-api-metadata',
    'n-cpu': 'nova-compute', 'n-cond': 'nova-conductor',
    'n-super-cond': 'nova-conductor', 'n-cond-cell1': 'nova-conductor',
    'n-sch': 'nova-scheduler', 'n-novnc': 'nova-novncproxy',
    'n-novnc-cell1': 'nova-novncproxy', 'n-spice': 'nova-spicehtml5proxy',
    'q-svc': 'neutron-server', 'q-agt': 'neutron-openvswitch-agent',
    'q-dhcp': 'neutron-dhcp-agent', 'q-l3': 'neutron-l3-agent',
    'q-meta': 'neutron-metadata-agent', 'q-ovn-metadata-agent':
    'neutron-ovn-metadata-agent', 'neutron-api': 'neutron-server',
    'g-api': 'glance-api', 'g-reg': 'glance-registry',
    'c-api': 'cinder-api', 'c-vol': 'cinder-volume',
    'c-sch': 'cinder-scheduler', 'c-bak': 'cinder-backup',
    'key': 'keystone', 'keystone': 'keystone',
    'placement-api': 'placement-api', 'h-eng': 'heat-engine',
    'h-api': 'heat-api',
}

_LOG_NAME_RE = re.compile(
    r'(?:\.(?:log|txt|out|err)(?:\.\d+)?(?:[.-]\d{8})?'
    r'|^(?:syslog|messages|daemon\.log)(?:\.\d+)?(?:-\d{8})?'
    r'|\.log-\d{8})(?:\.(?:gz|bz2|xz))?$')
_ROTATION_RE = re.compile(
    r'(?:\.(?:gz|bz2|xz))$|(?:[.-]\d{8})$|(?:\.\d+)$'
    r'|(?:\.(?:log|txt|out|err))$')

# First bytes -> module whose open() reads the file; imported when needed.
_MAGIC = ((b'\x1f\x8b', 'gzip'), (b'BZh', 'bz2'), (b'\xfd7zXZ\x00', 'lzma'))


class Source(_struct.Struct):
    """One log file to read.

    ``year`` is the year of its syslog timestamps, which have none.
    """

    __slots__ = ('path', 'size', 'service', 'host', 'compressed', 'year')


def open_source(path):
    """Open ``path`` for binary reading, decompressing when needed.

    Returns ``(file object, compressed)``.
    """
    raw = open(path, 'rb', buffering=0)
    try:
        head = raw.read(6)
        raw.seek(0)
    except Exception:
        raw.close()
        raise
    for magic, module in _MAGIC:
        if head.startswith(magic):
            raw.close()
            return importlib.import_module(module).open(path, 'rb'), True
    return raw, False


def is_compressed(path):
    with open(path, 'rb') as f:
        head = f.read(6)
    return any(head.startswith(magic) for magic, _ in _MAGIC)


def looks_like_log(name):
    """True if a file found while walking a directory should be read."""
    return not name.startswith('.') and bool(_LOG_NAME_RE.search(name))


def service_from_path(path):
    """The service a log file belongs to, from its path, or None.

    >>> service_from_path('/var/log/nova/nova-api.log.1.gz')
    'nova-api'
    >>> service_from_path('/var/log/neutron/server.log')
    'neutron-server'
    """
    name = os.path.basename(path)
    stem = name
    while True:
        shorter = _ROTATION_RE.sub('', stem)
        if shorter == stem or not shorter:
            break
        stem = shorter
    for prefix in ('screen-', 'devstack@'):
        if stem.startswith(prefix):
            stem = stem[len(prefix):]
    if stem.endswith('.service'):
        stem = stem[:-len('.service')]
    if stem in DEVSTACK_NAMES:
        return DEVSTACK_NAMES[stem]
    stem = stem.replace('_', '-')
    if any(stem == p or stem.startswith(p + '-') for p in PROJECTS):
        return stem
    parent = os.path.basename(os.path.dirname(os.path.abspath(path)))
    if parent in PROJECTS:
        return '%s-%s' % (parent, stem)
    return None


def host_from_dir(root, path):
    """The first directory of ``path`` below ``root``, or None."""
    rel = os.path.relpath(path, root)
    parts = rel.split(os.sep)
    if len(parts) > 1 and parts[0] not in ('.', '..'):
        return parts[0]
    return None


class SourceError(Exception):
    """A path given on the command line cannot be read."""


def discover(paths, default_host, use_host_from_dir=False, year=None,
             on_error=None):
    """List the :class:`Source` s under ``paths``.

    ``on_error(path, exc)`` is called for every file or directory that
    cannot be read; it defaults to raising :class:`SourceError`. Each file
    is listed once, however many times it is reached.
    """
    seen = set()
    sources = []

    def fail(path, exc):
        if on_error is None:
            raise SourceError('%s: %s' % (path, exc.strerror or exc))
        on_error(path, exc)

    def add(root, path):
        try:
            st = os.stat(path)
            if (st.st_dev, st.st_ino) in seen:
                return
            compressed = is_compressed(path)
        except OSError as exc:
            fail(path, exc)
            return
        seen.add((st.st_dev, st.st_ino))
        host = default_host
        if use_host_from_dir and root is not None:
            host = host_from_dir(root, path) or default_host
        file_year = year or _mtime_year(st.st_mtime)
        sources.append(Source(path, st.st_size,
                              service_from_path(path) or '', host,
                              compressed, file_year))

    for path in paths:
        if os.path.isdir(path):
            if not os.access(path, os.R_OK | os.X_OK):
                fail(path, PermissionError(13, 'Permission denied'))
                continue
            for dirpath, dirnames, filenames in os.walk(
                    path, onerror=lambda exc: fail(exc.filename, exc)):
                dirnames[:] = sorted(d for d in dirnames
                                     if not d.startswith('.'))
                for name in sorted(filenames):
                    if looks_like_log(name):
                        add(path, os.path.join(dirpath, name))
        elif os.path.exists(path):
            add(None, path)
        else:
            fail(path, FileNotFoundError(2, 'No such file or directory'))
    return sources


def _mtime_year(mtime):
    return datetime.datetime.fromtimestamp(mtime).year
