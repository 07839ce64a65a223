"""Page tokens: opaque, URL-safe strings that encode where the next page starts."""

from __future__ import annotations

import base64
import binascii
import json
from typing import TypeVar

from flowtrack.entities.paging import PagedList
from flowtrack.exceptions import InvalidParameterError

__all__ = ["decode_page_token", "encode_page_token", "page", "validate_max_results"]

T = TypeVar("T")

#: The most results one search page may return, as in MLflow.
MAX_RESULTS_LIMIT = 50_000


def encode_page_token(offset: int) -> str:
    """Encode the offset of the next page."""
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def decode_page_token(token: str | None) -> int:
    """Decode a token from :func:`encode_page_token`; ``None`` or ``""`` is offset 0.

    Raises:
        InvalidParameterError: The token was not made by flowtrack.
    """
    if not token:
        return 0
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = payload["offset"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeError) as exc:
        raise InvalidParameterError(
            f"Invalid page token {token!r}: pass the token of a previous page unchanged"
        ) from exc
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise InvalidParameterError(
            f"Invalid page token {token!r}: pass the token of a previous page unchanged"
        )
    return offset


def validate_max_results(max_results: int) -> int:
    """Check ``max_results``: an integer from 1 to 50,000."""
    if (
        isinstance(max_results, bool)
        or not isinstance(max_results, int)
        or not 1 <= max_results <= MAX_RESULTS_LIMIT
    ):
        raise InvalidParameterError(
            f"Invalid max_results {max_results!r}: must be an integer from 1 to {MAX_RESULTS_LIMIT}"
        )
    return max_results


def page(items: list[T], max_results: int | None, page_token: str | None) -> PagedList[T]:
    """One page of already ordered items (all of them from the token on if no max_results).

    Raises:
        InvalidParameterError: A bad page token or max_results.
    """
    offset = decode_page_token(page_token)
    if max_results is None:
        return PagedList(items[offset:])
    end = offset + validate_max_results(max_results)
    return PagedList(items[offset:end], encode_page_token(end) if end < len(items) else None)
