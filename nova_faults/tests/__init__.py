"""Tests of nova-faults."""
