"""nova-faults: what happened to my request?

Nova-compatible server actions and events, instance faults, host status,
down-cell aware server views and request IDs, as an Oslo-style library and
a WSGI API service.
"""
