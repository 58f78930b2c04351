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

"""``[api_database]`` options: the API database holding cell, instance
and host mappings. Cell databases are found through ``cell_mappings``."""

from oslo_config import cfg

api_db_group = cfg.OptGroup(
    'api_database', title='API database options',
    help='The API database: cell_mappings, instance_mappings, '
         'host_mappings, request_specs and instance groups. Beside Nova, '
         'point it at Nova\'s API database (a read-only user is enough '
         'for the read-only API).')

opts = [
    cfg.StrOpt(
        'connection',
        secret=True,
        help='SQLAlchemy URL of the API database. Unset: an embedded '
             'SQLite database under [DEFAULT] state_path, with one cell '
             'beside it, created and migrated on first start.'),
    cfg.BoolOpt(
        'sqlite_synchronous', default=True,
        help='If True, SQLite uses synchronous mode.'),
    cfg.IntOpt(
        'connection_recycle_time', default=3600,
        help='Connections unused in the pool for more than this many '
             'seconds are replaced by new ones.'),
    cfg.IntOpt(
        'max_pool_size', default=5, min=0,
        help='Largest number of connections kept open in a pool, per '
             'database.'),
    cfg.IntOpt(
        'max_overflow', default=50, min=0,
        help='Connections allowed beyond max_pool_size.'),
    cfg.IntOpt(
        'pool_timeout', default=30, min=1,
        help='Seconds to wait for a connection from the pool.'),
    cfg.IntOpt(
        'connection_debug', default=0, min=0, max=100,
        help='Verbosity of SQL debugging information: 0=None, '
             '100=Everything.'),
    cfg.IntOpt(
        'cell_cache_ttl', default=10, min=0,
        help='Seconds the list of cells read from cell_mappings is cached '
             'by an API worker. 0 reads it on every request.'),
    cfg.IntOpt(
        'availability_zone_cache_ttl', default=60, min=0,
        help='Seconds the availability zone of a host, read from its host '
             'aggregates, is cached by an API worker (Nova caches it for '
             'an hour). A cached zone that differs from the zone recorded '
             'on a server of the host is read again at once, as in Nova. '
             '0 reads the aggregates on every request.'),
]


def register_opts(conf):
    # NOTE: a fresh OptGroup per ConfigOpts: oslo.config only copies a
    # registered group shallowly, so sharing the module-level one
    # would share option overrides between ConfigOpts instances.
    conf.register_group(cfg.OptGroup(
        api_db_group.name, title=api_db_group.title, help=api_db_group.help))
    conf.register_opts(opts, group=api_db_group.name)


def list_opts():
    return {api_db_group: opts}
