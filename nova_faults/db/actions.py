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

"""Queries of instance actions and their events (cell databases).

An action is one API request on an instance (``instance_actions``, one
per instance and request id); its events are the steps the services
recorded for it (``instance_actions_events``). The write side is used by
:mod:`nova_faults.recording`; the read side by the ``os-instance-actions``
API and the notifications.
"""

import functools
import types

from oslo_db.sqlalchemy import utils as sqlalchemyutils
from oslo_utils import timeutils
import sqlalchemy as sa

from nova_faults.db import api as db_api
from nova_faults.db import models
from nova_faults.db import utils
from nova_faults import exception

_ACTIONS = models.InstanceAction.__table__
_EVENTS = models.InstanceActionEvent.__table__
_INSTANCES = models.Instance.__table__


def _action_by_request_id(conn, instance_uuid, request_id, read_deleted,
                          for_update=False):
    """The newest action of an instance for ``request_id``.

    With ``request_id=None``: the newest action of the instance.
    """
    stmt = _action_stmt(request_id is not None, read_deleted, for_update)
    return utils.one(conn, stmt, {'instance_uuid': instance_uuid,
                                  'request_id': request_id})


# NOTE: the statements of action show are built once per shape (values
# are bound parameters): building a select costs more than running it
# on SQLite.
@functools.lru_cache(maxsize=None)
def _action_stmt(by_request_id, read_deleted, for_update):
    stmt = (sa.select(_ACTIONS)
            .where(_ACTIONS.c.instance_uuid == sa.bindparam('instance_uuid'))
            .order_by(_ACTIONS.c.created_at.desc(), _ACTIONS.c.id.desc())
            .limit(1))
    if by_request_id:
        stmt = stmt.where(_ACTIONS.c.request_id == sa.bindparam('request_id'))
    clause = utils.deleted_clause(_ACTIONS, read_deleted)
    if clause is not None:
        stmt = stmt.where(clause)
    if for_update:
        stmt = stmt.with_for_update()
    return stmt


@functools.lru_cache(maxsize=None)
def _events_stmt(read_deleted):
    stmt = (sa.select(_EVENTS)
            .where(_EVENTS.c.action_id == sa.bindparam('action_id'))
            .order_by(_EVENTS.c.created_at.desc(), _EVENTS.c.id.desc()))
    clause = utils.deleted_clause(_EVENTS, read_deleted)
    return stmt if clause is None else stmt.where(clause)


def _touch_action(conn, action_id, touch, values=None):
    """Update an action after one of its events was written.

    ``values`` (e.g. ``message``) are set; with ``touch``, ``updated_at``
    becomes the latest start or finish time of the action's events.

    NOTE: event times are taken before their transaction starts, so
    concurrent events commit out of order: with Nova's "the event being
    written sets updated_at", the last to commit would win even with an
    older time. The action row is locked by the caller, so the latest
    time read here is the final one.
    """
    values = dict(values or {})
    if touch:
        latest = conn.execute(
            sa.select(sa.func.max(_EVENTS.c.start_time),
                      sa.func.max(_EVENTS.c.finish_time))
            .where(_EVENTS.c.action_id == action_id)).first()
        times = [t for t in latest if t is not None]
        if times:
            values['updated_at'] = max(times)
    if not values:
        return
    # updated_at kept as is unless set above (not the column's onupdate).
    values.setdefault('updated_at', _ACTIONS.c.updated_at)
    conn.execute(_ACTIONS.update().where(_ACTIONS.c.id == action_id)
                 .values(**values))


def action_start(ctx, values):
    """Create an instance action row.

    Create an instance action row (``action``, ``instance_uuid``,
    ``request_id``, ``user_id``, ``project_id``, ``start_time``,
    ``updated_at``, ...). Returns it.
    """
    values = utils.normalize_times(utils.table_values(_ACTIONS, dict(values)))
    with db_api.writer(db_api.cell_db(ctx), ctx) as conn:
        return utils.insert(conn, _ACTIONS, values)


