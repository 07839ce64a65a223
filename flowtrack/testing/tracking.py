"""The tracking-store conformance suite: the contract of :class:`TrackingStore`, as tests.

Every backend opts in with a subclass that provides a ``store`` fixture (see
:class:`TrackingStoreTests`). The suite uses only the public ``TrackingStore`` API and the search
semantics documented in :mod:`flowtrack.search.evaluate`, never sleeps, and passes explicit
timestamps and start times instead of relying on the clock.

The tests live in one private module per aggregate, combined here:

- ``_tracking_experiments``: experiments, their tags, lifecycle, purge and search.
- ``_tracking_runs``: runs, their names, status, lifecycle and purge.
- ``_tracking_logging``: log_batch and its validation, metric history, run tags, inputs.
- ``_tracking_search``: search_runs filters, ordering, scope and paging.
- ``_tracking_common``: the ``store`` fixture contract and helpers they share.
"""

from __future__ import annotations

from flowtrack.testing._tracking_experiments import ExperimentTests
from flowtrack.testing._tracking_logging import LoggingTests
from flowtrack.testing._tracking_runs import RunTests
from flowtrack.testing._tracking_search import SearchRunsTests

__all__ = ["TrackingStoreTests"]


class TrackingStoreTests(ExperimentTests, RunTests, LoggingTests, SearchRunsTests):
    """Tests every :class:`~flowtrack.stores.tracking.base.TrackingStore` backend passes.

    Subclass it in a test module and override the ``store`` fixture so it yields a fresh,
    EMPTY store for each test (only the Default experiment ``"0"``, no runs), and closes it
    afterwards::

        class TestMemoryStore(TrackingStoreTests):
            @pytest.fixture
            def store(self) -> Iterator[TrackingStore]:
                yield MemoryTrackingStore("memory:")

    The class name does not start with ``Test``, so pytest collects only the subclasses.
    """
