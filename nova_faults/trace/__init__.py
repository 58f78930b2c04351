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
