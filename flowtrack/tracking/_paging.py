"""Collecting every page of a paged search, up to a limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flowtrack.entities import PagedList
from flowtrack.exceptions import InvalidParameterError

__all__ = ["collect_pages"]

T = TypeVar("T")


def collect_pages(
    fetch: Callable[[int, str | None], PagedList[T]], limit: int | None, page_size: int
) -> list[T]:
    """Call ``fetch(max_results, page_token)`` page after page.

    Args:
        fetch: Returns one page of at most ``max_results`` items and the next page's token.
        limit: The most items to return, or ``None`` for all of them.
        page_size: The most items asked for in one call.

    Returns:
        The items of every page, in order, at most ``limit`` of them.

    Raises:
        InvalidParameterError: ``limit`` is not a positive integer or ``None``.
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InvalidParameterError(
            f"Invalid max_results {limit!r}: must be a positive integer (or None for all)"
        )
    items: list[T] = []
    token: str | None = None
    while limit is None or len(items) < limit:
        wanted = page_size if limit is None else min(page_size, limit - len(items))
        page = fetch(wanted, token)
        items.extend(page)
        token = page.token
        if not token:
            break
    return items
