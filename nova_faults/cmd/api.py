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

    nova-faults-api [--config-file F] [--host 127.0.0.1] [--port 8774]
                    [--threads 16] [--demo]

With no configuration file and no ``[api_database] connection`` it runs
the embedded default: SQLite databases under ``[DEFAULT] state_path``
(created and migrated on first start, one cell) and the development
``noauth`` pipeline, loudly, on 127.0.0.1 only. ``--demo`` fills the
databases with a small demo deployment. Production deployments can also
run ``nova_faults.wsgi.api:application`` under uWSGI, gunicorn or
mod_wsgi.
"""

import argparse
import ipaddress
import signal
import sys

from cheroot import wsgi as cheroot_wsgi
from oslo_config import cfg
from oslo_log import log as logging

from nova_faults import conf as nf_conf

LOG = logging.getLogger(__name__)

DEFAULT_HOST = '127.0.0.1'
DEFAULT_PORT = 8774
DEFAULT_THREADS = 16
# NOTE: cheroot reads headers without limit by default. The request line
# and headers together may hold 64 KiB (Nova's eventlet server allows
# 16 KiB per header line; a Fernet token is a few hundred bytes): more
# is refused with 413 before the application sees it.
MAX_REQUEST_HEADER_SIZE = 64 * 1024

_NOAUTH_BANNER = """
***************************************************************************
*  nova-faults-api is running WITHOUT AUTHENTICATION ("noauth").          *
*  Any "X-Auth-Token: user:project" is trusted; user "admin" is admin.    *
*  This is for development and tests only. Configure [api] auth_strategy  *
*  = keystone and [keystone_authtoken] for anything else.                 *
***************************************************************************
"""


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='nova-faults-api',
        description='Serve the nova-faults compute API.',
        epilog='Other options are passed to oslo.config.')
    parser.add_argument('--config-file', action='append', default=[],
                        metavar='PATH',
                        help='A configuration file (may be repeated). '
                             'None: the usual oslo.config search; no file '
                             'at all runs the embedded default.')
    parser.add_argument('--config-dir', action='append', default=[],
                        metavar='DIR',
                        help='A directory of *.conf files (may be '
                             'repeated).')
    parser.add_argument('--host', default=DEFAULT_HOST,
                        help='Address to listen on (default %(default)s).')
    parser.add_argument('--port', type=int, default=DEFAULT_PORT,
                        help='TCP port (default %(default)s; 0 picks a '
                             'free one).')
    parser.add_argument('--threads', type=int, default=DEFAULT_THREADS,
                        help='Worker threads of the WSGI server (default '
                             '%(default)s).')
    parser.add_argument('--demo', action='store_true',
                        help='Fill the databases with demo data first.')
    args, oslo_args = parser.parse_known_args(argv)
    for path in args.config_file:
        oslo_args += ['--config-file', path]
    for path in args.config_dir:
        oslo_args += ['--config-dir', path]
    return args, oslo_args


def build_server(app, host=DEFAULT_HOST, port=DEFAULT_PORT,
                 threads=DEFAULT_THREADS):
    """A cheroot WSGI server for ``app`` (not started)."""
    server = cheroot_wsgi.Server((host, port), app, numthreads=threads,
                                 server_name='nova-faults-api')
    server.max_request_header_size = MAX_REQUEST_HEADER_SIZE
    return server


def load_conf(oslo_args):
    conf = cfg.ConfigOpts()
    logging.register_options(conf)
    nf_conf.load(oslo_args, conf=conf)
    return conf


def is_embedded(conf):
    """Whether the embedded SQLite default is in use."""
    return not conf.api_database.connection


def prepare_embedded(conf):
    """Create and migrate the embedded SQLite databases if needed."""
    from nova_faults.db import migration
    return migration.ensure_embedded(conf)


def populate_demo(conf):
    """Fill the databases with the demo deployment, if this build has it."""
    try:
        from nova_faults import demo
    except ImportError:
        LOG.warning('--demo: the demo data is not available in this build')
        return None
    return demo.populate(conf)


def _is_loopback(host):
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == 'localhost'


def main(argv=None):
    args, oslo_args = parse_args(sys.argv[1:] if argv is None else argv)
    conf = load_conf(oslo_args)
    logging.setup(conf, 'nova-faults')

    if is_embedded(conf):
        LOG.info('No [api_database] connection: using the embedded SQLite '
                 'databases under %s', conf.state_path)
        prepare_embedded(conf)
        if not conf.config_file and conf.api.auth_strategy != 'noauth':
            # NOTE: a laptop quick start has no keystone; with no
            # configuration at all the development pipeline is forced.
            conf.set_override('auth_strategy', 'noauth', group='api')
    if args.demo:
        populate_demo(conf)

    if conf.api.auth_strategy == 'noauth':
        LOG.warning(_NOAUTH_BANNER)
        sys.stderr.write(_NOAUTH_BANNER)
        if not _is_loopback(args.host):
            LOG.warning('noauth is listening on %s, which is not a '
                        'loopback address: anyone who can reach it is '
                        'admin.', args.host)

    from nova_faults.api import deploy
    from nova_faults.api.middleware import base as middleware_base
    # The start-up work above ran with an admin context: forget it.
    middleware_base.forget_thread_context()
    app = deploy.loadapp(conf)
    server = build_server(app, args.host, args.port, args.threads)
    server.prepare()
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
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
