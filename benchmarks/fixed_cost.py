#!/usr/bin/env python
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

"""Where a small request's time goes, piece by piece, against the raw one.

::

    python benchmarks/fixed_cost.py --routes actions_list_2.84

On the deployment of :mod:`bench_measure` (SQLite, one cell, 200
servers), in process, each piece of a route's request is timed alone,
made as the request makes it (``timeit``, the best of ``--repeat``
rounds of ``--number`` calls), then the whole request through the paste
pipeline and the raw baseline (plain SQL and JSON). The pieces:

* the request context, with the ``context_is_admin`` check Nova makes
  on every request (oslo.context, oslo.policy);
* the look at the policy files, once per request (``policy_files``);
* one policy check (oslo.policy), times the route's checks;
* the engine options read for a database (oslo.config), per database;
* the cell context the cell's reads are made on;
* the query string validated (jsonschema);
* the route's own reads, each database's in a read scope (oslo.db's
  enginefacade): the part the raw baseline does too;
* the answer encoded and wrapped (``json_response``).

What the request costs beyond their sum is the rest: the middleware,
the route's match, the views. Below each table: the request with a stub
in place of the router (the middleware alone, with the request
context), a read scope opened and closed without a query, and the
request's log line through oslo.log as ``nova-faults-api`` sets it up,
written to ``/dev/null`` (over HTTP only: the in-process request does
not log).
"""

import argparse
import contextlib
import json
import logging
import os
import sys
import timeit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))

from oslo_config import cfg  # noqa: E402
from oslo_log import log as oslo_logging  # noqa: E402
import webob  # noqa: E402

import bench_data  # noqa: E402
import bench_measure  # noqa: E402
from nova_faults.api.middleware import auth  # noqa: E402
from nova_faults.api.middleware import request_log  # noqa: E402
from nova_faults.api import router  # noqa: E402
from nova_faults.api.schemas import instance_actions as ia_schema  # noqa
from nova_faults.api.schemas import services as services_schema  # noqa
from nova_faults.api import validation  # noqa: E402
from nova_faults.api import wsgi_util  # noqa: E402
from nova_faults import cells  # noqa: E402
from nova_faults.cmd import api as cmd_api  # noqa: E402
from nova_faults import context  # noqa: E402
from nova_faults.db import api as db_api  # noqa: E402
from nova_faults.objects import instance  # noqa: E402
from nova_faults.objects import instance_action  # noqa: E402
from nova_faults.objects import mappings  # noqa: E402
from nova_faults.objects import service  # noqa: E402
from nova_faults.policies import instance_actions  # noqa: E402
from nova_faults import policy  # noqa: E402

ROUTES = ('actions_list_2.84', 'action_show_2.84', 'services_2.84')


def _best(fn, number, repeat):
    """Microseconds per call of ``fn``: the best of ``repeat`` rounds."""
    fn()
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


