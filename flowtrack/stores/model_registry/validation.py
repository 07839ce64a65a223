"""Validating the Model Registry's inputs: model names, aliases, versions and sources.

Names
    Registered model names are case-sensitive, as in MLflow, and are never rewritten. A name is
    refused outright when it is not Unicode NFC, contains a ``%`` (so ``a%2Fb`` cannot pose as
    ``a/b`` once some layer URL-decodes it), ``/`` or ``\\`` (names appear in ``models:/<name>/1``
    URIs), control characters, or leading/trailing whitespace. A NEW name (create or rename) is
    also refused when its :func:`name_collision_key` -- NFKC, then casefold -- equals that of a
    different existing model: ``"Fraud"`` after ``"fraud"``, or its fullwidth spelling
    (U+FF46...), would otherwise be two models that look like one.

Sources
    A version's source is ``runs:/<run_id>/<path>``, ``models:/<model_id>`` (a logged model,
    MLflow 3) or a URI (or absolute local path) under one of the store's
    ``allowed_source_roots``. Everything else is refused: other schemes
    (``file:///etc``, ``http://``, ``C:/``), network-path references (``//proc/...``), relative
    paths, ``.``/``..``/empty path segments (traversal), any ``%`` (percent- and
    double-encoded traversal such as ``%2e%2e`` or ``%252e``), ``?`` and ``#`` (a query or
    fragment that hides a path), backslashes, NUL and other control characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import SplitResult, urlsplit

from flowtrack._private.validation import (
    validate_key,
    validate_model_id,
    validate_run_id,
    validate_tag_value,
)
from flowtrack.exceptions import InvalidParameterError

__all__ = [
    "MAX_DESCRIPTION_LENGTH",
    "MAX_MODEL_NAME_LENGTH",
    "MAX_SOURCE_LENGTH",
    "name_collision_key",
    "normalize_source_roots",
    "validate_alias",
    "validate_description",
    "validate_model_name",
    "validate_source",
    "validate_tags",
    "validate_version",
]

MAX_MODEL_NAME_LENGTH = 256
MAX_SOURCE_LENGTH = 4096
MAX_ALIAS_LENGTH = 255
MAX_DESCRIPTION_LENGTH = 5000

_ALIAS_RE = re.compile(r"[A-Za-z0-9_\-]+")
_VERSION_LIKE_ALIAS_RE = re.compile(r"v\d+", re.IGNORECASE)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_NAME_FORBIDDEN = ("%", "/", "\\")


def _shown(value: str, limit: int = 80) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "...")


def validate_model_name(name: Any) -> str:
    """Check a registered model name (see the module docstring for the rules).

    Args:
        name: The candidate name.

    Returns:
        The name, unchanged.

    Raises:
        InvalidParameterError: The name is not a string, empty, too long, not NFC, or contains a
            forbidden character.
    """
    if not isinstance(name, str) or not name.strip():
        raise InvalidParameterError(
            f"Invalid registered model name {name!r}: the name must be a non-empty string"
        )
    if len(name) > MAX_MODEL_NAME_LENGTH:
        raise InvalidParameterError(
            f"Invalid registered model name {_shown(name)}: names may be at most "
            f"{MAX_MODEL_NAME_LENGTH} characters, got {len(name)}"
        )
    if name != name.strip():
        raise InvalidParameterError(
            f"Invalid registered model name {name!r}: names may not start or end with whitespace"
        )
    if _CONTROL_RE.search(name):
        raise InvalidParameterError(
            f"Invalid registered model name {name!r}: names may not contain control characters"
        )
    for char in _NAME_FORBIDDEN:
        if char in name:
            raise InvalidParameterError(
                f"Invalid registered model name {name!r}: names may not contain {char!r} "
                "(no '%', '/' or '\\')"
            )
    if unicodedata.normalize("NFC", name) != name:
        raise InvalidParameterError(
            f"Invalid registered model name {name!r}: names must be Unicode NFC; use "
            f"{unicodedata.normalize('NFC', name)!r}"
        )
    return name


def name_collision_key(name: str) -> str:
    """The form two names must not share: NFKC, then casefold (``"Fraud"`` -> ``"fraud"``)."""
    return unicodedata.normalize("NFKC", name).casefold()


def validate_alias(alias: Any) -> str:
    """Check an alias: 1 to 255 letters, digits, ``_`` or ``-``; not ``latest`` nor ``v<N>``.

    Raises:
        InvalidParameterError: The alias breaks a rule; the message says which.
    """
    if not isinstance(alias, str) or not _ALIAS_RE.fullmatch(alias) or len(alias) > 255:
        raise InvalidParameterError(
            f"Invalid alias {alias!r}: aliases are 1 to {MAX_ALIAS_LENGTH} letters, digits, "
            "'_' or '-'"
        )
    if alias.lower() == "latest" or _VERSION_LIKE_ALIAS_RE.fullmatch(alias):
        raise InvalidParameterError(
            f"Invalid alias {alias!r}: 'latest' and version-like aliases ('v1', 'V12') are reserved"
        )
    return alias


def validate_description(description: Any) -> str | None:
    """Check a description: ``None`` or a string of at most 5000 characters without NUL."""
    if description is None:
        return None
    if not isinstance(description, str) or "\x00" in description:
        raise InvalidParameterError(
            f"Invalid description {description!r}: use None or a string without NUL characters"
        )
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise InvalidParameterError(
            f"Invalid description of {len(description)} characters: descriptions may be at "
            f"most {MAX_DESCRIPTION_LENGTH} characters"
        )
    return description


def validate_tags(tags: Mapping[str, str] | None) -> dict[str, str]:
    """Check tag keys and values; returns a new dict of the string values."""
    if tags is None:
        return {}
    if not isinstance(tags, Mapping):
        raise InvalidParameterError(f"Invalid tags {tags!r}: pass a mapping of key -> value")
    return {validate_key("tag", k): validate_tag_value(k, v) for k, v in tags.items()}


def validate_version(version: Any) -> int:
    """Check a version number: a positive int or its decimal string form (``"3"``).

    Raises:
        InvalidParameterError: ``version`` is not a positive integer.
    """
    if isinstance(version, str) and version.isascii() and version.isdigit():
        version = int(version)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidParameterError(
            f"Invalid model version {version!r}: versions are positive integers such as 1 or '1'"
        )
    return version


class _Refused(Exception):
    """Why a URI is refused; the caller adds which URI and what is allowed."""


def _split(uri: str) -> SplitResult:
    """Split a source or root after the checks both follow; the scheme is lower-cased."""
    if len(uri) > MAX_SOURCE_LENGTH:
        raise _Refused(f"it is longer than {MAX_SOURCE_LENGTH} characters")
    checks = (
        (_CONTROL_RE.search(uri) is not None, "control characters (NUL, newline, ...)"),
        ("\\" in uri, "backslashes"),
        ("%" in uri, "percent-encoded characters ('%')"),
        ("?" in uri or "#" in uri, "a query ('?') or fragment ('#')"),
        (uri != uri.strip(), "surrounding whitespace"),
    )
    for failed, what_not in checks:
        if failed:
            raise _Refused(f"it contains {what_not}")
    parts = urlsplit(uri)
    if not parts.scheme:
        if uri.startswith("//"):
            raise _Refused("network-path references ('//host/...') are not allowed")
        if not uri.startswith("/"):
            raise _Refused("relative paths are not allowed")
        parts = SplitResult("file", "", uri, "", "")
    if parts.path and not parts.path.startswith("/"):
        raise _Refused("the path must be absolute")
    segments = parts.path.split("/")[1:]
    if any(segment in ("", ".", "..") for segment in segments[:-1]) or segments[-1:] in (
        [".."],
        ["."],
    ):
        raise _Refused("'.', '..' and empty path segments are not allowed")
    return SplitResult(parts.scheme.lower(), parts.netloc, parts.path.rstrip("/"), "", "")


def _refuse(source: str, why: str) -> InvalidParameterError:
    return InvalidParameterError(
        f"Invalid model version source {_shown(source)}: {why}; a source must be "
        "'runs:/<run_id>/<path>' or a URI under one of the store's allowed source roots"
    )


def normalize_source_roots(roots: Sequence[str]) -> tuple[SplitResult, ...]:
    """Check and split a store's ``allowed_source_roots``.

    Raises:
        InvalidParameterError: A root is not an absolute URI or path, or breaks the character
            rules sources follow.
    """
    if isinstance(roots, str):
        raise InvalidParameterError(
            f"Invalid allowed_source_roots {roots!r}: pass a sequence of URIs, not one string"
        )
    normalized = []
    for root in roots:
        if not isinstance(root, str) or not root:
            raise InvalidParameterError(
                f"Invalid allowed source root {root!r}: roots are non-empty URIs or absolute paths"
            )
        try:
            parts = _split(root)
        except _Refused as exc:
            raise InvalidParameterError(
                f"Invalid allowed source root {_shown(root)}: {exc}; roots are absolute URIs "
                "or paths such as 's3://bucket/models' or '/srv/mlartifacts'"
            ) from None
        if parts.scheme == "runs":
            raise InvalidParameterError(
                f"Invalid allowed source root {root!r}: 'runs:/' sources are always allowed"
            )
        normalized.append(parts)
    return tuple(normalized)


def validate_source(
    source: Any,
    roots: Sequence[SplitResult],
    run_id: str | None = None,
    model_id: str | None = None,
) -> str:
    """Check a model version's source against the rules in the module docstring.

    Args:
        source: The candidate source.
        roots: The store's roots, from :func:`normalize_source_roots`.
        run_id: The version's run id; a ``runs:/`` source must name the same run.
        model_id: The version's logged model id; a ``models:/`` source must name the same model.

    Returns:
        The source, unchanged.

    Raises:
        InvalidParameterError: The source is refused; the message says why.
    """
    if not isinstance(source, str) or not source:
        raise InvalidParameterError(
            f"Invalid model version source {source!r}: the source must be a non-empty string"
        )
    try:
        parts = _split(source)
    except _Refused as exc:
        raise _refuse(source, str(exc)) from None
    if parts.scheme == "runs":
        segments = parts.path.split("/")[1:]
        if parts.netloc or not segments or not segments[0]:
            raise _refuse(source, "a runs: source is written 'runs:/<run_id>/<path>'")
        try:
            validate_run_id(segments[0])
        except InvalidParameterError:
            raise _refuse(source, f"{segments[0]!r} is not a run id") from None
        if run_id is not None and segments[0] != run_id:
            raise _refuse(source, f"it names run {segments[0]!r} but run_id is {run_id!r}")
        return source
    if parts.scheme == "models":
        named = parts.path[1:] if parts.path.startswith("/") else parts.path
        try:
            validate_model_id(named)
        except InvalidParameterError:
            raise _refuse(source, "a models: source is written 'models:/<model_id>'") from None
        if parts.netloc or (model_id is not None and named != model_id):
            raise _refuse(source, f"it names model {named!r} but model_id is {model_id!r}")
        return source
    for root in roots:
        if (parts.scheme, parts.netloc) != (root.scheme, root.netloc):
            continue
        if parts.path == root.path or parts.path.startswith(root.path + "/"):
            return source
    raise _refuse(source, "it is not under an allowed source root")
