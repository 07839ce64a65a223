"""The logged-model half of the tracking store interface (MLflow 3's ``LoggedModel``).

:class:`~flowtrack.stores.tracking.base.TrackingStore` inherits these primitives; they live
in their own module so each file stays one concept. The rules every backend applies (id and
name checks, finalize statuses, artifact locations) are in :mod:`flowtrack.stores.tracking.rules`;
the search semantics in :mod:`flowtrack.search.logged_models`.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from flowtrack._private.validation import validate_model_id
from flowtrack.entities import (
    LoggedModel,
    LoggedModelOutput,
    LoggedModelParameter,
    LoggedModelStatus,
    LoggedModelTag,
    Metric,
    PagedList,
)
from flowtrack.entities.tags import MLFLOW_MODEL_VERSIONS
from flowtrack.exceptions import InvalidParameterError

__all__ = ["LoggedModelStore", "check_model_metric"]


class LoggedModelStore(ABC):
    """Logged models: create, read, finalize, tag, parameterize, search, link to runs."""

    @abstractmethod
    def create_logged_model(
        self,
        experiment_id: str,
        name: str | None = None,
        source_run_id: str | None = None,
        tags: Sequence[LoggedModelTag] = (),
        params: Sequence[LoggedModelParameter] = (),
        model_type: str | None = None,
    ) -> LoggedModel:
        """Create a PENDING logged model in an active experiment.

        ``name`` None means a generated readable name (as for runs). The artifact location is
        ``<experiment artifact_location>/models/<model_id>/artifacts``.

        Raises:
            NotFoundError: No such experiment, or ``source_run_id`` names no run.
            InvalidStateError: The experiment is deleted.
            InvalidParameterError: A bad name, model type, tag or param.
        """

    @abstractmethod
    def get_logged_model(self, model_id: str, allow_deleted: bool = False) -> LoggedModel:
        """Return a logged model with its tags, params and every metric point linked to it.

        Metrics are ordered by key, step, timestamp, then logging order; ``metrics`` is ``None``
        when the model has none.

        Raises:
            NotFoundError: No such model (or it is deleted and ``allow_deleted`` is False).
            InvalidParameterError: ``model_id`` is malformed.
        """

    @abstractmethod
    def delete_logged_model(self, model_id: str) -> None:
        """Soft-delete a logged model (hidden from get and search from then on).

        Raises:
            NotFoundError: No such (active) model.
        """

    @abstractmethod
    def finalize_logged_model(
        self, model_id: str, status: LoggedModelStatus, status_message: str | None = None
    ) -> LoggedModel:
        """Set a model's final status (``READY`` or ``FAILED``); bumps last_updated_timestamp.

        Raises:
            InvalidParameterError: Another status; the message names it and the allowed ones.
            NotFoundError: No such (active) model.
        """

    @abstractmethod
    def set_logged_model_tags(self, model_id: str, tags: Sequence[LoggedModelTag]) -> None:
        """Set (insert or overwrite) tags of a logged model; the last of a repeated key wins."""

    @abstractmethod
    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        """Delete one tag of a logged model.

        Raises:
            NotFoundError: The model has no such tag (or there is no such model).
        """

    @abstractmethod
    def log_logged_model_params(
        self, model_id: str, params: Sequence[LoggedModelParameter]
    ) -> None:
        """Set params of a logged model (insert or overwrite)."""

    @abstractmethod
    def search_logged_models(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        datasets: Sequence[Mapping[str, Any]] | None = None,
        max_results: int | None = None,
        order_by: Sequence[Mapping[str, Any]] | None = None,
        page_token: str | None = None,
    ) -> PagedList[LoggedModel]:
        """Search active logged models (see :mod:`flowtrack.search.logged_models`).

        ``max_results`` None means 100, as MLflow. Default order: ``creation_timestamp DESC``,
        then ``model_id ASC``.

        Raises:
            InvalidParameterError: A bad filter, datasets, order_by, max_results or page token.
        """

    @abstractmethod
    def log_outputs(self, run_id: str, models: Sequence[LoggedModelOutput]) -> None:
        """Link logged models to an active run as its outputs (once per model and step).

        Raises:
            NotFoundError: No such run, or no such (active) logged model.
            InvalidStateError: The run is deleted.
        """

    # ------------------------------------------------------------------ conveniences

    def set_model_versions_tags(self, name: str, version: int | str, model_id: str) -> None:
        """Record on a logged model that it was registered as ``name`` version ``version``.

        Appends ``{"name": ..., "version": ...}`` to the model's ``mlflow.modelVersions`` tag
        (a JSON list), as MLflow does when a logged model is registered.
        """
        entry = {"name": name, "version": str(version)}
        existing = self.get_logged_model(model_id).tags.get(MLFLOW_MODEL_VERSIONS)
        versions: list[Any] = json.loads(existing) if existing else []
        if entry not in versions:
            versions.append(entry)
        tag = LoggedModelTag(key=MLFLOW_MODEL_VERSIONS, value=json.dumps(versions))
        self.set_logged_model_tags(model_id, [tag])


def check_model_metric(metric: Metric) -> None:
    """A metric linked to a logged model: a well-formed id, dataset name and digest together."""
    validate_model_id(metric.model_id)
    if (metric.dataset_name is None) != (metric.dataset_digest is None):
        raise InvalidParameterError(
            f"Metric {metric.key!r} has dataset_name {metric.dataset_name!r} and dataset_digest "
            f"{metric.dataset_digest!r}: give both or neither"
        )
