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

"""Helpers for the tracer tests: the log fixtures and a CLI runner.

The fixtures under ``fixtures/`` are small multi-service log trees:

``cloud``
    A boot from volume failing in cinder, oslo.log's new context format:
    a global request ID (given by the client) across nova-api, glance,
    nova-conductor, nova-scheduler, placement, nova-compute, neutron and
    cinder, on three hosts; the older half of nova-compute.log is rotated
    (gzipped by :func:`logs`).
``kilo``
    Seed 002's 500 from nova-api (2016, old single-ID contexts, ``TRACE``
    lines), with the client's ``nova --debug`` output and a glance call
    found only by a second pass.
``devstack``
    Seed 000's journald lines: nova-compute logging neutron's request ID.
"""

import gzip
import io
import os
import shutil

import fixtures

from nova_faults.cmd import trace as cmd

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        'fixtures')
EXPECTED = os.path.join(FIXTURES, 'expected')

# The IDs of the cloud scenario.
GLOBAL = 'req-3dccb8c4-08fe-4706-a91d-e843b8fe9ed2'
NOVA = 'req-d7bc29d0-7b99-4aeb-a356-89975043ab5e'
GLANCE = 'req-7e1f3d2a-4c7b-4f0e-9a51-2b8c6d9e0f13'
PLACEMENT = 'req-c0a8f3e1-5d2b-4a7c-8e9f-1b3d5f7a9c2e'
NEUTRON = 'req-39b315da-e1eb-4ab5-a45b-3f2dbdaba787'
NEUTRON2 = 'req-b8e0f6a1-2c4d-4e8f-a0b2-c4d6e8f0a2b4'
CINDER = 'req-5a9c7e41-0b2d-4e6f-8a3c-9d1e2f4b6c08'
INSTANCE = 'c76a7603-95be-4368-87e9-7b9b89fb1d7e'
# Seed 002.
KILO = 'req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2'
KILO_GLANCE = 'req-a1f0c2d3-e4b5-4c6d-9e7f-8091a2b3c4d5'
# Seed 000.
DEVSTACK_NOVA = 'req-034279a7-f2dd-40ff-9c93-75768fda494d'
DEVSTACK_NEUTRON = 'req-39b315da-e1eb-4ab5-a45b-3f2dbdaba787'

GZIPPED = {'cloud': ['compute1/nova/nova-compute.log.1']}


def logs(test, scenario):
    """Copy a fixture tree to a temporary directory and return its path.

    The files listed in GZIPPED are gzip-compressed on the way, as
    logrotate leaves them (``nova-compute.log.1`` -> ``.log.1.gz``).
    """
    root = test.useFixture(fixtures.TempDir()).path
    dest = os.path.join(root, scenario)
    shutil.copytree(os.path.join(FIXTURES, scenario), dest)
    for rel in GZIPPED.get(scenario, []):
        path = os.path.join(dest, rel)
        with open(path, 'rb') as src, gzip.open(path + '.gz', 'wb') as out:
            shutil.copyfileobj(src, out)
        os.unlink(path)
    return dest


def run(argv):
    """Run nova-faults-trace; return ``(exit code, stdout, stderr)``."""
    out, err = io.StringIO(), io.StringIO()
    code = cmd.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def expected(name):
    with open(os.path.join(EXPECTED, name), encoding='utf-8') as f:
        return f.read()


# The expected outputs under fixtures/expected/ and the command lines that
# produce them; after a deliberate change of the output, rewrite them with
# ``python -m nova_faults.tests.unit.trace.base`` and review the diff.
EXPECTED_RUNS = (
    ('cloud-global.tree', 'cloud',
     [GLOBAL, '--host-from-dir', '--color', 'never']),
    ('cloud-global.json', 'cloud',
     [GLOBAL, '--host-from-dir', '--format', 'json']),
    ('cloud-global.dot', 'cloud',
     [GLOBAL, '--host-from-dir', '--format', 'dot']),
    ('kilo.tree', 'kilo', [KILO, '--host-from-dir', '--color', 'never']),
    ('kilo.dot', 'kilo', [KILO, '--host-from-dir', '--format', 'dot']),
    ('devstack.json', 'devstack',
     [DEVSTACK_NOVA, '--year', '2017', '--host', 'ignored', '--format',
      'json']),
)


def normalized(name, out, root):
    """An output made comparable: no temporary path, no compressed size."""
    out = out.replace(root, '<logs>')
    if name.endswith('.json'):
        import json
        doc = json.loads(out)
        del doc['summary']['bytes_scanned']
        out = json.dumps(doc, indent=2, ensure_ascii=False) + '\n'
    return out


def _rewrite_expected():
    class Holder(fixtures.Fixture):
        pass

    with Holder() as holder:
        for name, scenario, argv in EXPECTED_RUNS:
            root = logs(holder, scenario)
            code, out, err = run([argv[0], root] + argv[1:])
            assert code == 0, err
            with open(os.path.join(EXPECTED, name), 'w',
                      encoding='utf-8') as f:
                f.write(normalized(name, out, root))


if __name__ == '__main__':
    _rewrite_expected()
