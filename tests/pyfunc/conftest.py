"""Fixtures for the pyfunc tests: the fluent API fixtures (a clean context, a fresh store)."""

from tests.tracking.conftest import clean_context, tracking_uri

__all__ = ["clean_context", "tracking_uri"]
