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

"""Reading Nova's JSON blobs: the network info cache and object envelopes.

Pure functions shared by the server views and the server list's IP
filters (:mod:`nova_faults.objects.instance_list`); a blob that cannot be
read is None, never an error.
"""

import ipaddress
import json


def load_json(text):
    """The decoded JSON ``text`` (a dict or list passes as it is), or None."""
    if not text:
        return None
    if isinstance(text, (dict, list)):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return None


def object_data(blob):
    """The ``nova_object.data`` of a serialized Nova object, else ``blob``."""
    if isinstance(blob, dict) and 'nova_object.data' in blob:
        return blob['nova_object.data']
    return blob


def ip_version(ip):
    """The version of an IP of a VIF: its ``version`` or the address's."""
    version = ip.get('version')
    if version:
        return version
    try:
        return ipaddress.ip_address(ip.get('address')).version
    except ValueError:
        return None
