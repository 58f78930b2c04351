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

"""``nova-faults-manage``: operator commands, in the style of nova-manage.

::

    nova-faults-manage [--config-file F] db sync
    nova-faults-manage [--config-file F] db version
    nova-faults-manage [--config-file F] cell create --name N \\
        --database-connection URL [--transport-url URL] [--sync]
    nova-faults-manage [--config-file F] cell list
    nova-faults-manage [--config-file F] demo

Exit codes: 0 success; 1 the command failed (a database unreachable, a
bad URL, ...); 2 wrong usage; 3 ``db sync`` refused a database that
nova-faults did not create (Nova's own, for example). Database and
transport URLs are always printed with their password masked (``***``);
error messages never carry a driver's exception text.

Logging is oslo.log's, configured by the usual ``[DEFAULT]`` options
(``debug``, ``log_file``, ...); without a log file it goes to standard
error, so that standard output only carries the command's own output
(``cell create`` prints a UUID scripts can read).
"""

import sys

from oslo_config import cfg
from oslo_log import log as logging

from nova_faults import conf as nf_conf
from nova_faults import context as nf_context
from nova_faults.db import api as db_api
from nova_faults.db import mappings as db_mappings
from nova_faults.db import migration
from nova_faults import exception

LOG = logging.getLogger(__name__)

SUCCESS = 0
FAILURE = 1
USAGE = 2
REFUSED = 3


def _print(*args):
    print(*args)


def _err(message):
    print(message, file=sys.stderr)


def _admin(conf):
    ctx = nf_context.get_admin_context()
    ctx.api_db = db_api.get_api_context_manager(conf)
    return ctx


# ---------------------------------------------------------------------------
# db
# ---------------------------------------------------------------------------


def db_sync(conf):
    """Migrate the API database and every cell database."""
    try:
        done = migration.db_sync(conf)
    except exception.ForeignDatabase as exc:
        _err(exc.format_message())
        return REFUSED
    for name, url, revision in done:
        _print('%s database %s is at revision %s' % (name, url, revision))
    return SUCCESS


def db_version(conf):
    """Print the revision of the API database and of every cell."""
    api_url = db_api.api_connection_url(conf)
    _print('API: %s' % (migration.get_version(api_url, migration.API) or
                        'not created by nova-faults'))
    try:
        cells = db_mappings.cell_mapping_get_all(_admin(conf))
    except Exception as exc:
        _err('Cannot read cell mappings: %s' % type(exc).__name__)
        return FAILURE
    for cell in cells:
        url = db_api.format_db_url(conf, cell['database_connection'])
        version = migration.get_version(url, migration.MAIN) if url else None
        _print('%s: %s' % (cell['name'] or cell['uuid'],
                           version or 'not created by nova-faults'))
    return SUCCESS


# ---------------------------------------------------------------------------
# cell
# ---------------------------------------------------------------------------


def cell_create(conf):
    """Map a new cell; print its UUID."""
    args = conf.category
    try:
        url = db_api.format_db_url(conf, args.database_connection)
        from sqlalchemy.engine import url as sa_url
        sa_url.make_url(url)
    except Exception:
        _err('Invalid database connection URL: %s'
             % db_api.mask_url(args.database_connection))
        return USAGE
    try:
        cell = migration.create_cell(
            conf, args.cell_name, args.database_connection,
            transport_url=args.transport_url, sync=args.sync)
    except exception.ForeignDatabase as exc:
        _err(exc.format_message())
        return REFUSED
    _print(cell['uuid'])
    return SUCCESS


def _table(headers, rows):
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(str(v))) for w, v in zip(widths, row)]
    line = '+' + '+'.join('-' * (w + 2) for w in widths) + '+'

    def render(values):
        cells = [str(v).ljust(w) for v, w in zip(values, widths)]
        return '| ' + ' | '.join(cells) + ' |'

    out = [line, render(headers), line]
    out.extend(render(row) for row in rows)
    out.append(line)
    return '\n'.join(out)


