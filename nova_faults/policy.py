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
edited while a request runs applies from the next request on. That look
is :mod:`nova_faults.policy_files`' (the paths oslo.policy may find,
with ``stat``): oslo.policy's ``load_rules`` runs only when it differs
from the last one, so a change still applies from the next request on.

oslo.policy evaluates a rule tree node by node through its private
``_check``, which calls ``inspect.getfullargspec`` on every node of every
rule on every check (13 calls for action show, a fifth of its time in
process). During those checks, the enforcer's rules are handed out
wrapped (:class:`_Compiled`): oslo.policy calls the wrapper once and the
wrapper walks the tree itself, with each check class' argument count
looked up once per process. The rules themselves, their loading and
validation, scope checks and the oslopolicy tools are oslo.policy's, and
see the rules unwrapped.
"""

import argparse
import ast
import inspect
import sys
import threading

from oslo_policy import _checks
from oslo_policy import policy as oslo_policy

from nova_faults import exception
from nova_faults import policies
from nova_faults import policy_files

_ENFORCER = None
_LOCK = threading.Lock()
_LOADED_FLAG = '_nova_faults_policy_loaded'


# Whether a check class' __call__ takes the rule name (oslo.policy's
# test, done once per class instead of once per node and check).
_TAKES_RULE = {}


def _evaluate(check, target, creds, enforcer, current_rule):
    """``check``'s verdict, as oslo.policy's ``_check`` would give it."""
    kind = type(check)
    if kind is oslo_policy.OrCheck:
        for rule in check.rules:
            if _evaluate(rule, target, creds, enforcer, current_rule):
                return True
        return False
    if kind is oslo_policy.AndCheck:
        for rule in check.rules:
            if not _evaluate(rule, target, creds, enforcer, current_rule):
                return False
        return True
    if kind is oslo_policy.NotCheck:
        return not _evaluate(check.rule, target, creds, enforcer,
                             current_rule)
    if kind is oslo_policy.RuleCheck:
        try:
            rule = enforcer.rules[check.match]
        except KeyError:
            return False
        if type(rule) is _Compiled:
            rule = rule.check
        return _evaluate(rule, target, creds, enforcer, current_rule)
    if kind is _Compiled:
        return check(target, creds, enforcer, current_rule)
    if kind is _checks.GenericCheck:
        return _generic(check, target, creds)
    own_call = '__call__' in getattr(check, '__dict__', ())
    takes_rule = None if own_call else _TAKES_RULE.get(kind)
    if takes_rule is None:
        takes_rule = len(inspect.getfullargspec(check.__call__).args) > 4
        if not own_call:
            _TAKES_RULE[kind] = takes_rule
    if takes_rule:
        return check(target, creds, enforcer, current_rule)
    return check(target, creds, enforcer)


_NOT_A_LITERAL = object()
_LITERALS = {}


def _generic(check, target, creds):
    """``GenericCheck``'s verdict, its left side parsed once per text.

    NOTE: oslo.policy parses the left side of ``kind:match`` with
    ``ast.literal_eval`` (a compilation) at every check, whether it is a
    literal (``True:%(enabled)s``) or, usually, a credential path
    (``project_id:%(project_id)s``); the outcome depends on the text
    alone, so it is kept per text. Errors other than oslo.policy's
    ``ValueError`` are raised at every check, as oslo.policy raises them.
    """
    try:
        match = check.match % target
    except KeyError:
        return False
    literal = _LITERALS.get(check.kind)
    if literal is None:
        try:
            literal = str(ast.literal_eval(check.kind))
        except ValueError:
            literal = _NOT_A_LITERAL
        _LITERALS[check.kind] = literal
    if literal is not _NOT_A_LITERAL:
        return match == literal
    return check._find_in_dict(creds, check.kind.split('.'), match)


class _Compiled:
    """A rule as oslo.policy sees it while a request's checks run."""

    def __init__(self, check):
        self.check = check

    def __str__(self):
        return str(self.check)

    def __call__(self, target, creds, enforcer, current_rule=None):
        return _evaluate(self.check, target, creds, enforcer, current_rule)

    # NOTE: oslo.policy reads the signature of __call__ at every check
    # (inspect.getfullargspec); a function's __signature__ is what
    # inspect answers, without working it out again.
    __call__.__signature__ = inspect.signature(__call__)


class _Rules(oslo_policy.Rules):
    """The enforcer's rules; wrapped in :class:`_Compiled` during checks.

    Anything else (loading, validation, the tools) gets the rules as
    they are stored.
    """

    def __init__(self, rules=None, default_rule=None, checking=None):
        super().__init__(rules, default_rule)
        self._checking = checking
        self._compiled = {}

    def __getitem__(self, key):
        check = super().__getitem__(key)
        if (type(check) is _Compiled or
                not getattr(self._checking, 'value', False)):
            return check
        compiled = self._compiled.get(key)
        if compiled is None or compiled.check is not check:
            compiled = _Compiled(check)
            self._compiled[key] = compiled
        return compiled


class _Enforcer(oslo_policy.Enforcer):
    """An Enforcer whose checks may skip the look for changed files."""

    _rules_fresh = threading.local()

    def __init__(self, conf, *args, **kwargs):
        self._files = policy_files.PolicyFiles(conf)
        self._last_look = None
        super().__init__(conf, *args, **kwargs)

    def load_rules(self, force_reload=False):
        if force_reload or self._looking():
            look = self._files.look()
            if force_reload or look != self._last_look:
                super().load_rules(force_reload)
                # NOTE: the look taken before oslo.policy's own: a file
                # changed in between makes the next look differ, and
                # oslo.policy looks again.
                self._last_look = look
            # Else nothing oslo.policy would look at has changed since it
            # last loaded: it would change nothing.
        if type(self.rules) is not _Rules:
            # NOTE: oslo.policy replaces the whole store when a file is
            # (re)loaded, and set_rules() does too; wrap the new one.
            self.rules = _Rules(self.rules, self.default_rule,
                                self._rules_fresh)

    def _looking(self):
        """Whether this load looks at the files, as oslo.policy's would.

        Not during a request's checks (:meth:`authorize_loaded`), nor
        while the rules are not the configuration's (``use_conf``
        false), where oslo.policy reads no file either.
        """
        return (self.use_conf and
                not getattr(self._rules_fresh, 'value', False))

    def _forget_look(self):
        self._last_look = None

    def set_rules(self, *args, **kwargs):
        self._forget_look()
        super().set_rules(*args, **kwargs)

    def clear(self):
        self._forget_look()
        super().clear()

    def register_default(self, default):
        self._forget_look()
        super().register_default(default)

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
    from nova_faults import conf as nf_conf
    return nf_conf.command_line(known.config_file, known.config_dir)


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
