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

A plain WSGI callable: the two version headers are read from the
environ and the answer's headers are added in ``start_response``.
"""

import microversion_parse

from nova_faults.api import faults
from nova_faults.api import microversion
from nova_faults.api.middleware import base
from nova_faults import exception


_ENV_HEADERS = tuple(
    ('HTTP_' + name.upper().replace('-', '_'), name.lower())
    for name in (microversion.HEADER, microversion.LEGACY_HEADER))


def _requested_version(environ):
    headers = {name: environ[key] for key, name in _ENV_HEADERS
               if key in environ}
    version_string = microversion_parse.get_version(
        headers, service_type=microversion.SERVICE_TYPE,
        legacy_headers=[microversion.LEGACY_HEADER])
    if version_string is None:
        return microversion.DEFAULT_VERSION
    # NOTE: only the exact lower-case "latest" is special; "LATEST" is a
    # malformed version string (400), as in Nova.
    if version_string == 'latest':
        return microversion.MAX_VERSION
    return microversion.APIVersion.from_string(version_string)


def version_headers(version):
    """The headers every answer at ``version`` carries."""
    # NOTE: two separate Vary entries, exactly as Nova.
    value = '%s %s' % (microversion.SERVICE_TYPE, version)
    return [(microversion.HEADER, value),
            (microversion.LEGACY_HEADER, str(version)),
            ('Vary', microversion.HEADER),
            ('Vary', microversion.LEGACY_HEADER)]


def add_version_headers(response, version):
    """Add :func:`version_headers` to a ``webob.Response``."""
    for name, value in version_headers(version):
        if name == 'Vary':
            response.headers.add(name, value)
        else:
            response.headers[name] = value
    return response


class Microversion(base.Middleware):

    def __call__(self, environ, start_response):
        try:
            version = _requested_version(environ)
        except exception.InvalidAPIVersionString as exc:
            response = faults.fault_response(400, exc.format_message())
            return response(environ, start_response)
        # NOTE: the requested version is stored before the range check, so
        # a 406 echoes it in the version headers (Nova does the same).
        environ[microversion.ENVIRON_KEY] = version
        extra = version_headers(version)

        def version_start_response(status, headers, exc_info=None):
            return start_response(status, list(headers) + extra, exc_info)

        if not version.is_supported():
            response = faults.fault_response(
                406, 'Version %s is not supported by the API. Minimum is '
                     '%s and maximum is %s.' % (
                         version, microversion.MIN_VERSION_STRING,
                         microversion.MAX_VERSION_STRING))
            return response(environ, version_start_response)
        return self.application(environ, version_start_response)
