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

"""View helpers shared by the views of every resource (pure functions).

How Nova writes times and joins link URLs, in one place, so that a view
module never imports another one.
"""


def isotime(value):
    """Nova's ``utils.isotime``: seconds precision and a ``Z``."""
    if value is None:
        return None
    # NOTE: isoformat() is much faster than strftime() and gives the same
    # text for a naive datetime from the year 1000 on; before it, Nova's
    # strftime() writes the year without leading zeros ("999-01-01...").
    if value.year < 1000:
        return value.strftime('%Y-%m-%dT%H:%M:%S') + 'Z'
    return value.isoformat(timespec='seconds') + 'Z'


def strtime(value):
    """How Nova's JSON encoder writes a naive datetime (microseconds)."""
    if value is None:
        return None
    if value.year < 1000:
        # As isotime(): Nova's encoder writes such a year unpadded.
        return value.strftime('%Y-%m-%dT%H:%M:%S.%f')
    return value.isoformat(timespec='microseconds')


def url_join(*parts):
    """Join URL parts with single slashes (Nova's ``common.url_join``)."""
    return '/'.join(part.strip('/') for part in parts if part)
