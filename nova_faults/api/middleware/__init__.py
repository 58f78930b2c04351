"""Small, paste-composable WSGI middleware. No oslo.versionedobjects imports here."""
