"""The registry-store conformance suite: the contract of :class:`RegistryStore`, as tests.

Every backend opts in with a subclass that provides a ``store`` fixture (see
:class:`RegistryStoreTests`). The suite uses only the public ``RegistryStore`` API and
``runs:/`` sources (which every store accepts whatever its ``allowed_source_roots``), and never
depends on the clock beyond ``>=`` on timestamps.

The tests live in one private module per aggregate, combined here:

- ``_registry_models``: registered models, names, rename/delete, tags.
- ``_registry_versions``: versions, numbering, hostile sources, stages, tags, aliases.
- ``_registry_search``: both searches' filters, ordering and paging.
- ``_registry_common``: the ``store`` fixture contract and helpers they share.
"""

from __future__ import annotations

from flowtrack.testing._registry_models import RegisteredModelTests
from flowtrack.testing._registry_search import RegistrySearchTests
from flowtrack.testing._registry_versions import HOSTILE_SOURCES, ModelVersionTests

__all__ = ["HOSTILE_SOURCES", "RegistryStoreTests"]


class RegistryStoreTests(RegisteredModelTests, ModelVersionTests, RegistrySearchTests):
    """Tests every :class:`~flowtrack.stores.model_registry.base.RegistryStore` backend passes.

    Subclass it in a test module and override the ``store`` fixture so it yields a fresh,
    EMPTY store (no registered models) for each test, and closes it afterwards::

        class TestMemoryRegistryStore(RegistryStoreTests):
            @pytest.fixture
            def store(self) -> Iterator[RegistryStore]:
                yield MemoryRegistryStore("memory:")

    The class name does not start with ``Test``, so pytest collects only the subclasses.
    """