@contextlib.contextmanager
def _logging_to_devnull():
    """oslo.log set up as ``nova-faults-api`` does, writing nowhere."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    conf = cfg.ConfigOpts()
    oslo_logging.register_options(conf)
    conf([], project='nova-faults', default_config_files=[])
    with open(os.devnull, 'w') as devnull:
        stderr, sys.stderr = sys.stderr, devnull
        try:
            cmd_api.setup_logging(conf)
        finally:
            sys.stderr = stderr
        for handler in root.handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(devnull)
        try:
            yield
        finally:
            root.handlers[:], root.level = saved


class Pieces:
    """The pieces of a request of ``route`` on a built deployment.

    A piece that needs nothing prepared is a method, timed as it is;
    one that does (a request, a schema, an answer's body) is a method
    that prepares it and returns the function to time.
    """

    def __init__(self, built, route):
        self.built, self.route = built, route
        self.conf = built.deployment.conf
        self.app = bench_measure.load_app(self.conf)
        self.path, self.version = bench_measure.paths(built)[route]
        self.target = bench_measure.targets(built)
        ctx = self.context()
        cells.bind_api_database(ctx, self.conf)
        self.ctx = ctx
        self.mapping = mappings.InstanceMapping.get_by_instance_uuid(
            ctx, self.target['server'])
        self.cell = self.mapping['cell_mapping']
        self.cctx = cells.cell_context(ctx, self.cell, self.conf)
        self.api_db = db_api.get_api_context_manager(self.conf)
        # Warm the route (engines, pools, caches, the policy rules).
        for _ in range(30):
            self.request()

    def context(self):
        return context.RequestContext(
            user_id='admin', project_id='project-00',
            roles=list(auth.ADMIN_ROLES))

    def request(self):
        return bench_measure.call(self.app, self.path, self.version)

    def policy_check(self):
        return self.ctx.can(instance_actions.LIST,
                            target={'project_id': 'project-00'})

    def policy_look(self):
        return policy._enforcer()._files.look()

    def engine_options(self):
        return db_api.get_api_context_manager(self.conf)

    def api_scope(self):
        with db_api.reader(self.api_db, self.ctx):
            pass

    def cell_scope(self):
        with cells.reader(self.cctx):
            pass

    def cell_context(self):
        return cells.cell_context(self.ctx, self.cell, self.conf)

    def validation(self):
        schema = {
            'actions_list_2.84': ia_schema.index_query_schema,
            'action_show_2.84': ia_schema.show_query_schema,
            'services_2.84': services_schema.index_query_for,
        }[self.route]((2, 84))
        req = webob.Request.blank(self.path)
        return lambda: validation.validate_query(req, schema)

    def encoding(self):
        body = json.loads(self.request())
        req = webob.Request.blank(self.path)
        req.environ['nova_faults.context'] = self.ctx
        return lambda: wsgi_util.json_response(req, body)

    def log_line(self):
        middleware = request_log.RequestLog(None)
        environ = {'REMOTE_ADDR': '127.0.0.1', 'REQUEST_METHOD': 'GET',
                   'SCRIPT_NAME': '/v2.1', 'PATH_INFO': self.path,
                   'nova_faults.context': self.ctx}
        return lambda: middleware._log(environ, '200 OK', 1000, 0.0)

    def middleware(self):
        """A context manager: a stub answers in place of the router.

        The request then costs the middleware alone (with the request
        context).
        """
        parent = None
        for _prefix, app in self.app.mapping:
            while hasattr(app, 'application'):
                if isinstance(app.application, router.APIRouter):
                    parent = app
                    break
                app = app.application
            if parent is not None:
                break
        body = self.request()

        def stub(environ, start_response):
            start_response('200 OK', [
                ('Content-Type', 'application/json'),
                ('Content-Length', str(len(body)))])
            return [body]

        @contextlib.contextmanager
        def stubbed():
            real, parent.application = parent.application, stub
            try:
                yield
            finally:
                parent.application = real
        return stubbed

    def reads(self):
        """The route's reads, each database's in a read scope.

        As the route makes them: the part of the request the raw baseline
        does too.
        """
        server = self.target['server']

        def server_reads(cctx):
            with cells.reader(cctx):
                found = instance.Instance.get_by_uuid(cctx, server,
                                                      read_deleted='yes')
                if self.route == 'actions_list_2.84':
                    instance_action.InstanceActionList.get_by_instance_uuid(
                        cctx, found['uuid'], limit=1000)
                else:
                    action = instance_action.InstanceAction \
                        .get_by_request_id(cctx, server,
                                           self.target['request_id'])
                    instance_action.InstanceActionEventList.get_by_action(
                        cctx, action['id'])

        def fn():
            if self.route == 'services_2.84':
                service.ServiceList.get_all(self.cctx)
                return
            mappings.InstanceMapping.get_by_instance_uuid(self.ctx, server)
            server_reads(self.cctx)
        return fn


def measure(route, number, repeat):
    """``{piece: microseconds}`` and the request's counts of each."""
    built = bench_data.build('sqlite', 1, 200, hosts=20, record=0)
    try:
        p = Pieces(built, route)
        # (name, function, times per request); action show checks its
        # policy, then whether events and their details are shown.
        checks = 3 if route == 'action_show_2.84' else 1
        databases = 1 if route == 'services_2.84' else 2
        pieces = [
            ('request context (with context_is_admin)', p.context, 1),
            ('policy files looked at', p.policy_look, 1),
            ('policy check', p.policy_check, checks),
            ('engine options read', p.engine_options, databases),
            ('cell context', p.cell_context, 1),
            ('query validated', p.validation(), 1),
            ("the route's reads, each database in its read scope",
             p.reads(), 1),
            ('answer encoded', p.encoding(), 1),
        ]
        results = {'route': route, 'pieces': []}
        for name, fn, times in pieces:
            results['pieces'].append({'piece': name, 'times': times,
                                      'us': round(_best(fn, number,
                                                        repeat), 1)})
        scopes = [('API database', p.api_scope)] if databases == 2 else []
        scopes.append(('cell database', p.cell_scope))
        results['empty_scopes_us'] = {
            name: round(_best(fn, number, repeat), 1) for name, fn in scopes}
        with _logging_to_devnull():
            results['log_line_us'] = round(
                _best(p.log_line(), number, repeat), 1)
        with p.middleware()():
            results['middleware_us'] = round(
                _best(p.request, number, repeat), 1)
        results['request_us'] = round(_best(p.request, number, repeat), 1)
        raw = bench_measure.Baseline(built).function(route)
        results['raw_us'] = round(_best(raw, number, repeat), 1)
        return results
    finally:
        bench_data.dispose(built)


def table(results):
    lines = ['\n### %s (SQLite, in process)\n' % results['route'],
             '| piece | us | per request | us per request |',
             '| --- | --- | --- | --- |']
    total = 0.0
    for piece in results['pieces']:
        per = piece['us'] * piece['times']
        total += per
        lines.append('| %s | %.1f | %d | %.1f |' % (
            piece['piece'], piece['us'], piece['times'], per))
    request, raw = results['request_us'], results['raw_us']
    lines += [
        '| the rest: the middleware, the route, the views | | | %.1f |'
        % (request - total),
        '| **the request** | | | **%.1f** |' % request,
        '| **the raw baseline** (its reads and encoding) | | | **%.1f** '
        '(request / raw: x%.2f) |' % (raw, request / raw),
    ]
    lines.append('\nThe middleware alone (a stub for the router; the '
                 'request context included): %.1f us. A read scope opened '
                 'and closed without a query: %s. The request\'s log line '
                 '(over HTTP only): %.1f us.' % (
                     results['middleware_us'], ', '.join(
                         '%s %.1f us' % item for item in
                         results['empty_scopes_us'].items()),
                     results['log_line_us']))
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--routes', default=','.join(ROUTES),
                        help='comma-separated, among %s' % ', '.join(ROUTES))
    parser.add_argument('--number', type=int, default=2000,
                        help='calls per round')
    parser.add_argument('--repeat', type=int, default=5,
                        help='rounds; the best is kept')
    parser.add_argument('--output', help='write the results as JSON')
    args = parser.parse_args(argv)
    routes = [r for r in args.routes.split(',') if r]
    unknown = set(routes) - set(ROUTES)
    if unknown:
        raise SystemExit('unknown routes: %s' % ', '.join(sorted(unknown)))
    results = [measure(route, args.number, args.repeat) for route in routes]
    for one in results:
        print(table(one))
    if args.output:
        with open(args.output, 'w') as handle:
            json.dump({'unit': 'microseconds', 'number': args.number,
                       'repeat': args.repeat, 'routes': results}, handle,
                      indent=1, sort_keys=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
