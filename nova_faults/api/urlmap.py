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

"""A paste composite mapping URL prefixes to applications, as Nova's.

``/v2.1/+`` means "starts with /v2.1/ and has something after it", so
``/v2.1`` and ``/v2.1/`` reach the version document while
``/v2.1/servers`` reaches the API. The longest prefix wins; the matched
prefix moves from ``PATH_INFO`` to ``SCRIPT_NAME``.
"""

import logging

LOG = logging.getLogger(__name__)


class URLMap:
    def __init__(self, mapping):
        # Longest prefixes first.
        self.mapping = sorted(mapping, key=lambda item: -len(item[0]))

    def _match(self, path_info):
        for prefix, app in self.mapping:
            if prefix.endswith('/+'):
                base = prefix[:-2]
                if path_info.startswith(base + '/') and \
                        len(path_info) > len(base) + 1:
                    return base, app
                continue
            if prefix == '/' or path_info == prefix or \
                    path_info.startswith(prefix + '/'):
                return ('' if prefix == '/' else prefix), app
        return None, None

    def __call__(self, environ, start_response):
        path_info = environ.get('PATH_INFO', '') or '/'
        prefix, app = self._match(path_info)
        if app is None:
            start_response('404 Not Found',
                           [('Content-Type', 'text/plain')])
            return [b'Not Found']
        environ['SCRIPT_NAME'] = environ.get('SCRIPT_NAME', '') + prefix
        environ['PATH_INFO'] = path_info[len(prefix):]
        return app(environ, start_response)


def urlmap_factory(loader, global_conf, **local_conf):
    """Paste composite factory: ``/prefix = app_name`` lines."""
    mapping = []
    for prefix, app_name in local_conf.items():
        if not prefix.startswith('/'):
            continue
        if prefix != '/' and not prefix.endswith('/+'):
            prefix = prefix.rstrip('/')
        app = loader.get_app(app_name, global_conf=global_conf)
        mapping.append((prefix, app))
    return URLMap(mapping)
