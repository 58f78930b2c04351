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

"""``[api]`` options: authentication strategy, paging limits, links and
how the API treats cells that do not answer."""

from oslo_config import cfg

api_group = cfg.OptGroup(
    'api', title='API options',
    help='Options for the nova-faults compute API.')

opts = [
    cfg.StrOpt(
        'auth_strategy',
        default='keystone',
        choices=[
            ('keystone', 'Authenticate with keystonemiddleware auth_token '
                         '(production).'),
            ('noauth', 'Development and tests only: "X-Auth-Token: '
                       'user:project" is trusted as is. Never use this on '
                       'a network you do not control.'),
        ],
        help='How API requests are authenticated. It selects the paste '
             'pipeline: "keystone" uses the production pipeline, '
             '"noauth" the development one.'),
    cfg.IntOpt(
        'max_limit',
        default=1000,
        min=0,
        help='The largest number of items a list request returns in one '
             'page (servers, instance actions), whatever "limit" asks '
             'for.'),
    cfg.IntOpt(
        'cell_timeout',
        default=60,
        min=1,
        help='Seconds to wait for a cell database to answer a request '
             'before treating the cell as down. Nova hard-codes 60 '
             'seconds; here it is configurable. MySQL/MariaDB connections '
             'also get it as their connect and read timeout, PostgreSQL '
             'connections as their connect timeout (at least 2 seconds), '
             'so a server that accepts connections and never answers does '
             'not hold API threads. A cell on a SQLite file is read in the '
             'request\'s thread, without this bound (a file has no server '
             'to stop answering).'),
    cfg.IntOpt(
        'max_concurrent_per_cell',
        default=8,
        min=1,
        help='Largest number of queries one API worker runs against a '
             'single cell at the same time. A hung cell can hold at most '
             'this many threads; further requests treat it as down at '
             'once instead of piling up.'),
    cfg.BoolOpt(
        'list_records_by_skipping_down_cells',
        default=True,
        help='When listing servers meets a cell that does not respond and '
             'minimal records cannot be used (before microversion 2.69, '
             'or with paging, sorting or filters), skip that cell\'s '
             'records (True, logged) or fail the request (False).'),
    cfg.URIOpt(
        'compute_link_prefix',
        help='Base URL that replaces the scheme, host and path prefix of '
             'the links in API responses, for deployments behind a proxy. '
             'Unset: links use the request\'s own URL.'),
    cfg.StrOpt(
        'api_paste_config',
        default='api-paste.ini',
        help='The paste configuration file, found with the configuration '
             'files when the path is relative; the copy shipped in the '
             'package is used when none is found.'),
]


def register_opts(conf):
    # NOTE: a fresh OptGroup per ConfigOpts: oslo.config only copies a
    # registered group shallowly, so sharing the module-level one
    # would share option overrides between ConfigOpts instances.
    conf.register_group(cfg.OptGroup(
        api_group.name, title=api_group.title, help=api_group.help))
    conf.register_opts(opts, group=api_group.name)


def list_opts():
    return {api_group: opts}
