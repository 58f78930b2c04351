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

"""What every handler does first, and the helpers they share.

Kept apart from the handlers of each resource so that a handler module
never imports another one.
"""

from nova_faults.api import microversion
from nova_faults.api import wsgi_util
from nova_faults import cells


def request_setup(req):
    """(context, conf, version) of a request; binds the API database."""
    ctx = wsgi_util.get_context(req)
    conf = wsgi_util.get_conf(req)
    cells.bind_api_database(ctx, conf)
    return ctx, conf, microversion.from_request(req)


def cell_mappings(ctx, conf):
    """Every cell mapping (cached for ``[api_database] cell_cache_ttl``)."""
    return cells.get_cell_mappings(ctx, conf)


def in_cell(ctx, conf, cell, fn, *args):
    """``fn(cell_ctx, *args)`` in ``cell``, bounded by the cell timeout.

    A cell whose database fails or that does not answer is a 503 naming
    the cell, never its URL; any other exception (not found, bad marker,
    a bug) is raised as it is.
    """
    return cells.run_in_cell(ctx, conf, cell, fn, *args)


def project_in_url(req, ctx):
    """The project id when the request URL holds it, else ``''``.

    NOTE: as Nova, links keep the project id when the request URL holds
    it (``/v2.1/{project_id}/servers/...``).
    """
    if ctx.project_id and ctx.project_id in req.url:
        return ctx.project_id
    return ''
