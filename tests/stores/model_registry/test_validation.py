"""Registry input validation: hostile sources, model names, aliases and versions."""

from __future__ import annotations

import pytest

from flowtrack.entities import ModelVersionStage
from flowtrack.exceptions import InvalidParameterError
from flowtrack.stores.model_registry.validation import (
    name_collision_key,
    normalize_source_roots,
    validate_alias,
    validate_description,
    validate_model_name,
    validate_source,
    validate_tags,
    validate_version,
)
from flowtrack.testing.registry import HOSTILE_SOURCES

RUN = "0123456789abcdef0123456789abcdef"
ROOTS = normalize_source_roots(["file:///srv/mlartifacts", "s3://bucket/models", "/data/models"])

HOSTILE = [
    *HOSTILE_SOURCES,
    "file:///srv/mlartifacts/../../etc/passwd",
    "file:///srv/mlartifacts/./1/model",
    "file:///srv/mlartifacts//etc",
    "/data/models/../../root/.ssh/id_rsa",
    "/data/models/%2e%2e/%2e%2e/etc",
    "/data/models/%252e%252e/etc",
    "/data/models/..%2fetc",
    "s3://bucket/models/%2E%2E/other",
    "/data/models\\..\\..\\etc",
    "/data/models/x\x00/../../etc",
    "/data/models/x\n",
    " /data/models/x",
    "file:///srv/mlartifacts2/x",
    "file://evil.example/srv/mlartifacts/x",
    "file:/etc/passwd",
    "/data/models-evil/x",
    "s3://bucket/models-evil/x",
    "s3://Bucket2/models/x",
    "S3://other/models/x",
    "gs://bucket/models/x",
    "ftp://bucket/models/x",
    "javascript:alert(1)",
    "C:/Windows/System32",
    "models/relative",
    "./models",
    "~/.ssh",
    "/data/models/x?/../../etc",
    "/data/models/x#/../../etc",
    "runs://evil.example/x",
    "runs:/",
    "runs:/../etc",
    "runs:/bad%20id/model",
    "runs:/-leading/model",
    f"runs:/{RUN}/a/../../b",
    "",
    "x" * 5000,
]


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_sources_are_refused(source: str) -> None:
    with pytest.raises(InvalidParameterError, match="Invalid model version source"):
        validate_source(source, ROOTS)


def test_there_are_many_hostile_cases() -> None:
    assert len(set(HOSTILE)) >= 15


@pytest.mark.parametrize(
    "source",
    [
        f"runs:/{RUN}/model",
        f"runs:/{RUN}",
        f"runs:/{RUN}/nested/dir/model",
        "file:///srv/mlartifacts/1/abc/artifacts/model",
        "file:///srv/mlartifacts",
        "s3://bucket/models/1/model",
        "S3://bucket/models/2",
        "/data/models/1/model",
        "/data/models/1/model/",
        "/data/models/a..b/model",
    ],
)
def test_safe_sources_are_accepted(source: str) -> None:
    assert validate_source(source, ROOTS) == source


def test_runs_source_must_match_run_id() -> None:
    assert validate_source(f"runs:/{RUN}/m", ROOTS, run_id=RUN)
    with pytest.raises(InvalidParameterError, match="but run_id is"):
        validate_source(f"runs:/{RUN}/m", ROOTS, run_id="other")


def test_without_roots_only_runs_sources_pass() -> None:
    with pytest.raises(InvalidParameterError, match="not under an allowed source root"):
        validate_source("s3://bucket/models/1", ())


@pytest.mark.parametrize(
    "root", ["relative", "//host/share", "/a/../b", "/a%2fb", "runs:/x", "s3://b/p?x", ""]
)
def test_bad_roots(root: str) -> None:
    with pytest.raises(InvalidParameterError, match="allowed source root"):
        normalize_source_roots([root])


@pytest.mark.parametrize(
    "name", ["fraud", "Fraud Model v2", "caf\u00e9", "a.b-c_d", "\u6a21\u578b"]
)
def test_valid_names(name: str) -> None:
    assert validate_model_name(name) == name


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (None, "non-empty string"),
        ("", "non-empty string"),
        ("   ", "non-empty string"),
        (" fraud", "whitespace"),
        ("fraud\t", "whitespace"),
        ("fr\x00aud", "control characters"),
        ("fr\x1baud", "control characters"),
        ("fraud%20model", "'%'"),
        ("fraud%2Fmodel", "'%'"),
        ("a/b", "'/'"),
        ("a\\b", "'\\\\\\\\'"),
        ("cafe\u0301", "NFC"),
        ("\u212b", "NFC"),
        ("x" * 257, "at most 256"),
    ],
)
def test_invalid_names(name: object, reason: str) -> None:
    with pytest.raises(InvalidParameterError, match=reason):
        validate_model_name(name)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Fraud", "fraud"),
        ("FRAUD", "fraud"),
        ("\uff26raud", "fraud"),
        ("\ufb01sh", "fish"),
        ("Stra\u00dfe", "strasse"),
        ("model\u2168", "modelix"),
    ],
)
def test_collision_keys(left: str, right: str) -> None:
    assert name_collision_key(left) == name_collision_key(right)


def test_distinct_names_have_distinct_keys() -> None:
    assert name_collision_key("fraud-a") != name_collision_key("fraud-b")


@pytest.mark.parametrize("alias", ["champion", "prod-1", "A_B", "v", "version2", "x" * 255])
def test_valid_aliases(alias: str) -> None:
    assert validate_alias(alias) == alias


@pytest.mark.parametrize("alias", ["", "latest", "LATEST", "v1", "V42", "a b", "a.b", "x" * 256, 3])
def test_invalid_aliases(alias: object) -> None:
    with pytest.raises(InvalidParameterError, match="Invalid alias"):
        validate_alias(alias)


@pytest.mark.parametrize(("version", "number"), [(1, 1), ("7", 7), (10**6, 10**6)])
def test_versions(version: object, number: int) -> None:
    assert validate_version(version) == number


@pytest.mark.parametrize("version", [0, -3, "0", "-1", " 1", "1e3", "\u0661", 1.0, False, None])
def test_invalid_versions(version: object) -> None:
    with pytest.raises(InvalidParameterError, match="Invalid model version"):
        validate_version(version)


def test_descriptions_and_tags() -> None:
    assert validate_description(None) is None
    assert validate_description("ok") == "ok"
    with pytest.raises(InvalidParameterError, match="at most 5000"):
        validate_description("x" * 5001)
    with pytest.raises(InvalidParameterError, match="NUL"):
        validate_description("a\x00")
    assert validate_tags({"k": "v"}) == {"k": "v"}
    with pytest.raises(InvalidParameterError, match="mapping"):
        validate_tags([("k", "v")])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("None", ModelVersionStage.NONE),
        ("none", ModelVersionStage.NONE),
        ("STAGING", ModelVersionStage.STAGING),
        ("production", ModelVersionStage.PRODUCTION),
        ("aRcHiVeD", ModelVersionStage.ARCHIVED),
        (ModelVersionStage.PRODUCTION, ModelVersionStage.PRODUCTION),
    ],
)
def test_stages_parse_case_insensitively(text: str, stage: ModelVersionStage) -> None:
    assert ModelVersionStage.parse(text) is stage


@pytest.mark.parametrize("text", ["", "Prod", " production", "Deleted_Internal", None, 1])
def test_unknown_stages(text: object) -> None:
    with pytest.raises(InvalidParameterError, match="'Staging'"):
        ModelVersionStage.parse(text)
