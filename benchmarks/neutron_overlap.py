#!/usr/bin/env python3
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

"""What the overlapped Neutron calls save when Neutron takes its time.

::

    python benchmarks/neutron_overlap.py --latency 0.005,0.02

A server's security groups take two calls to Neutron (its ports, then
their groups). :func:`nova_faults.neutron.security_group_names` makes
the second while the first is under way when it knows the ids the
server's ports had before. For each latency (seconds the fake Neutron
of the tests waits before each answer, standing for a real Neutron's
own time), it times the first call for a server (nothing known: one
call after the other, as Nova) and the next ones (the two at once),
alternating new and known servers, and prints the medians in ms.
"""

import argparse
import logging
import os
import statistics
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

from nova_faults import context as nf_context  # noqa: E402
from nova_faults import neutron  # noqa: E402
from nova_faults.tests import fake_neutron  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--latency', default='0,0.005,0.02',
                        help='comma-separated seconds per Neutron answer')
    parser.add_argument('--count', type=int, default=40)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    fake = fake_neutron.FakeNeutron()
    fake.setUp()
    conf = fake_neutron.client_conf(fake.endpoint)
    ctx = nf_context.RequestContext(user_id='u', project_id='p')
    groups = [fake.add_security_group(name) for name in ('default', 'web')]
    print('| Neutron answers in | first call for a server (ms) | '
          'next calls (ms) | saved |')
    print('|---|---|---|---|')
    try:
        for latency in [float(x) for x in args.latency.split(',')]:
            fake.reset()
            fake.set_delay(latency)
            first, known = [], []
            for _ in range(args.count):
                server = str(uuid.uuid4())
                fake.add_port(server, groups)
                for timings in (first, known):
                    start = time.perf_counter()
                    neutron.security_group_names(conf, ctx, [server])
                    timings.append((time.perf_counter() - start) * 1000)
            a, b = statistics.median(first), statistics.median(known)
            print('| %.0f ms | %.2f | %.2f | %.0f %% |' % (
                latency * 1000, a, b, 100 * (a - b) / a))
    finally:
        fake.cleanUp()
    return 0


if __name__ == '__main__':
    sys.exit(main())
