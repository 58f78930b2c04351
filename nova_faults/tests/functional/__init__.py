"""Functional tests.

Through HTTP, the real paste pipeline and real databases.
"""
