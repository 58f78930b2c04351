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

"""Log files for the demo deployment, so that the tracer has a story.

The demo's failed resize (seed ``000_1e3c3cfa356e043a.txt``) crossed
several services in a real cloud: nova-api accepted it, the scheduler
asked placement for candidates and found none, and the conductor failed
the migration. :func:`write` renders those services' log lines with
oslo.log's own ``ContextFormatter`` (default formats, so the brackets are
``[<global id> <local id> <user identity>]``) into
``<state_path>/demo-logs/<host>/<service>.log``, one directory per host,
at the times the recording library stored for the resize's events.

``nova-faults-trace <resize request ID> <state_path>/demo-logs
--host-from-dir`` then rebuilds the request from them.
"""

import datetime
import logging
import os
import sys
import time

from oslo_config import cfg
from oslo_context import context as oslo_context
from oslo_log import formatters
from oslo_log import log as oslo_log

#: Directory under ``[DEFAULT] state_path``.
DIRNAME = 'demo-logs'

_PIDS = {'nova-api': 2101, 'nova-scheduler': 2203, 'placement-api': 2307,
         'nova-conductor': 2402}


def _formatter():
    """oslo.log's formatter with its default configuration."""
    conf = cfg.ConfigOpts()
    oslo_log.register_options(conf)
    conf([], project='nova')
    # NOTE: oslo.log's default DEBUG suffix names the Python function and
    # file that logged; these lines are written here, not by Nova.
    conf.set_override('logging_debug_format_suffix', '')
    formatter = formatters.ContextFormatter(
        config=conf, project='nova', version='33.0.0',
        datefmt=conf.log_date_format)
    # The demo's times are UTC, whatever this machine's time zone.
    formatter.converter = time.gmtime
    return formatter


class _Writer:
    """Writes records for one service on one host."""

    def __init__(self, root, host, service, formatter):
        directory = os.path.join(root, host)
        os.makedirs(directory, exist_ok=True)
        self.path = os.path.join(directory, service + '.log')
        self.pid = _PIDS[service]
        self.formatter = formatter
        self.lines = []

    def log(self, when, level, name, context, msg, instance=None,
            exc_info=None):
        record = logging.LogRecord(name, level, __file__, 0, msg, (),
                                   exc_info)
        record.created = when.replace(
            tzinfo=datetime.timezone.utc).timestamp()
        record.msecs = (record.created - int(record.created)) * 1000
        record.process = self.pid
        record.context = context
        if instance is not None:
            record.instance_uuid = instance
        self.lines.append(self.formatter.format(record))

    def close(self):
        with open(self.path, 'w') as f:
            f.write('\n'.join(self.lines) + '\n')


def _context(request_id, global_request_id, user, project):
    return oslo_context.RequestContext(
        request_id=request_id, global_request_id=global_request_id,
        user_id=user, project_id=project, user_domain_id='default',
        project_domain_id='default', overwrite=False)


def _no_valid_host(error_class):
    """A real exc_info of the conductor's failure, for the traceback."""
    def select_destinations():
        raise error_class(reason='There are not enough hosts available.')

    def _cold_migrate():
        select_destinations()

    try:
        _cold_migrate()
    except error_class:
        return sys.exc_info()


def write(conf, server_uuid, request_id, global_request_id, start,
          error_class, placement_request_id):
    """Write the logs of the failed resize ``request_id`` of a server.

    ``start`` is when nova-api received the request (naive UTC); returns
    the root directory written.
    """
    root = os.path.join(conf.state_path, DIRNAME)
    formatter = _formatter()
    api = _Writer(root, 'controller', 'nova-api', formatter)
    scheduler = _Writer(root, 'controller', 'nova-scheduler', formatter)
    placement = _Writer(root, 'controller', 'placement-api', formatter)
    conductor = _Writer(root, 'conductor', 'nova-conductor', formatter)

    user = _context(request_id, global_request_id, 'demo', 'demo')
    at = start

    def later(ms):
        return at + datetime.timedelta(milliseconds=ms)

    api.log(later(12), logging.DEBUG, 'nova.compute.api', user,
            'Going to try to resize instance to m1.small',
            instance=server_uuid)
    api.log(later(301), logging.INFO, 'nova.api.openstack.requestlog',
            user, '10.0.0.2 "POST /v2.1/servers/%s/action" status: 202 '
            'len: 0 microversion: 2.84 time: 0.301442' % server_uuid)

    service = _context(placement_request_id, global_request_id, 'nova',
                       'service')
    scheduler.log(later(350), logging.DEBUG, 'nova.scheduler.manager',
                  user, 'Starting to schedule for instances: [%r]'
                  % server_uuid)
    placement.log(later(371), logging.INFO, 'placement.requestlog',
                  service, '10.0.0.3 "GET /placement/allocation_candidates'
                  '?limit=1000&resources=DISK_GB%3A20%2CMEMORY_MB%3A2048'
                  '%2CVCPU%3A1" status: 200 len: 54 microversion: 1.36')
    scheduler.log(later(380), logging.DEBUG, 'keystoneauth.session', user,
                  'GET call to placement for http://controller/placement/'
                  'allocation_candidates?limit=1000 used request id %s'
                  % placement_request_id)
    scheduler.log(later(383), logging.INFO, 'nova.scheduler.manager',
                  user, 'Got no allocation candidates from the Placement '
                  'API. This could be due to insufficient resources or a '
                  'temporary occurrence as compute nodes start up.')

    conductor.log(later(395), logging.WARNING, 'nova.scheduler.utils',
                  user, 'Failed to compute_task_migrate_server: No valid '
                  'host was found. There are not enough hosts available.',
                  instance=server_uuid)
    conductor.log(later(397), logging.ERROR, 'nova.conductor.manager',
                  user, 'Migration of instance %s failed' % server_uuid,
                  instance=server_uuid,
                  exc_info=_no_valid_host(error_class))

    for writer in (api, scheduler, placement, conductor):
        writer.close()
    return root
