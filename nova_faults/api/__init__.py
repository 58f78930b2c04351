"""The WSGI API: middleware, routes, handlers, views and schemas."""
