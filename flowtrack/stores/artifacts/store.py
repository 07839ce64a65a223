"""The artifact store: one class over fsspec for local disk, ``file://``, ``memory://``, ``s3://``...

A run's artifacts live at ``<experiment artifact_location>/<run_id>/artifacts``; an
:class:`ArtifactStore` is bound to one such root and fsspec does the fan-out to the backend.
Every artifact path goes through :func:`~flowtrack.stores.artifacts.paths.normalize_artifact_path`
and, on a local disk, :func:`~flowtrack.stores.artifacts.paths.confine_local_path`, so no method
reads, writes, lists, downloads or deletes anything outside the root.

fsspec's bulk helpers (``rm``, ``get``, ``put`` on strings) expand ``*``, ``?`` and ``[`` as glob
patterns; the store only hands them explicit lists of paths it found itself, so an artifact named
``a[1].txt`` never matches ``a1.txt``. Listings of object stores are never served from fsspec's
cache, so a listing always shows the latest writes (also other processes' writes).
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import fsspec
from fsspec.implementations.local import LocalFileSystem
from fsspec.registry import known_implementations

from flowtrack.entities import FileInfo
from flowtrack.exceptions import (
    FlowtrackError,
    InvalidParameterError,
    MissingDependencyError,
    NotFoundError,
    PermissionDeniedError,
    StoreError,
)
from flowtrack.stores.artifacts.paths import (
    Entry,
    confine_local_path,
    delete_local,
    join_uri,
    listed_artifact_path,
    normalize_artifact_path,
    scan_local_dir,
    walk_local_dir,
)

__all__ = ["ArtifactStore", "get_artifact_store"]

#: Object stores whose fsspec implementations cache listings unless told not to.
_UNCACHED_LISTING_PROTOCOLS = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl"})
#: Keys deleted one by one: fs.rm would expand glob characters and strip the trailing "/" of S3
#: folder markers, and S3's XML bulk-delete request cannot carry control characters intact.
_DELETE_ONE_BY_ONE_RE = re.compile(r"[*?\[\x00-\x1f\x7f-\x9f\ufffe\uffff]|/$")


def _open_filesystem(root_uri: str, storage_options: Mapping[str, Any] | None) -> tuple[Any, str]:
    protocol = fsspec.core.split_protocol(root_uri)[0] or "file"
    if root_uri.lower().startswith("mlflow-artifacts:"):
        raise InvalidParameterError(
            f"The artifact URI {root_uri!r} is served by a tracking server's artifact proxy, "
            "which flowtrack's client does not speak yet (issue 10, client side: "
            "mlflow-artifacts:/ URIs); start the server with --no-serve-artifacts and a "
            "--default-artifact-root this client can reach (a path, s3://, ...)"
        )
    options = dict(storage_options or {})
    if protocol in _UNCACHED_LISTING_PROTOCOLS:
        options.setdefault("use_listings_cache", False)
    try:
        fs, path = fsspec.core.url_to_fs(root_uri, **options)
    except ImportError as exc:
        missing = exc.name if isinstance(exc, ModuleNotFoundError) else None
        class_path = str(known_implementations.get(protocol, {}).get("class", ""))
        raise MissingDependencyError(
            f"The artifact root {root_uri!r} needs the fsspec implementation of the "
            f"{protocol!r} protocol, which is not installed ({exc}): "
            f"pip install {missing or class_path.split('.')[0]}"
        ) from exc
    except ValueError as exc:
        if protocol not in fsspec.available_protocols():
            raise InvalidParameterError(
                f"Invalid artifact root {root_uri!r}: fsspec knows no protocol {protocol!r}; use "
                "a local path or a URL of a known protocol (file://, memory://, s3://, ...: "
                "see fsspec.available_protocols())"
            ) from exc
        raise InvalidParameterError(f"Invalid artifact root {root_uri!r}: {exc}") from exc
    except TypeError as exc:
        raise InvalidParameterError(
            f"Invalid storage options {sorted(options)} for the artifact root {root_uri!r}: {exc}"
        ) from exc
    return fs, str(path)


class ArtifactStore:
    """Reads and writes the artifacts under one root URI (usually a run's artifact URI).

    Args:
        root_uri: A local path (relative or absolute), ``file://``, ``memory://``, ``s3://`` or
            any fsspec URL. ``s3://`` takes its endpoint and credentials from the standard AWS
            variables (``AWS_ENDPOINT_URL_S3``, ...).
        storage_options: Keyword arguments for the fsspec filesystem (e.g. ``{"anon": True}``).

    Raises:
        InvalidParameterError: The root is empty or its protocol is unknown.
        MissingDependencyError: The protocol's fsspec implementation is not installed.

    Example:
        >>> store = ArtifactStore("memory://flowtrack-doc/exp/run/artifacts")
        >>> store.write_bytes("notes/hello.txt", b"hi")
        >>> store.read_bytes("notes/hello.txt")
        b'hi'
        >>> [f.path for f in store.list_artifacts()]
        ['notes']
        >>> store.delete_artifacts()
    """

    def __init__(self, root_uri: str, storage_options: Mapping[str, Any] | None = None) -> None:
        if not isinstance(root_uri, str) or not root_uri.strip():
            raise InvalidParameterError(
                f"Invalid artifact root {root_uri!r}: expected a non-empty local path or "
                "fsspec URL (file://, memory://, s3://, ...)"
            )
        self._root_uri = join_uri(root_uri)
        self._fs, self._root = _open_filesystem(root_uri, storage_options)
        self._local = isinstance(self._fs, LocalFileSystem)

    def __repr__(self) -> str:
        return f"ArtifactStore({self._root_uri!r})"

    @property
    def root_uri(self) -> str:
        """The root URI as given, without trailing slashes."""
        return self._root_uri

    def log_artifact(
        self, local_file: str | os.PathLike[str], artifact_path: str | None = None
    ) -> None:
        """Upload one local file (streamed) to ``<artifact_path>/<file name>``.

        Args:
            local_file: The caller's file; any local path is accepted.
            artifact_path: The directory under the root; ``None`` for the root itself.

        Raises:
            InvalidParameterError: ``local_file`` is not a file, or a path is not confined.
        """
        source = os.fspath(local_file)
        if not os.path.isfile(source):
            raise InvalidParameterError(
                f"Cannot log {source!r}: log_artifact needs an existing local file "
                "(use log_artifacts for a directory)"
            )
        rel = join_uri(normalize_artifact_path(artifact_path), os.path.basename(source))
        self._upload(rel, [source], [self._target(rel)[1]])

    def log_file_or_directory(
        self,
        local_path: str | os.PathLike[str],
        artifact_path: str | None = None,
        *,
        caller: str = "log_artifact",
    ) -> None:
        """Upload a file, or a directory whole under its own name (MLflow's ``log_artifact``).

        A directory ``mymodel`` logged with ``artifact_path="models"`` lands under
        ``models/mymodel/``; a file under ``models/<file name>``.

        Args:
            local_path: The caller's file or directory.
            artifact_path: The directory under the root; ``None`` for the root itself.
            caller: The public function's name, for the error message.

        Raises:
            InvalidParameterError: ``local_path`` does not exist, or a path is not confined.
        """
        source = os.fspath(local_path)
        if not os.path.exists(source):
            raise InvalidParameterError(
                f"Cannot log {source!r}: {caller} needs an existing local file or directory"
            )
        if os.path.isdir(source):
            name = os.path.basename(os.path.normpath(os.path.abspath(source)))
            self.log_artifacts(
                source, posixpath.join(artifact_path, name) if artifact_path else name
            )
        else:
            self.log_artifact(source, artifact_path)

    def log_artifacts(
        self, local_dir: str | os.PathLike[str], artifact_path: str | None = None
    ) -> None:
        """Upload a local directory's files, recursively and streamed, under ``artifact_path``.

        Every destination is checked before the first byte is written. As in MLflow, links to
        files are uploaded as the files' content, links to directories are not descended into,
        and empty directories are not recorded (object stores have none).

        Args:
            local_dir: The caller's directory; any local path is accepted.
            artifact_path: The directory under the root; ``None`` for the root itself.

        Raises:
            InvalidParameterError: ``local_dir`` is not a directory, or a path is not confined.
        """
        source_dir = os.fspath(local_dir)
        if not os.path.isdir(source_dir):
            raise InvalidParameterError(
                f"Cannot log {source_dir!r}: log_artifacts needs an existing local directory "
                "(use log_artifact for a file)"
            )
        base = normalize_artifact_path(artifact_path)
        sources: list[str] = []
        targets: list[str] = []
        for dirpath, dirnames, filenames in os.walk(source_dir):
            dirnames.sort()
            for name in sorted(filenames):
                source = os.path.join(dirpath, name)
                if os.path.isfile(source):  # not dangling links, sockets, fifos
                    relative = os.path.relpath(source, source_dir).replace(os.sep, "/")
                    sources.append(source)
                    targets.append(self._target(join_uri(base, relative))[1])
        self._upload(base, sources, targets)

    def write_bytes(self, artifact_file: str, data: bytes) -> None:
        """Write ``data`` to the file ``artifact_file``, replacing it (used by ``log_text``...).

        Raises:
            InvalidParameterError: The path is not a confined file path or ``data`` is not bytes.
        """
        if not isinstance(data, bytes | bytearray | memoryview):
            raise InvalidParameterError(
                f"Cannot write artifact {artifact_file!r}: data must be bytes, got "
                f"{type(data).__name__}"
            )
        rel, target = self._file_target(artifact_file, "write")
        with self._errors("write", rel):
            if self._local:
                os.makedirs(os.path.dirname(target), exist_ok=True)
            self._fs.pipe_file(target, bytes(data))
            self._fs.invalidate_cache(target)

    def _upload(self, label: str, sources: list[str], targets: list[str]) -> None:
        with self._errors("write", label):
            if self._local:
                for target in targets:
                    os.makedirs(os.path.dirname(target), exist_ok=True)
            if sources:
                # Two lists: fsspec neither globs nor re-roots them, and uploads them
                # concurrently on asynchronous filesystems (s3fs streams each file in parts).
                self._fs.put(sources, targets)
            for target in targets:
                self._fs.invalidate_cache(target)

    def read_bytes(self, artifact_file: str) -> bytes:
        """Return the content of the file ``artifact_file``.

        Raises:
            NotFoundError: There is no such file.
            InvalidParameterError: The path is not a confined file path, or is a directory.
        """
        rel, target = self._file_target(artifact_file, "read")
        with self._errors("read", rel):
            return bytes(self._fs.cat_file(target))

    def exists(self, artifact_path: str) -> bool:
        """Return whether a file or directory exists at ``artifact_path`` (``""``: the root)."""
        rel, target = self._target(artifact_path)
        if self._local:
            return os.path.exists(target)
        with self._errors("check", rel):
            self._fs.invalidate_cache(target)
            return bool(self._fs.exists(target))

    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        """List the direct children of the directory ``path`` (``None``: the root).

        Returns:
            Entries sorted by path, relative to the root with ``/`` separators; files with their
            size, directories with ``file_size=None``; ``[]`` if ``path`` is missing or a file.
            Stored names that are not valid artifact paths and local links that lead outside
            the root are left out.
        """
        rel, target = self._target(path)
        with self._errors("list", rel):
            entries = list(self._entries(target, rel, recursive=False))
        return [
            FileInfo(path=e.path, is_dir=e.is_dir, file_size=None if e.is_dir else e.size)
            for e in sorted(entries)
        ]

    def download_artifacts(
        self, artifact_path: str = "", dst_path: str | os.PathLike[str] | None = None
    ) -> str:
        """Copy a file or a directory (recursively, streamed) to the local disk.

        Args:
            artifact_path: The file or directory; ``""`` for the whole root.
            dst_path: The local directory to download into (created if missing); a new
                temporary directory if ``None``. The artifact keeps its relative path inside it.

        Returns:
            The local path of the downloaded file or directory, ``<dst_path>/<artifact_path>``.

        Raises:
            NotFoundError: Nothing exists at ``artifact_path`` (the root always downloads, empty
                if nothing was logged).
            InvalidParameterError: The path is not confined.
        """
        rel, target = self._target(artifact_path)
        if dst_path is None:
            dst_root = tempfile.mkdtemp(prefix="flowtrack-artifacts-")
        else:
            dst_root = os.path.abspath(os.fspath(dst_path))
        local = os.path.join(dst_root, *rel.split("/")) if rel else dst_root
        try:
            with self._errors("download", rel):
                kind = self._kind(target)
                if kind is None and rel:
                    raise FileNotFoundError(target)
                if kind == "file":
                    os.makedirs(os.path.dirname(local), exist_ok=True)
                    self._fs.get_file(target, local)
                else:
                    os.makedirs(local, exist_ok=True)
                    self._download_tree(target, rel, local)
        except BaseException:
            if dst_path is None:
                shutil.rmtree(dst_root, ignore_errors=True)
            raise
        return local

    def _download_tree(self, target: str, rel: str, local: str) -> None:
        sources: list[str] = []
        destinations: list[str] = []
        for entry in self._entries(target, rel, recursive=True):
            below = entry.path[len(rel) + 1 :] if rel else entry.path
            destination = os.path.join(local, *below.split("/"))
            if entry.is_dir:
                os.makedirs(destination, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(destination), exist_ok=True)
                sources.append(entry.location)
                destinations.append(destination)
        if sources:
            self._fs.get(sources, destinations)

    def delete_artifacts(self, artifact_path: str | None = None) -> None:
        """Delete a file or directory recursively; ``None`` or ``""`` deletes the whole root.

        Deleting something that does not exist is not an error. On a local disk, links inside
        the deleted tree are removed, never followed.

        Raises:
            InvalidParameterError: The path is not confined.
        """
        rel, target = self._target(artifact_path)
        with self._errors("delete", rel):
            if self._local:
                delete_local(self._root, rel)
            else:
                self._delete_remote(target)

    def _delete_remote(self, target: str) -> None:
        fs = self._fs
        fs.invalidate_cache(target)
        files: list[str] = fs.find(target)
        one_by_one = {name for name in files if _DELETE_ONE_BY_ONE_RE.search(name)}
        in_bulk = [name for name in files if name not in one_by_one]
        if in_bulk:
            fs.rm(in_bulk)
        for name in sorted(one_by_one):
            fs.rm_file(name)
        fs.invalidate_cache(target)
        if not fs.isdir(target):
            return  # object stores: directories vanished with their files
        for name in sorted(fs.find(target, withdirs=True), key=len, reverse=True):
            if not name.startswith("/") and "/" not in name.strip("/"):
                continue  # never remove an object store's bucket
            try:
                fs.rmdir(name)  # memory:// keeps explicit directories
            except OSError:
                continue

    def uri_for(self, artifact_path: str) -> str:
        """Return the full URI of a confined artifact path, e.g. ``s3://b/1/<run>/artifacts/x``.

        Raises:
            InvalidParameterError: The path is not confined.
        """
        return join_uri(self._root_uri, self._target(artifact_path)[0])

    def _target(self, artifact_path: str | None) -> tuple[str, str]:
        """Return (normalized relative path, filesystem path); local paths are real paths."""
        rel = normalize_artifact_path(artifact_path)
        if self._local:
            return rel, confine_local_path(self._root, rel)
        return rel, f"{self._root.rstrip('/')}/{rel}" if rel else self._root

    def _file_target(self, artifact_file: str, action: str) -> tuple[str, str]:
        rel, target = self._target(artifact_file)
        if not rel:
            raise InvalidParameterError(
                f"Cannot {action} the artifact root {self._root_uri!r} as a file: pass the path "
                "of a file under the root"
            )
        return rel, target

    @contextmanager
    def _errors(self, action: str, rel: str) -> Iterator[None]:
        where = (f"artifact {rel!r}" if rel else "the artifact root") + f" under {self._root_uri!r}"
        try:
            yield
        except FlowtrackError:
            raise
        except FileNotFoundError as exc:
            raise NotFoundError(f"Cannot {action} {where}: it does not exist") from exc
        except (IsADirectoryError, NotADirectoryError, FileExistsError) as exc:
            raise InvalidParameterError(
                f"Cannot {action} {where}: {exc.strerror or exc}; a path names either a file or "
                "a directory, not both"
            ) from exc
        except PermissionError as exc:
            raise PermissionDeniedError(f"Cannot {action} {where}: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"Cannot {action} {where}: {exc}") from exc

    def _kind(self, target: str) -> str | None:
        if self._local:
            try:
                mode = os.stat(target).st_mode
            except FileNotFoundError:
                return None
            return "directory" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else None
        self._fs.invalidate_cache(target)
        try:
            info = self._fs.info(target)
        except FileNotFoundError:
            return None
        return "directory" if info.get("type") == "directory" else "file"

    def _entries(self, target: str, rel: str, *, recursive: bool) -> Iterator[Entry]:
        """Yield the children (or all descendants) of a directory; nothing if it is missing."""
        if self._local:
            yield from (walk_local_dir if recursive else scan_local_dir)(self._root, target, rel)
            return
        self._fs.invalidate_cache(target)
        try:
            if recursive:
                infos = list(self._fs.find(target, withdirs=True, detail=True).values())
            else:
                infos = self._fs.ls(target, detail=True)
        except (FileNotFoundError, NotADirectoryError):
            return
        prefix = target.rstrip("/") + "/"
        for info in infos:
            name, is_dir = str(info["name"]), info.get("type") == "directory"
            below = name[len(prefix) :] if name.startswith(prefix) else ""
            below = below.rstrip("/") if is_dir else below
            # "": the listed path itself; "x/": an S3 folder marker, listed as a directory too.
            if not below or below.endswith("/") or (not recursive and "/" in below):
                continue
            child = listed_artifact_path(rel, below)
            if child is not None:
                yield Entry(child, name, is_dir, 0 if is_dir else int(info.get("size") or 0))


def get_artifact_store(
    root_uri: str, storage_options: Mapping[str, Any] | None = None
) -> ArtifactStore:
    """Return an :class:`ArtifactStore` for ``root_uri`` (cheap: fsspec caches filesystems).

    Args:
        root_uri: A local path or fsspec URL, usually a run's artifact URI.
        storage_options: Keyword arguments for the fsspec filesystem.
    """
    return ArtifactStore(root_uri, storage_options)
