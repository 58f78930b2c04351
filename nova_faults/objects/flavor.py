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

"""The flavor of an instance, as Nova stores it in instance_extra."""

from oslo_serialization import jsonutils
from oslo_versionedobjects import fields

from nova_faults.objects import base


@base.NovaFaultsObjectRegistry.register
class Flavor(base.NovaFaultsObject):
    """Nova's Flavor fields (read from JSON; no flavors table here)."""

    VERSION = '1.0'

    fields = {
        'id': fields.IntegerField(nullable=True),
        'name': fields.StringField(nullable=True),
        'memory_mb': fields.IntegerField(nullable=True),
        'vcpus': fields.IntegerField(nullable=True),
        'root_gb': fields.IntegerField(nullable=True),
        'ephemeral_gb': fields.IntegerField(nullable=True),
        'flavorid': fields.StringField(nullable=True),
        'swap': fields.IntegerField(nullable=True),
        'rxtx_factor': fields.FloatField(nullable=True),
        'vcpu_weight': fields.IntegerField(nullable=True),
        'disabled': fields.BooleanField(nullable=True),
        'is_public': fields.BooleanField(nullable=True),
        'extra_specs': fields.DictOfStringsField(default={}),
        'description': fields.StringField(nullable=True),
    }

    @classmethod
    def from_primitive_data(cls, data):
        """A Flavor from a nova_object.data dict.

        A Flavor from a ``nova_object.data`` dict (unknown keys and bad
        values are skipped: Nova's JSON is read defensively).
        """
        obj = cls()
        for name, field in cls.fields.items():
            if name not in data:
                continue
            try:
                setattr(obj, name, data[name])
            except (ValueError, TypeError):
                continue
        obj.obj_reset_changes()
        return obj


def envelope_data(value, name=None):
    """The ``nova_object.data`` of a serialized Nova object, or None."""
    if isinstance(value, str):
        try:
            value = jsonutils.loads(value)
        except ValueError:
            return None
    if not isinstance(value, dict):
        return None
    if name is not None and value.get('nova_object.name') not in (None,
                                                                  name):
        return None
    data = value.get('nova_object.data', value)
    return data if isinstance(data, dict) else None


def flavors_from_extra(value):
    """The cur/old/new flavors of instance_extra.flavor JSON.

    ``{'cur': Flavor|None, 'old': ..., 'new': ...}`` from
    instance_extra.flavor JSON (None/garbage gives all None).
    """
    result = {'cur': None, 'old': None, 'new': None}
    if not value:
        return result
    try:
        blob = jsonutils.loads(value) if isinstance(value, str) else value
    except ValueError:
        return result
    if not isinstance(blob, dict):
        return result
    for key in result:
        data = envelope_data(blob.get(key), 'Flavor')
        if data is not None:
            result[key] = Flavor.from_primitive_data(data)
    return result
