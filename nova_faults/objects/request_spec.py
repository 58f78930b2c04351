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

"""What was asked for when an instance was scheduled (API database).

Nova stores a serialized ``RequestSpec`` object as JSON in
``request_specs.spec``; only what the API reads is kept here, and the JSON
is parsed defensively (anything missing or malformed reads as None).
"""

from oslo_serialization import jsonutils
from oslo_versionedobjects import fields

from nova_faults.db import api as db_api
from nova_faults.objects import base
from nova_faults.objects import flavor as flavor_obj


@base.NovaFaultsObjectRegistry.register
class RequestSpec(base.NovaFaultsObject):
    """The part of Nova's RequestSpec the API reads.

    NOTE: Nova nests the image id in ``image.id`` and the server group in
    ``instance_group.uuid``; they are flattened to ``image_id`` and
    ``instance_group_uuid`` here.
    """

    VERSION = '1.0'

    fields = {
        'id': fields.IntegerField(nullable=True),
        'instance_uuid': fields.UUIDField(),
        'project_id': fields.StringField(nullable=True),
        'user_id': fields.StringField(nullable=True),
        'image_id': fields.StringField(nullable=True),
        'flavor': fields.ObjectField('Flavor', nullable=True),
        'availability_zone': fields.StringField(nullable=True),
        'instance_group_uuid': fields.StringField(nullable=True),
    }

    @classmethod
    def from_db(cls, context, row, **kwargs):
        data = flavor_obj.envelope_data(row.get('spec'), 'RequestSpec') or {}
        obj = cls(id=row.get('id'), instance_uuid=row['instance_uuid'])

        def text(value):
            return value if isinstance(value, str) else None

        obj.project_id = text(data.get('project_id'))
        obj.user_id = text(data.get('user_id'))
        obj.availability_zone = text(data.get('availability_zone'))
        image = flavor_obj.envelope_data(data.get('image')) or {}
        obj.image_id = text(image.get('id'))
        group = flavor_obj.envelope_data(data.get('instance_group')) or {}
        obj.instance_group_uuid = text(group.get('uuid'))
        flavor = flavor_obj.envelope_data(data.get('flavor'), 'Flavor')
        obj.flavor = (flavor_obj.Flavor.from_primitive_data(flavor)
                      if flavor is not None else None)
        obj._context = context
        obj.obj_reset_changes()
        return obj

    @classmethod
    def get_by_instance_uuid(cls, context, instance_uuid):
        return cls.from_db(context, db_api.request_spec_get_by_instance_uuid(
            context, instance_uuid))

    @staticmethod
    def parse_spec(spec):
        """The raw ``nova_object.data`` dict of a spec JSON (or {})."""
        try:
            return flavor_obj.envelope_data(jsonutils.loads(spec)) or {}
        except (ValueError, TypeError):
            return {}