@utils.retry_on_deadlock
def action_start_once(ctx, values):
    """The action of ``values``' instance and request id, created if new.

    Like :func:`action_start`, but when an action of that instance and
    request id exists it is returned unchanged. The lookup and the insert
    are one transaction holding the instance row's lock, so requests
    replayed at the same time create the action once. (Nova's schema has
    no unique key on (instance_uuid, request_id) to lean on.)
    """
    values = utils.normalize_times(utils.table_values(_ACTIONS, dict(values)))
    with db_api.writer(db_api.cell_db(ctx), ctx) as conn:
        # NOTE: no row to lock when the instance is not in this cell's
        # table (a service recording for an instance it does not own);
        # then the lookup is best effort, as in Nova.
        conn.execute(sa.select(_INSTANCES.c.id)
                     .where(_INSTANCES.c.uuid == values['instance_uuid'])
                     .with_for_update()).first()
        existing = _action_by_request_id(conn, values['instance_uuid'],
                                         values['request_id'],
                                         ctx.read_deleted)
        if existing is not None:
            return existing
        return utils.insert(conn, _ACTIONS, values)


def action_get_by_request_id(ctx, instance_uuid, request_id):
    """The newest action of an instance for a request id, or None."""
    with db_api.reader(db_api.cell_db(ctx), ctx) as conn:
        return _action_by_request_id(conn, instance_uuid, request_id,
                                     ctx.read_deleted)


def actions_get(ctx, instance_uuid, limit=None, marker=None, filters=None):
    """The actions of an instance, newest first.

    The actions of an instance, newest first (``created_at`` desc, then
    ``id`` desc), as Nova's ``actions_get``.

    ``filters`` may hold ``changes-since`` / ``changes-before``
    (inclusive bounds on ``updated_at``). ``marker`` is a request id; the
    page starts strictly after that action; an unknown marker raises
    ``MarkerNotFound`` naming it. ``limit=0`` returns nothing.
    """
    if limit == 0:
        return []
    filters = filters or {}
    params = {'instance_uuid': instance_uuid, 'limit': limit}
    for name in ('changes-since', 'changes-before'):
        if filters.get(name):
            params[name.replace('-', '_')] = timeutils.normalize_time(
                filters[name])
    since, before = 'changes_since' in params, 'changes_before' in params
    stmt = _actions_stmt(ctx.read_deleted, since, before, limit is not None)
    with db_api.reader(db_api.cell_db(ctx), ctx) as conn:
        if marker is not None:
            row = _action_by_request_id(conn, instance_uuid, marker,
                                        ctx.read_deleted)
            if row is None:
                # NOTE: Nova says "Marker None could not be found."; we
                # name the marker the caller sent.
                raise exception.MarkerNotFound(marker=marker)
            stmt = sqlalchemyutils.paginate_query(
                _actions_where(ctx.read_deleted, since, before),
                models.InstanceAction, limit, ['created_at', 'id'],
                marker=types.SimpleNamespace(**row),
                sort_dirs=['desc', 'desc'])
        return utils.rows(conn, stmt, params)


@functools.lru_cache(maxsize=None)
def _actions_where(read_deleted, since, before):
    stmt = sa.select(_ACTIONS).where(
        _ACTIONS.c.instance_uuid == sa.bindparam('instance_uuid'))
    clause = utils.deleted_clause(_ACTIONS, read_deleted)
    if clause is not None:
        stmt = stmt.where(clause)
    if since:
        stmt = stmt.where(
            _ACTIONS.c.updated_at >= sa.bindparam('changes_since'))
    if before:
        stmt = stmt.where(
            _ACTIONS.c.updated_at <= sa.bindparam('changes_before'))
    return stmt


@functools.lru_cache(maxsize=None)
def _actions_stmt(read_deleted, since, before, limited):
    """The actions of an instance, newest first: built once per shape."""
    stmt = _actions_where(read_deleted, since, before).order_by(
        _ACTIONS.c.created_at.desc(), _ACTIONS.c.id.desc())
    if limited:
        stmt = stmt.limit(sa.bindparam('limit', type_=sa.Integer))
    return stmt


