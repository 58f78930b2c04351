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

"""Column types shared by the models and the migrations (Nova's)."""

import ipaddress

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql


def MediumText():
    """Nova's ``MediumText``: TEXT, MEDIUMTEXT on MySQL."""
    # NOTE: kept from Nova, whose Folsom-era MySQL tables have MEDIUMTEXT
    # columns for network_info, user_data, fault details and the like.
    return sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql')


class IPAddress(sa.types.TypeDecorator):
    """Nova's IP address column: INET on PostgreSQL, VARCHAR(39) elsewhere.

    Values are always returned as strings (psycopg returns ``ipaddress``
    objects for INET).
    """

    impl = sa.String
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == 'postgresql':
            return dialect.type_descriptor(postgresql.INET())
        return dialect.type_descriptor(sa.String(39))

    def process_bind_param(self, value, dialect):
        if value is None or dialect.name == 'postgresql':
            return value
        try:
            # NOTE: as Nova does, IPv6 addresses are stored shortened.
            return str(ipaddress.ip_address(value))
        except ValueError:
            return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return str(value)
