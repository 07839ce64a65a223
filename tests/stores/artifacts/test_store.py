"""The artifact store's behaviour, the same on local disk, file://, memory:// and S3."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from flowtrack.entities import FileInfo
from flowtrack.exceptions import InvalidParameterError, MissingDependencyError, NotFoundError
from flowtrack.stores.artifacts import ArtifactStore, get_artifact_store, join_uri
from tests.stores.artifacts.test_paths import HOSTILE_PATHS

if TYPE_CHECKING:
    from tests.stores.artifacts.conftest import Backend


def _tree(path: Path) -> dict[str, bytes]:
    """Every file below ``path``, by '/'-separated relative path."""
    return {
        file.relative_to(path).as_posix(): file.read_bytes()
        for file in sorted(path.rglob("*"))
        if file.is_file()
    }


def test_write_and_read_bytes(backend: Backend) -> None:
    store = backend.store()
    store.write_bytes("a/b/c.txt", b"hello")
    store.write_bytes("top.json", b"{}")
    assert store.read_bytes("a/b/c.txt") == b"hello"
    assert store.read_bytes("./a//b/c.txt") == b"hello"
    store.write_bytes("a/b/c.txt", b"replaced")
    assert store.read_bytes("a/b/c.txt") == b"replaced"
    assert backend.fs.cat_file(f"{backend.root}/top.json") == b"{}"


def test_write_bytes_refuses_non_bytes_and_the_root(backend: Backend) -> None:
    store = backend.store()
    with pytest.raises(InvalidParameterError, match="data must be bytes, got str"):
        store.write_bytes("a.txt", "text")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="as a file"):
        store.write_bytes("", b"x")


def test_read_missing_artifact_names_it(backend: Backend) -> None:
    store = backend.store()
    with pytest.raises(NotFoundError, match=r"'missing/file\.txt'"):
        store.read_bytes("missing/file.txt")
    with pytest.raises(InvalidParameterError, match="as a file"):
        store.read_bytes("")


def test_log_artifact_to_root_and_subdirectory(backend: Backend, source_tree: Path) -> None:
    store = backend.store()
    store.log_artifact(source_tree / "MLmodel")
    store.log_artifact(str(source_tree / "sub" / "weights.bin"), "model/data")
    assert store.read_bytes("MLmodel") == b"flavors: {}\n"
    assert store.read_bytes("model/data/weights.bin") == bytes(range(256)) * 4
    assert [f.path for f in store.list_artifacts()] == ["MLmodel", "model"]


def test_log_artifact_needs_a_file(backend: Backend, tmp_path: Path) -> None:
    store = backend.store()
    with pytest.raises(InvalidParameterError, match="needs an existing local file"):
        store.log_artifact(tmp_path / "nope.txt")
    with pytest.raises(InvalidParameterError, match="needs an existing local file"):
        store.log_artifact(tmp_path)
    with pytest.raises(InvalidParameterError, match="needs an existing local directory"):
        store.log_artifacts(tmp_path / "nope")


def test_log_artifacts_recursively(backend: Backend, source_tree: Path, downloads: Path) -> None:
    store = backend.store()
    store.log_artifacts(source_tree, "model")
    store.log_artifacts(str(source_tree / "sub"))
    assert store.list_artifacts("model") == [
        FileInfo(path="model/MLmodel", is_dir=False, file_size=12),
        FileInfo(path="model/empty.txt", is_dir=False, file_size=0),
        FileInfo(path="model/sub", is_dir=True, file_size=None),
    ]
    assert store.list_artifacts("model/sub") == [
        FileInfo(path="model/sub/deeper", is_dir=True, file_size=None),
        FileInfo(path="model/sub/weights.bin", is_dir=False, file_size=1024),
    ]
    assert store.read_bytes("deeper/notes.txt") == b"deep"
    local = store.download_artifacts("model", downloads)
    assert _tree(Path(local)) == _tree(source_tree)


def test_list_artifacts(backend: Backend) -> None:
    store = backend.store()
    assert store.list_artifacts() == []
    store.write_bytes("b.txt", b"12345")
    store.write_bytes("a/x.bin", b"1")
    store.write_bytes("a/deep/y.bin", b"12")
    store.write_bytes("c/z", b"")
    assert store.list_artifacts() == [
        FileInfo(path="a", is_dir=True, file_size=None),
        FileInfo(path="b.txt", is_dir=False, file_size=5),
        FileInfo(path="c", is_dir=True, file_size=None),
    ]
    assert store.list_artifacts(None) == store.list_artifacts("") == store.list_artifacts(".")
    assert store.list_artifacts("a/") == [
        FileInfo(path="a/deep", is_dir=True, file_size=None),
        FileInfo(path="a/x.bin", is_dir=False, file_size=1),
    ]
    assert store.list_artifacts("a/deep") == [
        FileInfo(path="a/deep/y.bin", is_dir=False, file_size=2)
    ]
    assert store.list_artifacts("b.txt") == []
    assert store.list_artifacts("missing") == []
    assert store.list_artifacts("a/missing/deeper") == []


def test_listings_are_never_stale(backend: Backend) -> None:
    store = backend.store()
    store.write_bytes("d/one.txt", b"1")
    assert [f.path for f in store.list_artifacts("d")] == ["d/one.txt"]
    assert store.exists("d/one.txt")
    store.write_bytes("d/two.txt", b"2")
    backend.fs.pipe_file(f"{backend.root}/d/three.txt", b"3")  # another writer
    assert [f.path for f in store.list_artifacts("d")] == ["d/one.txt", "d/three.txt", "d/two.txt"]
    store.delete_artifacts("d/one.txt")
    assert [f.path for f in store.list_artifacts("d")] == ["d/three.txt", "d/two.txt"]
    assert not store.exists("d/one.txt")
    assert get_artifact_store(backend.root_uri).list_artifacts("d")[0].path == "d/three.txt"


def test_download_file(backend: Backend, downloads: Path) -> None:
    store = backend.store()
    store.write_bytes("a/b/c.txt", b"content")
    temporary = store.download_artifacts("a/b/c.txt")
    assert temporary.endswith(os.path.join("a", "b", "c.txt"))
    assert Path(temporary).read_bytes() == b"content"
    into = store.download_artifacts("a/b/c.txt", dst_path=downloads)
    assert into == str(downloads / "a" / "b" / "c.txt")
    assert Path(into).read_bytes() == b"content"


def test_download_directory_and_root(backend: Backend, downloads: Path) -> None:
    store = backend.store()
    files = {"m/MLmodel": b"x", "m/data/w.bin": b"\x00" * 3000, "m/data/sub/z": b"z", "top": b"t"}
    for path, data in files.items():
        store.write_bytes(path, data)
    local = store.download_artifacts("m/data", downloads / "new" / "dir")
    assert local == str(downloads / "new" / "dir" / "m" / "data")
    assert _tree(Path(local)) == {"w.bin": b"\x00" * 3000, "sub/z": b"z"}
    everything = store.download_artifacts()
    assert _tree(Path(everything)) == files


def test_download_missing_artifact(backend: Backend, downloads: Path) -> None:
    store = backend.store()
    with pytest.raises(NotFoundError, match=r"'no/such\.txt'"):
        store.download_artifacts("no/such.txt", downloads)
    assert list(downloads.iterdir()) == []
    assert os.listdir(store.download_artifacts()) == []  # an empty root downloads empty


def test_delete_artifacts(backend: Backend) -> None:
    store = backend.store()
    for path in ("keep.txt", "gone.txt", "dir/a", "dir/sub/b", "other/c"):
        store.write_bytes(path, b"x")
    store.delete_artifacts("gone.txt")
    store.delete_artifacts("dir")
    store.delete_artifacts("never/existed")
    assert [f.path for f in store.list_artifacts()] == ["keep.txt", "other"]
    assert not store.exists("dir/sub/b")
    store.delete_artifacts()
    assert store.list_artifacts() == []
    assert not store.exists("")
    store.delete_artifacts("")  # deleting a deleted root is fine


def test_exists(backend: Backend) -> None:
    store = backend.store()
    store.write_bytes("a/b.txt", b"x")
    assert store.exists("a/b.txt")
    assert store.exists("a")
    assert store.exists("")
    assert not store.exists("a/c.txt")
    assert not store.exists("b")


def test_uri_for_and_root_uri(backend: Backend) -> None:
    store = ArtifactStore(backend.root_uri + "/")
    assert store.root_uri == backend.root_uri
    assert repr(store) == f"ArtifactStore({backend.root_uri!r})"
    assert store.uri_for("a//b.txt") == join_uri(backend.root_uri, "a/b.txt")
    assert store.uri_for("") == backend.root_uri
    store.write_bytes("sub/f.txt", b"x")
    assert ArtifactStore(store.uri_for("sub")).read_bytes("f.txt") == b"x"


def test_glob_characters_are_literal(backend: Backend, downloads: Path) -> None:
    store = backend.store()
    names = ["a1.txt", "a[1].txt", "star*.txt", "starX.txt", "q?.txt", "qq.txt"]
    for name in names:
        store.write_bytes(f"g/{name}", name.encode())
    store.delete_artifacts("g/a[1].txt")
    store.delete_artifacts("g/star*.txt")
    store.delete_artifacts("g/q?.txt")
    assert [f.path for f in store.list_artifacts("g")] == ["g/a1.txt", "g/qq.txt", "g/starX.txt"]
    store.write_bytes("g/[x]/*.txt", b"odd")
    assert _tree(Path(store.download_artifacts("g", downloads))) == {
        "a1.txt": b"a1.txt",
        "qq.txt": b"qq.txt",
        "starX.txt": b"starX.txt",
        "[x]/*.txt": b"odd",
    }
    store.delete_artifacts("g/[x]")
    assert store.read_bytes("g/a1.txt") == b"a1.txt"


def _attempts(store: ArtifactStore, tmp_path: Path) -> dict[str, Callable[[str], Any]]:
    local_file = tmp_path / "payload.txt"
    local_file.write_bytes(b"pwned")
    local_dir = tmp_path / "payload_dir"
    local_dir.mkdir(exist_ok=True)
    (local_dir / "secret.txt").write_bytes(b"pwned")
    dst = tmp_path / "hostile_downloads"
    return {
        "read_bytes": store.read_bytes,
        "write_bytes": lambda p: store.write_bytes(p, b"pwned"),
        "write_bytes_nested": lambda p: store.write_bytes(f"{p}/secret.txt", b"pwned"),
        "list_artifacts": store.list_artifacts,
        "download_artifacts": lambda p: store.download_artifacts(p, dst),
        "download_to_temp": store.download_artifacts,
        "delete_artifacts": store.delete_artifacts,
        "exists": store.exists,
        "uri_for": store.uri_for,
        "log_artifact": lambda p: store.log_artifact(local_file, p),
        "log_artifacts": lambda p: store.log_artifacts(local_dir, p),
    }


def _is_refused(attempt: Callable[[str], Any], path: str) -> bool:
    try:
        attempt(path)
    except InvalidParameterError as exc:
        return str(exc).startswith("Invalid artifact path")
    return False


def _hostile_paths_for(backend: Backend) -> list[str]:
    """The generic hostile paths plus ones aimed at this backend's sentinels."""
    aimed = ["../secret.txt", "../../secret.txt", "../artifacts_sentinel.txt"]
    aimed += ["../artifacts-evil/secret.txt", "x/../../secret.txt", "%2e%2e/secret.txt"]
    aimed += ["..%2fsecret.txt", "%252e%252e%252fsecret.txt", "..\\secret.txt"]
    for path in backend.sentinels().values():
        aimed += [f"/{path.lstrip('/')}", f"{backend.uri_prefix}{path.lstrip('/')}"]
        aimed += [f"//{path.lstrip('/')}", f"{backend.uri_prefix}/{path.lstrip('/')}"]
    return [*HOSTILE_PATHS, *aimed]


