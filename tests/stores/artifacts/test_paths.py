"""Confinement of artifact paths: hostile paths are refused, normal ones normalized."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flowtrack.exceptions import InvalidParameterError
from flowtrack.stores.artifacts.paths import (
    confine_local_path,
    is_within,
    join_uri,
    normalize_artifact_path,
)

#: Paths that could name something outside an artifact root; every method of every store refuses
#: them (test_store.py reuses this list).
HOSTILE_PATHS: tuple[str, ...] = (
    # traversal
    "..",
    "../",
    "../x",
    "../../etc/passwd",
    "a/../../x",
    "a/..",
    "a/../b",
    "a/./../x",
    "...",
    ". .",
    ".. /x",
    # absolute, drive letters, UNC
    "/",
    "/etc/passwd",
    "//server/share",
    "///x",
    "C:\\x",
    "C:/x",
    "c:x",
    "\\\\server\\share",
    # backslashes
    "..\\x",
    "a\\..\\..\\x",
    "a\\b",
    # control characters
    "a\x00b",
    "\x00",
    "a\nb",
    "a\rb",
    "a\tb",
    "\x1b[31m",
    "a\x7fb",
    "a\x85b",
    "a\u2028b",
    # schemes and home directories
    "s3://bucket/x",
    "file:///etc/passwd",
    "memory://x",
    "http://example.com/x",
    "file:x",
    "simplecache::s3://bucket/x",
    "~",
    "~/x",
    "~root/.ssh/id_rsa",
    # percent-encoded
    "%2e%2e/x",
    "%2E%2E%2Fx",
    "..%2fx",
    "..%2Fx",
    "%2e%2e%2f",
    "a%2fb",
    "a%2Fb",
    "%2fetc/passwd",
    "..%5cx",
    "a%5cb",
    "%00",
    "a%0ab",
    ".%2e/x",
    "%2e./x",
    # double and deeper encoding
    "%252e%252e%252fx",
    "%252E%252E%252F",
    "%25252e%25252e%25252fx",
    "a%25",
    # overlong UTF-8 and Unicode look-alikes
    "%c0%ae%c0%ae/x",
    "%c0%af",
    "\uff0e\uff0e/x",
    "a/\uff0e\uff0e/../x",
    "\uff0e\uff0e\uff0fx",
    "\u2024\u2024/x",
    "\uff05\uff12\uff45\uff05\uff12\uff45/x",
)

NORMAL_PATHS: tuple[tuple[str | None, str], ...] = (
    (None, ""),
    ("", ""),
    (".", ""),
    ("./", ""),
    ("a", "a"),
    ("a/b.txt", "a/b.txt"),
    ("a/b/", "a/b"),
    ("./a//b/./c.txt", "a/b/c.txt"),
    ("model/MLmodel", "model/MLmodel"),
    ("dir with spaces/file name.txt", "dir with spaces/file name.txt"),
    ("unicode/\u00fcber-\u65e5\u672c.txt", "unicode/\u00fcber-\u65e5\u672c.txt"),
    ("a..b", "a..b"),
    ("..a", "..a"),
    ("a..", "a.."),
    (".hidden/.env", ".hidden/.env"),
    ("plots/loss[1].png", "plots/loss[1].png"),
    ("100%.txt", "100%.txt"),
    ("a%20b", "a%20b"),
    ("a/x:y", "a/x:y"),
    ("1:2", "1:2"),
    ("a/~b", "a/~b"),
)


@pytest.mark.parametrize("path", HOSTILE_PATHS)
def test_hostile_paths_are_refused(path: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        normalize_artifact_path(path)
    message = str(info.value)
    assert repr(path) in message
    assert "artifact paths must be relative and stay inside the artifact root" in message


def test_there_are_enough_hostile_paths() -> None:
    assert len(set(HOSTILE_PATHS)) >= 25


@pytest.mark.parametrize(("path", "expected"), NORMAL_PATHS)
def test_normal_paths_are_normalized(path: str | None, expected: str) -> None:
    assert normalize_artifact_path(path) == expected


@pytest.mark.parametrize("value", [b"a/b", 3, Path("a")])
def test_non_strings_are_refused(value: object) -> None:
    with pytest.raises(InvalidParameterError, match="expected a string"):
        normalize_artifact_path(value)  # type: ignore[arg-type]


def test_error_message_names_the_decoded_form() -> None:
    with pytest.raises(InvalidParameterError, match=r"'\.\./x'"):
        normalize_artifact_path("\uff0e\uff0e/x")


@pytest.mark.parametrize(
    ("base", "parts", "expected"),
    [
        ("/data/artifacts", ("1", "abc", "artifacts"), "/data/artifacts/1/abc/artifacts"),
        ("/data/artifacts/", ("1",), "/data/artifacts/1"),
        ("/", ("a", "b"), "/a/b"),
        ("rel/dir", ("x/y",), "rel/dir/x/y"),
        ("", ("a",), "a"),
        ("file:///tmp/root", ("a", "b.txt"), "file:///tmp/root/a/b.txt"),
        ("file:///", ("a",), "file:///a"),
        ("memory://", ("exp",), "memory://exp"),
        ("memory://root/", ("exp", "run"), "memory://root/exp/run"),
        ("s3://bucket", ("exp",), "s3://bucket/exp"),
        (
            "s3://bucket/prefix//",
            ("exp//run/", "./artifacts"),
            "s3://bucket/prefix/exp/run/artifacts",
        ),
        ("s3://bucket/x", (), "s3://bucket/x"),
        ("s3://bucket/x/", ("", "."), "s3://bucket/x"),
    ],
)
def test_join_uri(base: str, parts: tuple[str, ...], expected: str) -> None:
    assert join_uri(base, *parts) == expected


@pytest.mark.parametrize("part", ["..", "../x", "/abs", "%2e%2e/x", "s3://other"])
def test_join_uri_refuses_parts_that_climb_out(part: str) -> None:
    with pytest.raises(InvalidParameterError, match="Invalid artifact path"):
        join_uri("s3://bucket/exp", part)


def test_is_within() -> None:
    assert is_within("/a/b", "/a/b")
    assert is_within("/a/b/c", "/a/b")
    assert not is_within("/a/bc", "/a/b")
    assert not is_within("/a", "/a/b")
    assert is_within("/x", "/")


def test_confine_local_path_follows_links_that_stay_inside(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "real").mkdir(parents=True)
    os.symlink(root / "real", root / "alias")
    resolved = confine_local_path(str(root), "alias/file.txt")
    assert resolved == os.path.join(os.path.realpath(root), "real", "file.txt")
    assert confine_local_path(str(root), "") == os.path.realpath(root)
    assert confine_local_path(str(root), "new/dir/f") == os.path.join(
        os.path.realpath(root), "new", "dir", "f"
    )


def test_confine_local_path_refuses_links_that_leave(tmp_path: Path) -> None:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    (root / "nested").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    os.symlink(outside, root / "nested" / "escape")
    os.symlink(outside / "secret.txt", root / "file_link")
    os.symlink("../../outside", root / "nested" / "relative_escape")
    for path in (
        "nested/escape",
        "nested/escape/secret.txt",
        "nested/escape/new/deeper.txt",
        "file_link",
        "nested/relative_escape/secret.txt",
    ):
        with pytest.raises(InvalidParameterError, match="symbolic link that leads outside"):
            confine_local_path(str(root), path)