def _event_action(conn, ctx, values):
    """The action an event belongs to.

    The action an event belongs to, and whether to bump its
    updated_at (Nova's no-project fallback).
    """
    # NOTE: the action row is locked first: the events of one action are
    # written one transaction at a time, so inserting an event (whose
    # foreign key check share-locks the action on MySQL) and updating the
    # action never deadlock against each other.
    action = _action_by_request_id(conn, values['instance_uuid'],
                                   values['request_id'], ctx.read_deleted,
                                   for_update=True)
    update_action = True
    if action is None and not ctx.project_id:
        # NOTE: as in Nova: a service restarted with a new request id (no
        # project in its context) attaches its events to the newest
        # action of the instance, but does not touch that action.
        action = _action_by_request_id(conn, values['instance_uuid'],
                                       None, ctx.read_deleted,
                                       for_update=True)
        update_action = False
    if action is None:
        raise exception.InstanceActionNotFound(
            request_id=values['request_id'],
            instance_uuid=values['instance_uuid'])
    return action, update_action


@utils.retry_on_deadlock
def action_event_start(ctx, values):
    """Start an event of an action.

    Start an event of the action of ``values['instance_uuid']`` /
    ``values['request_id']``: ``event``, ``start_time``, ``host``. The
    action's ``updated_at`` becomes the event's ``start_time``. Returns the
    event row.
    """
    values = utils.normalize_times(dict(values))
    values.setdefault('start_time', timeutils.utcnow())
    with db_api.writer(db_api.cell_db(ctx), ctx) as conn:
        action, update_action = _event_action(conn, ctx, values)
        event = utils.table_values(_EVENTS, values)
        event['action_id'] = action['id']
        row = utils.insert(conn, _EVENTS, event)
        if update_action:
            _touch_action(conn, action['id'], True)
        return row


@utils.retry_on_deadlock
def action_event_finish(ctx, values):
    """Finish an event of an action.

    Finish an event: ``event``, ``finish_time``, ``result``
    (``Success``/``Error``), ``traceback``, ``details``. A failed event
    sets the action's ``message`` to ``Error``; the action's
    ``updated_at`` becomes the event's ``finish_time``. Raises
    ``InstanceActionEventNotFound`` when the event was never started.
    """
    values = utils.normalize_times(dict(values))
    with db_api.writer(db_api.cell_db(ctx), ctx) as conn:
        action, update_action = _event_action(conn, ctx, values)
        # NOTE: Nova takes "the first" event of that name; with ids
        # ascending here, so the choice is deterministic.
        stmt = utils.where_deleted(
            sa.select(_EVENTS).where(_EVENTS.c.action_id == action['id'])
            .where(_EVENTS.c.event == values['event'])
            .order_by(_EVENTS.c.id).limit(1), _EVENTS, ctx)
        event = utils.one(conn, stmt)
        if event is None:
            raise exception.InstanceActionEventNotFound(
                action_id=action['id'], event=values['event'])
        update = utils.table_values(_EVENTS, values)
        for key in ('id', 'action_id'):
            update.pop(key, None)
        update.setdefault('updated_at', timeutils.utcnow())
        conn.execute(_EVENTS.update().where(_EVENTS.c.id == event['id'])
                     .values(**update))
        event.update(update)
        action_update = {}
        if (values.get('result') or '').lower() == 'error':
            action_update['message'] = 'Error'
        _touch_action(conn, action['id'],
                      update_action and bool(values.get('finish_time')),
                      action_update)
        return event


def action_events_get(ctx, action_id):
    """The events of an action, newest first (created_at, id desc)."""
    stmt = _events_stmt(ctx.read_deleted)
    with db_api.reader(db_api.cell_db(ctx), ctx) as conn:
        return utils.rows(conn, stmt, {'action_id': action_id})
