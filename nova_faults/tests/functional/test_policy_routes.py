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

"""Every route refuses a caller who lacks its rule; who sees what, per
persona, route and microversion.

``RouteWalkTest`` is the one walk of ``nova_faults.api.router.ROUTES``
(placement's ``test_verify_policy`` style): for every path and method it
sets the route's rule to ``"!"`` in a policy file, calls the route as an
admin and expects a 403 naming the rule; then, with the defaults back, a
user of the project with no role gets a 403 or, where Nova hides the
resource, a 404 (never a success), a project member never causes a 5xx,
and the admin's call succeeds, so the 403 came from that rule. A route
missing from ``ROUTE_POLICIES`` fails the walk: a new route must say which
rule guards it.

``PersonaMatrixTest`` holds the table of what each persona gets (admin of
another project, project member, project reader, a user of another
project, a user with no role in the project) per route and microversion:
the status and, where it matters, which keys are present (tracebacks,
details, hosts, host_status, fault details).
"""

from nova_faults.api import router
from nova_faults.tests.functional import policy_base as pb

ACTIONS = '/servers/{server_id}/os-instance-actions'
ACTION = '/servers/{server_id}/os-instance-actions/{request_id}'


def _server(t):
    return '/servers/%s' % t.server['uuid']


def _actions(t):
    return '/servers/%s/os-instance-actions' % t.server['uuid']


def _action(t):
    return '/servers/%s/os-instance-actions/%s' % (t.server['uuid'],
                                                   t.request_id)


# (template, method) -> {'rules': the rules that gate the route,
#                        'requests': [(version, path(t), body(t) or None,
#                                      success status)]}
# or a string: why the route has no policy (it must be harmless).
ROUTE_POLICIES = {
    ('/', 'GET'): 'The v2.1 version document behind a project id; like '
                  'Nova, it needs authentication and no policy.',
    ('/servers', 'GET'): {
        'rules': ['os_compute_api:servers:index'],
        'requests': [('2.1', lambda t: '/servers', None, 200),
                     ('latest', lambda t: '/servers', None, 200)]},
    ('/servers/detail', 'GET'): {
        'rules': ['os_compute_api:servers:detail'],
        'requests': [('2.1', lambda t: '/servers/detail', None, 200),
                     ('latest', lambda t: '/servers/detail', None, 200)]},
    ('/servers/{server_id}', 'GET'): {
        'rules': ['os_compute_api:servers:show'],
        'requests': [('2.1', _server, None, 200),
                     ('latest', _server, None, 200)]},
    (ACTIONS, 'GET'): {
        'rules': ['os_compute_api:os-instance-actions:list'],
        'requests': [('2.1', _actions, None, 200),
                     ('2.84', _actions, None, 200),
                     ('latest', _actions, None, 200)]},
    (ACTION, 'GET'): {
        'rules': ['os_compute_api:os-instance-actions:show'],
        'requests': [('2.1', _action, None, 200),
                     ('2.84', _action, None, 200),
                     ('latest', _action, None, 200)]},
    ('/os-services', 'GET'): {
        'rules': ['os_compute_api:os-services:list'],
        'requests': [('2.1', lambda t: '/os-services', None, 200),
                     ('latest', lambda t: '/os-services', None, 200)]},
    ('/os-services/{service_id}', 'PUT'): {
        'rules': ['os_compute_api:os-services:update'],
        'requests': [
            ('2.1', lambda t: '/os-services/enable',
             lambda t: {'host': 'compute1', 'binary': 'nova-compute'}, 200),
            ('2.53', lambda t: '/os-services/%s' % t.compute1['uuid'],
             lambda t: {'status': 'enabled'}, 200)]},
    ('/os-services/{service_id}', 'DELETE'): {
        'rules': ['os_compute_api:os-services:delete'],
        'requests': [('2.1', lambda t: '/os-services/%d' % t.compute2['id'],
                      None, 204)]},
}


