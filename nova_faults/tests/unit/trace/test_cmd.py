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

"""nova-faults-trace end to end: expected outputs, errors, options."""

import io
import json
import os
import re

import fixtures
import testtools

from nova_faults.cmd import trace as cmd
from nova_faults.tests.unit.trace import base
from nova_faults.trace import render

_DOT_TOKEN = re.compile(r'''
    (?P<ws>\s+)
  | (?P<arrow>->)
  | (?P<punct>[{}\[\];,=])
  | (?P<string>"(?:\\.|[^"\\\n])*")
  | (?P<id>[A-Za-z_][A-Za-z0-9_]*|-?(?:\.\d+|\d+(?:\.\d*)?))
''', re.VERBOSE)


def _dot_tokens(text):
    """The (kind, value) tokens of DOT ``text``, ending with ``eof``."""
    tokens = []
    pos = 0
    while pos < len(text):
        m = _DOT_TOKEN.match(text, pos)
        if not m:
            raise ValueError('bad token at %d: %r' % (pos, text[pos:pos + 20]))
        pos = m.end()
        if m.lastgroup != 'ws':
            value = m.group()
            if m.lastgroup == 'string':
                value = value[1:-1].replace('\\"', '"')
            tokens.append((m.lastgroup, value))
    tokens.append(('eof', ''))
    return tokens


def parse_dot(text):
    """Parse the DOT subset nova-faults-trace writes, strictly.

    Returns ``(nodes, edges)``; raises ValueError on anything that is not
    valid DOT (an unknown token, an unbalanced bracket, a missing ``;``,
    a raw newline inside a quoted string, an edge to an undeclared node).
    """
    tokens = _dot_tokens(text)
    i = 0

    def take(kind, value=None):
        nonlocal i
        tkind, tvalue = tokens[i]
        if tkind != kind or (value is not None and tvalue != value):
            raise ValueError('expected %s %s, got %r'
                             % (kind, value or '', tvalue))
        i += 1
        return tvalue

    def ident():
        if tokens[i][0] in ('id', 'string'):
            return take(tokens[i][0])
        raise ValueError('expected an ID, got %r' % (tokens[i][1],))

    def attrs():
        result = {}
        take('punct', '[')
        while tokens[i] != ('punct', ']'):
            key = ident()
            take('punct', '=')
            result[key] = ident()
            if tokens[i] == ('punct', ','):
                take('punct', ',')
        take('punct', ']')
        return result

    take('id', 'digraph')
    if tokens[i][0] in ('id', 'string'):
        ident()
    take('punct', '{')
    nodes, edges = {}, []
    while tokens[i] != ('punct', '}'):
        if tokens[i] in (('id', 'graph'), ('id', 'node'), ('id', 'edge')):
            take('id')
            attrs()
        else:
            name = ident()
            if tokens[i][0] == 'arrow':
                chain = [name]
                while tokens[i][0] == 'arrow':
                    take('arrow')
                    chain.append(ident())
                edge_attrs = attrs() if tokens[i] == ('punct', '[') else {}
                edges.extend((a, b, edge_attrs)
                             for a, b in zip(chain, chain[1:]))
            else:
                if name in nodes:
                    raise ValueError('node %s declared twice' % name)
                nodes[name] = attrs() if tokens[i] == ('punct', '[') else {}
        take('punct', ';')
    take('punct', '}')
    take('eof')
    for a, b, _ in edges:
        if a not in nodes or b not in nodes:
            raise ValueError('edge %s -> %s to an undeclared node' % (a, b))
    return nodes, edges


def _normalize(out, root):
    return out.replace(root, '<logs>')


def _json(out, root):
    doc = json.loads(_normalize(out, root))
    del doc['summary']['bytes_scanned']
    return doc


