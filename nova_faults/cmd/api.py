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

"""``nova-faults-api``: serve the API with a multi-threaded WSGI server.

::

    nova-faults-api [--config-file F] [--state-path DIR] [--host 127.0.0.1]
                    [--port 8774] [--threads 16] [--demo] [--debug]

With no configuration file and no ``[api_database] connection`` it runs
the embedded default: SQLite databases under ``[DEFAULT] state_path``
(created and migrated on first start, one cell) and the development
``noauth`` pipeline, loudly, on 127.0.0.1 only. A cell whose database
does not answer is named in a warning and served as a down cell; it never
stops start-up. ``--demo`` fills the databases with a small demo
deployment (or reuses the one already there) and keeps its healthy
services heartbeating while the API runs.

A configuration that cannot authenticate any request (``[api]
auth_strategy = keystone``, the default once a configuration file is
given, without ``[keystone_authtoken]`` credentials) is refused at
start-up with a short error and exit status 1; so is a port already in
use (a second start while the first still runs), before any database,
demo or heartbeat is made.

Start-up output is the command's own: library INFO lines (Alembic's
migration chatter, oslo.service's backend loading) are shown only with
``--debug``, and the import-time deprecation warnings of eventlet and
dnspython (pulled in by oslo.messaging) are silenced here, in this command
only. Production deployments can also run
``nova_faults.wsgi.api:application`` under uWSGI, gunicorn or mod_wsgi.
"""

import argparse
import ipaddress
import os
import signal
import sys
import warnings

from oslo_config import cfg
from oslo_log import log as logging

from nova_faults import conf as nf_conf

LOG = logging.getLogger(__name__)

DEFAULT_HOST = '127.0.0.1'
DEFAULT_PORT = 8774
DEFAULT_THREADS = 16

#: Exit status when the configuration is refused.
CONFIG_ERROR = 1

_NOAUTH_BANNER = """
***************************************************************************
*  nova-faults-api is running WITHOUT AUTHENTICATION ("noauth").          *
*  Any "X-Auth-Token: user:project" is trusted; user "admin" is admin.    *
*  This is for development and tests only. Configure [api] auth_strategy  *
*  = keystone and [keystone_authtoken] for anything else.                 *
***************************************************************************
"""

#: Loggers whose INFO lines are hidden unless --debug: they say how the
#: libraries work, not what the API does.
QUIET_LOGGERS = ('alembic=WARN', 'oslo_service=WARN',
                 'oslo_messaging=WARN', 'oslo.messaging=WARN')

# NOTE: importing the data layer imports oslo.messaging, which imports
# eventlet (through oslo.service), which imports dnspython: eventlet and
# cryptography (through dnspython) warn at import time about their own
# deprecations, which a user of this command cannot act on. Only those
# are silenced, by their message, in this process.
_LIBRARY_WARNINGS = (r'\s*Eventlet is deprecated', r'DSA is deprecated')

_DESCRIPTION = """\
Serve the nova-faults compute API (microversions 2.1 to 2.104).

With no configuration file it runs the embedded default: SQLite databases
under the state path (--state-path; default ~/.local/share/nova-faults,
or $XDG_DATA_HOME/nova-faults), created on first start, and the
development noauth pipeline, on 127.0.0.1, where the token "user:project"
is trusted (user "admin" is an administrator).

A configuration file (--config-file, or nova-faults.conf in
~/.nova-faults/, ~/, /etc/nova-faults/ or /etc/) selects [api]
auth_strategy = keystone unless it says otherwise: it then needs
[keystone_authtoken] credentials, or start-up is refused.
"""