class RouteWalkTest(pb.PolicyTestCase):

    def test_every_route_is_in_the_table(self):
        missing = [(template, method)
                   for template, methods in sorted(router.ROUTES.items())
                   for method in sorted(methods)
                   if (template, method) not in ROUTE_POLICIES]
        self.assertEqual([], missing, 'Routes without a policy entry in '
                         'ROUTE_POLICIES: say which rule guards them.')

    def test_unguarded_routes_are_only_the_version_document(self):
        unguarded = sorted(key for key, spec in ROUTE_POLICIES.items()
                           if isinstance(spec, str))
        self.assertEqual([('/', 'GET')], unguarded)

    def walk(self, routes, route_policies, api=None):
        """(routes walked, failures) of the walk over ``routes``."""
        api = api or self.api
        walked = 0
        failures = []
        for template, methods in sorted(routes.items()):
            for method in sorted(methods):
                spec = route_policies.get((template, method))
                if spec is None or isinstance(spec, str):
                    continue
                for version, path_fn, body_fn, ok in spec['requests']:
                    path = path_fn(self)
                    body = body_fn(self) if body_fn else None
                    what = '%s %s (%s) at %s' % (method, template, path,
                                                 version)
                    self.apply_policy(''.join(
                        '"%s": "!"\n' % rule for rule in spec['rules']))
                    user, project, roles = pb.PERSONAS['admin']
                    resp = api.request(method, path, body=body,
                                       version=version, user=user,
                                       project=project, roles=roles)
                    walked += 1
                    if resp.status_int != 403:
                        failures.append('%s: %s with its rule "!" (%s)' % (
                            what, resp.status_int, resp.text[:200]))
                        continue
                    message = resp.json['forbidden']['message']
                    if not any(rule in message for rule in spec['rules']):
                        failures.append('%s: 403 for another rule: %s'
                                        % (what, message))
                    self.use_defaults()
                    failures.extend(self.check_personas(
                        api, what, method, path, body, version))
                    resp = api.request(method, path, body=body,
                                       version=version, user=user,
                                       project=project, roles=roles)
                    if resp.status_int != ok:
                        failures.append('%s: %s with default rules, not %s'
                                        ' (%s)' % (what, resp.status_int, ok,
                                                   resp.text[:200]))
        return walked, failures

    @staticmethod
    def check_personas(api, what, method, path, body, version):
        """A caller without roles is refused; a member causes no 5xx."""
        failures = []
        user, project, roles = pb.PERSONAS['norole']
        resp = api.request(method, path, body=body, version=version,
                           user=user, project=project, roles=roles)
        if resp.status_int not in (403, 404):
            failures.append('%s: %s for a user without roles (%s)' % (
                what, resp.status_int, resp.text[:200]))
        user, project, roles = pb.PERSONAS['member']
        resp = api.request(method, path, body=body, version=version,
                           user=user, project=project, roles=roles)
        if resp.status_int >= 500:
            failures.append('%s: %s for a member (%s)' % (
                what, resp.status_int, resp.text[:200]))
        return failures

    def test_every_route_refuses_without_its_rule(self):
        walked, failures = self.walk(router.ROUTES, ROUTE_POLICIES)
        self.assertEqual([], failures)
        self.assertGreaterEqual(walked, 15)

    def test_walk_catches_a_route_without_policy_check(self):
        """The walk fails for a handler that checks no policy."""
        from nova_faults.api import deploy
        from nova_faults.api import wsgi_util
        from nova_faults.tests.functional import base

        def unguarded(req):
            return wsgi_util.json_response(req, {'ok': True})

        routes = {'/unguarded': {'GET': unguarded}}
        api = base.APIClient(deploy.loadapp(self.conf, extra_routes=routes))
        walked, failures = self.walk(routes, {('/unguarded', 'GET'): {
            'rules': ['os_compute_api:servers:index'],
            'requests': [('2.1', lambda t: '/unguarded', None, 200)]}},
            api=api)
        self.assertEqual(1, walked)
        self.assertEqual(1, len(failures))
        self.assertIn('200 with its rule "!"', failures[0])


