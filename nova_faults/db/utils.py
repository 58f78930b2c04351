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

"""Small helpers shared by the query modules of :mod:`nova_faults.db`.

Rows come back as plain ``dict`` objects keyed by column name (never ORM
objects). Soft delete follows Nova: ``read_deleted`` (``'no'``, ``'yes'``,
``'only'``) decides whether rows with ``deleted != 0`` are seen.
"""

import datetime

from oslo_db import api as oslo_db_api
from oslo_utils import timeutils
import sqlalchemy as sa

retry_on_deadlock = oslo_db_api.wrap_db_retry(max_retries=5,
                                              retry_on_deadlock=True)
"""Retry a write on a database deadlock (five times)."""


class KeyedSelect:
    """A select of the rows of a list of keys, built once in two shapes.

    ``build(match)`` builds the select, with ``match(column)`` as its
    condition on the keys: ``column = :key`` for one key,
    ``column IN (:keys)`` for more. NOTE: an ``IN`` of a list of values
    (an expanding parameter) makes SQLAlchemy rewrite the statement's
    SQL at every execution; a server's related rows are asked for one
    key, and that rewriting took a fifteenth of its request's thread.
    Both shapes select the same rows.
    """

    def __init__(self, build):
        self.one = build(lambda column: column == sa.bindparam('key'))
        self.many = build(lambda column: column.in_(
            sa.bindparam('keys', expanding=True)))

    def execute(self, conn, keys):
        """The result of the select for ``keys`` (non-empty, iterable)."""
        keys = list(keys)
        if len(keys) == 1:
            return conn.execute(self.one, {'key': keys[0]})
        return conn.execute(self.many, {'keys': keys})


def rows(conn, stmt, params=None):
    """Every row of ``stmt`` (bound to ``params``) as a dict."""
    result = conn.execute(stmt, params)
    # NOTE: the column names once per result, not once per row as a
    # mapping row gives them (the os-services rows: 40 % faster).
    keys = tuple(result.keys())
    return [dict(zip(keys, row)) for row in result]


def one(conn, stmt, params=None):
    """The first row of ``stmt`` (bound to ``params``), a dict or None."""
    row = conn.execute(stmt, params).mappings().first()
    return dict(row) if row is not None else None


def deleted_clause(table, read_deleted):
    if read_deleted == 'no':
        return table.c.deleted == 0
    if read_deleted == 'only':
        return table.c.deleted != 0
    if read_deleted == 'yes':
        return None
    raise ValueError('Unrecognized read_deleted value %r' % read_deleted)


def where_deleted(stmt, table, ctx, read_deleted=None):
    clause = deleted_clause(table, read_deleted or ctx.read_deleted)
    return stmt if clause is None else stmt.where(clause)


def normalize_times(values):
    for key, value in values.items():
        if isinstance(value, datetime.datetime):
            values[key] = timeutils.normalize_time(value)
        elif isinstance(value, str) and key.endswith(('_at', '_time',
                                                     '_up')):
            values[key] = timeutils.normalize_time(
                timeutils.parse_isotime(value))
    return values


def table_values(table, values):
    """The entries of ``values`` that are columns of ``table``."""
    return {k: v for k, v in values.items() if k in table.c}


def row_with_defaults(table, values):
    """``values`` plus the model's Python-side column defaults."""
    row = {}
    for column in table.c:
        if column.name in values:
            row[column.name] = values[column.name]
        elif column.default is not None and not column.primary_key:
            default = column.default
            if default.is_callable:
                row[column.name] = default.arg(None)
            elif default.is_scalar:
                row[column.name] = default.arg
    return row


def insert(conn, table, values):
    """Insert a row with the model's Python defaults; return it as a dict."""
    row = row_with_defaults(table, values)
    pk = [c for c in table.primary_key.columns]
    result = conn.execute(table.insert().values(**row))
    if len(pk) == 1 and pk[0].name not in row:
        row[pk[0].name] = result.inserted_primary_key[0]
    for column in table.c:
        row.setdefault(column.name, None)
    return row
