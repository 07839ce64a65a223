"""The logged-model half of the REST tracking store (``/api/2.0/mlflow/logged-models``).

Routes as MLflow 3.17's client calls them: ``POST logged-models``, ``GET|PATCH|DELETE
logged-models/<id>``, ``PATCH logged-models/<id>/tags``, ``DELETE logged-models/<id>/tags/<key>``,
``POST logged-models/<id>/params`` and ``POST logged-models/search``. Model ids are checked
before they become part of a URL path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from flowtrack._private.validation import validate_model_id
from flowtrack.entities import (
    LoggedModel,
    LoggedModelOutput,
    LoggedModelParameter,
    LoggedModelStatus,
    LoggedModelTag,
    PagedList,
)
from flowtrack.stores.rest.session import RestSession
from flowtrack.stores.tracking._logged_model_store import LoggedModelStore
from flowtrack.stores.tracking._rest_convert import (
    LOGGED_MODEL_STATUS_TO_JSON,
    logged_model_from_json,
)
from flowtrack.stores.tracking.rules import check_finalize_status, check_model_outputs

__all__ = ["LOGGED_MODELS", "RestLoggedModels"]

LOGGED_MODELS = "/api/2.0/mlflow/logged-models"
#: Params per request, MLflow's batch size for logged-model params.
_PARAMS_PER_REQUEST = 100


class RestLoggedModels(LoggedModelStore):
    """Logged models over MLflow's REST API; mixed into the REST tracking store."""

    _session: RestSession

    def _model_path(self, model_id: str) -> str:
        return f"{LOGGED_MODELS}/{validate_model_id(model_id)}"

    def create_logged_model(
        self,
        experiment_id: str,
        name: str | None = None,
        source_run_id: str | None = None,
        tags: Sequence[LoggedModelTag] = (),
        params: Sequence[LoggedModelParameter] = (),
        model_type: str | None = None,
    ) -> LoggedModel:
        """Create a PENDING logged model (params past the first 100 in further requests)."""
        body = {
            "experiment_id": experiment_id,
            "name": name,
            "model_type": model_type,
            "source_run_id": source_run_id,
            "tags": [{"key": t.key, "value": t.value} for t in tags],
            "params": [{"key": p.key, "value": p.value} for p in params[:_PARAMS_PER_REQUEST]],
        }
        model = logged_model_from_json(self._session.call("POST", LOGGED_MODELS, body)["model"])
        if len(params) > _PARAMS_PER_REQUEST:
            self.log_logged_model_params(model.model_id, params[_PARAMS_PER_REQUEST:])
            model = self.get_logged_model(model.model_id)
        return model

    def get_logged_model(self, model_id: str, allow_deleted: bool = False) -> LoggedModel:
        """Return a logged model (a deleted one only with ``allow_deleted``)."""
        query = {"allow_deleted": True} if allow_deleted else None
        answer = self._session.call("GET", self._model_path(model_id), query)
        return logged_model_from_json(answer["model"])

    def delete_logged_model(self, model_id: str) -> None:
        """Soft-delete a logged model."""
        self._session.call("DELETE", self._model_path(model_id))

    def finalize_logged_model(
        self, model_id: str, status: LoggedModelStatus, status_message: str | None = None
    ) -> LoggedModel:
        """Set a model's final status.

        MLflow's ``FinalizeLoggedModel`` request carries no status message, so
        ``status_message`` is not sent.
        """
        final = check_finalize_status(status)
        body = {"model_id": model_id, "status": LOGGED_MODEL_STATUS_TO_JSON[final]}
        answer = self._session.call("PATCH", self._model_path(model_id), body)
        return logged_model_from_json(answer["model"])

    def set_logged_model_tags(self, model_id: str, tags: Sequence[LoggedModelTag]) -> None:
        """Set tags of a logged model."""
        body = {"tags": [{"key": t.key, "value": t.value} for t in tags]}
        self._session.call("PATCH", f"{self._model_path(model_id)}/tags", body)

    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        """Delete one tag of a logged model."""
        self._session.call("DELETE", f"{self._model_path(model_id)}/tags/{quote(key, safe='')}")

    def log_logged_model_params(
        self, model_id: str, params: Sequence[LoggedModelParameter]
    ) -> None:
        """Set params of a logged model, 100 per request."""
        path = f"{self._model_path(model_id)}/params"
        for start in range(0, len(params), _PARAMS_PER_REQUEST):
            chunk = params[start : start + _PARAMS_PER_REQUEST]
            body = {
                "model_id": model_id,
                "params": [{"key": p.key, "value": p.value} for p in chunk],
            }
            self._session.call("POST", path, body)

    def search_logged_models(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        datasets: Sequence[Mapping[str, Any]] | None = None,
        max_results: int | None = None,
        order_by: Sequence[Mapping[str, Any]] | None = None,
        page_token: str | None = None,
    ) -> PagedList[LoggedModel]:
        """Search active logged models on the server."""
        body = {
            "experiment_ids": list(experiment_ids),
            "filter": filter_string,
            "datasets": [dict(d) for d in datasets or ()],
            "max_results": max_results,
            "order_by": [dict(o) for o in order_by or ()],
            "page_token": page_token,
        }
        answer = self._session.call("POST", f"{LOGGED_MODELS}/search", body)
        models = [logged_model_from_json(m) for m in answer.get("models", ())]
        return PagedList(models, answer.get("next_page_token") or None)

    def log_outputs(self, run_id: str, models: Sequence[LoggedModelOutput]) -> None:
        """Link logged models to a run as its outputs."""
        checked = check_model_outputs(models)
        body = {
            "run_id": run_id,
            "models": [{"model_id": model_id, "step": step} for model_id, step in checked],
        }
        self._session.call("POST", "/api/2.0/mlflow/runs/outputs", body)
