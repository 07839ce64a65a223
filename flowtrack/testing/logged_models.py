"""The logged-model conformance suite: the contract of the logged-model store methods, as tests.

A backend opts in next to :class:`~flowtrack.testing.tracking.TrackingStoreTests` with the same
``store`` fixture (a fresh, EMPTY store per test)::

    class TestMemoryStore(TrackingStoreTests, LoggedModelTests):
        @pytest.fixture
        def store(self) -> Iterator[TrackingStore]:
            yield MemoryTrackingStore("memory:")

The tests live in ``_logged_models_lifecycle`` (create, finalize, tags, params, delete, run
links, model metrics) and ``_logged_models_search`` (filters, datasets, ordering, paging).
"""

from __future__ import annotations

from flowtrack.testing._logged_models_lifecycle import LoggedModelLifecycleTests
from flowtrack.testing._logged_models_search import LoggedModelSearchTests

__all__ = ["LoggedModelTests"]


class LoggedModelTests(LoggedModelLifecycleTests, LoggedModelSearchTests):
    """Tests every backend's logged models pass (collected through a backend's subclass)."""