class ExpectedOutputTest(testtools.TestCase):
    """The outputs for the fixtures, as reviewed by a person."""

    maxDiff = None

    def _run(self, scenario, rid, *args):
        root = base.logs(self, scenario)
        code, out, err = base.run([rid, root] + list(args))
        self.assertEqual(0, code, err)
        self.assertEqual('', err)
        return out, root

    def test_cloud_tree(self):
        out, root = self._run('cloud', base.GLOBAL, '--host-from-dir',
                              '--color', 'never')
        self.assertEqual(base.expected('cloud-global.tree'),
                         _normalize(out, root))

    def test_cloud_json(self):
        out, root = self._run('cloud', base.GLOBAL, '--host-from-dir',
                              '--format', 'json')
        self.assertEqual(json.loads(base.expected('cloud-global.json')),
                         _json(out, root))

    def test_cloud_dot(self):
        out, root = self._run('cloud', base.GLOBAL, '--host-from-dir',
                              '--format', 'dot')
        self.assertEqual(base.expected('cloud-global.dot'),
                         _normalize(out, root))

    def test_kilo_tree(self):
        out, root = self._run('kilo', base.KILO, '--host-from-dir',
                              '--color', 'never')
        self.assertEqual(base.expected('kilo.tree'), _normalize(out, root))

    def test_kilo_dot(self):
        out, root = self._run('kilo', base.KILO, '--host-from-dir',
                              '--format', 'dot')
        self.assertEqual(base.expected('kilo.dot'), _normalize(out, root))

    def test_devstack_json(self):
        out, root = self._run('devstack', base.DEVSTACK_NOVA, '--year',
                              '2017', '--host', 'ignored', '--format', 'json')
        self.assertEqual(json.loads(base.expected('devstack.json')),
                         _json(out, root))


