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

"""``[nova_faults]`` options: the filter inside Nova's API pipeline.

Inside Nova, nova-faults reads nova.conf: the groups it shares with Nova
(``[api_database]``, ``[api]``, ``[oslo_policy]``, ...) keep Nova's
meaning, and the settings that are ours alone live in this group, so that
they never collide with an option Nova has or will have. The standalone
API ignores this group.
"""

from oslo_config import cfg

plugin_group = cfg.OptGroup(
    'nova_faults', title='nova-faults inside Nova',
    help='Settings of the nova-faults filter in Nova\'s api-paste.ini '
         '(use = egg:nova-faults#nova). Read from the configuration files '
         'the Nova API was started with; ignored by the standalone '
         'nova-faults API.')

# Route names a filter can serve: the GET routes of nova-faults.
ROUTE_NAMES = (
    'servers:index',
    'servers:detail',
    'servers:show',
    'instance_actions:index',
    'instance_actions:show',
    'services:index',
)

opts = [
    cfg.BoolOpt(
        'enabled',
        default=True,
        help='Serve the routes in "routes" with nova-faults. False passes '
             'every request to Nova, as if the filter were not in the '
             'pipeline (a roll back that needs no api-paste.ini change).'),
    cfg.ListOpt(
        'routes',
        default=list(ROUTE_NAMES),
        item_type=cfg.types.String(choices=ROUTE_NAMES),
        help='The GET routes nova-faults answers, with or without the '
             'project id in the path. Every other request (other routes, '
             'other methods, every write) goes to Nova untouched.'),
    cfg.StrOpt(
        'max_microversion',
        help='The highest compute API microversion of the Nova below the '
             'filter. Unset: learned from Nova itself on the first request '
             'the filter could serve. A request for a version above it, or '
             'above the highest nova-faults knows, goes to Nova, which '
             'answers it (or refuses it) itself.'),
    cfg.IntOpt(
        'cell_timeout',
        default=60,
        min=1,
        help='Seconds to wait for a cell database before treating the '
             'cell as down ([api] cell_timeout of the standalone API; Nova '
             'hard-codes 60).'),
    cfg.IntOpt(
        'max_concurrent_per_cell',
        default=8,
        min=1,
        help='Largest number of queries one API worker runs against a '
             'single cell at the same time ([api] max_concurrent_per_cell '
             'of the standalone API).'),
    cfg.IntOpt(
        'cell_cache_ttl',
        default=10,
        min=0,
        help='Seconds the list of cells read from cell_mappings is cached '
             '([api_database] cell_cache_ttl of the standalone API).'),
]

# [nova_faults] option -> (group, option) of the standalone API it sets.
STANDALONE_OPTS = {
    'cell_timeout': ('api', 'cell_timeout'),
    'max_concurrent_per_cell': ('api', 'max_concurrent_per_cell'),
    'cell_cache_ttl': ('api_database', 'cell_cache_ttl'),
}


def register_opts(conf):
    # NOTE: a fresh OptGroup per ConfigOpts, as in the other groups.
    conf.register_group(cfg.OptGroup(
        plugin_group.name, title=plugin_group.title, help=plugin_group.help))
    conf.register_opts(opts, group=plugin_group.name)


def list_opts():
    return {plugin_group: opts}
