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

"""The base class of the nova-faults versioned objects.

Only the notification payloads (:mod:`nova_faults.objects.notification`)
are versioned objects: they are what is serialised, in Nova's
``nova_object.*`` envelope (namespace ``nova``).

NOTE: importing oslo.versionedobjects pulls in oslo.messaging and
eventlet; only the notifier imports this module, never the WSGI API.
"""

from oslo_versionedobjects import base as ovo_base


class NovaFaultsObject(ovo_base.VersionedObject):
    """Base of every object: Nova's envelope namespace."""

    OBJ_SERIAL_NAMESPACE = 'nova_object'
    OBJ_PROJECT_NAMESPACE = 'nova'
