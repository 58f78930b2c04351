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

"""Request validation with JSON schema and Nova's error messages.

Query strings are validated as Nova does: as ``{name: [value, ...]}``
(every parameter is a list, so a schema says ``{'type': 'array',
'maxItems': 1, 'items': {...}}`` or uses :func:`single_param`). Error
messages are Nova's, e.g.::

    Invalid input for query parameters limit. Value: x. 'x' does not
    match '^[0-9]*$'
    Additional properties are not allowed ('foo' was unexpected)

Bodies are JSON only: a body whose Content-Type is neither JSON nor
absent is refused with 415, malformed JSON with 400 "Malformed request
body".
"""

import re

import jsonschema
from oslo_serialization import jsonutils
from oslo_utils import timeutils
from oslo_utils import uuidutils
import webob.exc

from nova_faults import exception

SUPPORTED_CONTENT_TYPES = (
    'application/json',
    'application/vnd.openstack.compute+json',
)

FORMAT_CHECKER = jsonschema.FormatChecker()


@FORMAT_CHECKER.checks('date-time')
def _validate_datetime(instance):
    if not isinstance(instance, str):
        return True
    try:
        timeutils.parse_isotime(instance)
    except ValueError:
        return False
    return True


@FORMAT_CHECKER.checks('uuid')
def _validate_uuid(instance):
    if not isinstance(instance, str):
        return True
    return uuidutils.is_uuid_like(instance)


@FORMAT_CHECKER.checks('regex')
def _validate_regex(instance):
    if not isinstance(instance, str):
        return True
    if not instance:
        return False
    try:
        re.compile(instance)
    except re.error:
        return False
    return True


def _number_from_str(instance):
    try:
        return int(instance)
    except (ValueError, TypeError):
        try:
            return float(instance)
        except (ValueError, TypeError):
            return None


def _bound_validator(name):
    original = jsonschema.Draft202012Validator.VALIDATORS[name]

    # NOTE: as in Nova, minimum/maximum also apply to numeric strings
    # ('limit': '-1'), since query parameters are always strings.
    def validate(validator, bound, instance, schema):
        number = _number_from_str(instance)
        if number is None:
            return
        yield from original(validator, bound, number, schema) or ()
    return validate


_Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    {'minimum': _bound_validator('minimum'),
     'maximum': _bound_validator('maximum')})


def single_param(schema):
    """Wrap a value schema for a query parameter given at most once."""
    return {'type': 'array', 'items': schema, 'maxItems': 1}


def multi_params(schema):
    """Wrap a value schema for a query parameter that may repeat."""
    return {'type': 'array', 'items': schema}


def _validate(schema, target, is_body):
    validator = _Validator(schema, format_checker=FORMAT_CHECKER)
    try:
        validator.validate(target)
    except jsonschema.ValidationError as ex:
        if len(ex.path) > 0:
            if is_body:
                detail = ('Invalid input for field/attribute %(path)s. '
                          'Value: %(value)s. %(message)s' % {
                              'path': ex.path.pop(), 'value': ex.instance,
                              'message': ex.message})
            else:
                # NOTE: the first path element is the parameter name (the
                # second is the index into its list of values), as in Nova.
                detail = ('Invalid input for query parameters %(path)s. '
                          'Value: %(value)s. %(message)s' % {
                              'path': ex.path.popleft(),
                              'value': ex.instance,
                              'message': ex.message})
        else:
            detail = ex.message
        raise exception.ValidationError(detail=detail)
    except TypeError as ex:
        raise exception.ValidationError(detail=str(ex))


def query_dict(req):
    """``req``'s query string as ``{name: [values]}``."""
    try:
        return req.GET.dict_of_lists()
    except UnicodeDecodeError:
        raise exception.ValidationError(
            detail='Query string is not UTF-8 encoded')


def validate_query(req, schema):
    """Validate ``req``'s query string against ``schema``.

    Returns the query as ``{name: [values]}``. When the schema allows
    additional properties, parameters it does not name are dropped (from
    the result and from ``req.GET``), as Nova does so that they never
    reach the data layer or the ``next`` links. Raises
    ``ValidationError`` (400).
    """
    query = query_dict(req)
    _validate(schema, query, is_body=False)
    if schema.get('additionalProperties', True):
        known = set(schema.get('properties', {}))
        patterns = [re.compile(p)
                    for p in schema.get('patternProperties', {})]
        for name in list(query):
            if name in known or any(p.match(name) for p in patterns):
                continue
            del query[name]
            del req.GET[name]
    return query


def get_body(req):
    """The JSON body of ``req`` (None when empty).

    Raises 415 for a Content-Type other than JSON and 400 "Malformed
    request body" for a body that is not JSON.
    """
    # NOTE: as Nova, an absent, empty or text/plain Content-Type is taken
    # as JSON (some servers and clients default to text/plain).
    if 'Content-Type' in req.headers:
        content_type = req.content_type
        if content_type and content_type != 'text/plain' and \
                content_type not in SUPPORTED_CONTENT_TYPES:
            raise webob.exc.HTTPUnsupportedMediaType(
                explanation='Unsupported Content-Type')
    if not req.content_length and not req.is_body_readable:
        # NOTE: Nova accepts an empty PUT/POST body and validates None.
        return None
    # A chunked body has no Content-Length but is read all the same
    # (through the size limiter, which refuses one too large with 413).
    body = req.body
    if not body:
        return None
    try:
        return jsonutils.loads(body)
    except ValueError:
        raise webob.exc.HTTPBadRequest(explanation='Malformed request body')


def validate_body(req, schema):
    """Parse ``req``'s JSON body and validate it against ``schema``.

    Returns the body. Raises 415, or 400 for malformed JSON or a body the
    schema rejects.
    """
    body = get_body(req)
    _validate(schema, body, is_body=True)
    return body
