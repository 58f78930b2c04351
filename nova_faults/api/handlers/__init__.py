"""Request handlers, one module per resource; each reads like the API reference."""