def cell_list(conf):
    """Print the cell mappings as a table (passwords masked)."""
    cells = db_mappings.cell_mapping_get_all(_admin(conf))
    headers = ['Name', 'UUID', 'Transport URL', 'Database Connection',
               'Disabled']
    rows = [[cell['name'] or '', cell['uuid'],
             db_api.mask_url(cell['transport_url']) or '',
             db_api.mask_url(cell['database_connection']) or '',
             bool(cell['disabled'])] for cell in cells]
    _print(_table(headers, rows))
    return SUCCESS


# ---------------------------------------------------------------------------
# demo
# ---------------------------------------------------------------------------
# NOTE: the demo sub-command is owned by the demo helper
# (nova_faults/demo.py, populate(conf)); this is only its entry point.


def demo(conf):
    """Fill the databases with a demo deployment (see nova_faults.demo)."""
    try:
        from nova_faults import demo as demo_module
    except ImportError:
        _err('The demo is not available in this build.')
        return FAILURE
    migration.ensure_embedded(conf)
    result = demo_module.populate(conf)
    return SUCCESS if result is None else result


# ---------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------


def add_command_parsers(subparsers):
    db = subparsers.add_parser('db', help='Database commands.')
    db_actions = db.add_subparsers(dest='db_action', metavar='<action>')
    db_actions.required = True
    parser = db_actions.add_parser(
        'sync', help='Create or migrate the API database and every cell '
                     'database (never one nova-faults did not create).')
    parser.set_defaults(action_fn=db_sync)
    parser = db_actions.add_parser(
        'version', help='Print the revision of every database.')
    parser.set_defaults(action_fn=db_version)

    cell = subparsers.add_parser('cell', help='Cell mapping commands.')
    cell_actions = cell.add_subparsers(dest='cell_action',
                                       metavar='<action>')
    cell_actions.required = True
    parser = cell_actions.add_parser(
        'create', help='Map a new cell and print its UUID. Run "db sync" '
                       'afterwards (or give --sync) to create its tables.')
    parser.add_argument('--name', dest='cell_name', required=True,
                        help='Name of the cell.')
    parser.add_argument('--database-connection', required=True,
                        dest='database_connection',
                        help='SQLAlchemy URL of the cell database.')
    parser.add_argument('--transport-url', dest='transport_url',
                        default=None,
                        help='Message queue URL of the cell (only stored; '
                             'default none:///).')
    parser.add_argument('--sync', action='store_true', default=False,
                        help='Create the cell database tables now.')
    parser.set_defaults(action_fn=cell_create)
    parser = cell_actions.add_parser(
        'list', help='List the cells (passwords masked).')
    parser.set_defaults(action_fn=cell_list)

    # NOTE: the demo sub-command; its implementation is nova_faults.demo.
    parser = subparsers.add_parser(
        'demo', help='Fill the databases with a demo deployment.')
    parser.set_defaults(action_fn=demo)


def main(argv=None):
    """Entry point of ``nova-faults-manage``; returns the exit code."""
    conf = cfg.ConfigOpts()
    logging.register_options(conf)
    # NOTE: our default only: the command's output owns standard output.
    conf.set_default('use_stderr', True)
    conf.register_cli_opt(cfg.SubCommandOpt(
        'category', title='Command categories',
        handler=add_command_parsers))
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        nf_conf.load(argv, conf=conf)
    except cfg.Error as exc:
        _err(str(exc))
        return USAGE
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else USAGE
    logging.setup(conf, 'nova-faults')
    try:
        return conf.category.action_fn(conf)
    except exception.NovaFaultsException as exc:
        _err(exc.format_message())
        return FAILURE
    except Exception as exc:
        # NOTE: never print the exception text: a database driver's message
        # may carry the connection URL.
        _err('%s failed: %s' % (conf.category.name, type(exc).__name__))
        LOG.debug('Command failed', exc_info=True)
        return FAILURE


if __name__ == '__main__':
    sys.exit(main())
