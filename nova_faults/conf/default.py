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

"""``[DEFAULT]`` options: who this host is, where local state lives, and
the service heartbeat settings that decide whether a service is up."""

import os
import socket

from oslo_config import cfg

opts = [
    cfg.HostAddressOpt(
        'host',
        sample_default='<current_hostname>',
        default=socket.gethostname(),
        help='Name of this host. It is recorded as the host of instance '
             'faults and action events written through the recording '
             'library, and as the host of the heartbeat of a service '
             'using it. Must be a valid hostname, FQDN or IP address.'),
    cfg.StrOpt(
        'state_path',
        sample_default='$HOME/.local/share/nova-faults',
        default=os.path.join(
            os.environ.get('XDG_DATA_HOME') or
            os.path.join(os.path.expanduser('~'), '.local', 'share'),
            'nova-faults'),
        help='Directory where nova-faults keeps local state: the embedded '
             'SQLite databases used when no [api_database] connection is '
             'configured.'),
    cfg.IntOpt(
        'service_down_time',
        default=60,
        min=1,
        help='Maximum time in seconds since the last heartbeat of a '
             'service for it to be considered up. Servers on a compute '
             'host whose service missed its heartbeat for longer show '
             'host_status UNKNOWN. If it is not greater than '
             'report_interval it is raised to 2.5 times report_interval, '
             'as Nova does.'),
    cfg.IntOpt(
        'report_interval',
        default=10,
        min=1,
        help='Seconds between heartbeats of a service that reports its '
             'state through the recording library.'),
    cfg.StrOpt(
        'default_availability_zone',
        default='nova',
        help='The availability zone of a compute host in no aggregate with '
             'an availability_zone (Nova\'s option of the same name): '
             'shown in os-services and for the servers of that host.'),
    cfg.StrOpt(
        'internal_service_availability_zone',
        default='internal',
        help='The availability zone os-services shows for services other '
             'than nova-compute (Nova\'s option of the same name).'),
]


def register_opts(conf):
    conf.register_opts(opts)


def list_opts():
    return {'DEFAULT': opts}
