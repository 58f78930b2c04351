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

"""The log tracer behind ``nova-faults-trace``.

It reads log files of any OpenStack service and rebuilds what happened to
one request; it knows no database and imports nothing from the rest of
nova-faults. The modules, in the order data flows through them:

* :mod:`~nova_faults.trace.sources`: which files, whose logs, which host;
* :mod:`~nova_faults.trace.scan`: the streaming byte-level search;
* :mod:`~nova_faults.trace.parser`: what the matching lines say;
* :mod:`~nova_faults.trace.graph`: linking request IDs and calls;
* :mod:`~nova_faults.trace.render`: tree, JSON and DOT output.

Use from Python::

    from nova_faults.trace import graph, render, sources
    srcs = sources.discover(['/var/log'], default_host='controller')
    trace = graph.follow('req-...', srcs)
    print(render.render_tree(trace))
"""
