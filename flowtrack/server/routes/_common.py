"""What every route module shares: the store of the app serving the request, request models."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict

from flowtrack.exceptions import InvalidParameterError
from flowtrack.stores.tracking.base import TrackingStore

__all__ = ["RequestModel", "Store", "require_run_id"]


def _tracking_store(request: Request) -> TrackingStore:
    store: TrackingStore = request.app.state.tracking_store
    return store


#: The tracking store the app was created with (a route parameter).
Store = Annotated[TrackingStore, Depends(_tracking_store)]


class RequestModel(BaseModel):
    """A request message.

    Unknown fields are ignored, as MLflow's server ignores them (a newer client may send fields
    this server does not know yet); missing required fields and wrong types are refused.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")


def require_run_id(run_id: str | None, run_uuid: str | None) -> str:
    """Return ``run_id``, else MLflow's older ``run_uuid``.

    Raises:
        InvalidParameterError: Neither is given.
    """
    found = run_id or run_uuid
    if not found:
        raise InvalidParameterError("Missing value for required parameter 'run_id'")
    return found
