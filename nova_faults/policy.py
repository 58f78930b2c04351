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

"""The policy enforcer: ``init(conf)``, ``reset()``, ``authorize()``.

One enforcer per process, built from the ``ConfigOpts`` the application
was given (never a global one). Tests call :func:`reset` between cases.

oslo.policy looks for changed policy files before every check; with no
policy file (policy in code, the usual case) that is a search of the
configuration directories each time. Here the files are looked at once
per request context (at its first check, usually ``context_is_admin``)
and the request's other checks use the rules found then: a policy file
edited while a request runs applies from the next request on.
"""

import argparse
import sys
import threading

from oslo_policy import policy as oslo_policy

from nova_faults import exception
from nova_faults import policies

_ENFORCER = None
_LOCK = threading.Lock()
_LOADED_FLAG = '_nova_faults_policy_loaded'


class _Enforcer(oslo_policy.Enforcer):
    """An Enforcer whose checks may skip the look for changed files."""

    _rules_fresh = threading.local()

    def load_rules(self, force_reload=False):
        if force_reload or not getattr(self._rules_fresh, 'value', False):
            super().load_rules(force_reload)

    def authorize_loaded(self, *args, **kwargs):
        """``authorize`` without looking at the policy files again."""
        self._rules_fresh.value = True
        try:
            return self.authorize(*args, **kwargs)
        finally:
            self._rules_fresh.value = False


def reset():
    """Forget the enforcer; the next :func:`init` builds a new one."""
    global _ENFORCER
    with _LOCK:
        if _ENFORCER:
            _ENFORCER.clear()
        _ENFORCER = None


def init(conf, policy_file=None, rules=None, suppress_deprecation=False):
    """Build the process' enforcer from ``conf`` unless one exists."""
    global _ENFORCER
    with _LOCK:
        if _ENFORCER is None:
            enforcer = _Enforcer(
                conf, policy_file=policy_file, rules=rules,
                use_conf=True)
            enforcer.register_defaults(policies.list_rules())
            if suppress_deprecation:
                enforcer.suppress_deprecation_warnings = True
            enforcer.load_rules()
            _ENFORCER = enforcer
        return _ENFORCER


def _tool_config_args(argv):
    """The ``--config-file``/``--config-dir`` arguments of ``argv``."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument('--config-file', action='append', default=[])
    parser.add_argument('--config-dir', action='append', default=[])
    known, _unknown = parser.parse_known_args(argv)
    args = []
    for path in known.config_file:
        args += ['--config-file', path]
    for path in known.config_dir:
        args += ['--config-dir', path]
    return args


def get_enforcer(argv=None):
    """The ``oslo.policy.enforcer`` entry point for the oslopolicy tools.

    ``oslopolicy-policy-generator`` and ``oslopolicy-list-redundant`` call
    it to see the rules in effect: it reads the ``--config-file`` and
    ``--config-dir`` arguments of the tool's command line (``argv``,
    default ``sys.argv``) into a fresh ``ConfigOpts`` (so ``[oslo_policy]
    policy_file`` and ``policy_dirs`` apply) and returns a new enforcer
    built from it; with none, the usual ``nova-faults.conf`` search.
    """
    from nova_faults import conf as nf_conf
    argv = sys.argv[1:] if argv is None else argv
    conf = nf_conf.load(_tool_config_args(argv))
    reset()
    return init(conf)


def _enforcer():
    if _ENFORCER is None:
        raise RuntimeError('nova_faults.policy.init(conf) was not called')
    return _ENFORCER


def authorize(context, action, target, fatal=True):
    """Check ``action`` for ``context`` against ``target``.

    Raises :class:`nova_faults.exception.PolicyNotAuthorized` when denied
    and ``fatal``; otherwise returns True or False.
    """
    credentials = context.to_policy_values()
    try:
        return _authorize(_enforcer(), context, action, target, credentials,
                          do_raise=fatal, exc=exception.PolicyNotAuthorized,
                          action=action)
    except oslo_policy.InvalidScope:
        if fatal:
            raise exception.PolicyNotAuthorized(action=action)
        return False


def check_is_admin(context, enforcer=None):
    """Whether the ``context_is_admin`` rule passes for ``context``."""
    enforcer = enforcer or _ENFORCER
    if enforcer is None:
        return 'admin' in (context.roles or [])
    credentials = context.to_policy_values()
    target = {'project_id': context.project_id, 'user_id': context.user_id}
    return _authorize(enforcer, context, 'context_is_admin', target,
                      credentials)


def _authorize(enforcer, context, *args, **kwargs):
    """Check with the policy files looked at once per request context."""
    if not isinstance(enforcer, _Enforcer):
        return enforcer.authorize(*args, **kwargs)
    if not getattr(context, _LOADED_FLAG, False):
        enforcer.load_rules()
        setattr(context, _LOADED_FLAG, True)
    return enforcer.authorize_loaded(*args, **kwargs)
