"""Pure functions building response dicts.

They take objects, a microversion and visibility flags; they import
neither the database nor policy.
"""
