"""The policy enforcer: ``init(conf)``, ``reset()``, ``authorize()``.

One enforcer per process, built from the ``ConfigOpts`` the application
was given (never a global one). Tests call :func:`reset` between cases.
"""

import threading

from oslo_config import cfg
from oslo_policy import policy as oslo_policy

from nova_faults import exception
from nova_faults import policies

_ENFORCER = None
_LOCK = threading.Lock()


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
            enforcer = oslo_policy.Enforcer(
                conf, policy_file=policy_file, rules=rules,
                use_conf=True)
            enforcer.register_defaults(policies.list_rules())
            if suppress_deprecation:
                enforcer.suppress_deprecation_warnings = True
            enforcer.load_rules()
            _ENFORCER = enforcer
        return _ENFORCER


def get_enforcer():
    """The ``oslo.policy.enforcer`` entry point for the oslopolicy tools.

    It parses the command line it is given (``--config-file`` and so on)
    into a fresh ``ConfigOpts``.
    """
    import sys
    from nova_faults import conf as nf_conf
    conf = cfg.ConfigOpts()
    nf_conf.register_opts(conf)
    conf([arg for arg in sys.argv[1:] if arg.startswith('--config')],
         project='nova-faults')
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
        return _enforcer().authorize(
            action, target, credentials, do_raise=fatal,
            exc=exception.PolicyNotAuthorized, action=action)
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
    return enforcer.authorize('context_is_admin', target, credentials)
