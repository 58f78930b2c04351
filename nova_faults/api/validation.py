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

Input limits, checked before any parsing that could blow up: a body is
UTF-8 JSON nested at most :data:`MAX_BODY_DEPTH` levels deep; no string
of a body, and no query parameter, holds a NUL character or an unpaired
surrogate (databases refuse them); a date-time must stay within the
years 1 to 9999 once converted to UTC; a regular expression must
compile. Each is a 400 ``badRequest``.
"""

import json
import re

import jsonschema
from oslo_utils import timeutils
from oslo_utils import uuidutils
import webob.exc

from nova_faults import exception

# NOTE: Nova parses bodies with the recursive json module and answers a
# body nested a few thousand levels deep with a 500 (RecursionError). No
# body of this API needs more than 3 levels.
MAX_BODY_DEPTH = 32

# Brackets outside strings, and strings (skipped whole).
_JSON_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
# What a database cannot store: NUL, and surrogates without a pair.
_BAD_CHARACTERS = re.compile('[\x00\ud800-\udfff]')

SUPPORTED_CONTENT_TYPES = (
    'application/json',
    'application/vnd.openstack.compute+json',
)

FORMAT_CHECKER = jsonschema.FormatChecker()


def utc_datetime(value):
    """ISO 8601 ``value`` as a naive UTC datetime.

    Raises ValueError when it is not a date-time, or when its UTC time is
    outside the years 1 to 9999 (``0001-01-01T00:00:00+01:00``).
    """
    try:
        return timeutils.normalize_time(timeutils.parse_isotime(value))
    except OverflowError:
        raise ValueError('%r is out of range once converted to UTC'
                         % value)


@FORMAT_CHECKER.checks('date-time')
def _validate_datetime(instance):
    if not isinstance(instance, str):
        return True
    try:
        utc_datetime(instance)
    except ValueError:
        return False
    return True


def page_limit(value, max_limit):
    """A ``limit`` the schema accepted (digits), capped at ``max_limit``.

    A number of thousands of digits is simply more than ``max_limit``
    (Python refuses to convert such a string to an int).
    """
    digits = str(value).strip().lstrip('0') or '0'
    if len(digits) > len(str(max_limit)):
        return max_limit
    return min(max_limit, int(digits))


def datetime_param(name, value):
    """Query parameter ``name``'s ``value`` as a naive UTC datetime.

    Raises ``ValidationError`` (400) naming the parameter for a value
    that is not a date-time or whose UTC time is out of range.
    """
    try:
        return utc_datetime(value)
    except ValueError:
        raise exception.ValidationError(
            detail="Invalid input for query parameters %s. Value: %s. "
                   "'%s' is not a 'date-time'" % (name, value, value))


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
    except (re.error, RecursionError, OverflowError):
        # A pattern nested too deep (RecursionError) or with a repeat
        # count too large (OverflowError) is as invalid as a syntax error.
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


# id(schema) -> (schema, its validator). Schemas are module constants; a
# validator holds no state between validations. The entry holds the
# schema, so its id names no other schema while it is kept.
_VALIDATORS = {}
_MAX_VALIDATORS = 256


def _validator(schema):
    """The validator of ``schema``, made once (it cost 5 us a request)."""
    entry = _VALIDATORS.get(id(schema))
    if entry is not None:
        return entry[1]
    validator = _Validator(schema, format_checker=FORMAT_CHECKER)
    if len(_VALIDATORS) >= _MAX_VALIDATORS:
        _VALIDATORS.clear()
    _VALIDATORS[id(schema)] = (schema, validator)
    return validator


def _validate(schema, target, is_body):
    validator = _validator(schema)
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
        query = req.GET.dict_of_lists()
    except UnicodeDecodeError:
        raise exception.ValidationError(
            detail='Query string is not UTF-8 encoded')
    for name, values in query.items():
        for text in [name] + values:
            if _BAD_CHARACTERS.search(text):
                raise exception.ValidationError(
                    detail='Invalid input for query parameters %s. A NUL '
                           'character is not allowed.'
                           % name.replace('\x00', '\\x00'))
    return query


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
    try:
        body = req.body
    except (ValueError, OSError):
        # The server could not read it: bad chunked framing, a client
        # gone before the end.
        raise webob.exc.HTTPBadRequest(
            explanation='Malformed request body: it could not be read')
    if not body:
        return None
    return parse_json(body)


def _too_deep(text, limit):
    depth = 0
    for match in _JSON_NESTING.finditer(text):
        token = match.group()
        if token in '[{':
            depth += 1
            if depth > limit:
                return True
        elif token in ']}':
            depth -= 1
    return False


def _strings(value):
    # The body is at most MAX_BODY_DEPTH deep: recursion is bounded.
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def parse_json(body):
    """``body`` (bytes) as JSON, within the input limits, or 400.

    UTF-8 only; nested at most :data:`MAX_BODY_DEPTH` levels (checked
    before parsing); no NUL or unpaired surrogate in any string.
    """
    try:
        text = body.decode('utf-8')
    except UnicodeDecodeError:
        raise webob.exc.HTTPBadRequest(
            explanation='Malformed request body: not UTF-8')
    if _too_deep(text, MAX_BODY_DEPTH):
        raise webob.exc.HTTPBadRequest(
            explanation='Malformed request body: nested deeper than %d '
                        'levels' % MAX_BODY_DEPTH)
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise webob.exc.HTTPBadRequest(explanation='Malformed request body')
    if any(_BAD_CHARACTERS.search(text) for text in _strings(value)):
        raise webob.exc.HTTPBadRequest(
            explanation='Malformed request body: a string holds a NUL '
                        'character or an unpaired surrogate')
    return value


def validate_body(req, schema):
    """Parse ``req``'s JSON body and validate it against ``schema``.

    Returns the body. Raises 415, or 400 for malformed JSON or a body the
    schema rejects.
    """
    body = get_body(req)
    _validate(schema, body, is_body=True)
    return body
