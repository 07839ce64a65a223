"""Artifact store backends for the shared behaviour suite: local disk, file://, memory://, S3."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fsspec
import pytest

from flowtrack.stores.artifacts import ArtifactStore


@dataclass
class Backend:
    """One place to keep artifacts, plus raw fsspec access to what lies around the root.

    Attributes:
        name: The backend's test id.
        root_uri: The store's root, ``<base>/exp/run/artifacts``.
        fs: The raw fsspec filesystem, used to plant and inspect files behind the store's back.
        base: The fs path of the area that contains the root and the sentinels.
        root: The fs path of the root.
        uri_prefix: What turns an fs path into a URI (``"file://"``, ``"s3://"``...).
    """

    name: str
    root_uri: str
    fs: Any
    base: str
    root: str
    uri_prefix: str

    def store(self) -> ArtifactStore:
        return ArtifactStore(self.root_uri)

    def sentinels(self) -> dict[str, str]:
        """Sentinel files outside the root: parent and grandparent siblings, prefix siblings."""
        parent = self.root.rsplit("/", 1)[0]
        return {
            "parent": f"{parent}/secret.txt",
            "grandparent": f"{parent.rsplit('/', 1)[0]}/secret.txt",
            "prefix_file": f"{self.root}_sentinel.txt",
            "prefix_dir": f"{self.root}-evil/secret.txt",
        }

    def plant_sentinels(self) -> None:
        for label, path in self.sentinels().items():
            self.fs.pipe_file(path, f"sentinel {label}".encode())

    def snapshot_outside(self) -> dict[str, tuple[bytes, Any] | None]:
        """Files (content, modification time) and directories under ``base``, outside the root.

        Comparing two snapshots shows whether anything there was written, touched, created or
        deleted.
        """
        self.fs.invalidate_cache()
        inside = self.root + "/"
        found = self.fs.find(self.base, withdirs=True, detail=True)
        return {
            path: None
            if info["type"] == "directory"
            else (self.fs.cat_file(path), self.fs.modified(path))
            for path, info in found.items()
            if path != self.root and not path.startswith(inside)
        }


def _local(tmp_path: Path, as_file_uri: bool) -> Backend:
    base = tmp_path / "store"
    root = base / "exp" / "run" / "artifacts"
    base.mkdir()
    prefix = "file://" if as_file_uri else ""
    return Backend(
        name="file-uri" if as_file_uri else "local",
        root_uri=f"{prefix}{root}",
        fs=fsspec.filesystem("file", auto_mkdir=True),
        base=str(base),
        root=str(root),
        uri_prefix="file://",
    )


@pytest.fixture(params=["local", "file-uri", "memory", pytest.param("s3", marks=pytest.mark.s3)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Each backend, with a fresh root (the S3 one in a new bucket on moto's server)."""
    kind = request.param
    if kind in ("local", "file-uri"):
        yield _local(tmp_path, as_file_uri=kind == "file-uri")
    elif kind == "memory":
        fs = fsspec.filesystem("memory")
        base = f"/flowtrack-test-{secrets.token_hex(6)}"
        yield Backend(
            name=kind,
            root_uri=f"memory://{base.lstrip('/')}/exp/run/artifacts",
            fs=fs,
            base=base,
            root=f"{base}/exp/run/artifacts",
            uri_prefix="memory://",
        )
        if fs.exists(base):
            fs.rm(base, recursive=True)
    else:
        bucket: str = request.getfixturevalue("s3_bucket")
        yield Backend(
            name=kind,
            root_uri=f"s3://{bucket}/exp/run/artifacts",
            fs=fsspec.filesystem("s3", use_listings_cache=False),
            base=bucket,
            root=f"{bucket}/exp/run/artifacts",
            uri_prefix="s3://",
        )


@pytest.fixture
def source_tree(tmp_path: Path) -> Path:
    """A local directory to log: nested directories, an empty file, a binary file."""
    source = tmp_path / "source"
    (source / "sub" / "deeper").mkdir(parents=True)
    (source / "MLmodel").write_text("flavors: {}\n")
    (source / "sub" / "weights.bin").write_bytes(bytes(range(256)) * 4)
    (source / "sub" / "deeper" / "notes.txt").write_text("deep")
    (source / "empty.txt").write_bytes(b"")
    return source


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    """A local directory outside every backend's area, for downloads."""
    path = tmp_path / "downloads"
    path.mkdir()
    return path


@pytest.fixture(autouse=True)
def _temporary_downloads_in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make download_artifacts() without dst_path create its directory under tmp_path."""
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
