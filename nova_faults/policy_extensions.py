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

"""oslo.policy's rule check extensions, each loaded when a rule uses it.

oslo.policy finds the check kinds of other packages (``http:``,
``https:``, a deployment's own) under the ``oslo.policy.rule_checks``
entry points, through a stevedore ``ExtensionManager`` built when the
first rule is parsed, at import time. With a cold stevedore cache,
which a new home directory or virtualenv has, that manager indexes the
entry points of every installed package, and it imports every plugin
(the ``http`` check imports requests): 100 to 145 ms of a first start of
the API (5 ms of the next ones), for checks the default rules never use.

:func:`install`, called before any rule is made, gives oslo.policy the
same extensions by name, read with ``importlib.metadata``, each imported
the first time a rule names its kind. Which kinds exist, what they check
and the rules' results are unchanged. An extension that cannot be
imported fails closed (its rules deny) and is logged, where stevedore
would have logged and skipped it (its rules then matched by oslo.policy's
generic check, which denies too).
"""

from importlib import metadata

from oslo_log import log as logging
from oslo_policy import _checks

LOG = logging.getLogger(__name__)

GROUP = 'oslo.policy.rule_checks'


class _OnFirstUse:
    """An entry point standing in for its check class until first used."""

    def __init__(self, entry_point):
        self.entry_point = entry_point
        self._plugin = None

    def __call__(self, kind, match):
        if self._plugin is None:
            try:
                self._plugin = self.entry_point.load()
            except Exception:
                LOG.exception('Could not load the policy check %r (%s): '
                              'rules using it deny.',
                              self.entry_point.name, self.entry_point.value)
                return _checks.FalseCheck()
        return self._plugin(kind, match)


def entry_points():
    """``{name: _OnFirstUse}`` for every rule check extension installed.

    The entry points ``importlib.metadata.entry_points(group=GROUP)``
    gives, read in a third of its time: only the packages whose
    ``entry_points.txt`` has a ``[oslo.policy.rule_checks]`` section are
    parsed (one of the 143 of a deployment's virtualenv: 4 ms instead of
    13), the others are only read.
    """
    header = '[%s]' % GROUP
    found = {}
    names = set()
    for dist in metadata.distributions():
        text = dist.read_text('entry_points.txt')
        if not text or header not in text:
            continue
        name = dist.name
        if name in names:
            # As importlib.metadata: the first copy on the path counts.
            continue
        names.add(name)
        for entry_point in dist.entry_points.select(group=GROUP):
            found[entry_point.name] = _OnFirstUse(entry_point)
    return found


def install():
    """Hand oslo.policy the extensions to load on first use.

    Does nothing when oslo.policy has already loaded them (a rule was
    parsed before this was called). NOTE: ``extension_checks`` is
    oslo.policy's own module-level registry (private); should a release
    stop reading it, oslo.policy simply loads the extensions itself
    again.
    """
    if getattr(_checks, 'extension_checks', False) is None:
        _checks.extension_checks = entry_points()
