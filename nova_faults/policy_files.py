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

"""What oslo.policy looks at for changed policy files, as one value.

Before a check, oslo.policy's ``Enforcer.load_rules`` searches the
configuration directories for ``[oslo_policy] policy_file`` (again and
again while there is none, the usual case: policy in code), then for
each of ``policy_dirs``, and reads the modification time of every file it
finds. That is oslo.config's ``find_file`` twice (tilde expansion, path
joins, eight ``stat`` calls in a plain deployment): 56 microseconds of a
request that takes 900 in process.

:meth:`PolicyFiles.look` answers the same questions with the system
alone: for each path oslo.policy may find (every searched directory
joined with each name, in oslo.config's order), whether it exists and,
when it does, its ``stat`` (and each entry's, for a directory). When two
looks give equal values, nothing oslo.policy would see has changed, so
its ``load_rules`` would change nothing, and :mod:`nova_faults.policy`
skips it. Any difference (a file appears, is edited, replaced or
removed; an entry of a policy directory comes or goes) hands the
decision back to oslo.policy. It is never a timer: a change is seen by
the very next request, as without it.

The directories searched are oslo.config's ``ConfigOpts.find_file``'s:
``--config-dir`` directories, the directory of each ``--config-file``
(the last first), ``~/.<project>/``, ``~/``, ``/etc/<project>/``,
``/etc/`` and, in a snap, the ``etc/<project>`` directories of
``$SNAP_COMMON`` and ``$SNAP``. A test compares the first path found
here with ``find_file``'s on generated layouts.
"""

import os
import stat


def search_dirs(conf):
    """The directories ``conf.find_file`` searches, in its order."""
    dirs = [os.path.abspath(os.path.expanduser(d))
            for d in conf.config_dirs or ()]
    dirs.extend(os.path.dirname(os.path.abspath(os.path.expanduser(f)))
                for f in reversed(conf.config_file or ()))
    project = conf.project
    home = os.path.abspath(os.path.expanduser('~'))
    snap = os.environ.get('SNAP')
    snap_common = os.environ.get('SNAP_COMMON')
    for candidate in (
            os.path.join(home, '.' + project) if project else None,
            home,
            os.path.join('/etc', project) if project else None,
            '/etc',
            (os.path.join(snap_common, 'etc', project)
             if snap_common and project else None),
            (os.path.join(snap, 'etc', project)
             if snap and project else None)):
        if candidate:
            dirs.append(candidate)
    return dirs


def candidates(conf, names):
    """Every path ``find_file`` may answer for ``names``, without repeats.

    An absolute name is the only path of its own (``os.path.join`` keeps
    it whatever the directory).
    """
    dirs = search_dirs(conf)
    seen = {}
    for name in names:
        for d in dirs:
            seen.setdefault(os.path.join(d, name), None)
    return tuple(seen)


def _stat(path):
    st = os.stat(path)
    return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_mode)


def _state(path):
    """None when ``path`` does not exist; else its stat (and entries')."""
    # NOTE: os.access answers a missing path without raising, which is
    # most of the paths looked at; find_file's os.path.exists follows
    # symbolic links, and so do both calls here.
    if not os.access(path, os.F_OK):
        return None
    try:
        own = _stat(path)
        if not stat.S_ISDIR(own[3]):
            return own
        entries = []
        with os.scandir(path) as found:
            for entry in found:
                try:
                    entries.append((entry.name, _stat(entry.path)))
                except OSError:
                    entries.append((entry.name, None))
        entries.sort()
        return own, tuple(entries)
    except OSError:
        # Gone, or unreadable, between the calls: a value that equals no
        # other, so that oslo.policy decides.
        return object()


class PolicyFiles:
    """The looks of one enforcer's configuration (``conf``)."""

    def __init__(self, conf):
        self.conf = conf
        self._known = (None, ())    # (option values, their paths)

    def _key(self):
        group = self.conf.oslo_policy
        return (group.policy_file, tuple(group.policy_dirs),
                os.environ.get('HOME'), os.environ.get('SNAP'),
                os.environ.get('SNAP_COMMON'))

    def paths(self):
        """The paths looked at, worked out once per option values."""
        key = self._key()
        known_key, paths = self._known
        if key != known_key:
            policy_file, policy_dirs = key[0], key[1]
            paths = candidates(self.conf, (policy_file,) + policy_dirs)
            self._known = (key, paths)
        return paths

    def look(self):
        """A value equal to the next look's if nothing has changed."""
        paths = self.paths()
        return paths, tuple(_state(path) for path in paths)
