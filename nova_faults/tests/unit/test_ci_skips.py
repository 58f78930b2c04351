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

"""The CI skip check (.ci/check_skips.py): a skip fails CI unless allowed.

A subunit v2 stream is written the way stestr records a run, with passes,
skips (and their reasons) and a failure, and the checker is run on it as
``.ci/run`` runs it, with allow-lists of several shapes.
"""

import io
import os
import subprocess
import sys

import fixtures
import subunit
import testtools

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))
CHECKER = os.path.join(ROOT, '.ci', 'check_skips.py')
ALLOWED = os.path.join(ROOT, '.ci', 'allowed-skips')


def stream(results):
    """Subunit v2 bytes for ``[(test id, status, skip reason or None)]``."""
    out = io.BytesIO()
    writer = subunit.StreamResultToBytes(out)
    for test_id, status, reason in results:
        writer.status(test_id=test_id, test_status='inprogress')
        if reason is not None:
            writer.status(test_id=test_id, file_name='reason',
                          file_bytes=reason.encode('utf-8'),
                          mime_type='text/plain; charset=utf8', eof=True)
        writer.status(test_id=test_id, test_status=status)
    return out.getvalue()


RUN = [('a.test_one', 'success', None),
       ('a.test_uwsgi', 'skip', 'uwsgi is not installed'),
       ('b.TestX.test_root_only', 'skip', 'root reads everything'),
       ('b.TestX.test_fails', 'fail', None)]


class CheckSkipsTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path

    def check(self, allowed_text, results=RUN):
        allowed = os.path.join(self.dir, 'allowed-skips')
        with open(allowed, 'w') as f:
            f.write(allowed_text)
        proc = subprocess.run([sys.executable, CHECKER, allowed],
                              input=stream(results), capture_output=True,
                              timeout=120)
        return proc.returncode, proc.stdout.decode()

    def test_unlisted_skips_fail(self):
        code, out = self.check('# nothing allowed\n')
        self.assertEqual(1, code, out)
        self.assertIn('UNEXPECTED SKIP a.test_uwsgi: uwsgi is not installed',
                      out)
        self.assertIn('UNEXPECTED SKIP b.TestX.test_root_only: root reads '
                      'everything', out)
        self.assertIn('4 tests, 2 skipped, 2 unexpected skips', out)

    def test_allowed_skips_pass_and_are_printed_with_reasons(self):
        code, out = self.check(
            'a.test_uwsgi  uwsgi is GPL and not in every CI image\n'
            'b.TestX.test_root_*  a reason\n')
        self.assertEqual(0, code, out)
        self.assertIn('allowed skips', out)
        self.assertIn('  a.test_uwsgi: uwsgi is GPL and not in every CI '
                      'image', out)
        self.assertIn('allowed skip b.TestX.test_root_only: root reads '
                      'everything', out)
        self.assertIn('0 unexpected skips', out)

    def test_one_unlisted_skip_is_enough(self):
        code, out = self.check('a.test_uwsgi  a reason\n')
        self.assertEqual(1, code, out)
        self.assertIn('1 unexpected skips', out)

    def test_entry_without_reason_fails(self):
        code, out = self.check('a.test_uwsgi\nb.TestX.test_root_only  r\n')
        self.assertEqual(1, code, out)
        self.assertIn('no reason for a.test_uwsgi', out)

    def test_unused_entry_is_reported(self):
        code, out = self.check('a.test_uwsgi  r\nb.*  r\nc.gone  r\n')
        self.assertEqual(0, code, out)
        self.assertIn('note: allowed skip c.gone did not happen', out)

    def test_empty_stream_fails(self):
        code, out = self.check('', results=[])
        self.assertEqual(1, code, out)
        self.assertIn('no test results', out)

    def test_the_repository_list_is_well_formed(self):
        code, out = self.check(open(ALLOWED).read(),
                               results=[('a.test_one', 'success', None)])
        self.assertEqual(0, code, out)
