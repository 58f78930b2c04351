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

"""The raw baseline as a WSGI application, served as nova-faults is.

The same plain SQL and JSON encoding as :class:`bench_measure.Baseline`
(on engines made by the same data layer, so with the same pools), behind
a bare WSGI callable: no middleware, no policy, no objects, no request
context. ``NF_BENCH_RAW_SPEC`` names the JSON written by
``bench_measure.spec()`` (databases, target server, paths).

* ``gunicorn raw_app:application``, ``uwsgi --module raw_app:application``
  (with this directory on the Python path);
* ``python raw_app.py --port P --threads T``: cheroot, configured by
  ``nova_faults.cmd.api.build_server`` as ``nova-faults-api`` is.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))

import bench_measure  # noqa: E402

SPEC_ENV = 'NF_BENCH_RAW_SPEC'


def make_app(spec):
    baseline = bench_measure.Baseline.from_spec(spec)
    routes = {}
    for name, (path, version) in spec['paths'].items():
        routes.setdefault(path.split('?')[0], {})[version] = \
            baseline.function(name)
    version_doc = json.dumps({'versions': []}).encode()

    def application(environ, start_response):
        path = environ.get('PATH_INFO', '')
        if path == '/':
            body = version_doc
        else:
            by_version = routes.get(path)
            if by_version is None:
                start_response('404 Not Found',
                               [('Content-Length', '0')])
                return [b'']
            header = environ.get('HTTP_OPENSTACK_API_VERSION', '')
            version = header.split()[-1] if header else '2.1'
            fn = by_version.get(version) or next(iter(by_version.values()))
            body = fn()
        start_response('200 OK', [('Content-Type', 'application/json'),
                                  ('Content-Length', str(len(body)))])
        return [body]
    return application


def _load():
    path = os.environ.get(SPEC_ENV)
    if not path:
        return None
    with open(path) as f:
        return make_app(json.load(f))


application = _load()


def main():
    from nova_faults.cmd import api as cmd_api
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--threads', type=int,
                        default=cmd_api.DEFAULT_THREADS)
    args = parser.parse_args()
    server = cmd_api.build_server(application, '127.0.0.1', args.port,
                                  args.threads)
    try:
        server.safe_start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == '__main__':
    main()
