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

"""``nova-faults-status upgrade check``: is this deployment ready to serve?

::

    nova-faults-status [--config-file F] upgrade check [--json]

Checks, in the style of ``nova-status`` (oslo.upgradecheck):

* **API database**: reachable, and when nova-faults created it, at the
  newest revision of its migrations. A database holding Nova's own tables
  (nova-faults beside Nova) is read as it is and never migrated: success.
* **Cells**: every cell in ``cell_mappings`` answers within ``[api]
  cell_timeout``, and a cell database nova-faults created is at the
  newest revision.
* **Policy file**: oslo.upgradecheck's common check (no JSON policy
  file) plus the file's rules: syntax, references to unknown rules and
  loops (failure), rules nova-faults does not know (warning).
* **Service down time**: ``[DEFAULT] service_down_time`` greater than
  ``report_interval``; otherwise it is raised to 2.5 times the interval,
  as Nova does (warning).

Exit codes are oslo.upgradecheck's: 0 success, 1 warning, 2 failure,
255 the check itself crashed. Messages never carry database passwords.
"""

import os
import sys
import threading
import time

from oslo_config import cfg
from oslo_db.sqlalchemy import engines
from oslo_policy import policy as oslo_policy
from oslo_upgradecheck import common_checks
from oslo_upgradecheck import upgradecheck
import sqlalchemy as sa
import yaml

from nova_faults import cells
from nova_faults import conf as nf_conf
from nova_faults import context as nf_context
from nova_faults.db import api as db_api
from nova_faults.db import mappings as db_mappings
from nova_faults.db import migration
from nova_faults.db import migrations
from nova_faults.db import models
from nova_faults import policies
from nova_faults import servicegroup

Code = upgradecheck.Code
Result = upgradecheck.Result

_NOVA_TABLES = {
    migration.API: set(models.API_TABLES),
    migration.MAIN: set(models.MAIN_TABLES),
}


def _revision(connection):
    """The nova-faults revision recorded in an open connection's database."""
    from alembic import migration as alembic_migration
    ctx = alembic_migration.MigrationContext.configure(
        connection, opts={'version_table': migrations.VERSION_TABLE})
    return ctx.get_current_revision()


def inspect_database(connection, database):
    """``(state, revision)`` of a database reached through ``connection``.

    ``state`` is ``'ours'`` (created by nova-faults; ``revision`` is its
    revision), ``'nova'`` (Nova's own tables, read as they are) or
    ``'empty'``.
    """
    tables = set(sa.inspect(connection).get_table_names())
    if migrations.VERSION_TABLE in tables:
        return 'ours', _revision(connection)
    if tables & _NOVA_TABLES[database]:
        return 'nova', None
    return 'empty', None


def _revision_problem(name, state, revision, database):
    """A failure message, or None when the database is usable."""
    if state == 'empty':
        return ('%s has no nova-faults tables: run "nova-faults-manage db '
                'sync".' % name)
    if state == 'ours' and revision != migration.head(database):
        return ('%s is at revision %s, expected %s: run "nova-faults-manage '
                'db sync".' % (name, revision, migration.head(database)))
    return None


def probe_cells(ctx, conf, mappings, fn, timeout):
    """``{cell uuid: fn(cell_ctx) | exception | DID_NOT_RESPOND}``.

    Like :func:`nova_faults.cells.scatter_gather`, but on daemon threads:
    a cell whose database hangs is reported after ``timeout`` seconds and
    does not keep the command from exiting (the API's shared pool would
    wait for the hung connection at interpreter exit).
    """
    results = {}
    threads = []

    def run(uuid, cctx):
        try:
            results[uuid] = fn(cctx)
        except Exception as exc:
            results[uuid] = exc

    for mapping in mappings:
        uuid = mapping['uuid']
        try:
            cctx = cells.cell_context(ctx, mapping, conf)
        except Exception as exc:
            results[uuid] = exc
            continue
        thread = threading.Thread(target=run, args=(uuid, cctx),
                                  name='nova-faults-status-%s' % uuid,
                                  daemon=True)
        thread.start()
        threads.append(thread)
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0, deadline - time.monotonic()))
    return {mapping['uuid']: results.get(mapping['uuid'],
                                         cells.DID_NOT_RESPOND)
            for mapping in mappings}


