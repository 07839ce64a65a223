"""What the tracking conformance mixins share: the ``store`` fixture contract and small helpers.

The mixins (``_tracking_experiments``, ``_tracking_runs``, ``_tracking_logging``,
``_tracking_search``) each subclass :class:`StoreTestsBase`; the public
:class:`flowtrack.testing.tracking.TrackingStoreTests` combines them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from flowtrack.entities import (
    DATASET_CONTEXT_TAG,
    Dataset,
    DatasetInput,
    InputTag,
    Metric,
    Param,
    Run,
    RunTag,
)
from flowtrack.entities.tags import MLFLOW_RUN_NAME
from flowtrack.stores.tracking.base import DEFAULT_EXPERIMENT_ID, TrackingStore

__all__ = [
    "RUN_NAME_TAG",
    "UNKNOWN_EXPERIMENT_ID",
    "UNKNOWN_RUN_ID",
    "StoreTestsBase",
    "dataset_input",
    "metric",
    "names",
    "new_run",
]

RUN_NAME_TAG = MLFLOW_RUN_NAME
UNKNOWN_RUN_ID = "0123456789abcdef0123456789abcdef"
UNKNOWN_EXPERIMENT_ID = "987654321"


class StoreTestsBase:
    """The fixture contract of every mixin: a backend's subclass overrides ``store``.

    The fixture must yield a fresh, EMPTY store for each test (only the Default experiment
    ``"0"``, no runs) and close it afterwards.
    """

    @pytest.fixture
    def store(self) -> Iterator[TrackingStore]:
        """Overridden by each backend's subclass: a fresh, empty store per test."""
        pytest.fail("subclass TrackingStoreTests and override the 'store' fixture")


def metric(key: str, value: float, step: int = 0, timestamp: int = 0) -> Metric:
    """A metric point with explicit step and timestamp."""
    return Metric(key=key, value=value, timestamp=timestamp, step=step)


def dataset_input(name: str, digest: str, context: str | None = None) -> DatasetInput:
    """A dataset input, tagged with its context when given."""
    tags = [] if context is None else [InputTag(key=DATASET_CONTEXT_TAG, value=context)]
    dataset = Dataset(name=name, digest=digest, source_type="local", source='{"uri": "/d"}')
    return DatasetInput(dataset=dataset, tags=tags)


def new_run(
    store: TrackingStore,
    experiment_id: str = DEFAULT_EXPERIMENT_ID,
    *,
    name: str | None = None,
    start_time: int = 1000,
    user_id: str | None = "tester",
    metrics: dict[str, float] | None = None,
    params: dict[str, str] | None = None,
    tags: dict[str, str] | None = None,
) -> str:
    """Create a run, log step-0 metrics, params and tags to it, and return its id."""
    run_id = store.create_run(experiment_id, user_id, start_time, run_name=name).info.run_id
    store.log_batch(
        run_id,
        metrics=[metric(k, v) for k, v in (metrics or {}).items()],
        params=[Param(key=k, value=v) for k, v in (params or {}).items()],
        tags=[RunTag(key=k, value=v) for k, v in (tags or {}).items()],
    )
    return run_id


def names(runs: Sequence[Run]) -> list[str]:
    """The run names of search results, in order."""
    return [run.info.run_name or "" for run in runs]
