"""The base class of flowtrack's entities: frozen pydantic models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Entity(BaseModel):
    """A frozen, strict-shaped record read from or written to a store."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