# -- the persona matrix ------------------------------------------------------
#
# Each case: (route template, method, path(t), version, {persona:
# (status, checks)}). A check is ('has', dotted.path), ('not', ...),
# ('eq', path, value) or ('len', path, n); ".0." indexes a list.

ALL = ('admin', 'member', 'reader', 'other', 'norole')

MATRIX = [
    # --- servers --------------------------------------------------------
    ('/servers', 'GET', lambda t: '/servers', '2.1', {
        'admin': (200, [('len', 'servers', 0)]),      # its own project
        'member': (200, [('len', 'servers', 2)]),
        'reader': (200, [('len', 'servers', 2)]),
        'other': (200, [('len', 'servers', 0)]),
        'norole': (403, []),
    }),
    ('/servers', 'GET', lambda t: '/servers?all_tenants=1', '2.1', {
        'admin': (200, [('len', 'servers', 2)]),
        'member': (403, []), 'reader': (403, []), 'other': (403, []),
        'norole': (403, []),
    }),
    ('/servers/detail', 'GET',
     lambda t: '/servers/detail?all_tenants=1&host=compute1', '2.16', {
         'admin': (200, [('len', 'servers', 1),
                         ('eq', 'servers.0.host_status', 'UP'),
                         ('has', 'servers.0.fault.details'),
                         ('eq', 'servers.0.OS-EXT-SRV-ATTR:host',
                          'compute1')]),
         'member': (403, []), 'reader': (403, []), 'other': (403, []),
         'norole': (403, []),
     }),
    ('/servers/detail', 'GET', lambda t: '/servers/detail?name=server-1',
     '2.16', {
         'admin': (200, [('len', 'servers', 0)]),
         'member': (200, [('len', 'servers', 1),
                          ('not', 'servers.0.host_status'),
                          ('has', 'servers.0.fault.message'),
                          ('not', 'servers.0.fault.details'),
                          ('not', 'servers.0.OS-EXT-SRV-ATTR:host')]),
         'reader': (200, [('len', 'servers', 1),
                          ('not', 'servers.0.host_status'),
                          ('not', 'servers.0.fault.details')]),
         'other': (200, [('len', 'servers', 0)]),
         'norole': (403, []),
     }),
    ('/servers/{server_id}', 'GET', _server, '2.1', {
        'admin': (200, [('has', 'server.fault.details'),
                        ('has', 'server.OS-EXT-SRV-ATTR:host'),
                        ('not', 'server.host_status')]),
        'member': (200, [('has', 'server.fault.message'),
                         ('not', 'server.fault.details'),
                         ('not', 'server.OS-EXT-SRV-ATTR:host')]),
        'reader': (200, [('not', 'server.fault.details')]),
        'other': (404, []),
        'norole': (403, []),
    }),
    ('/servers/{server_id}', 'GET', _server, '2.15', {
        'admin': (200, [('not', 'server.host_status')]),
        'member': (200, [('not', 'server.host_status')]),
        'reader': (200, []), 'other': (404, []), 'norole': (403, []),
    }),
    ('/servers/{server_id}', 'GET', _server, '2.16', {
        'admin': (200, [('eq', 'server.host_status', 'UP')]),
        'member': (200, [('not', 'server.host_status')]),
        'reader': (200, [('not', 'server.host_status')]),
        'other': (404, []), 'norole': (403, []),
    }),
    ('/servers/{server_id}', 'GET',
     lambda t: '/servers/%s' % t.stale_server['uuid'], '2.16', {
         'admin': (200, [('eq', 'server.host_status', 'UNKNOWN')]),
         'member': (200, [('not', 'server.host_status')]),
         'reader': (200, [('not', 'server.host_status')]),
         'other': (404, []), 'norole': (403, []),
     }),
    # --- os-instance-actions ----------------------------------------------
    (ACTIONS, 'GET', _actions, '2.1', {
        'admin': (200, [('len', 'instanceActions', 1)]),
        'member': (200, [('len', 'instanceActions', 1),
                         ('eq', 'instanceActions.0.message', 'Error')]),
        'reader': (200, [('len', 'instanceActions', 1)]),
        'other': (404, []), 'norole': (403, []),
    }),
    (ACTION, 'GET', _action, '2.1', {
        'admin': (200, [('has', 'instanceAction.events.0.traceback')]),
        'member': (200, [('not', 'instanceAction.events')]),
        'reader': (200, [('not', 'instanceAction.events')]),
        'other': (404, []), 'norole': (403, []),
    }),
    (ACTION, 'GET', _action, '2.51', {
        'admin': (200, [('has', 'instanceAction.events.0.traceback')]),
        'member': (200, [('has', 'instanceAction.events.0.result'),
                         ('not', 'instanceAction.events.0.traceback')]),
        'reader': (200, [('not', 'instanceAction.events.0.traceback')]),
        'other': (404, []), 'norole': (403, []),
    }),
    (ACTION, 'GET', _action, '2.62', {
        'admin': (200, [('eq', 'instanceAction.events.0.host', 'compute1'),
                        ('has', 'instanceAction.events.0.hostId'),
                        ('has', 'instanceAction.events.0.traceback')]),
        'member': (200, [('not', 'instanceAction.events.0.host'),
                         ('has', 'instanceAction.events.0.hostId'),
                         ('not', 'instanceAction.events.0.traceback')]),
        'reader': (200, [('not', 'instanceAction.events.0.host')]),
        'other': (404, []), 'norole': (403, []),
    }),
    (ACTION, 'GET', _action, '2.84', {
        'admin': (200, [('eq', 'instanceAction.events.0.details',
                         pb.DETAILS),
                        ('has', 'instanceAction.events.0.traceback'),
                        ('has', 'instanceAction.events.0.host')]),
        'member': (200, [('not', 'instanceAction.events.0.details'),
                         ('not', 'instanceAction.events.0.traceback'),
                         ('not', 'instanceAction.events.0.host')]),
        'reader': (200, [('not', 'instanceAction.events.0.details')]),
        'other': (404, []), 'norole': (403, []),
    }),
    # --- os-services ------------------------------------------------------
    ('/os-services', 'GET', lambda t: '/os-services', '2.1', {
        'admin': (200, [('len', 'services', 3)]),
        'member': (403, []), 'reader': (403, []), 'other': (403, []),
        'norole': (403, []),
    }),
    ('/os-services', 'GET', lambda t: '/os-services', '2.53', {
        'admin': (200, [('has', 'services.0.forced_down')]),
        'member': (403, []), 'reader': (403, []), 'other': (403, []),
        'norole': (403, []),
    }),
]

