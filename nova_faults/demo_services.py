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

"""The demo's stand-ins for the services that do the work.

A conductor and a compute service that record their actions' events
through :class:`nova_faults.recording.Recorder`, as Nova's do, and the
exceptions they raise: the demo (:mod:`nova_faults.demo`) calls them to
write the failed resize, build and live migration of its stories.
"""

from nova_faults import exception
from nova_faults import recording


class NoValidHost(exception.NovaFaultsException):
    msg_fmt = 'No valid host was found. %(reason)s'


class LibvirtError(Exception):
    """Stands for a hypervisor driver's own exception (not the library's)."""


class Conductor(recording.Recorder):
    """Records events as Nova's conductor does."""

    def schedule_and_build_instances(self, context, instance, hosts):
        with self.event_reporter(context,
                                 'conductor_schedule_and_build_instances',
                                 instance):
            if not hosts:
                raise NoValidHost(reason='There are not enough hosts '
                                         'available.')

    @recording.wrap_instance_event(prefix='conductor')
    def migrate_server(self, context, instance, flavor):
        self._cold_migrate(context, instance, flavor)

    def _cold_migrate(self, context, instance, flavor):
        with self.event_reporter(context, 'cold_migrate', instance):
            raise NoValidHost(reason='There are not enough hosts '
                                     'available.')

    @recording.wrap_instance_event(prefix='conductor')
    def live_migrate_instance(self, context, instance, destination):
        pass


class Compute(recording.Recorder):
    """Records events as Nova's compute service does."""

    @recording.wrap_instance_event(prefix='compute')
    def build_and_run_instance(self, context, instance):
        pass

    @recording.wrap_instance_event(prefix='compute')
    def stop_instance(self, context, instance):
        pass

    @recording.wrap_instance_event(prefix='compute')
    def terminate_instance(self, context, instance):
        pass

    @recording.wrap_instance_event(prefix='compute')
    def live_migration(self, context, instance, destination):
        raise LibvirtError(
            'operation failed: migration to qemu+tls://%s/system failed: '
            'cannot open rbd://cinder:AQBzN2Rh+secret@ceph-mon:6789 '
            '(auth_token=gAAAAABdemo)' % destination)
