"""WSGI entry points for production servers."""
