"""Time helpers."""

from __future__ import annotations

import time

__all__ = ["now_ms"]


def now_ms() -> int:
    """Milliseconds since the epoch, as MLflow stores times."""
    return time.time_ns() // 1_000_000
