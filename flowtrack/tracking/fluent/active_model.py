"""The active logged model: metrics logged without a ``model_id`` are linked to it.

MLflow keeps the active model in a thread-local global; flowtrack keeps it in a context variable
(:data:`flowtrack.tracking.fluent._state.ACTIVE_MODEL_ID`), so threads and asyncio tasks each
have their own. A context that never called :func:`set_active_model` starts from
``FLOWTRACK_ACTIVE_MODEL_ID`` / ``MLFLOW_ACTIVE_MODEL_ID`` (read once per context), which is how a
subprocess inherits its parent's active model.
"""

from __future__ import annotations

import logging
import os
from types import TracebackType

from pydantic import PrivateAttr

from flowtrack.entities import LoggedModel
from flowtrack.exceptions import InvalidParameterError
from flowtrack.tracking.fluent import _state
from flowtrack.tracking.fluent.config import current_client

__all__ = ["ActiveModel", "clear_active_model", "get_active_model_id", "set_active_model"]

_logger = logging.getLogger(__name__)

#: The environment variables naming the active model, cleared by :func:`clear_active_model`.
ACTIVE_MODEL_ENV_VARS = (
    "FLOWTRACK_ACTIVE_MODEL_ID",
    "MLFLOW_ACTIVE_MODEL_ID",
    "_MLFLOW_ACTIVE_MODEL_ID",
)


class ActiveModel(LoggedModel):
    """The logged model :func:`set_active_model` made active; as a context manager, leaving the
    ``with`` block makes the previously active model active again.

    Creating one makes ``logged_model`` this context's active model (as MLflow's does).

    Args:
        logged_model: The model to make active.
        set_by_user: Whether the user chose it (``set_active_model``) rather than flowtrack.

    Example:
        >>> with flowtrack.set_active_model(name="agent") as model:
        ...     flowtrack.get_active_model_id() == model.model_id
        True
    """

    _previous: str | None = PrivateAttr(default=None)
    _set_by_user: bool = PrivateAttr(default=False)

    def __init__(self, logged_model: LoggedModel, set_by_user: bool = False) -> None:
        super().__init__(**dict(logged_model))
        self._previous = get_active_model_id()
        self._set_by_user = set_by_user
        _state.ACTIVE_MODEL_ID.set(self.model_id)

    def __enter__(self) -> ActiveModel:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        _state.ACTIVE_MODEL_ID.set(self._previous)


def set_active_model(*, name: str | None = None, model_id: str | None = None) -> ActiveModel:
    """Make a logged model this context's active model.

    Args:
        name: A logged model's name in the active experiment: the newest one with that name, or
            a new external model (:func:`flowtrack.create_external_model`) when there is none.
        model_id: A logged model's id; with ``name`` too, the model must have that name.

    Returns:
        The model, usable as a context manager that restores the previous active model.

    Raises:
        InvalidParameterError: Neither ``name`` nor ``model_id``, or a model whose name is not
            ``name``.
        NotFoundError: No model with ``model_id``.

    Example:
        >>> flowtrack.set_active_model(name="my_model").name
        'my_model'
    """
    if name is None and model_id is None:
        raise InvalidParameterError("Either name or model_id must be provided")
    client = current_client()
    if model_id is not None:
        model = client.get_logged_model(model_id)
        if name is not None and model.name != name:
            raise InvalidParameterError(
                f"LoggedModel with model_id {model_id!r} has name {model.name!r}, which does not "
                f"match the provided name {name!r}."
            )
    else:
        from flowtrack.tracking.fluent.logged_models import (
            create_external_model,
            search_logged_models,
        )

        found = search_logged_models(
            filter_string=f"name = '{name}'", max_results=2, output_format="list"
        )
        if len(found) > 1:
            _logger.warning(
                "Multiple LoggedModels found with name %r, setting the latest one as active model.",
                name,
            )
        model = found[0] if found else create_external_model(name=name)
    active = ActiveModel(model, set_by_user=True)
    _logger.info("Active model is set to the logged model with ID: %s", active.model_id)
    return active


def get_active_model_id() -> str | None:
    """Return this context's active model id, or ``None``.

    Without :func:`set_active_model`, ``FLOWTRACK_ACTIVE_MODEL_ID`` / ``MLFLOW_ACTIVE_MODEL_ID``
    (read once per thread or task context).

    Example:
        >>> flowtrack.get_active_model_id() is None
        True
    """
    model_id = _state.ACTIVE_MODEL_ID.get()
    if model_id == _state.UNSET:
        from flowtrack.settings import get_settings

        model_id = get_settings().active_model_id
        _state.ACTIVE_MODEL_ID.set(model_id)
    return model_id


def clear_active_model() -> None:
    """Clear this context's active model, and the environment variables that name one.

    Example:
        >>> flowtrack.set_active_model(name="my_model")
        >>> flowtrack.clear_active_model()
        >>> flowtrack.get_active_model_id() is None
        True
    """
    for variable in ACTIVE_MODEL_ENV_VARS:
        os.environ.pop(variable, None)
    _state.ACTIVE_MODEL_ID.set(None)
    _logger.info("Active model is cleared")
