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

"""Fail CI on a skip that .ci/allowed-skips does not allow.

Reads a subunit v2 stream (``stestr last --subunit``) on stdin, collects
every test whose final status is ``skip`` with its reason, and checks
each against the allow-list (``ALLOWED`` argument): one entry a line, a
shell-style test id pattern, whitespace, a reason. Prints the allow-list
with its reasons, each skip and whether it is allowed, and the counts.
Exits 1 on an unexpected skip, a malformed allow-list or an empty
stream, else 0.

Usage: stestr last --subunit | python .ci/check_skips.py .ci/allowed-skips
"""

import fnmatch
import sys

import subunit
import testtools


def read_allow_list(path):
    entries = []
    errors = []
    with open(path) as allowed:
        for number, line in enumerate(allowed, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            pattern, _, reason = line.partition(' ')
            reason = reason.strip()
            if not reason:
                errors.append('%s:%d: no reason for %s' % (path, number,
                                                           pattern))
                continue
            entries.append((pattern, reason))
    return entries, errors


def read_results(stream):
    """{test id: (status, skip reason)} from a subunit v2 stream."""
    results = {}

    def on_test(test):
        reason = ''
        details = test.get('details') or {}
        if 'reason' in details:
            reason = details['reason'].as_text()
        results[test['id']] = (test['status'], reason.strip())

    case = subunit.ByteStreamToStreamResult(stream, non_subunit_name='stdout')
    summary = testtools.StreamToDict(on_test)
    summary.startTestRun()
    try:
        case.run(summary)
    finally:
        summary.stopTestRun()
    return results


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    entries, errors = read_allow_list(argv[1])
    results = read_results(sys.stdin.buffer)
    print('allowed skips (%s): %d' % (argv[1], len(entries)))
    for pattern, reason in entries:
        print('  %s: %s' % (pattern, reason))
    skipped = sorted((test_id, reason) for test_id, (status, reason)
                     in results.items() if status == 'skip')
    unexpected = []
    used = set()
    for test_id, reason in skipped:
        match = next((pattern for pattern, _ in entries
                      if fnmatch.fnmatchcase(test_id, pattern)), None)
        if match is None:
            unexpected.append((test_id, reason))
            print('UNEXPECTED SKIP %s: %s' % (test_id, reason))
        else:
            used.add(match)
            print('allowed skip %s: %s' % (test_id, reason))
    for pattern, _ in entries:
        if pattern not in used:
            print('note: allowed skip %s did not happen' % pattern)
    for error in errors:
        print('ERROR ' + error)
    print('%d tests, %d skipped, %d unexpected skips'
          % (len(results), len(skipped), len(unexpected)))
    if not results:
        print('ERROR no test results in the stream')
        return 1
    return 1 if unexpected or errors else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