class Checks(upgradecheck.UpgradeCommands):
    """The checks of ``nova-faults-status upgrade check``."""

    def __init__(self, conf):
        self.conf = conf
        self._upgrade_checks = (
            ('API database', Checks._check_api_database),
            ('Cells', Checks._check_cells),
            ('Policy file JSON to YAML migration',
             (common_checks.check_policy_json, {'conf': conf})),
            ('Policy file', Checks._check_policy_file),
            ('Service down time', Checks._check_service_down_time),
        )

    # -- databases ----------------------------------------------------------

    def _admin(self):
        ctx = nf_context.get_admin_context()
        ctx.api_db = db_api.get_api_context_manager(self.conf)
        return ctx

    def _embedded_missing(self):
        """The embedded API database's path if it is used and absent."""
        if self.conf.api_database.connection:
            return None
        path = db_api.api_connection_url(self.conf)[len('sqlite:///'):]
        return None if os.path.exists(path) else path

    def _check_api_database(self):
        conf = self.conf
        url = db_api.api_connection_url(conf)
        masked = db_api.mask_url(url)
        missing = self._embedded_missing()
        if missing:
            return Result(Code.WARNING, (
                'The embedded SQLite database %s does not exist yet; '
                'nova-faults-api creates it on first start (or run '
                '"nova-faults-manage db sync").' % missing))
        engine = engines.create_engine(url, max_retries=0)
        try:
            with engine.connect() as connection:
                state, revision = inspect_database(connection,
                                                   migration.API)
        except Exception as exc:
            return Result(Code.FAILURE, (
                'Cannot read the API database %s (%s).'
                % (masked, type(exc).__name__)))
        finally:
            engine.dispose()
        problem = _revision_problem('The API database %s' % masked, state,
                                    revision, migration.API)
        if problem:
            return Result(Code.FAILURE, problem)
        if state == 'nova':
            return Result(Code.SUCCESS, (
                'The API database %s is Nova\'s; nova-faults reads it and '
                'never migrates it.' % masked))
        return Result(Code.SUCCESS, 'The API database is at revision %s.'
                      % revision)

    def _check_cells(self):
        conf = self.conf
        if self._embedded_missing():
            # NOTE: reading it would create an empty SQLite file.
            return Result(Code.WARNING, 'The embedded deployment is not '
                                        'created yet (see API database).')
        try:
            mappings = db_mappings.cell_mapping_get_all(self._admin())
        except Exception as exc:
            return Result(Code.FAILURE, (
                'Cannot read the cell mappings (%s).' % type(exc).__name__))
        if not mappings:
            return Result(Code.FAILURE, (
                'No cell is mapped: run "nova-faults-manage cell create" '
                '(or "nova-manage cell_v2" beside Nova).'))

        def probe(cctx):
            with cctx.cell.reader.connection.using(cctx) as connection:
                connection.execute(sa.text('SELECT 1'))
                database = migration.MAIN
                return inspect_database(connection, database)

        timeout = conf.api.cell_timeout
        results = probe_cells(self._admin(), conf, mappings, probe, timeout)
        problems = []
        for mapping in mappings:
            uuid = mapping['uuid']
            name = 'Cell %s (%s)' % (mapping['name'] or '-', uuid)
            result = results.get(uuid, cells.DID_NOT_RESPOND)
            if result is cells.DID_NOT_RESPOND:
                problems.append('%s did not respond within %s seconds '
                                '([api] cell_timeout).' % (name, timeout))
            elif cells.is_down(result):
                problems.append('%s is not reachable (%s).' % (
                    name, type(result).__name__))
            elif cells.is_failure(result):
                # Not a connection failure: say so, not "not reachable".
                problems.append('%s could not be checked: %s.' % (
                    name, cells.failure_reason(result)))
            else:
                problem = _revision_problem(name, result[0], result[1],
                                            migration.MAIN)
                if problem:
                    problems.append(problem)
        if problems:
            return Result(Code.FAILURE, '\n'.join(problems))
        return Result(Code.SUCCESS, '%d cell(s) reachable.' % len(mappings))

    # -- policy -------------------------------------------------------------

    def _check_policy_file(self):
        conf = self.conf
        enforcer = oslo_policy.Enforcer(conf, use_conf=True)
        enforcer.register_defaults(policies.list_rules())
        enforcer.suppress_deprecation_warnings = True
        try:
            enforcer.load_rules()
        except Exception as exc:
            return Result(Code.FAILURE, (
                'The policy file %s cannot be read (%s).' % (
                    conf.oslo_policy.policy_file, type(exc).__name__)))
        path = conf.find_file(conf.oslo_policy.policy_file)
        if path is None:
            if conf.oslo_policy.policy_file != 'policy.yaml':
                return Result(Code.WARNING, (
                    '[oslo_policy] policy_file %s was not found: the '
                    'defaults in the code apply.'
                    % conf.oslo_policy.policy_file))
            return Result(Code.SUCCESS, 'No policy file: the defaults in '
                                        'the code apply.')
        with open(path) as f:
            raw = yaml.safe_load(f) or {}
        failures, warnings = [], []
        for name, rule in sorted(enforcer.file_rules.items()):
            if name not in enforcer.registered_rules:
                warnings.append('Unknown rule %s (not a nova-faults rule; '
                                'it has no effect unless another rule '
                                'refers to it).' % name)
            if str(enforcer.rules[name]) == '!' and \
                    str(raw.get(name)).strip() != '!':
                failures.append('Rule %s cannot be parsed: %r.'
                                % (name, raw.get(name)))
        if not enforcer.check_rules(raise_on_violation=False):
            failures.append('Some rules refer to rules that do not exist '
                            'or form a loop (see the log for which).')
        if failures:
            return Result(Code.FAILURE, '\n'.join(failures + warnings))
        if warnings:
            return Result(Code.WARNING, '\n'.join(warnings))
        return Result(Code.SUCCESS, 'The policy file %s is valid.' % path)

    # -- service groups -----------------------------------------------------

    def _check_service_down_time(self):
        conf = self.conf
        down, interval = conf.service_down_time, conf.report_interval
        if down <= interval:
            return Result(Code.WARNING, (
                '[DEFAULT] service_down_time (%d) must be greater than '
                'report_interval (%d); %d (2.5 times report_interval) is '
                'used instead, as Nova does.' % (
                    down, interval, servicegroup.service_down_time(conf))))
        return Result(Code.SUCCESS)


def main(argv=None):
    conf = cfg.ConfigOpts()
    nf_conf.register_opts(conf)
    default_files = None
    env = os.environ.get(nf_conf.CONFIG_FILES_ENV)
    if env:
        default_files = [f for f in env.split(';') if f]
    return upgradecheck.main(
        conf, 'nova-faults', Checks(conf),
        argv=sys.argv[1:] if argv is None else argv,
        default_config_files=default_files)


if __name__ == '__main__':
    sys.exit(main())