def test_hostile_paths_never_touch_anything_outside(backend: Backend, tmp_path: Path) -> None:
    backend.plant_sentinels()
    store = backend.store()
    store.write_bytes("inside.txt", b"inside")
    before = backend.snapshot_outside()
    assert sum(value is not None for value in before.values()) == len(backend.sentinels())
    accepted = [
        (method, path)
        for method, attempt in _attempts(store, tmp_path).items()
        for path in _hostile_paths_for(backend)
        if not _is_refused(attempt, path)
    ]
    assert accepted == []
    assert backend.snapshot_outside() == before
    assert [f.path for f in store.list_artifacts()] == ["inside.txt"]
    assert not (tmp_path / "hostile_downloads").exists()
    store.delete_artifacts()
    assert backend.snapshot_outside() == before


def test_unsafe_names_planted_in_the_store_are_skipped(backend: Backend, downloads: Path) -> None:
    store = backend.store()
    store.write_bytes("ok/fine.txt", b"fine")
    planted = ["ok/a\\..\\..\\b.txt", "ok/bell\x07name", "C:evil"]
    expected = {"dl/ok/fine.txt": b"fine"}
    if backend.name not in ("local", "file-uri"):  # only object stores hold such keys
        planted += ["ok/../../../escape.txt", "ok/..", "ok/./dot.txt"]
        backend.fs.pipe_file(f"{backend.root}/ok//double.txt", b"double")
    for name in planted:
        backend.fs.pipe_file(f"{backend.root}/{name}", b"evil")
    assert [f.path for f in store.list_artifacts()] == ["ok"]
    assert [f.path for f in store.list_artifacts("ok")] == ["ok/fine.txt"]
    assert store.download_artifacts("", downloads / "dl") == str(downloads / "dl")
    assert _tree(downloads) == expected
    store.delete_artifacts()
    backend.fs.invalidate_cache()
    assert not backend.fs.exists(backend.root)


