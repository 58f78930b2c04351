"""Functional tests: through HTTP, the real paste pipeline and real databases."""
