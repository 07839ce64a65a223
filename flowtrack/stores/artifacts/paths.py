"""Artifact path confinement: every artifact path is relative to its root and stays inside it.

Two layers, both applied by :class:`~flowtrack.stores.artifacts.store.ArtifactStore`:

1. :func:`normalize_artifact_path` is lexical and works for every filesystem. It turns a
   caller's path into a normalized relative POSIX path (``""`` for the root) or raises
   :class:`~flowtrack.exceptions.InvalidParameterError`. It refuses anything that could name a
   location outside the root, in any form a later layer (an HTTP server, a proxy, Windows) might
   decode: ``..`` segments, absolute paths, drive letters, URI schemes, ``~``, backslashes,
   control characters, percent-encoded (also double-encoded) dots, slashes, backslashes, percent
   signs and control characters, and Unicode look-alikes that normalize (NFKC) to any of those.
2. :func:`confine_local_path` adds what a lexical check cannot see on a local disk: symbolic
   links. Every prefix of the path is resolved, and the path is refused as soon as one of them
   leads outside the root's real location, so a link planted inside a run's directory is never
   followed out of it. :func:`scan_local_dir`, :func:`walk_local_dir` and :func:`delete_local`
   list, walk and delete local trees under the same rule: links that lead outside are skipped
   (or, when deleting, removed) and never followed.

Names found in a listing pass :func:`listed_artifact_path`, so an object-store key such as
``run/artifacts/a/../../x`` is never downloaded to ``<dst>/../x``.

:func:`join_uri` joins URI path segments for plain paths, ``file://``, ``memory://``, ``s3://``
and other fsspec URLs.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import stat
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple
from urllib.parse import unquote

from flowtrack.exceptions import InvalidParameterError

__all__ = [
    "Entry",
    "confine_local_path",
    "delete_local",
    "is_within",
    "join_uri",
    "listed_artifact_path",
    "normalize_artifact_path",
    "scan_local_dir",
    "walk_local_dir",
]

_LOG = logging.getLogger(__name__)

_SCHEME_OR_DRIVE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_URI_PREFIX_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*://)(.*)$", re.DOTALL)
_ESCAPE_RE = re.compile(r"%([0-9A-Fa-f]{2})")
#: Characters whose percent-encoded form is refused: they could turn into traversal once a
#: later layer decodes the path (``%25`` is how double encoding starts).
_FORBIDDEN_ENCODED = frozenset("./\\%")
_MAX_DECODE_ROUNDS = 6
_ALLOWED = (
    "artifact paths must be relative and stay inside the artifact root: '/'-separated names "
    "with no '..' segment, no leading '/' or '~', no URI scheme or drive letter, no backslash "
    "or control character, and no percent-encoded '.', '/', '\\', '%' or control character"
)


def _invalid(path: str, reason: str) -> InvalidParameterError:
    return InvalidParameterError(f"Invalid artifact path {path!r}: {reason}; {_ALLOWED}")


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Zl", "Zp")


def _check_escapes(path: str, form: str) -> None:
    for match in _ESCAPE_RE.finditer(form):
        char = chr(int(match.group(1), 16))
        if char in _FORBIDDEN_ENCODED or _is_control(char):
            shown = "" if form == path else f" (in the decoded or normalized form {form!r})"
            raise _invalid(path, f"the escape {match.group(0)!r} encodes {char!r}{shown}")


def _unquote(path: str, form: str) -> str:
    try:
        return unquote(form, errors="strict")
    except UnicodeDecodeError as exc:
        raise _invalid(path, "it contains percent-escapes that are not valid UTF-8") from exc


def _derived_forms(path: str) -> list[str]:
    """Return the path and every form reachable by percent-decoding and NFKC normalization."""
    forms = [path]
    frontier = [path]
    for _ in range(_MAX_DECODE_ROUNDS):
        found = []
        for form in frontier:
            for derived in (_unquote(path, form), unicodedata.normalize("NFKC", form)):
                if derived not in forms:
                    forms.append(derived)
                    found.append(derived)
        if not found:
            return forms
        frontier = found
    raise _invalid(path, f"it is encoded more than {_MAX_DECODE_ROUNDS} times")


def _check_form(path: str, form: str) -> None:
    shown = "" if form == path else f" (decoded or normalized: {form!r})"
    for char in form:
        if _is_control(char):
            raise _invalid(path, f"it contains the control character U+{ord(char):04X}{shown}")
    if "\\" in form:
        raise _invalid(path, f"it contains a backslash{shown}")
    if form.startswith("/"):
        raise _invalid(path, f"it is absolute{shown}")
    if form.startswith("~"):
        raise _invalid(path, f"it starts with '~'{shown}")
    if _SCHEME_OR_DRIVE_RE.match(form):
        raise _invalid(path, f"it starts with a URI scheme or drive letter{shown}")
    for segment in form.split("/"):
        if segment in ("", "."):
            continue
        if not segment.strip(" ."):
            raise _invalid(
                path, f"the segment {segment!r} is only dots and spaces (e.g. '..'){shown}"
            )


def normalize_artifact_path(path: str | None) -> str:
    """Return an artifact path as a normalized relative POSIX path, or refuse it.

    ``None``, ``""`` and ``"."`` mean the root and give ``""``. ``.`` segments are dropped and
    repeated or trailing slashes collapsed; nothing is decoded, so the result names exactly what
    the caller wrote.

    Args:
        path: The caller's path, relative to the artifact root.

    Returns:
        The normalized path, e.g. ``"a/b.txt"`` for ``"./a//b.txt/"``.

    Raises:
        InvalidParameterError: The path is not a string, or it could name a location outside the
            root (see the module docstring); the message names the path and what is allowed.

    Example:
        >>> normalize_artifact_path("./plots//loss.png")
        'plots/loss.png'
    """
    if path is None:
        return ""
    if not isinstance(path, str):
        raise InvalidParameterError(
            f"Invalid artifact path {path!r}: expected a string, got {type(path).__name__}"
        )
    for form in _derived_forms(path):
        _check_escapes(path, form)
        _check_form(path, form)
    return "/".join(segment for segment in path.split("/") if segment not in ("", "."))


def is_within(real: str, real_root: str) -> bool:
    """Return whether the real path ``real`` is ``real_root`` or lies below it."""
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def confine_local_path(root: str, relative: str) -> str:
    """Resolve a normalized artifact path under a local root, refusing symlink escapes.

    Each prefix of ``relative`` (``a``, ``a/b``, ``a/b/c``) is resolved with
    :func:`os.path.realpath`; if any of them lies outside the root's real path the path is
    refused, so no symbolic link inside the root is followed out of it. Parts that do not exist
    yet resolve lexically, which is what a later write creates.

    Args:
        root: The local root directory (absolute, may itself contain symlinks).
        relative: A path already returned by :func:`normalize_artifact_path`.

    Returns:
        The real (resolved) absolute path the artifact path designates.

    Raises:
        InvalidParameterError: A prefix of the path resolves outside the root.
    """
    real_root = os.path.realpath(root)
    current = root
    real = real_root
    for segment in relative.split("/") if relative else ():
        current = os.path.join(current, segment)
        real = os.path.realpath(current)
        if not is_within(real, real_root):
            prefix = current[len(root) :].lstrip(os.sep).replace(os.sep, "/")
            raise InvalidParameterError(
                f"Invalid artifact path {relative!r}: {prefix!r} is a symbolic link that leads "
                "outside the artifact root; links inside the root may only point inside it"
            )
    return real


def _strip_trailing_slashes(uri: str) -> str:
    match = _URI_PREFIX_RE.match(uri)
    if match:
        prefix, rest = match.groups()
        stem = rest.rstrip("/")
        return prefix + (stem if stem or not rest else "/")
    stem = uri.rstrip("/")
    return stem if stem or not uri else "/"


def join_uri(base: str, *parts: str) -> str:
    """Join path segments onto a URI or local path without ``os.path.join``.

    Works for plain paths (``/data/x``, ``rel/x``), ``file://``, ``memory://``, ``s3://`` and
    other fsspec URLs; the scheme's ``//`` is kept, trailing slashes of ``base`` and empty or
    ``.`` segments of ``parts`` are dropped. Each part is checked with
    :func:`normalize_artifact_path`, so a part can never climb out of ``base``.

    Args:
        base: The URI or path to extend.
        *parts: Relative path segments, each may contain ``/``.

    Returns:
        The joined URI.

    Raises:
        InvalidParameterError: A part is not a confined relative path.

    Example:
        >>> join_uri("s3://bucket/exp/", "run1", "artifacts")
        's3://bucket/exp/run1/artifacts'
        >>> join_uri("memory://", "exp")
        'memory://exp'
    """
    tail = "/".join(p for p in (normalize_artifact_path(part) for part in parts) if p)
    base = _strip_trailing_slashes(base)
    if not tail:
        return base
    match = _URI_PREFIX_RE.match(base)
    if match:
        prefix, rest = match.groups()
        return prefix + (f"{rest.rstrip('/')}/{tail}" if rest else tail)
    if not base:
        return tail
    return f"{base.rstrip('/')}/{tail}"


def listed_artifact_path(parent: str, name: str) -> str | None:
    """Return ``<parent>/<name>`` if it is a valid, canonical artifact path, else ``None``.

    Listings come from the storage, which other writers can fill with keys such as
    ``a/../../x``, ``a\\b``, ``a/./b`` or ``a//b``; those entries are logged and skipped instead
    of being followed, or downloaded to where they point or onto another file.

    Args:
        parent: The normalized artifact path of the listed directory.
        name: The name (or, for a recursive listing, the relative path) found below it.
    """
    joined = f"{parent}/{name}" if parent else name
    try:
        canonical = normalize_artifact_path(joined) == joined
    except InvalidParameterError:
        canonical = False
    if not canonical:
        _LOG.warning("Skipping the stored entry %r: not a canonical artifact path", joined)
        return None
    return joined


class Entry(NamedTuple):
    """One file or directory found below an artifact root.

    Attributes:
        path: The normalized artifact path, relative to the root.
        location: Where it is: the real path on a local disk, else the fsspec path.
        is_dir: Whether it is a directory (for a local link: whether its target is one).
        size: A file's size in bytes (a local link's: its target's); 0 for directories.
    """

    path: str
    location: str
    is_dir: bool
    size: int


def scan_local_dir(root: str, real_dir: str, relative: str) -> Iterator[Entry]:
    """Yield the children of a confined local directory; ``[]`` if it is missing or a file.

    Links that lead outside the root are skipped, never followed; so are dangling links, fifos,
    sockets and devices.

    Args:
        root: The local root directory.
        real_dir: The directory's real path, from :func:`confine_local_path`.
        relative: The directory's normalized artifact path.
    """
    real_root = os.path.realpath(root)
    try:
        with os.scandir(real_dir) as scan:
            entries = list(scan)
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        child = listed_artifact_path(relative, entry.name)
        if child is None:
            continue
        real = os.path.realpath(entry.path) if entry.is_symlink() else entry.path
        if not is_within(real, real_root):
            _LOG.warning("Skipping %r: a symbolic link that leads outside the artifact root", child)
            continue
        try:
            info = os.stat(real)
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode):
            yield Entry(child, real, True, 0)
        elif stat.S_ISREG(info.st_mode):
            yield Entry(child, real, False, info.st_size)


def walk_local_dir(root: str, real_dir: str, relative: str) -> Iterator[Entry]:
    """Yield everything below a confined local directory, like :func:`scan_local_dir`.

    Links to directories inside the root are followed, except back into one of their own
    ancestors, so a link loop ends the walk instead of recursing forever.
    """
    pending = [(real_dir, relative, frozenset({real_dir}))]
    while pending:
        current, current_rel, ancestors = pending.pop()
        for entry in scan_local_dir(root, current, current_rel):
            if entry.is_dir and entry.location in ancestors:
                continue
            yield entry
            if entry.is_dir:
                pending.append((entry.location, entry.path, ancestors | {entry.location}))


def delete_local(root: str, relative: str) -> None:
    """Delete a confined local file or tree; nothing happens if it does not exist.

    The path itself must pass :func:`confine_local_path`. Only its parents are resolved: a link
    inside the root that the path names is removed, not its target, and links inside a deleted
    tree are removed, never followed (:func:`shutil.rmtree`).
    """
    real = confine_local_path(root, relative)
    if relative:
        parent, _, name = relative.rpartition("/")
        real = os.path.join(confine_local_path(root, parent), name)
    if os.path.islink(real):
        os.unlink(real)
    elif os.path.isdir(real):
        shutil.rmtree(real)
    elif os.path.lexists(real):
        os.remove(real)
