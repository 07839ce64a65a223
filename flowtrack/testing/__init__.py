"""Conformance suites that every flowtrack backend passes (needs pytest).

A backend opts in with a small subclass that provides a ``store`` fixture::

    from flowtrack.testing.tracking import TrackingStoreTests

    class TestMyStore(TrackingStoreTests):
        @pytest.fixture
        def store(self) -> Iterator[TrackingStore]:
            yield MyTrackingStore("mystore://...")
"""

import pytest

# Rewrite the suites' asserts like test modules', so failures show the compared values.
pytest.register_assert_rewrite(
    "flowtrack.testing.tracking",
    "flowtrack.testing.logged_models",
    "flowtrack.testing._logged_models_lifecycle",
    "flowtrack.testing._logged_models_search",
    "flowtrack.testing._tracking_common",
    "flowtrack.testing._tracking_experiments",
    "flowtrack.testing._tracking_logging",
    "flowtrack.testing._tracking_runs",
    "flowtrack.testing._tracking_search",
    "flowtrack.testing.registry",
    "flowtrack.testing._registry_common",
    "flowtrack.testing._registry_models",
    "flowtrack.testing._registry_search",
    "flowtrack.testing._registry_versions",
)
