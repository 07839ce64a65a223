"""Bring a dataset source's file or directory to the local disk (``DatasetSource.load``).

The data package sits below the artifact stores in flowtrack's layers, so this talks to fsspec
directly, with the same confinement rule as the artifact store: an object key can never place a
file outside the download directory.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tempfile
from urllib.parse import unquote, urlsplit

import fsspec

from flowtrack.exceptions import InvalidParameterError, NotFoundError

__all__ = ["download_source"]


def _local_path(uri: str) -> str | None:
    """The local path a plain path or ``file://`` URL names, else ``None``."""
    parts = urlsplit(uri)
    if len(parts.scheme) <= 1:  # no scheme, or a Windows drive letter
        return uri
    if parts.scheme.lower() == "file" and parts.netloc in ("", "localhost"):
        return unquote(parts.path)
    return None


def _confined(base: str, relative: str, uri: str) -> str:
    normalized = posixpath.normpath(relative)
    if normalized.startswith("../") or normalized == ".." or posixpath.isabs(normalized):
        raise InvalidParameterError(
            f"Cannot load dataset source {uri!r}: the object {relative!r} would land outside "
            "the download directory"
        )
    return os.path.join(base, *normalized.split("/"))


def _fetch_remote(uri: str, destination: str) -> str:
    fs, path = fsspec.core.url_to_fs(uri)
    path = path.rstrip("/")
    name = posixpath.basename(path) or "dataset_source"
    target = os.path.join(destination, name)
    if fs.isdir(path):
        for remote in fs.find(path):
            local = _confined(target, posixpath.relpath(remote, path), uri)
            os.makedirs(os.path.dirname(local), exist_ok=True)
            fs.get_file(remote, local)
        return target
    if not fs.exists(path):
        raise NotFoundError(f"Cannot load dataset source {uri!r}: nothing exists there")
    fs.get_file(path, target)
    return target


def download_source(uri: str, dst_path: str | os.PathLike[str] | None) -> str:
    """Return a local path holding the data at ``uri``.

    Args:
        uri: A local path, ``file://`` URL or fsspec URL (``s3://``, ``https://``...).
        dst_path: A directory to copy into (created when missing). ``None``: a local source is
            used in place; a remote one goes to a new temporary directory.

    Returns:
        The local file or directory, ``<dst_path>/<last path segment>`` when copied.

    Raises:
        NotFoundError: Nothing exists at ``uri``.
        InvalidParameterError: A remote object would land outside the download directory.
    """
    local = _local_path(uri)
    if local is not None:
        if not os.path.exists(local):
            raise NotFoundError(f"Cannot load dataset source {uri!r}: no file exists at {local!r}")
        if dst_path is None:
            return local
        destination = os.path.abspath(os.fspath(dst_path))
        target = os.path.join(destination, os.path.basename(os.path.normpath(local)))
        os.makedirs(destination, exist_ok=True)
        if os.path.isdir(local):
            shutil.copytree(local, target, dirs_exist_ok=True)
        else:
            shutil.copy2(local, target)
        return target
    fresh = dst_path is None
    destination = (
        tempfile.mkdtemp(prefix="flowtrack-dataset-")
        if dst_path is None
        else os.path.abspath(os.fspath(dst_path))
    )
    os.makedirs(destination, exist_ok=True)
    try:
        return _fetch_remote(uri, destination)
    except FileNotFoundError as exc:
        raise NotFoundError(f"Cannot load dataset source {uri!r}: nothing exists there") from exc
    except BaseException:
        if fresh:
            shutil.rmtree(destination, ignore_errors=True)
        raise
