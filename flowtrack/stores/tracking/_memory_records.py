"""The mutable records behind :class:`~flowtrack.stores.tracking.memory.MemoryTrackingStore`.

Records never leave the store: every read turns them into frozen entities (``entity()``), copying
the mutable parts so callers cannot change the store's state through what they get back. The
store's lock guards every method here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from flowtrack.entities import (
    Dataset,
    DatasetInput,
    Experiment,
    LifecycleStage,
    LoggedModelInput,
    LoggedModelOutput,
    Metric,
    Run,
    RunData,
    RunInfo,
    RunInputs,
    RunOutputs,
)

__all__ = ["ExperimentRecord", "RunRecord"]


@dataclass
class ExperimentRecord:
    """One experiment as the memory store keeps it."""

    experiment_id: str
    name: str
    artifact_location: str
    creation_time: int
    last_update_time: int
    lifecycle_stage: LifecycleStage = LifecycleStage.ACTIVE
    tags: dict[str, str] = field(default_factory=dict)
    #: (name, digest) -> the dataset as first logged in this experiment.
    datasets: dict[tuple[str, str], Dataset] = field(default_factory=dict)

    def entity(self) -> Experiment:
        """A frozen copy of the experiment."""
        return Experiment(
            experiment_id=self.experiment_id,
            name=self.name,
            artifact_location=self.artifact_location,
            lifecycle_stage=self.lifecycle_stage,
            tags=dict(self.tags),
            creation_time=self.creation_time,
            last_update_time=self.last_update_time,
        )


@dataclass
class RunRecord:
    """One run as the memory store keeps it: info, data, every metric point and inputs."""

    info: RunInfo
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    history: dict[str, list[Metric]] = field(default_factory=dict)
    latest: dict[str, Metric] = field(default_factory=dict)
    #: (key, value or "nan", timestamp, step) of every stored point, to store each once.
    points: set[tuple[str, float | str, int, int]] = field(default_factory=set)
    inputs: list[DatasetInput] = field(default_factory=list)
    #: (name, digest, context) of every linked dataset, to link each once per context.
    input_links: set[tuple[str, str, str | None]] = field(default_factory=set)
    #: Ids of the logged models the run used, in logging order.
    model_inputs: list[str] = field(default_factory=list)
    #: (model id, step) of the logged models the run produced, in logging order.
    model_outputs: list[tuple[str, int]] = field(default_factory=list)
    deleted_time: int | None = None
    #: Deleted by deleting its experiment, so restoring the experiment restores it.
    deleted_with_experiment: bool = False

    def update(self, **changes: object) -> None:
        """Replace fields of the (frozen) run info."""
        self.info = self.info.model_copy(update=changes)

    def mark_deleted(self, now: int, *, with_experiment: bool = False) -> None:
        """Soft-delete the run at ``now``, remembering whether its experiment's deletion did."""
        self.update(lifecycle_stage=LifecycleStage.DELETED)
        self.deleted_time, self.deleted_with_experiment = now, with_experiment

    def mark_restored(self) -> None:
        """Make the run active again."""
        self.update(lifecycle_stage=LifecycleStage.ACTIVE)
        self.deleted_time, self.deleted_with_experiment = None, False

    def add_metric(self, metric: Metric) -> None:
        """Store a metric point unless an identical one is stored; keep the latest current."""
        value: float | str = "nan" if math.isnan(metric.value) else metric.value
        point = (metric.key, value, metric.timestamp, metric.step)
        if point in self.points:
            return  # identical points are stored once and change nothing
        self.points.add(point)
        self.history.setdefault(metric.key, []).append(metric)
        latest = self.latest.get(metric.key)
        if latest is None or (metric.step, metric.timestamp) >= (latest.step, latest.timestamp):
            self.latest[metric.key] = metric

    def entity(self) -> Run:
        """A frozen copy of the run with its latest metrics."""
        return Run(
            info=self.info,
            data=RunData(
                metrics={key: metric.value for key, metric in self.latest.items()},
                params=dict(self.params),
                tags=dict(self.tags),
            ),
            inputs=RunInputs(
                dataset_inputs=[i.model_copy(update={"tags": list(i.tags)}) for i in self.inputs],
                model_inputs=[LoggedModelInput(model_id=m) for m in self.model_inputs],
            ),
            outputs=RunOutputs(
                model_outputs=[
                    LoggedModelOutput(model_id=m, step=step) for m, step in self.model_outputs
                ]
            ),
        )