_EPILOG = """\
examples:
  nova-faults-api --demo                   demo deployment on port 8774
  nova-faults-api --state-path /tmp/nf     embedded databases in /tmp/nf
  nova-faults-api --config-file /etc/nova-faults/nova-faults.conf

--demo can be given again on later starts: the demo data are reused. To
start over, stop the API and delete the state path.

Other options are passed to oslo.config and oslo.log, e.g. --log-file
PATH, --log-dir DIR.
"""


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='nova-faults-api', description=_DESCRIPTION, epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--config-file', action='append', default=[],
                        metavar='PATH',
                        help='A configuration file (may be repeated). '
                             'Default: the usual oslo.config search; no '
                             'file at all runs the embedded default.')
    parser.add_argument('--config-dir', action='append', default=[],
                        metavar='DIR',
                        help='A directory of *.conf files (may be '
                             'repeated).')
    parser.add_argument('--state-path', metavar='DIR',
                        help='Where the embedded SQLite databases and the '
                             'demo logs are kept (overrides [DEFAULT] '
                             'state_path).')
    parser.add_argument('--host', default=DEFAULT_HOST,
                        help='Address to listen on (default %(default)s).')
    parser.add_argument('--port', type=int, default=DEFAULT_PORT,
                        help='TCP port (default %(default)s; 0 picks a '
                             'free one).')
    parser.add_argument('--threads', type=int, default=DEFAULT_THREADS,
                        help='Worker threads of the WSGI server (default '
                             '%(default)s).')
    parser.add_argument('--demo', action='store_true',
                        help='Fill the databases with a small demo '
                             'deployment first (reused if already there) '
                             'and keep its healthy services heartbeating '
                             'while the API runs.')
    parser.add_argument('-d', '--debug', action='store_true',
                        help='Log at DEBUG level, with the libraries\' INFO '
                             'lines (Alembic, oslo.service) that are '
                             'otherwise hidden ([DEFAULT] debug).')
    args, oslo_args = parser.parse_known_args(argv)
    if args.debug:
        oslo_args.append('--debug')
    for path in args.config_file:
        oslo_args += ['--config-file', path]
    for path in args.config_dir:
        oslo_args += ['--config-dir', path]
    return args, oslo_args


def build_server(app, host=DEFAULT_HOST, port=DEFAULT_PORT,
                 threads=DEFAULT_THREADS):
    """The HTTP server for ``app`` (not started); see http_server."""
    from nova_faults.api import http_server
    return http_server.build_server(app, host, port, threads)


def load_conf(oslo_args, state_path=None):
    conf = cfg.ConfigOpts()
    logging.register_options(conf)
    nf_conf.load(oslo_args, conf=conf)
    if state_path:
        conf.set_override('state_path', os.path.abspath(
            os.path.expanduser(state_path)))
    return conf


def quiet_library_warnings():
    """Silence the import-time warnings of libraries (see the NOTE)."""
    for message in _LIBRARY_WARNINGS:
        warnings.filterwarnings('ignore', message=message)


def setup_logging(conf):
    """oslo.log for this command; library INFO only with ``--debug``."""
    if not conf.debug:
        conf.set_default('default_log_levels',
                         logging.get_default_log_levels() +
                         list(QUIET_LOGGERS))
    logging.setup(conf, 'nova-faults')


def is_embedded(conf):
    """Whether the embedded SQLite default is in use."""
    return not conf.api_database.connection


def auth_problem(conf):
    """Why ``conf`` cannot authenticate any request, or None.

    With ``[api] auth_strategy = keystone`` keystonemiddleware needs
    credentials of its own (``[keystone_authtoken] auth_type``, or an
    ``auth_section`` holding them) to validate tokens; without them every
    request would fail.
    """
    if conf.api.auth_strategy != 'keystone':
        return None
    from keystoneauth1 import loading as ks_loading
    ks_loading.register_auth_conf_options(conf, 'keystone_authtoken')
    # NOTE: with an auth_section, auth_type is registered (and read) in
    # that section.
    group = conf.keystone_authtoken
    if group.auth_section or group.auth_type:
        return None
    return ('[api] auth_strategy is keystone (the default with a '
            'configuration file) but [keystone_authtoken] has no '
            'auth_type: no token could be validated. Configure '
            '[keystone_authtoken] (auth_type, auth_url, username, '
            'password, ...) or, for development only, set [api] '
            'auth_strategy = noauth.')


def prepare_embedded(conf):
    """Create and migrate the embedded SQLite databases if needed."""
    from nova_faults.db import migration
    return migration.ensure_embedded(conf)


