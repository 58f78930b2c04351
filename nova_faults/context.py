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

"""The request context: who is asking, with which request IDs, and which
database (API or a cell) the data calls go to.

It extends oslo.context's ``RequestContext``; ``is_admin`` is computed from
the ``context_is_admin`` policy rule, as in Nova, so an operator who changes
that rule changes who is "admin" everywhere (fault details included).
"""

import copy

from oslo_context import context
from oslo_utils import timeutils


class RequestContext(context.RequestContext):
    """Security context and request information.

    ``read_deleted`` is ``'no'``, ``'yes'`` or ``'only'``: whether data
    queries see soft-deleted rows. ``cell`` is the cell database the data
    calls go to (see :mod:`nova_faults.cells`); ``api_db`` the API
    database's transaction factory, set by the API or by the caller of the
    recording library.
    """

    def __init__(self, user_id=None, project_id=None, is_admin=None,
                 read_deleted='no', timestamp=None, api_db=None, cell=None,
                 enforcer=None, **kwargs):
        if user_id is not None:
            kwargs['user_id'] = user_id
        if project_id is not None:
            kwargs['project_id'] = project_id
        super().__init__(is_admin=bool(is_admin), **kwargs)
        self.read_deleted = read_deleted
        self.timestamp = timestamp or timeutils.utcnow()
        if isinstance(self.timestamp, str):
            self.timestamp = timeutils.parse_isotime(
                self.timestamp).replace(tzinfo=None)
        self.api_db = api_db
        self.cell = cell
        if is_admin is None:
            # NOTE: as in Nova, "admin" is whatever the context_is_admin
            # rule says; with the default rule that is the admin role on
            # any project ("legacy admin").
            from nova_faults import policy
            self.is_admin = policy.check_is_admin(self, enforcer=enforcer)

    @property
    def read_deleted(self):
        return self._read_deleted

    @read_deleted.setter
    def read_deleted(self, value):
        if value not in ('no', 'yes', 'only'):
            raise ValueError('read_deleted can only be one of "no", '
                             '"yes" or "only", not %r' % value)
        self._read_deleted = value

    def to_policy_values(self):
        # NOTE: as Nova's, so that the legacy rules an operator may keep
        # in Nova's policy file ("is_admin:True", admin_api,
        # admin_or_owner) decide the same way for us.
        values = super().to_policy_values()
        values['is_admin'] = self.is_admin
        return values

    def to_dict(self):
        values = super().to_dict()
        values.update(read_deleted=self.read_deleted,
                      timestamp=self.timestamp.isoformat())
        return values

    @classmethod
    def from_dict(cls, values, **kwargs):
        kwargs.setdefault('read_deleted', values.get('read_deleted', 'no'))
        kwargs.setdefault('timestamp', values.get('timestamp'))
        kwargs.setdefault('is_admin', values.get('is_admin'))
        return super().from_dict(values, **kwargs)

    def elevated(self, read_deleted=None):
        """A copy of this context with admin rights."""
        ctx = copy.copy(self)
        ctx.roles = list(ctx.roles)
        ctx.is_admin = True
        if 'admin' not in ctx.roles:
            ctx.roles.append('admin')
        if read_deleted is not None:
            ctx.read_deleted = read_deleted
        return ctx

    def can(self, action, target=None, fatal=True):
        """Check policy ``action`` against ``target``.

        ``target`` defaults to the caller's own project and user, as in
        Nova. Raises ``PolicyNotAuthorized`` when ``fatal``; otherwise
        returns the boolean result.
        """
        from nova_faults import policy
        if target is None:
            target = {'project_id': self.project_id,
                      'user_id': self.user_id}
        return policy.authorize(self, action, target, fatal=fatal)


def get_admin_context(read_deleted='no', **kwargs):
    """A context for services and tools acting on their own behalf."""
    return RequestContext(user_id=None, project_id=None, is_admin=True,
                          read_deleted=read_deleted, overwrite=False,
                          **kwargs)
