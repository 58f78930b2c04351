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

"""``[notifications]`` options: versioned notifications of failures."""

from oslo_config import cfg

notifications_group = cfg.OptGroup(
    'notifications', title='Notification options',
    help='Versioned notifications sent when an action event fails or an '
         'instance fault is recorded. The transport and driver come from '
         '[oslo_messaging_notifications].')

opts = [
    cfg.BoolOpt(
        'include_traceback',
        default=False,
        help='Include the event traceback or fault details in failure '
             'notifications. They may contain hypervisor or database '
             'text; off by default.'),
    cfg.ListOpt(
        'versioned_notifications_topics',
        default=['versioned_notifications'],
        help='Topics on which the versioned failure notifications '
             '(instance.action_event.error, instance.fault.create) are '
             'sent, as Nova\'s option of the same name. Whether and how '
             'they are sent is set by [oslo_messaging_notifications] '
             'driver (messagingv2, log or noop; none means noop) and '
             'transport_url.'),
]


def register_opts(conf):
    # NOTE: a fresh OptGroup per ConfigOpts: oslo.config only copies a
    # registered group shallowly, so sharing the module-level one
    # would share option overrides between ConfigOpts instances.
    conf.register_group(cfg.OptGroup(
        notifications_group.name, title=notifications_group.title,
        help=notifications_group.help))
    conf.register_opts(opts, group=notifications_group.name)


def list_opts():
    return {notifications_group: opts}