def populate_demo(conf):
    """Fill the databases with the demo deployment, if this build has it.

    Returns the demo module, or None when it is not available.
    """
    try:
        from nova_faults import demo
    except ImportError:
        LOG.warning('--demo: the demo data is not available in this build')
        return None
    demo.populate(conf)
    return demo


def _is_loopback(host):
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == 'localhost'


def _logs_to_console(conf):
    return not (conf.log_file or conf.log_dir or conf.use_syslog or
                conf.use_journal)


def warn_noauth(conf, host):
    """The noauth banner, once, where the operator sees it."""
    LOG.warning(_NOAUTH_BANNER)
    if not _logs_to_console(conf):
        # The log goes elsewhere: the terminal gets the banner too.
        sys.stderr.write(_NOAUTH_BANNER)
    if not _is_loopback(host):
        LOG.warning('noauth is listening on %s, which is not a loopback '
                    'address: anyone who can reach it is admin.', host)


def main(argv=None):
    args, oslo_args = parse_args(sys.argv[1:] if argv is None else argv)
    quiet_library_warnings()
    conf = load_conf(oslo_args, state_path=args.state_path)
    setup_logging(conf)

    if is_embedded(conf) and not conf.config_file and \
            conf.api.auth_strategy != 'noauth':
        # NOTE: a laptop quick start has no keystone; with no
        # configuration at all the development pipeline is forced.
        conf.set_override('auth_strategy', 'noauth', group='api')
    problem = auth_problem(conf)
    if problem:
        # Said once on the terminal; in the log file too if there is one.
        if not _logs_to_console(conf):
            LOG.error('Not starting: %s', problem)
        sys.stderr.write('nova-faults-api: not starting: %s\n' % problem)
        return CONFIG_ERROR

    # NOTE: the port first. A second start while one is still running (or
    # a port taken by another server) is refused before any database is
    # created, any demo is made or printed, or any heartbeat is sent.
    server = build_server(None, args.host, args.port, args.threads)
    try:
        server.prepare()
    except OSError as exc:
        # One line, not a traceback.
        LOG.error('Not starting: cannot listen on %s:%s: %s',
                  args.host, args.port, exc)
        sys.stderr.write('nova-faults-api: not starting: cannot listen on '
                         '%s:%s (is another server using it? --port '
                         'chooses another): %s\n'
                         % (args.host, args.port, exc))
        return CONFIG_ERROR
    heartbeats = []
    try:
        server.wsgi_app = _load_application(conf, args, heartbeats)
        host, port = server.bind_addr[:2]
        url_host = '[%s]' % host if ':' in host else host
        LOG.info('nova-faults-api listening on http://%s:%s/ (%d threads, '
                 'auth_strategy %s)', url_host, port, args.threads,
                 conf.api.auth_strategy)
        sys.stdout.write('nova-faults-api listening on http://%s:%s/\n'
                         % (url_host, port))
        sys.stdout.flush()

        def _stop(signum, frame):
            raise KeyboardInterrupt()
        signal.signal(signal.SIGTERM, _stop)
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        for heartbeat in heartbeats:
            heartbeat.stop()
    return 0


def _load_application(conf, args, heartbeats):
    """The databases, the demo (its heartbeats into ``heartbeats``), the app.

    Runs once the port is taken; the connections waiting meanwhile are
    answered once it returns.
    """
    if is_embedded(conf):
        LOG.info('No [api_database] connection: using the embedded SQLite '
                 'databases under %s', conf.state_path)
        prepare_embedded(conf)
    if args.demo:
        demo = populate_demo(conf)
        if demo is not None:
            heartbeats.extend(demo.start_heartbeats(conf))

    from nova_faults.api import deploy
    from nova_faults.api.middleware import base as middleware_base
    # The start-up work above ran with an admin context: forget it.
    middleware_base.forget_thread_context()
    if conf.api.auth_strategy == 'noauth':
        warn_noauth(conf, args.host)
    app = deploy.loadapp(conf)
    deploy.freeze_loaded_objects()
    return app


if __name__ == '__main__':
    sys.exit(main())
