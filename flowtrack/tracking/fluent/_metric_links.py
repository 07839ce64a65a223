"""What a fluent metric is linked to: the run's output models at its step, and new run inputs.

The active run's inputs and outputs are kept in memory by the fluent API
(:meth:`~flowtrack.tracking.fluent.active_run.ActiveRun._record_outputs`), so the logging hot
path reads no store; a run that is not active in this context is read from its store.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from flowtrack.entities import Dataset, DatasetInput, LoggedModelInput, Run
from flowtrack.tracking.fluent import _state

if TYPE_CHECKING:
    from flowtrack.tracking.client import FlowtrackClient
    from flowtrack.tracking.fluent.active_run import ActiveRun

__all__ = ["link_inputs", "output_model_ids"]


def _active(run_id: str) -> ActiveRun | None:
    for frame in reversed(_state.RUN_STACK.get()):
        if frame.run_id == run_id:
            return frame.run
    return None


def output_model_ids(client: FlowtrackClient, run_id: str, step: int) -> list[str]:
    """Return the models the run output at ``step`` (MLflow links a step's metrics to them).

    Args:
        client: The run's client.
        run_id: The run.
        step: The metric's step.

    Returns:
        The model ids, in the order they were output (empty for most runs).
    """
    run: Run | None = _active(run_id)
    if run is None:
        run = client.get_run(run_id)
    return [output.model_id for output in run.outputs.model_outputs if output.step == step]


def link_inputs(
    client: FlowtrackClient, run_id: str, model_ids: Sequence[str], dataset: Dataset | None
) -> None:
    """Make the metric's models and dataset inputs of the run, unless they are already.

    A model the run output is not also an input; a dataset already among the run's inputs (same
    name and digest) is not logged again.

    Args:
        client: The run's client.
        run_id: The run.
        model_ids: The models the metric names.
        dataset: The dataset the metric was computed on, or ``None``.
    """
    active = _active(run_id)
    run = active if active is not None else client.get_run(run_id)
    known = {i.model_id for i in run.inputs.model_inputs}
    known.update(o.model_id for o in run.outputs.model_outputs)
    models = [LoggedModelInput(model_id=m) for m in dict.fromkeys(model_ids) if m not in known]
    datasets: list[DatasetInput] = []
    if dataset is not None and not any(
        (i.dataset.name, i.dataset.digest) == (dataset.name, dataset.digest)
        for i in run.inputs.dataset_inputs
    ):
        datasets.append(DatasetInput(dataset=dataset))
    if models or datasets:
        client.log_inputs(run_id, datasets, models)
        if active is not None:
            active._record_inputs(models, datasets)
