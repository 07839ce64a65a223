"""Tests for flowtrack.registry."""