# Writes: every persona but admin is refused before anything changes.
WRITES = [
    ('/os-services/{service_id}', 'PUT', lambda t: '/os-services/disable',
     '2.1', lambda t: {'host': 'compute1', 'binary': 'nova-compute'}),
    ('/os-services/{service_id}', 'PUT',
     lambda t: '/os-services/%s' % t.compute1['uuid'], '2.53',
     lambda t: {'status': 'disabled'}),
    ('/os-services/{service_id}', 'DELETE',
     lambda t: '/os-services/%d' % t.compute2['id'], '2.1', None),
]


def _lookup(body, dotted):
    value = body
    for part in dotted.split('.'):
        if isinstance(value, list):
            index = int(part)
            if index >= len(value):
                raise KeyError(dotted)
            value = value[index]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise KeyError(dotted)
    return value


def check_body(body, checks):
    """The failed checks of ``checks`` on ``body`` (a list of strings)."""
    failed = []
    for check in checks:
        kind, dotted = check[0], check[1]
        try:
            value = _lookup(body, dotted)
            present = True
        except KeyError:
            value, present = None, False
        if kind == 'has' and not present:
            failed.append('%s missing' % dotted)
        elif kind == 'not' and present:
            failed.append('%s present' % dotted)
        elif kind == 'eq' and value != check[2]:
            failed.append('%s = %r, expected %r' % (dotted, value, check[2]))
        elif kind == 'len' and (not present or len(value) != check[2]):
            failed.append('len(%s) = %s, expected %s' % (
                dotted, len(value) if present else None, check[2]))
    return failed


