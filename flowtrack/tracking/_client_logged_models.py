"""The client's logged-model methods (MLflow 3): create, read, finalize, search, tag, artifacts.

A logged model's files live at its own artifact location,
``<experiment artifact_location>/models/<model_id>/artifacts``, written and listed here through
the fsspec artifact store, as a run's artifacts are.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from flowtrack.entities import (
    FileInfo,
    LoggedModel,
    LoggedModelOutput,
    LoggedModelParameter,
    LoggedModelStatus,
    LoggedModelTag,
    PagedList,
)
from flowtrack.exceptions import InvalidParameterError

if TYPE_CHECKING:
    from flowtrack.stores.artifacts.store import ArtifactStore
    from flowtrack.stores.tracking.base import TrackingStore

__all__ = ["ClientLoggedModels", "logged_model_status"]

_FINAL_STATUSES = (LoggedModelStatus.READY, LoggedModelStatus.FAILED)


def logged_model_status(status: LoggedModelStatus | str) -> LoggedModelStatus:
    """Return ``status`` as a final :class:`~flowtrack.entities.LoggedModelStatus`.

    Raises:
        InvalidParameterError: ``status`` is neither ``READY`` nor ``FAILED``.
    """
    for final in _FINAL_STATUSES:
        if str(status).upper() == final.value:
            return final
    allowed = ", ".join(repr(s.value) for s in _FINAL_STATUSES)
    raise InvalidParameterError(
        f"Invalid logged model status {status!r}: a model is finalized as one of {allowed}"
    )


def _string_items(kind: str, values: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    if values is None:
        return []
    if not isinstance(values, Mapping):
        raise InvalidParameterError(
            f"Invalid logged model {kind} {values!r}: expected a {{key: value}} dict"
        )
    return [(str(key), str(value)) for key, value in values.items()]


def _model_id(model_id: Any) -> str:
    if not isinstance(model_id, str) or not model_id:
        raise InvalidParameterError(
            f"Invalid model_id {model_id!r}: expected a logged model's id, e.g. 'm-0a1b...'"
        )
    return model_id


class ClientLoggedModels:
    """Logged-model methods of :class:`~flowtrack.tracking.client.FlowtrackClient`."""

    _store: TrackingStore

    def create_logged_model(
        self,
        experiment_id: str,
        name: str | None = None,
        source_run_id: str | None = None,
        tags: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        model_type: str | None = None,
    ) -> LoggedModel:
        """Create a logged model in ``PENDING`` status, with no files yet.

        Args:
            experiment_id: The (active) experiment it belongs to.
            name: Its name; default a generated one.
            source_run_id: The run that produced it.
            tags: ``{key: value}`` tags (values through ``str``).
            params: ``{key: value}`` params (values through ``str``).
            model_type: A free-form kind (``"classifier"``, ``"agent"``...).

        Returns:
            The new model; its ``artifact_location`` is where its files go.

        Raises:
            NotFoundError: No such experiment or source run.
            InvalidStateError: The experiment is deleted.

        Example:
            >>> model = client.create_logged_model("0", name="fraud")
            >>> model.status
            <LoggedModelStatus.PENDING: 'PENDING'>
        """
        return self._store.create_logged_model(
            str(experiment_id),
            name,
            source_run_id,
            [LoggedModelTag(key=k, value=v) for k, v in _string_items("tags", tags)],
            [LoggedModelParameter(key=k, value=v) for k, v in _string_items("params", params)],
            model_type,
        )

    def get_logged_model(self, model_id: str) -> LoggedModel:
        """Return a logged model with its tags, params and metrics.

        Raises:
            NotFoundError: No such model (or it was deleted).

        Example:
            >>> client.get_logged_model(model_id).name
            'fraud'
        """
        return self._store.get_logged_model(_model_id(model_id))

    def delete_logged_model(self, model_id: str) -> None:
        """Delete a logged model (it disappears from get and search).

        Raises:
            NotFoundError: No such model.
        """
        self._store.delete_logged_model(_model_id(model_id))

    def finalize_logged_model(
        self, model_id: str, status: LoggedModelStatus | str, *, status_message: str | None = None
    ) -> LoggedModel:
        """Set a logged model's final status.

        Args:
            model_id: The model.
            status: ``"READY"`` (its files are complete) or ``"FAILED"``.
            status_message: Why (flowtrack's addition: ``log_model`` records the error of a
                failed model here).

        Returns:
            The updated model.

        Raises:
            InvalidParameterError: ``status`` is not ``READY`` or ``FAILED``.
            NotFoundError: No such model.

        Example:
            >>> client.finalize_logged_model(model_id, "READY").status
            <LoggedModelStatus.READY: 'READY'>
        """
        return self._store.finalize_logged_model(
            _model_id(model_id), logged_model_status(status), status_message
        )

    def set_logged_model_tags(self, model_id: str, tags: Mapping[str, Any]) -> None:
        """Set (or overwrite) tags of a logged model (values through ``str``).

        Raises:
            NotFoundError: No such model.

        Example:
            >>> client.set_logged_model_tags(model_id, {"stage": "candidate"})
        """
        items = _string_items("tags", tags)
        self._store.set_logged_model_tags(
            _model_id(model_id), [LoggedModelTag(key=k, value=v) for k, v in items]
        )

    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        """Delete a tag of a logged model.

        Raises:
            NotFoundError: No such model, or it has no tag ``key``.
        """
        self._store.delete_logged_model_tag(_model_id(model_id), key)

    def log_model_params(self, model_id: str, params: Mapping[str, Any]) -> None:
        """Log params of a logged model (values through ``str``).

        Raises:
            NotFoundError: No such model.

        Example:
            >>> client.log_model_params(model_id, {"alpha": 0.5})
        """
        items = _string_items("params", params)
        self._store.log_logged_model_params(
            _model_id(model_id), [LoggedModelParameter(key=k, value=v) for k, v in items]
        )

    def search_logged_models(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        datasets: Sequence[Mapping[str, Any]] | None = None,
        max_results: int | None = None,
        order_by: Sequence[Mapping[str, Any]] | None = None,
        page_token: str | None = None,
    ) -> PagedList[LoggedModel]:
        """Search logged models of some experiments, one page at a time.

        Args:
            experiment_ids: The experiments to search.
            filter_string: e.g. ``"name = 'fraud' AND metrics.accuracy > 0.9"`` (attributes
                ``name``, ``model_id``, ``model_type``, ``status``, ``source_run_id``,
                ``creation_timestamp``, ``last_updated_timestamp``; ``metrics.``, ``params.``,
                ``tags.``; joined by ``AND``).
            datasets: ``[{"dataset_name": ..., "dataset_digest": ...}]``: metric filters only
                consider metrics computed on these datasets.
            max_results: The page size.
            order_by: ``[{"field_name": "metrics.accuracy", "ascending": False}]`` (optionally
                with ``dataset_name``/``dataset_digest``); default newest first.
            page_token: The ``token`` of the previous page.

        Returns:
            A page of models whose ``token`` fetches the next page (``None`` at the end).

        Raises:
            InvalidParameterError: ``experiment_ids`` is not a list of strings, or a bad filter,
                order or token.

        Example:
            >>> client.search_logged_models(["0"], "metrics.accuracy > 0.9")[0].name
            'fraud'
        """
        if isinstance(experiment_ids, str) or not all(
            isinstance(eid, str) for eid in experiment_ids
        ):
            raise InvalidParameterError(
                f"Invalid experiment_ids {experiment_ids!r}: expected a list of experiment id "
                "strings, e.g. ['0']"
            )
        return self._store.search_logged_models(
            list(experiment_ids),
            filter_string,
            None if datasets is None else [dict(d) for d in datasets],
            max_results,
            None if order_by is None else [dict(o) for o in order_by],
            page_token,
        )

    def log_outputs(self, run_id: str, models: Sequence[LoggedModelOutput]) -> None:
        """Record logged models a run produced (``Run.outputs.model_outputs``), with their step.

        Raises:
            NotFoundError: No such run or model.

        Example:
            >>> client.log_outputs(run_id, [LoggedModelOutput(model_id=model_id, step=0)])
        """
        self._store.log_outputs(run_id, list(models))

    # ------------------------------------------------------------------ artifacts

    def _model_artifacts(self, model_id: str) -> ArtifactStore:
        """Return the artifact store rooted at the logged model's artifact location."""
        from flowtrack.stores.artifacts.store import get_artifact_store

        return get_artifact_store(self.get_logged_model(model_id).artifact_location)

    def log_model_artifact(
        self,
        model_id: str,
        local_path: str | os.PathLike[str],
        artifact_path: str | None = None,
    ) -> None:
        """Upload a local file (or a directory, whole) to a logged model's artifacts.

        Args:
            model_id: The model.
            local_path: The file or directory.
            artifact_path: The directory under the model's artifact location; default its root.

        Raises:
            InvalidParameterError: ``local_path`` does not exist, or the path escapes the root.
            NotFoundError: No such model.
        """
        self._model_artifacts(model_id).log_file_or_directory(
            local_path, artifact_path, caller="log_model_artifact"
        )

    def log_model_artifacts(
        self,
        model_id: str,
        local_dir: str | os.PathLike[str],
        artifact_path: str | None = None,
    ) -> None:
        """Upload a local directory's contents to a logged model's artifacts.

        Args:
            model_id: The model.
            local_dir: The directory whose files are uploaded (recursively).
            artifact_path: The directory under the model's artifact location; default its root.

        Raises:
            NotFoundError: No such model.

        Example:
            >>> client.log_model_artifacts(model_id, "path/to/saved/model")
        """
        self._model_artifacts(model_id).log_artifacts(os.fspath(local_dir), artifact_path)

    def list_logged_model_artifacts(self, model_id: str, path: str | None = None) -> list[FileInfo]:
        """List a logged model's artifacts directly under ``path``.

        Args:
            model_id: The model.
            path: A directory under the model's artifact location; default its root.

        Returns:
            The files and directories, sorted by path.

        Example:
            >>> [f.path for f in client.list_logged_model_artifacts(model_id)]
            ['MLmodel', 'conda.yaml', 'model.skops', 'python_env.yaml', 'requirements.txt']
        """
        return self._model_artifacts(model_id).list_artifacts(path)

    def download_logged_model_artifacts(
        self, model_id: str, path: str = "", dst_path: str | os.PathLike[str] | None = None
    ) -> str:
        """Download a logged model's artifact (or all of them) and return the local path.

        Args:
            model_id: The model.
            path: A file or directory under its artifact location; ``""`` for everything.
            dst_path: A local directory to download into; default a new temporary directory.

        Returns:
            The local path (``dst_path`` itself for everything).

        Raises:
            NotFoundError: No such model, or nothing at ``path``.
        """
        return self._model_artifacts(model_id).download_artifacts(path, dst_path)
