"""Pure functions turning objects, a microversion and visibility flags into response dicts."""