class PersonaMatrixTest(pb.PolicyTestCase):

    def _run_matrix(self, cases):
        failures = []
        ran = 0
        for template, method, path_fn, version, expected in cases:
            self.assertEqual(set(ALL), set(expected), template)
            path = path_fn(self)
            for persona in ALL:
                status, checks = expected[persona]
                resp = self.call(persona, method, path, version)
                ran += 1
                where = '%s %s @%s as %s' % (method, path, version, persona)
                if resp.status_int != status:
                    failures.append('%s: %s, expected %s (%s)' % (
                        where, resp.status_int, status, resp.text[:200]))
                    continue
                failures.extend('%s: %s' % (where, problem)
                                for problem in check_body(resp.json, checks))
        self.assertEqual([], failures)
        return ran

    def test_servers(self):
        self.assertGreater(self._run_matrix(
            [case for case in MATRIX if case[0].startswith('/servers') and
             'os-instance-actions' not in case[0]]), 0)

    def test_instance_actions(self):
        self._run_matrix([case for case in MATRIX
                          if 'os-instance-actions' in case[0]])

    def test_services(self):
        self._run_matrix([case for case in MATRIX
                          if case[0].startswith('/os-services')])

    def test_writes_refused_for_everyone_but_admin(self):
        for template, method, path_fn, version, body_fn in WRITES:
            body = body_fn(self) if body_fn else None
            for persona in ALL:
                if persona == 'admin':
                    continue
                resp = self.call(persona, method, path_fn(self), version,
                                 body)
                self.assertEqual(403, resp.status_int, '%s %s as %s' % (
                    method, template, persona))
        # Nothing changed: compute1 is still enabled, compute2 still there.
        resp = self.call('admin', 'GET', '/os-services', '2.53')
        by_host = {s['host']: s for s in resp.json['services']}
        self.assertEqual('enabled', by_host['compute1']['status'])
        self.assertIn('compute2', by_host)
        for template, method, path_fn, version, body_fn in WRITES:
            body = body_fn(self) if body_fn else None
            resp = self.call('admin', method, path_fn(self), version, body)
            self.assertIn(resp.status_int, (200, 204), resp.text)

    def test_legacy_defaults_let_any_project_role_list_actions(self):
        """enforce_new_defaults=False gives Nova's legacy rules.

        Any role in the server's project lists its actions, only then.
        """
        path = _actions(self)

        def as_observer():
            return self.api.get(path, user='observer', project=pb.PROJECT,
                                roles=['observer'])

        self.assertEqual(403, as_observer().status_int)
        self.conf.set_override('enforce_new_defaults', False,
                               group='oslo_policy')
        self.use_defaults()
        resp = as_observer()
        self.assertEqual(200, resp.status_int, resp.text)
        self.assertEqual(1, len(resp.json['instanceActions']))
        # The legacy rules are still project-bound, and events stay hidden.
        other = self.api.get(path, user='observer',
                             project=pb.OTHER_PROJECT, roles=['observer'])
        self.assertEqual(404, other.status_int)
        show = self.api.get(_action(self), version='2.84', user='observer',
                            project=pb.PROJECT, roles=['observer'])
        self.assertEqual(200, show.status_int)
        self.assertNotIn('traceback', show.json['instanceAction']['events'][0])
        self.conf.set_override('enforce_new_defaults', True,
                               group='oslo_policy')
        self.use_defaults()
        self.assertEqual(403, as_observer().status_int)