class OutputShapeTest(testtools.TestCase):

    def test_global_id_gathers_three_services(self):
        root = base.logs(self, 'cloud')
        code, out, _ = base.run([base.GLOBAL, root, '--host-from-dir',
                                 '--format', 'json'])
        doc = json.loads(out)
        services = {g['service'] for g in doc['groups']}
        self.assertLessEqual({'nova-api', 'nova-compute', 'nova-conductor',
                              'neutron-server', 'cinder-api'}, services)
        locals_ = {link['local_id'] for link in doc['links']
                   if link['global_id'] == base.GLOBAL}
        self.assertEqual({base.NOVA, base.GLANCE, base.PLACEMENT,
                          base.NEUTRON, base.NEUTRON2, base.CINDER}, locals_)

    def test_json_structure(self):
        root = base.logs(self, 'cloud')
        _, out, _ = base.run([base.NOVA, root, '--format', 'json'])
        doc = json.loads(out)
        self.assertEqual(render.JSON_FORMAT_VERSION, doc['format_version'])
        self.assertEqual(
            {'format_version', 'request_id', 'since', 'until', 'summary',
             'ids', 'parents', 'links', 'calls', 'first_error',
             'http_statuses', 'groups', 'records'}, set(doc))
        self.assertEqual(
            {'index', 'time', 'service', 'host', 'file', 'offset', 'level',
             'logger', 'pid', 'global_request_id', 'request_id',
             'user_identity', 'instance', 'message', 'http_status',
             'http_direction', 'before', 'line', 'after'},
            set(doc['records'][0]))
        self.assertEqual(base.NOVA, doc['ids'][0]['id'])
        self.assertEqual([{'id': base.GLOBAL, 'relations': ['global']}],
                         doc['parents'])
        first = doc['records'][doc['first_error']]
        self.assertEqual('ERROR', first['level'])
        self.assertEqual(base.CINDER, first['request_id'])
        for group in doc['groups']:
            indexes = group['records']
            self.assertEqual(sorted(indexes), indexes)
        for status in doc['http_statuses']:
            self.assertEqual(status['status'],
                             doc['records'][status['record']]['http_status'])

    def test_dot_is_valid(self):
        for scenario, rid in (('cloud', base.GLOBAL), ('cloud', base.NOVA),
                              ('cloud', base.CINDER), ('kilo', base.KILO),
                              ('devstack', base.DEVSTACK_NEUTRON)):
            root = base.logs(self, scenario)
            code, out, _ = base.run([rid, root, '--format', 'dot'])
            self.assertEqual(0, code)
            nodes, edges = parse_dot(out)
            self.assertIn(rid, nodes)
            self.assertEqual('2', nodes[rid].get('penwidth'))

    def test_dot_parser_refuses_bad_dot(self):
        good = 'digraph "t" {\n  "a" [label="x\\ny"];\n  "b";\n' \
               '  "a" -> "b" [label="c"];\n}\n'
        parse_dot(good)
        for bad in (good.replace(';\n}', '\n}'),
                    good.replace('"b";', ''),
                    good.replace('\\n', '\n'),
                    good.replace('}\n', ''),
                    good.replace('->', '--')):
            self.assertRaises(ValueError, parse_dot, bad)

    def test_dot_escapes_quotes(self):
        root = base.logs(self, 'kilo')
        os.rename(os.path.join(root, 'client'),
                  os.path.join(root, 'cli"ent'))
        _, out, _ = base.run([base.KILO, root, '--format', 'dot'])
        nodes, _ = parse_dot(out)
        self.assertIn('cli"ent', nodes['client 1']['label'])

    def test_colour_only_when_asked_or_on_a_terminal(self):
        root = base.logs(self, 'cloud')
        _, plain, _ = base.run([base.GLOBAL, root])
        self.assertNotIn('\033[', plain)
        _, coloured, _ = base.run([base.GLOBAL, root, '--color', 'always'])
        self.assertIn('\033[1;31m', coloured)
        self.assertEqual(plain, re.sub('\033\\[[0-9;]*m', '', coloured))

        class Terminal(io.StringIO):
            def isatty(self):
                return True
        self.useFixture(fixtures.EnvironmentVariable('NO_COLOR'))
        self.useFixture(fixtures.EnvironmentVariable('TERM', 'xterm'))
        out = Terminal()
        cmd.main([base.GLOBAL, root], stdout=out, stderr=io.StringIO())
        self.assertIn('\033[', out.getvalue())
        self.useFixture(fixtures.EnvironmentVariable('NO_COLOR', '1'))
        out = Terminal()
        cmd.main([base.GLOBAL, root], stdout=out, stderr=io.StringIO())
        self.assertNotIn('\033[', out.getvalue())

    def test_ascii_tree_when_stdout_is_not_utf8(self):
        root = base.logs(self, 'cloud')
        out = io.TextIOWrapper(io.BytesIO(), encoding='ascii')
        code = cmd.main([base.GLOBAL, root], stdout=out,
                        stderr=io.StringIO())
        self.assertEqual(0, code)
        out.seek(0)
        text = out.read()
        self.assertIn('`- ', text)
        self.assertIn('<-- FIRST ERROR', text)

    def test_raw_lines(self):
        root = base.logs(self, 'cloud')
        _, out, _ = base.run([base.CINDER, root, '--raw'])
        self.assertIn('ERROR cinder.api.middleware.fault Traceback (most '
                      'recent call last):', out)
        self.assertIn('- default default] POST http://controller', out)
        _, out, _ = base.run([base.CINDER, root])
        self.assertNotIn('- default default]', out)

    def test_first_error_highlighted(self):
        root = base.logs(self, 'kilo')
        _, out, _ = base.run([base.KILO, root])
        marked = [line for line in out.splitlines()
                  if 'FIRST ERROR' in line]
        self.assertEqual(1, len(marked))
        self.assertIn('Caught error: id', marked[0])
        self.assertIn('      AttributeError: id', out)

    def test_since_until(self):
        root = base.logs(self, 'cloud')
        code, out, _ = base.run([base.GLOBAL, root, '--format', 'json',
                                 '--since', '2019-12-02T19:15:36',
                                 '--until', '2019-12-02 19:15:36.230'])
        self.assertEqual(0, code)
        doc = json.loads(out)
        self.assertEqual('2019-12-02T19:15:36.000000', doc['since'])
        self.assertEqual(6, doc['summary']['records'])
        self.assertTrue(all('2019-12-02T19:15:36' <= r['time'] <=
                            '2019-12-02T19:15:36.230000'
                            for r in doc['records']))

    def test_since_with_offset_keeps_wall_clock(self):
        root = base.logs(self, 'cloud')
        _, out, _ = base.run([base.GLOBAL, root, '--format', 'json',
                              '--since', '2019-12-02T19:15:36.5+05:00'])
        self.assertEqual(1, json.loads(out)['summary']['records'])


