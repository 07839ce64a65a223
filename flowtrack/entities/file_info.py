"""Artifact listings."""

from __future__ import annotations

from flowtrack.entities._base import Entity

__all__ = ["FileInfo"]


class FileInfo(Entity):
    """One entry of an artifact listing.

    Attributes:
        path: The path relative to the run's artifact root, with ``/`` separators.
        is_dir: Whether the entry is a directory.
        file_size: The size in bytes for files, ``None`` for directories.
    """

    path: str
    is_dir: bool
    file_size: int | None = None
