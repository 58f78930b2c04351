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
]


def register_opts(conf):
    conf.register_group(notifications_group)
    conf.register_opts(opts, group=notifications_group)


def list_opts():
    return {notifications_group: opts}
