"""Fixtures for the scikit-learn tests: the fluent API fixtures (clean context, fresh store)."""

from tests.tracking.conftest import clean_context, tracking_uri

__all__ = ["clean_context", "tracking_uri"]
