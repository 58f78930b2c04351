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

"""Console scripts.

NOTE: oslo.messaging (loaded when a notification is sent, and by the
notification payloads' oslo.versionedobjects) imports eventlet through
oslo.service, even though these processes run on native threads and
never monkey-patch. Eventlet's green DNS resolver, which imports all of
dnspython (a third of a second), is only used by monkey-patched sockets:
it is turned off here, before anything imports eventlet, unless the
environment already says otherwise (Nova long did the same in its own
package).
"""

import os

os.environ.setdefault('EVENTLET_NO_GREENDNS', 'yes')
