"""What the registry conformance mixins share: the ``store`` fixture contract and helpers.

The mixins (``_registry_models``, ``_registry_versions``, ``_registry_search``) each subclass
:class:`RegistryTestsBase`; :class:`flowtrack.testing.registry.RegistryStoreTests` combines them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flowtrack.entities import ModelVersion
from flowtrack.stores.model_registry.base import RegistryStore

__all__ = ["RUN_ID", "RegistryTestsBase", "add_versions", "source"]

RUN_ID = "0123456789abcdef0123456789abcdef"


def source(path: str = "model", run_id: str = RUN_ID) -> str:
    """A ``runs:/`` source, which every store accepts whatever its allowed roots."""
    return f"runs:/{run_id}/{path}"


def add_versions(store: RegistryStore, name: str, count: int) -> list[ModelVersion]:
    """Create ``name`` if needed and register ``count`` versions of it."""
    if not store.registered_model_exists(name):
        store.create_registered_model(name)
    return [store.create_model_version(name, source(f"m{i}"), run_id=RUN_ID) for i in range(count)]


class RegistryTestsBase:
    """The fixture contract of every mixin: a backend's subclass overrides ``store``.

    The fixture must yield a fresh, EMPTY store (no registered models) for each test and close
    it afterwards.
    """

    @pytest.fixture
    def store(self) -> Iterator[RegistryStore]:
        """Overridden by each backend's subclass: a fresh, empty store per test."""
        pytest.fail("subclass RegistryStoreTests and override the 'store' fixture")