@pytest.mark.s3
def test_s3_folder_markers_are_directories_and_get_deleted(s3_bucket: str, downloads: Path) -> None:
    client = pytest.importorskip("boto3").client("s3")
    store = ArtifactStore(f"s3://{s3_bucket}/exp/run/artifacts")
    client.put_object(Bucket=s3_bucket, Key="exp/run/artifacts/folder/", Body=b"")
    client.put_object(Bucket=s3_bucket, Key="exp/run/artifacts_sentinel.txt", Body=b"s")
    store.write_bytes("folder/file.txt", b"x")
    assert store.list_artifacts() == [FileInfo(path="folder", is_dir=True, file_size=None)]
    assert store.list_artifacts("folder") == [
        FileInfo(path="folder/file.txt", is_dir=False, file_size=1)
    ]
    assert _tree(Path(store.download_artifacts(dst_path=downloads))) == {"folder/file.txt": b"x"}
    store.delete_artifacts()
    keys = [obj["Key"] for obj in client.list_objects_v2(Bucket=s3_bucket).get("Contents", [])]
    assert keys == ["exp/run/artifacts_sentinel.txt"]


def test_relative_local_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = get_artifact_store("mlruns/1/run/artifacts")
    assert store.root_uri == "mlruns/1/run/artifacts"
    store.write_bytes("a.txt", b"x")
    assert (tmp_path / "mlruns" / "1" / "run" / "artifacts" / "a.txt").read_bytes() == b"x"
    assert store.uri_for("a.txt") == "mlruns/1/run/artifacts/a.txt"