class ErrorTest(testtools.TestCase):

    def test_malformed_request_id(self):
        root = base.logs(self, 'cloud')
        for bad in ('req-123', base.GLOBAL[4:], 'foo', 'req-%s' % ('x' * 36)):
            code, out, err = base.run([bad, root])
            self.assertEqual(1, code, bad)
            self.assertEqual('', out)
            self.assertIn('is not a request ID: expected "req-" followed by '
                          'a UUID', err)

    def test_upper_case_id_accepted(self):
        root = base.logs(self, 'cloud')
        code, out, _ = base.run([base.GLOBAL.upper(), root, '--format',
                                 'json'])
        self.assertEqual(0, code)
        self.assertEqual(base.GLOBAL, json.loads(out)['request_id'])

    def test_absent_request_id(self):
        root = base.logs(self, 'cloud')
        absent = 'req-00000000-0000-4000-8000-000000000000'
        code, out, err = base.run([absent, root])
        self.assertEqual(1, code)
        self.assertEqual('', out)
        self.assertEqual(
            'nova-faults-trace: request ID %s not found in 9 files '
            '(%s) in %s\n' % (absent, err.split('(')[1].split(')')[0], root),
            err)

    def test_outside_time_bounds(self):
        root = base.logs(self, 'cloud')
        code, _, err = base.run([base.GLOBAL, root, '--since',
                                 '2020-01-01'])
        self.assertEqual(1, code)
        self.assertIn('has 27 records in', err)
        self.assertIn('none between 2020-01-01 00:00:00.000 and the end',
                      err)

    def test_since_after_until(self):
        code, _, err = base.run([base.GLOBAL, '/nonexistent', '--since',
                                 '2020-01-02', '--until', '2020-01-01'])
        self.assertEqual(1, code)
        self.assertIn('is after --until', err)

    def test_bad_time(self):
        err = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', err))
        exc = self.assertRaises(SystemExit, cmd.main,
                                [base.GLOBAL, '--since', 'yesterday'])
        self.assertEqual(2, exc.code)
        self.assertIn("not an ISO 8601 time: 'yesterday'", err.getvalue())

    def test_unreadable_path_named(self):
        root = base.logs(self, 'cloud')
        missing = os.path.join(root, 'no-such-dir')
        code, out, err = base.run([base.GLOBAL, missing, root,
                                   '--format', 'json'])
        self.assertEqual(0, code)
        self.assertEqual('nova-faults-trace: cannot read %s: No such file '
                         'or directory\n' % missing, err)
        self.assertEqual(27, json.loads(out)['summary']['records'])

    def test_nothing_readable(self):
        code, out, err = base.run([base.GLOBAL, '/nonexistent/a',
                                   '/nonexistent/b'])
        self.assertEqual(1, code)
        self.assertEqual(
            'nova-faults-trace: cannot read /nonexistent/a: No such file or '
            'directory\n'
            'nova-faults-trace: cannot read /nonexistent/b: No such file or '
            'directory\n'
            'nova-faults-trace: no log files to read in /nonexistent/a, '
            '/nonexistent/b\n', err)

    def test_default_path_is_var_log(self):
        parser = cmd.build_parser()
        self.assertIn('/var/log', parser.format_help())
        self.assertEqual('/var/log', cmd.DEFAULT_PATH)


class ProgressBarTest(testtools.TestCase):

    def test_progress_bar_only_on_a_terminal(self):
        root = base.logs(self, 'cloud')
        _, _, err = base.run([base.GLOBAL, root, '--format', 'json'])
        self.assertEqual('', err)
        _, _, err = base.run([base.GLOBAL, root, '--format', 'json',
                              '--progress', 'always'])
        self.assertIn('scanning [', err)
        self.assertIn('100%', err)
        self.assertTrue(err.endswith('\r\033[K'))

    def test_bar(self):
        stream = io.StringIO()
        bar = cmd.ProgressBar(4 << 20, stream)
        bar(1, 1 << 20)
        self.assertIn(' 25% 1/4 MB, pass 1', stream.getvalue())
        bar(2, 4 << 20)
        self.assertIn('100% 4/4 MB, pass 2', stream.getvalue())
        bar.close()
        self.assertTrue(stream.getvalue().endswith('\r\033[K'))


class IsolationTest(testtools.TestCase):

    def test_tracer_knows_no_database(self):
        # NOTE: DESIGN.md: the tracer reads logs and knows no database. A
        # fresh interpreter shows what importing it really pulls in.
        import subprocess
        import sys
        code = ('import sys, nova_faults.cmd.trace; print("\\n".join('
                'sorted(sys.modules)))')
        out = subprocess.run([sys.executable, '-c', code], check=True,
                             capture_output=True, text=True).stdout.split()
        for prefix in ('nova_faults.db', 'nova_faults.api',
                       'nova_faults.objects', 'oslo_', 'sqlalchemy',
                       'webob'):
            self.assertEqual([], [m for m in out if m.startswith(prefix)])
