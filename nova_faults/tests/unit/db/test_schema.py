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

"""Our models against the snapshot of Nova's schema (``nova_schema``).

The functional twin (``tests/functional/test_db_schema.py``) checks the
databases the migrations create, on SQLite, MariaDB and PostgreSQL.
"""

import sqlalchemy as sa
import testtools

from nova_faults.db import models
from nova_faults.db import types
from nova_faults.tests.unit.db import nova_schema


def type_name(sa_type):
    """A model column type in the snapshot's notation."""
    if isinstance(sa_type, types.IPAddress):
        return 'IPAddress'
    if isinstance(sa_type, sa.Enum):
        return 'Enum(%s)' % ','.join(sa_type.enums)
    if isinstance(sa_type, sa.Text):
        if 'mysql' in getattr(sa_type, '_variant_mapping', {}):
            return 'MediumText'
        return 'Text'
    if isinstance(sa_type, sa.Unicode):
        return 'Unicode(%d)' % sa_type.length
    if isinstance(sa_type, sa.String):
        return 'String(%d)' % sa_type.length
    for cls in (sa.BigInteger, sa.Integer, sa.Boolean, sa.DateTime):
        if isinstance(sa_type, cls):
            return cls.__name__
    raise AssertionError('unexpected type %r' % sa_type)


def describe_metadata(metadata):
    """The snapshot structure of a ``MetaData``."""
    tables = {}
    for table in metadata.tables.values():
        tables[table.name] = {
            'columns': {
                c.name: {'type': type_name(c.type), 'nullable': c.nullable,
                         'primary_key': c.primary_key}
                for c in table.c},
            'indexes': {
                i.name: (tuple(c.name for c in i.columns), bool(i.unique))
                for i in table.indexes},
            'unique_constraints': {
                u.name: tuple(c.name for c in u.columns)
                for u in table.constraints
                if isinstance(u, sa.UniqueConstraint)},
        }
    return tables


class SchemaSnapshotTestCase(testtools.TestCase):

    def _compare(self, expected, actual):
        self.assertEqual(sorted(expected), sorted(actual))
        for name in expected:
            self.assertEqual(expected[name]['columns'],
                             actual[name]['columns'], name)
            self.assertEqual(expected[name]['indexes'],
                             actual[name]['indexes'], name)
            self.assertEqual(expected[name]['unique_constraints'],
                             actual[name]['unique_constraints'], name)

    def test_api_models_match_nova(self):
        self._compare(nova_schema.API_TABLES,
                      describe_metadata(models.APIBase.metadata))

    def test_main_models_match_nova(self):
        self._compare(nova_schema.MAIN_TABLES,
                      describe_metadata(models.MainBase.metadata))

    def test_soft_delete_columns(self):
        for table in models.MainBase.metadata.tables.values():
            if table.name == 'tags':
                self.assertNotIn('deleted', table.c)
                continue
            self.assertIsInstance(table.c.deleted.type, sa.Integer)
            self.assertEqual(0, table.c.deleted.default.arg)
            self.assertIsNotNone(table.c.updated_at.onupdate)

    def test_snapshot_detects_a_difference(self):
        # The comparison is not vacuous: a changed nullability shows.
        actual = describe_metadata(models.MainBase.metadata)
        actual['instances']['columns']['uuid']['nullable'] = True
        self.assertRaises(AssertionError, self._compare,
                          nova_schema.MAIN_TABLES, actual)
