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

"""Base classes of the nova-faults versioned objects.

Objects use Nova's field names and Nova's ``nova_object.*`` envelope
(namespace ``nova``), registered in :class:`NovaFaultsObjectRegistry`.
They are built from the plain rows of :mod:`nova_faults.db.api`; list
classes load a whole page with a fixed number of queries.

NOTE: importing oslo.versionedobjects pulls in oslo.messaging and
eventlet; only handlers, tools and services import this package, never
the WSGI middleware.
"""

from oslo_versionedobjects import base as ovo_base
from oslo_versionedobjects import fields


class NovaFaultsObjectRegistry(ovo_base.VersionedObjectRegistry):
    """Registry of our objects; exposes them on ``nova_faults.objects``."""

    def registration_hook(self, cls, index):
        # Expose the newest version of each class as nova_faults.objects.X.
        from nova_faults import objects
        current = getattr(objects, cls.obj_name(), None)
        if current is None or _version(cls) >= _version(current):
            setattr(objects, cls.obj_name(), cls)


def _version(cls):
    return tuple(int(part) for part in cls.VERSION.split('.'))


class NovaFaultsObject(ovo_base.VersionedObject):
    """Base of every object: Nova's envelope namespace."""

    OBJ_SERIAL_NAMESPACE = 'nova_object'
    OBJ_PROJECT_NAMESPACE = 'nova'

    @classmethod
    def _from_db_object(cls, context, obj, row, skip=()):
        """Fill ``obj`` from a db row dict (only the fields the row has)."""
        for name in obj.fields:
            if name in skip or name not in row:
                continue
            value = row[name]
            if name == 'deleted':
                value = bool(value)
            setattr(obj, name, value)
        obj._context = context
        obj.obj_reset_changes()
        return obj

    @classmethod
    def from_db(cls, context, row, **kwargs):
        """A new object from a db row dict."""
        return cls._from_db_object(context, cls(), row, **kwargs)


class NovaFaultsTimestampObject:
    """``created_at`` and ``updated_at`` (API database objects)."""

    fields = {
        'created_at': fields.DateTimeField(nullable=True),
        'updated_at': fields.DateTimeField(nullable=True),
    }


class NovaFaultsPersistentObject:
    """Timestamps and soft delete (cell database objects).

    ``deleted`` is a boolean here, as in Nova's objects, while the column
    holds the row id of a deleted row.
    """

    fields = {
        'created_at': fields.DateTimeField(nullable=True),
        'updated_at': fields.DateTimeField(nullable=True),
        'deleted_at': fields.DateTimeField(nullable=True),
        'deleted': fields.BooleanField(default=False),
    }


class ObjectListBase(ovo_base.ObjectListBase):
    """Base of the ``*List`` classes."""

    @classmethod
    def from_db_rows(cls, context, item_cls, rows, **kwargs):
        """A list object of ``item_cls`` built from db row dicts."""
        objs = cls(objects=[item_cls.from_db(context, row, **kwargs)
                            for row in rows])
        objs._context = context
        objs.obj_reset_changes()
        return objs