@pytest.mark.parametrize("root", ["", "   "])
def test_empty_root_is_refused(root: str) -> None:
    with pytest.raises(InvalidParameterError, match="expected a non-empty local path or fsspec"):
        ArtifactStore(root)


def test_unknown_protocol_is_refused() -> None:
    with pytest.raises(InvalidParameterError, match="fsspec knows no protocol 'nosuchproto'"):
        ArtifactStore("nosuchproto://bucket/x")


@pytest.mark.skipif(importlib.util.find_spec("gcsfs") is not None, reason="gcsfs is installed")
def test_missing_protocol_package_gives_an_install_hint() -> None:
    with pytest.raises(MissingDependencyError, match=r"'gcs' protocol.*pip install gcsfs"):
        ArtifactStore("gcs://bucket/exp/run/artifacts")


def _linked_root(tmp_path: Path) -> tuple[Path, Path]:
    """A root with links that lead outside, a link inside and a loop; returns (root, outside)."""
    root = tmp_path / "store" / "run" / "artifacts"
    outside = tmp_path / "store" / "outside"
    (root / "nested").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"secret")
    (root / "inside.txt").write_bytes(b"inside")
    (root / "nested" / "n.txt").write_bytes(b"n")
    os.symlink(outside, root / "escape_dir")
    os.symlink(outside / "secret.txt", root / "escape_file")
    os.symlink("../../../outside", root / "nested" / "relative_escape")
    os.symlink(root / "nested", root / "inner_link")
    os.symlink(".", root / "nested" / "loop")
    return root, outside


def _snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in directory.iterdir()}


@pytest.mark.parametrize("prefix", ["", "file://"])
def test_symlinks_leading_outside_are_never_followed(
    tmp_path: Path, downloads: Path, prefix: str
) -> None:
    root, outside = _linked_root(tmp_path)
    before = _snapshot(outside)
    store = ArtifactStore(f"{prefix}{root}")
    linked = ["escape_dir", "escape_dir/secret.txt", "escape_dir/new.txt", "escape_file"]
    linked += ["nested/relative_escape/secret.txt", "inner_link/relative_escape/x/new.txt"]
    for method, attempt in _attempts(store, tmp_path).items():
        for path in linked:
            with pytest.raises(InvalidParameterError, match="symbolic link that leads outside"):
                attempt(path)
            assert _snapshot(outside) == before, (method, path)
    assert [(f.path, f.is_dir) for f in store.list_artifacts()] == [
        ("inner_link", True),
        ("inside.txt", False),
        ("nested", True),
    ]
    assert [f.path for f in store.list_artifacts("inner_link")] == [
        "inner_link/loop",
        "inner_link/n.txt",
    ]
    assert store.read_bytes("inner_link/n.txt") == b"n"
    local = Path(store.download_artifacts(dst_path=downloads))
    assert _tree(local) == {"inside.txt": b"inside", "nested/n.txt": b"n", "inner_link/n.txt": b"n"}
    store.delete_artifacts("inner_link")
    assert (root / "nested" / "n.txt").exists()
    store.delete_artifacts()
    assert not root.exists()
    assert _snapshot(outside) == before


def test_root_below_a_symlinked_directory(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "alias")
    store = ArtifactStore(str(tmp_path / "alias" / "run" / "artifacts"))
    store.write_bytes("a/b.txt", b"x")
    assert (tmp_path / "real" / "run" / "artifacts" / "a" / "b.txt").read_bytes() == b"x"
    assert [f.path for f in store.list_artifacts()] == ["a"]
    store.delete_artifacts()
    assert not (tmp_path / "real" / "run" / "artifacts").exists()
