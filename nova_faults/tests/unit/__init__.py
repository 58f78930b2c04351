"""Unit tests of the pure pieces."""
