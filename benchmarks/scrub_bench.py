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

"""The credential scrubber: leaks on 3,000 messages and linear time.

Two figures, from one run:

* leaks: how many of the 3,000 secret-carrying messages of
  ``nova_faults/tests/secret_messages.py`` (seed 19, the list the unit
  tests check) keep a 4-character run of their secret after
  ``scrub_credentials``; with ``--before FILE``, the same count for the
  ``scrub_credentials`` of an older ``exception.py`` (for example
  ``git show 3f22b45:nova_faults/exception.py > /tmp/old.py``);
* linearity: the time to scrub hostile texts of N and 8N characters (the
  best of ``--repeat`` runs each), as the ratio t(8N) / t(N); linear
  time gives about 8, quadratic about 64.

Example::

    python benchmarks/scrub_bench.py --before /tmp/old.py
"""

import argparse
import importlib.util
import json
import time

from nova_faults import exception
from nova_faults.tests import secret_messages

HOSTILE = ('password=', '"password": "', '--password ', '{[(', 'a' * 50 + ' ',
           'x://a:b', '<password>', 'token "', 'password={"a": "', 'pass')


def _load(path):
    spec = importlib.util.spec_from_file_location('old_exception', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.scrub_credentials


def _best(scrub, text, repeat):
    best = None
    for _ in range(repeat):
        start = time.perf_counter()
        scrub(text)
        took = time.perf_counter() - start
        best = took if best is None else min(best, took)
    return best


def linearity(scrub, size, repeat):
    ratios = {}
    for unit in HOSTILE:
        small = unit * (size // len(unit))
        large = unit * (8 * size // len(unit))
        ratios[unit] = (_best(scrub, large, repeat) /
                        _best(scrub, small, repeat))
    return ratios


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--before', help='an older exception.py')
    parser.add_argument('--size', type=int, default=200000)
    parser.add_argument('--repeat', type=int, default=5)
    args = parser.parse_args()
    result = {}
    leaks, by_form, _ = secret_messages.count_leaks(
        exception.scrub_credentials)
    result['leaks_now'] = {'messages': 3000, 'leaking': leaks,
                           'by_form': by_form}
    if args.before:
        leaks, by_form, _ = secret_messages.count_leaks(_load(args.before))
        result['leaks_before'] = {'messages': 3000, 'leaking': leaks,
                                  'by_form': by_form}
    ratios = linearity(exception.scrub_credentials, args.size, args.repeat)
    result['t(8N)/t(N)'] = {repr(k): round(v, 1) for k, v in ratios.items()}
    print(json.dumps(result, indent=2))


if __name__ == '__main__':
    main()
