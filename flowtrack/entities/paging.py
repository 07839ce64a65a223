"""Paged results: a list that also carries the token of the next page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

__all__ = ["PagedList"]

T = TypeVar("T")


class PagedList(list[T]):
    """A page of results; ``token`` fetches the next page and is ``None`` on the last one."""

    def __init__(self, items: Iterable[T] = (), token: str | None = None) -> None:
        super().__init__(items)
        self.token = token

    def __repr__(self) -> str:
        return f"PagedList({list.__repr__(self)}, token={self.token!r})"
