"""Lineage of a model version: the run that produced it, that run's parent, the experiment and
the datasets the run consumed."""

from __future__ import annotations

from flowtrack.entities import DatasetInput, Experiment, ModelVersion, Run
from flowtrack.entities._base import Entity
from flowtrack.entities.tags import MLFLOW_PARENT_RUN_ID
from flowtrack.exceptions import NotFoundError
from flowtrack.tracking.client import FlowtrackClient

__all__ = ["ModelVersionLineage", "get_lineage"]


class ModelVersionLineage(Entity):
    """Where a model version came from.

    Attributes:
        model_version: The version itself.
        run: The run that logged the model, when the version names one that still exists.
        parent_run: That run's parent (``mlflow.parentRunId``), e.g. the flow run of a pipeline.
        experiment: The run's experiment.
        datasets: The dataset inputs of the run and of its parent (training, evaluation, ...).
    """

    model_version: ModelVersion
    run: Run | None = None
    parent_run: Run | None = None
    experiment: Experiment | None = None
    datasets: list[DatasetInput] = []


def _run_id_of(version: ModelVersion) -> str | None:
    if version.run_id:
        return version.run_id
    if version.source.startswith("runs:/"):
        run_id = version.source[len("runs:/") :].split("/", 1)[0]
        return run_id or None
    return None


def _maybe_run(client: FlowtrackClient, run_id: str | None) -> Run | None:
    if not run_id:
        return None
    try:
        return client.get_run(run_id)
    except NotFoundError:  # purged by `flowtrack gc`: the version outlives its run
        return None


def get_lineage(
    name: str, version: int | str, client: FlowtrackClient | None = None
) -> ModelVersionLineage:
    """Follow a model version back to its run, the run's parent, the experiment and datasets.

    Args:
        name: The registered model's name.
        version: The version number.
        client: The client to use; default a client for the current tracking URI.

    Returns:
        The lineage; parts that no longer exist (a purged run) are ``None``.

    Raises:
        NotFoundError: No such registered model or version.

    Example:
        >>> lineage = get_lineage("fraud", 3)
        >>> lineage.run.info.run_id, [d.dataset.name for d in lineage.datasets]
    """
    client = client or FlowtrackClient()
    model_version = client.get_model_version(name, str(version))
    run = _maybe_run(client, _run_id_of(model_version))
    parent = (
        _maybe_run(client, run.data.tags.get(MLFLOW_PARENT_RUN_ID)) if run is not None else None
    )
    experiment = client.get_experiment(run.info.experiment_id) if run is not None else None
    datasets = [
        *(run.inputs.dataset_inputs if run is not None else []),
        *(parent.inputs.dataset_inputs if parent is not None else []),
    ]
    return ModelVersionLineage(
        model_version=model_version,
        run=run,
        parent_run=parent,
        experiment=experiment,
        datasets=datasets,
    )
