"""Request handlers, one module per resource.

Each reads like the API reference: load, authorize, render.
"""
