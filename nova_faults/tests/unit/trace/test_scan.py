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

"""The streaming scan: matching lines, their continuation, chunk edges."""

import gzip
import os

import fixtures
import testtools

from nova_faults.tests.unit.trace import base
from nova_faults.trace import scan
from nova_faults.trace import sources


def _write(test, name, text, compress=False):
    root = test.useFixture(fixtures.TempDir()).path
    path = os.path.join(root, name)
    data = text.encode('utf-8')
    if compress:
        with gzip.open(path, 'wb') as f:
            f.write(data)
    else:
        with open(path, 'wb') as f:
            f.write(data)
    return path


def _blocks(paths, ids, **kw):
    srcs = sources.discover(paths, 'here')
    return scan.scan(srcs, ids, **kw)


def _summary(blocks):
    return [(b.source, b.offset, b.end, b.line, tuple(b.before),
             tuple(b.after)) for b in blocks]


class ContinuationTest(testtools.TestCase):

    def test_old_trace_block(self):
        root = base.logs(self, 'kilo')
        api = os.path.join(root, 'controller', 'nova', 'nova-api.log')
        blocks = _blocks([api], [base.KILO])
        self.assertEqual(5, len(blocks))
        error = blocks[2]
        self.assertIn(b'Caught error: id', error.line)
        self.assertEqual(49, len(error.after))
        self.assertTrue(all(b' TRACE nova.api.openstack' in line
                            for line in error.after))
        self.assertTrue(error.after[0].endswith(
            b'Traceback (most recent call last):'))
        self.assertTrue(error.after[-2].endswith(b'AttributeError: id'))
        self.assertIn(b'returned with HTTP 500', blocks[3].line)

    def test_exception_prefix_block(self):
        root = base.logs(self, 'cloud')
        cinder = os.path.join(root, 'controller', 'cinder', 'api.log')
        blocks = _blocks([cinder], [base.CINDER])
        self.assertEqual(4, len(blocks))
        self.assertEqual(7, len(blocks[1].after))
        self.assertTrue(blocks[1].after[-2].endswith(
            b'MessagingTimeout: Timed out waiting for a reply to message ID '
            b'8f2e1d0c9b8a47a6b5c4d3e2f1a0b9c8'))
        self.assertEqual([], blocks[0].after)

    def test_exception_prefix_with_instance_and_syslog(self):
        root = base.logs(self, 'devstack')
        cpu = os.path.join(root, 'screen-n-cpu.txt')
        blocks = _blocks([cpu], [base.DEVSTACK_NOVA])
        self.assertEqual(3, len(blocks))
        self.assertIn(b'Instance failed to spawn', blocks[2].line)
        self.assertEqual(5, len(blocks[2].after))
        # The next record, of another request, is not taken in.
        self.assertNotIn(b'released', b''.join(blocks[2].after))

    def test_same_prefix_other_context_is_not_continuation(self):
        rid = base.NOVA
        other = base.CINDER
        path = _write(self, 'nova-api.log', (
            '2019-12-02 19:15:36.240 1944 ERROR nova.api [None %s a b] boom\n'
            '2019-12-02 19:15:36.240 1944 ERROR nova.api Traceback (most '
            'recent call last):\n'
            '2019-12-02 19:15:36.240 1944 ERROR nova.api   File "x.py"\n'
            '2019-12-02 19:15:36.240 1944 ERROR nova.api ValueError: x\n'
            '2019-12-02 19:15:36.240 1944 ERROR nova.api [None %s a b] '
            'other\n'
            '2019-12-02 19:15:36.240 1944 ERROR nova.api [None %s a b] '
            'next record, same request\n') % (rid, other, rid))
        blocks = _blocks([path], [rid])
        self.assertEqual(2, len(blocks))
        self.assertEqual(3, len(blocks[0].after))
        self.assertIn(b'next record', blocks[1].line)

    def test_devstack_context_on_every_traceback_line(self):
        ctx = '[None %s admin admin]' % base.NOVA
        path = _write(self, 'screen-n-cpu.txt', (
            'Jun 19 09:16:35 h nova-compute[1]: ERROR nova.compute.manager '
            '%s Failed\n'
            'Jun 19 09:16:35 h nova-compute[1]: ERROR nova.compute.manager '
            '%s Traceback (most recent call last):\n'
            'Jun 19 09:16:35 h nova-compute[1]: ERROR nova.compute.manager '
            '%s   File "x.py", line 1\n'
            'Jun 19 09:16:35 h nova-compute[1]: ERROR nova.compute.manager '
            '%s ValueError: x\n'
            'Jun 19 09:16:36 h nova-compute[1]: ERROR nova.compute.manager '
            '%s Another error\n') % ((ctx,) * 5))
        blocks = _blocks([path], [base.NOVA])
        self.assertEqual(2, len(blocks))
        self.assertEqual(3, len(blocks[0].after))
        self.assertIn(b'Another error', blocks[1].line)

    def test_unprefixed_traceback_and_chained_exception(self):
        path = _write(self, 'nova-api.log', (
            '2019-12-02 19:15:36.240 1944 ERROR nova.api [None %s a b] boom\n'
            'Traceback (most recent call last):\n'
            '  File "x.py", line 1, in f\n'
            'KeyError: 1\n'
            '\n'
            'During handling of the above exception, another exception '
            'occurred:\n'
            '\n'
            'Traceback (most recent call last):\n'
            '  File "x.py", line 3, in g\n'
            'ValueError: 2\n'
            '\n'
            '2019-12-02 19:15:36.241 1944 INFO nova.api [-] unrelated\n')
            % base.NOVA)
        block, = _blocks([path], [base.NOVA])
        self.assertEqual(9, len(block.after))
        self.assertEqual(b'ValueError: 2', block.after[-1])

    def test_client_debug_output(self):
        root = base.logs(self, 'kilo')
        client = os.path.join(root, 'client', 'nova-boot-debug.txt')
        blocks = _blocks([client], [base.KILO])
        self.assertEqual(2, len(blocks))
        shell, error = blocks
        self.assertEqual(3, len(shell.before))
        self.assertTrue(shell.before[0].startswith(
            b'DEBUG (session:195) REQ: curl -g -i -X GET '
            b'http://controller:8774/v2/276eb659fd4b44859849c773dcfdf138/'
            b'images/c9509d39'))
        self.assertEqual(b'DEBUG (session:224) RESP:', shell.before[-1])
        self.assertEqual(b'Traceback (most recent call last):',
                         shell.after[0])
        self.assertTrue(shell.after[-1].startswith(b'ClientException: '))
        self.assertTrue(error.line.startswith(b'ERROR (ClientException)'))
        self.assertEqual([], error.before)

    def test_client_response_header_and_body(self):
        root = base.logs(self, 'kilo')
        client = os.path.join(root, 'client', 'nova-boot-debug.txt')
        rid = 'req-9b2129f1-f24e-453a-88f3-f05580894e07'
        block, = _blocks([client], [rid])
        self.assertEqual(3, len(block.before))
        self.assertIn(b'REQ: curl', block.before[0])
        self.assertEqual(1, len(block.after))
        self.assertTrue(block.after[0].startswith(b'RESP BODY: '))

    def test_no_trailing_newline_and_crlf(self):
        path = _write(self, 'nova-api.log', (
            '2019-12-02 19:15:36.240 1944 INFO nova.api [None %s a b] one\r\n'
            '2019-12-02 19:15:36.241 1944 INFO nova.api [None %s a b] two')
            % (base.NOVA, base.NOVA))
        blocks = _blocks([path], [base.NOVA])
        self.assertEqual([b'one', b'two'],
                         [b.line.rsplit(b' ', 1)[-1] for b in blocks])
        self.assertEqual(os.path.getsize(path), blocks[-1].end)

    def test_empty_file(self):
        path = _write(self, 'nova-api.log', '')
        self.assertEqual([], _blocks([path], [base.NOVA]))

    def test_gzip(self):
        text = ('2019-12-02 19:15:36.240 1944 INFO nova.api [None %s a b] '
                'in a rotated file\n' % base.NOVA) * 3
        path = _write(self, 'nova-api.log.1.gz', text, compress=True)
        blocks = _blocks([path], [base.NOVA])
        self.assertEqual(3, len(blocks))
        self.assertEqual(len(text) // 3, blocks[1].offset)


class ChunkingTest(testtools.TestCase):
    """Whatever the chunk and range sizes, the blocks are the same."""

    CASES = (('kilo', [base.KILO, 'req-9b2129f1-f24e-453a-88f3-f05580894e07']),
             ('cloud', [base.GLOBAL]),
             ('cloud', [base.CINDER, base.NEUTRON, base.NEUTRON2,
                        base.GLANCE, base.PLACEMENT]),
             ('devstack', [base.DEVSTACK_NOVA]))

    def _reference(self):
        roots = {name: base.logs(self, name) for name in
                 ('kilo', 'cloud', 'devstack')}
        return roots, [_summary(_blocks([roots[name]], ids))
                       for name, ids in self.CASES]

    def _streamed(self, roots):
        """The blocks found by the streaming reader on plain files.

        :func:`scan.scan` maps plain files; the streaming reader is the
        one used for compressed files.
        """
        got = []
        for name, ids in self.CASES:
            srcs = sources.discover([roots[name]], 'here')
            needles = sorted(i.encode() for i in ids)
            blocks = []
            for index, src in enumerate(srcs):
                blocks.extend(scan.scan_range(index, src.path, needles))
            got.append(_summary(scan._without_overlaps(blocks)))
        return got

    def test_streamed_like_mapped(self):
        roots, expected = self._reference()
        self.assertEqual(expected, self._streamed(roots))

    def test_small_chunks(self):
        roots, expected = self._reference()
        for size in (1, 7, 97, 1000):
            self.useFixture(fixtures.MonkeyPatch(
                'nova_faults.trace.scan.CHUNK_SIZE', size))
            self.useFixture(fixtures.MonkeyPatch(
                'nova_faults.trace.scan.LOOKBACK', max(size, 600)))
            self.assertEqual(expected, self._streamed(roots),
                             'chunk size %d' % size)

    def test_small_windows(self):
        roots, expected = self._reference()
        for size in (1, 40, 333):
            self.useFixture(fixtures.MonkeyPatch(
                'nova_faults.trace.scan.WINDOW', size))
            got = [_summary(_blocks([roots[name]], ids))
                   for name, ids in self.CASES]
            self.assertEqual(expected, got, 'window %d' % size)

    def test_ranges(self):
        roots, expected = self._reference()
        for size in (50, 333, 4096):
            self.useFixture(fixtures.MonkeyPatch(
                'nova_faults.trace.scan.RANGE_SIZE', size))
            self.useFixture(fixtures.MonkeyPatch(
                'nova_faults.trace.scan.CHUNK_SIZE', 256))
            self.useFixture(fixtures.MonkeyPatch(
                'nova_faults.trace.scan.WINDOW', 100))
            got = []
            for name, ids in self.CASES:
                srcs = sources.discover([roots[name]], 'here')
                needles = sorted(i.encode() for i in ids)
                blocks = []
                streamed = []
                for task in scan._tasks(srcs, needles, split=True):
                    _, _, found, error = scan._scan_task(task)
                    self.assertIsNone(error)
                    blocks.extend(found)
                    index, path, _, _, start, end = task
                    streamed.extend(scan.scan_range(index, path, needles,
                                                    start, end))
                got.append(_summary(scan._without_overlaps(blocks)))
                got.append(_summary(scan._without_overlaps(streamed)))
            self.assertEqual([x for x in expected for _ in (0, 1)], got,
                             'range size %d' % size)

    def test_worker_processes(self):
        roots, expected = self._reference()
        self.useFixture(fixtures.MonkeyPatch(
            'nova_faults.trace.scan.RANGE_SIZE', 1000))
        progress = []
        got = [_summary(_blocks([roots[name]], ids, jobs=2,
                                progress=progress.append))
               for name, ids in self.CASES]
        self.assertEqual(expected, got)
        self.assertTrue(progress)

    def test_progress_counts_every_byte(self):
        root = base.logs(self, 'kilo')
        srcs = sources.discover([root], 'here')
        seen = []
        scan.scan(srcs, [base.KILO], progress=seen.append)
        self.assertEqual(sum(s.size for s in srcs), sum(seen))

    def test_many_ids_use_one_regex(self):
        roots, expected = self._reference()
        ids = self.CASES[2][1]
        self.assertGreater(len(ids), scan._MANY_NEEDLES)
        self.useFixture(fixtures.MonkeyPatch(
            'nova_faults.trace.scan._MANY_NEEDLES', 100))
        self.assertEqual(expected[2],
                         _summary(_blocks([roots['cloud']], ids)))
