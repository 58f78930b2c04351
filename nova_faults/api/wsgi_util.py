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

"""Small helpers for handlers: JSON responses, the environ keys, links.

JSON is serialised with oslo.serialization's ``jsonutils``, so datetime
values in a body come out as ``%Y-%m-%dT%H:%M:%S.%f`` (six fractional
digits, no zone), exactly as Nova's do.
"""

import datetime
import urllib.parse

from oslo_serialization import jsonutils
import webob

from nova_faults.api.views import common as views_common

CONTEXT_KEY = 'nova_faults.context'
CONF_KEY = 'nova_faults.conf'

JSON_CONTENT_TYPE = 'application/json'


def _json_default(value):
    """``jsonutils.to_primitive``'s text for what JSON cannot encode.

    A naive ``datetime`` (most of what an action's or an event's body
    holds besides JSON's own types) is written by ``views.common.strtime``
    to the text ``to_primitive`` gives, in half its time; anything else
    goes to ``to_primitive``.
    """
    if type(value) is datetime.datetime and value.tzinfo is None:
        return views_common.strtime(value)
    return jsonutils.to_primitive(value)


def json_response(req, body, status=200, headers=None):
    """A ``webob.Response`` with ``body`` (a dict) as JSON.

    ``body`` is a tree the views built for this answer: it has no cycle
    to look for (a tenth of the time of encoding a list of servers).
    """
    response = webob.Response(
        status=status, content_type=JSON_CONTENT_TYPE,
        body=jsonutils.dump_as_bytes(body, default=_json_default,
                                     check_circular=False))
    # NOTE: set after, or webob drops the charset of a JSON type.
    response.charset = 'UTF-8'
    for name, value in (headers or {}).items():
        response.headers[name] = str(value)
    return response


def empty_response(req, status=204, headers=None):
    """A response without a body (e.g. 202 or 204)."""
    response = webob.Response(status=status)
    response.content_type = None
    for name, value in (headers or {}).items():
        response.headers[name] = str(value)
    return response


def get_context(req):
    """The ``RequestContext`` the auth middleware put in the environ."""
    return req.environ[CONTEXT_KEY]


def get_conf(req):
    """The application's ``ConfigOpts``."""
    return req.environ[CONF_KEY]


def path_info(req):
    """``req.path_info`` decoded, or None when it is not valid UTF-8."""
    try:
        return req.path_info
    except UnicodeDecodeError:
        return None


def url_join(*parts):
    """Join URL parts with single slashes, as Nova's ``common.url_join``.

    An empty last part leaves a trailing slash.
    """
    parts = parts or ('',)
    clean = [part.strip('/') for part in parts if part]
    if not parts[-1]:
        clean.append('')
    return '/'.join(clean)


def update_link_prefix(orig_url, prefix):
    """Replace scheme, host and path prefix of ``orig_url`` by ``prefix``.

    Nova's ``_update_link_prefix``, driven by ``[api] compute_link_prefix``
    for deployments behind a proxy.
    """
    if not prefix:
        return orig_url
    url_parts = list(urllib.parse.urlsplit(orig_url))
    prefix_parts = list(urllib.parse.urlsplit(prefix))
    url_parts[0:2] = prefix_parts[0:2]
    url_parts[2] = prefix_parts[2] + url_parts[2]
    return urllib.parse.urlunsplit(url_parts).rstrip('/')


def link_prefix(req, url=None):
    """``url`` (default: the application URL) with the link prefix.

    ``[api] compute_link_prefix`` replaces scheme, host and path prefix.
    """
    url = req.application_url if url is None else url
    conf = req.environ.get(CONF_KEY)
    prefix = conf.api.compute_link_prefix if conf is not None else None
    return update_link_prefix(url, prefix)
