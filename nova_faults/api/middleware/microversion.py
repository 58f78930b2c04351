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

"""Microversion negotiation: 2.1 to 2.104, both headers, as Nova.

Reads ``OpenStack-API-Version: compute X.Y`` (the last ``compute`` entry
wins) or, when it has no compute entry, the legacy
``X-OpenStack-Nova-API-Version``; no header means 2.1 and ``latest`` the
maximum. The negotiated :class:`~nova_faults.api.microversion.APIVersion`
is stored in the environ; every response (faults included) echoes both
headers and adds two ``Vary`` entries.

* malformed (``2.x``, ``2.01``, ``LATEST``): 400 ``badRequest``, and no
  version headers (there is no version);
* well-formed but out of range (``2.0``, ``3.0``, ``2.999``): 406
  ``computeFault``, with the requested version echoed.
"""

import microversion_parse
import webob.dec

from nova_faults.api import faults
from nova_faults.api import microversion
from nova_faults.api.middleware import base
from nova_faults import exception


def _requested_version(req):
    version_string = microversion_parse.get_version(
        req.headers, service_type=microversion.SERVICE_TYPE,
        legacy_headers=[microversion.LEGACY_HEADER])
    if version_string is None:
        return microversion.DEFAULT_VERSION
    # NOTE: only the exact lower-case "latest" is special; "LATEST" is a
    # malformed version string (400), as in Nova.
    if version_string == 'latest':
        return microversion.MAX_VERSION
    return microversion.APIVersion.from_string(version_string)


def add_version_headers(response, version):
    response.headers[microversion.HEADER] = '%s %s' % (
        microversion.SERVICE_TYPE, version)
    response.headers[microversion.LEGACY_HEADER] = str(version)
    # NOTE: two separate Vary entries (headers.add), exactly as Nova.
    response.headers.add('Vary', microversion.HEADER)
    response.headers.add('Vary', microversion.LEGACY_HEADER)
    return response


class Microversion(base.Middleware):

    @webob.dec.wsgify
    def __call__(self, req):
        try:
            version = _requested_version(req)
        except exception.InvalidAPIVersionString as exc:
            return faults.fault_response(400, exc.format_message())
        # NOTE: the requested version is stored before the range check, so
        # a 406 echoes it in the version headers (Nova does the same).
        req.environ[microversion.ENVIRON_KEY] = version
        if not version.is_supported():
            response = faults.fault_response(
                406, 'Version %s is not supported by the API. Minimum is '
                     '%s and maximum is %s.' % (
                         version, microversion.MIN_VERSION_STRING,
                         microversion.MAX_VERSION_STRING))
        else:
            response = req.get_response(self.application)
        return add_version_headers(response, version)
