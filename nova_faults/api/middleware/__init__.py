"""Small, paste-composable WSGI middleware.

No oslo.versionedobjects (nor our db or objects) imports here.
"""
