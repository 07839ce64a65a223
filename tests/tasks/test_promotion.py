"""Prefect-aware promotion: gate forms, rejection handling, the markdown artifact in real runs."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from prefect import flow

import flowtrack
from flowtrack.exceptions import InvalidParameterError
from flowtrack.registry import GateCheck, PromotionDecision, PromotionGate, PromotionRejected
from flowtrack.tasks import promotion as task_promotion
from flowtrack.tasks.promotion import promote, promotion_markdown
from flowtrack.tracking.client import FlowtrackClient
from tests.tasks._prefect_api import latest_artifact

GATE_DATA: dict[str, Any] = {
    "rules": ["rmse <= 55"],
    "compare_to_champion": {"metric": "rmse", "higher_is_better": False, "min_delta": 1.0},
}
GATE = PromotionGate.from_dict(GATE_DATA)

PROMOTED = PromotionDecision(
    name="fraud",
    version=3,
    promoted=True,
    reasons=["rmse = 50 passes rmse <= 55", "improvement 4 meets min_delta 1"],
    checks=[
        GateCheck(check="rmse <= 55", passed=True, value=50.0, reference=55.0, reason="ok"),
        GateCheck(check="champion: rmse", passed=True, value=50.0, reference=54.0, reason="ok"),
    ],
    compared_to=2,
)
REJECTED = PromotionDecision(
    name="fraud",
    version=4,
    promoted=False,
    reasons=["rmse = 60 fails rmse <= 55"],
    checks=[
        GateCheck(check="rmse <= 55", passed=False, value=60.0, reference=55.0, reason="no"),
        GateCheck(check="champion: rmse", passed=True, value=60.0, reason="no current champion"),
    ],
)


def _version(client: FlowtrackClient, model: str, **metrics: float) -> int:
    """Register a version of ``model`` (created if needed) whose run logged ``metrics``."""
    if not client.search_registered_models(f"name = '{model}'"):
        client.create_registered_model(model)
    experiment_id = client.create_experiment(f"exp-{len(client.search_experiments())}")
    run_id = client.create_run(experiment_id).info.run_id
    for key, value in metrics.items():
        client.log_metric(run_id, key, value)
    return client.create_model_version(model, f"runs:/{run_id}/model", run_id).version


# --- rendering, engine-free -------------------------------------------------------------------


def test_markdown_of_a_promoted_decision() -> None:
    markdown = promotion_markdown(PROMOTED, to_alias="champion", to_stage="Production")

    assert markdown.startswith("# Promotion of fraud version 3: PROMOTED\n")
    assert "| Model | fraud |" in markdown
    assert "| Version | 3 |" in markdown
    assert "| Decision | **PROMOTED** |" in markdown
    assert "| Target | alias champion, stage Production |" in markdown
    assert "| Compared to | version 2 |" in markdown
    assert "| Check | Value | Reference | Passed |" in markdown
    assert "| rmse <= 55 | 50 | 55 | yes |" in markdown
    assert "| champion: rmse | 50 | 54 | yes |" in markdown
    assert markdown.endswith(
        "## Reasons\n\n- rmse = 50 passes rmse <= 55\n- improvement 4 meets min_delta 1\n"
    )


def test_markdown_of_a_rejected_decision() -> None:
    markdown = promotion_markdown(REJECTED, to_alias="champion", to_stage=None)

    assert "| Decision | **REJECTED** |" in markdown
    assert "| Target | alias champion |" in markdown
    assert "| Compared to | none |" in markdown
    assert "| rmse <= 55 | 60 | 55 | no |" in markdown
    assert "| champion: rmse | 60 | - | yes |" in markdown
    assert "- rmse = 60 fails rmse <= 55\n" in markdown


def test_markdown_escapes_pipes_and_newlines_in_cells() -> None:
    decision = PromotionDecision(
        name="a|b",
        version=1,
        promoted=False,
        reasons=["x | y\nz"],
        checks=[GateCheck(check="p|q\nr", passed=False, value=1.0, reason="r")],
    )

    markdown = promotion_markdown(decision, to_alias="best|one", to_stage=None)

    assert "| Model | a\\|b |" in markdown
    assert "| Target | alias best\\|one |" in markdown
    assert "| p\\|q r | 1 | - | no |" in markdown
    assert "- x | y z\n" in markdown  # a list item, not a cell: left alone but kept on one line


def test_markdown_without_checks() -> None:
    decision = PromotionDecision(
        name="m", version=1, promoted=True, reasons=["the gate has no checks"], checks=[]
    )
    markdown = promotion_markdown(decision, to_alias=None, to_stage="Staging")
    assert "The gate has no checks." in markdown
    assert "| Target | stage Staging |" in markdown


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Fraud Model_v2", "flowtrack-promotion-fraud-model-v2"),
        ("diabetes", "flowtrack-promotion-diabetes"),
        ("  --Über.Model!!  ", "flowtrack-promotion-ber-model"),
        ("???", "flowtrack-promotion-model"),
    ],
)
def test_artifact_key_slug(name: str, key: str) -> None:
    assert task_promotion._artifact_key(name) == key


# --- gate forms and rejection, on a memory store -----------------------------------------------


@pytest.fixture
def client(tracking_uri: str) -> FlowtrackClient:
    return FlowtrackClient(tracking_uri)


def test_gate_as_object_mapping_or_yaml(client: FlowtrackClient, tmp_path: Path) -> None:
    path = tmp_path / "gate.yaml"
    path.write_text(
        "rules: [rmse <= 55]\n"
        "compare_to_champion: {metric: rmse, higher_is_better: false, min_delta: 1}\n"
    )
    first = _version(client, "diabetes", rmse=54.0)
    second = _version(client, "diabetes", rmse=50.0)
    third = _version(client, "diabetes", rmse=45.0)

    assert promote("diabetes", first, GATE, client=client).promoted
    assert promote("diabetes", second, GATE_DATA, client=client).promoted
    decision = promote("diabetes", third, path, client=client)
    assert decision.promoted
    assert decision.compared_to == second
    assert promote("diabetes", third, str(path), client=client).promoted  # str paths too


@pytest.mark.parametrize("gate", [42, b"gate.yaml", ["rmse <= 55"], None])
def test_bad_gate_type_is_an_error(client: FlowtrackClient, gate: Any) -> None:
    version = _version(client, "diabetes", rmse=50.0)
    with pytest.raises(InvalidParameterError, match=rf"of type {type(gate).__name__}: pass a "):
        promote("diabetes", version, gate, client=client)
    assert client.get_model_version("diabetes", version).tags == {}


def test_bad_gate_mapping_is_an_error(client: FlowtrackClient) -> None:
    version = _version(client, "diabetes", rmse=50.0)
    with pytest.raises(InvalidParameterError, match="unknown key 'threshold'"):
        promote("diabetes", version, {"rules": [], "threshold": 1}, client=client)


def test_rejection_raises_after_recording(
    client: FlowtrackClient, caplog: pytest.LogCaptureFixture
) -> None:
    version = _version(client, "diabetes", rmse=60.0)

    with caplog.at_level(logging.WARNING), pytest.raises(PromotionRejected) as info:
        promote("diabetes", version, GATE, client=client)

    assert "was not promoted: rmse = 60 fails rmse <= 55" in str(info.value)
    assert info.value.decision.version == version
    tags = client.get_model_version("diabetes", version).tags
    assert tags["flowtrack.promotion.decision"] == "rejected"
    assert caplog.records == []  # outside a Prefect run: no artifact, no warning


def test_allow_reject_returns_the_decision(client: FlowtrackClient) -> None:
    version = _version(client, "diabetes", rmse=60.0)
    decision = promote("diabetes", version, GATE, allow_reject=True, client=client)
    assert not decision.promoted
    assert decision.reasons == ["rmse = 60 fails rmse <= 55"]
    assert client.get_registered_model("diabetes").aliases == {}


# --- inside real Prefect runs ------------------------------------------------------------------


@pytest.fixture
def sqlite_uri(clean_context: None, tmp_path: Path) -> str:
    """A SQLite store in ``tmp_path``, set as the tracking URI: a real database, as flows use."""
    uri = f"sqlite:///{tmp_path}/t.db"
    flowtrack.set_tracking_uri(uri)
    return uri


@flow
def release(model: str, version: int, allow_reject: bool = False) -> PromotionDecision:
    return promote(model, version, GATE_DATA, allow_reject=allow_reject, to_stage="Staging")


def _artifact_markdown(model: str) -> str | None:
    artifact = latest_artifact(task_promotion._artifact_key(model))
    if artifact is None:
        return None
    assert isinstance(artifact.data, str)
    return artifact.data


@pytest.mark.usefixtures("prefect_harness")
def test_promotion_in_a_flow_creates_the_artifact(sqlite_uri: str) -> None:
    client = FlowtrackClient(sqlite_uri)
    version = _version(client, "Churn Model_v2", rmse=50.0)

    decision = release("Churn Model_v2", version)

    assert decision.promoted
    assert client.get_model_version_by_alias("Churn Model_v2", "champion").version == version
    artifact = latest_artifact("flowtrack-promotion-churn-model-v2")
    assert artifact is not None
    assert artifact.type == "markdown"
    assert artifact.description == f"Promotion of version {version} of 'Churn Model_v2': promoted"
    markdown = _artifact_markdown("Churn Model_v2")
    assert markdown == promotion_markdown(decision, to_alias="champion", to_stage="Staging")
    assert "| Decision | **PROMOTED** |" in markdown
    assert "- rmse = 50 passes rmse <= 55" in markdown


@pytest.mark.usefixtures("prefect_harness")
def test_promotion_in_an_async_flow_creates_the_artifact(sqlite_uri: str) -> None:
    # Prefect's artifact function returns a coroutine when called in an async flow; the sync
    # promote must still create the artifact.
    @flow
    async def async_release(model: str, version: int) -> PromotionDecision:
        return promote(model, version, GATE)

    client = FlowtrackClient(sqlite_uri)
    version = _version(client, "async-model", rmse=50.0)

    decision = asyncio.run(async_release("async-model", version))

    assert decision.promoted
    markdown = _artifact_markdown("async-model")
    assert markdown is not None
    assert "| Decision | **PROMOTED** |" in markdown


@pytest.mark.usefixtures("prefect_harness")
def test_rejection_in_a_flow_fails_the_run_with_the_reasons(sqlite_uri: str) -> None:
    client = FlowtrackClient(sqlite_uri)
    version = _version(client, "rejected-model", rmse=60.0)

    state = release("rejected-model", version, return_state=True)

    assert state.is_failed()
    assert state.message is not None
    assert "was not promoted: rmse = 60 fails rmse <= 55" in state.message
    markdown = _artifact_markdown("rejected-model")
    assert markdown is not None
    assert "| Decision | **REJECTED** |" in markdown
    assert "- rmse = 60 fails rmse <= 55" in markdown


@pytest.mark.usefixtures("prefect_harness")
def test_allow_reject_in_a_flow_completes(sqlite_uri: str) -> None:
    client = FlowtrackClient(sqlite_uri)
    version = _version(client, "tolerated-model", rmse=60.0)

    state = release("tolerated-model", version, allow_reject=True, return_state=True)

    assert state.is_completed()
    decision = state.result()
    assert isinstance(decision, PromotionDecision)
    assert not decision.promoted
    markdown = _artifact_markdown("tolerated-model")
    assert markdown is not None
    assert "**REJECTED**" in markdown


@pytest.mark.usefixtures("prefect_harness")
def test_no_artifact_outside_a_run(sqlite_uri: str) -> None:
    client = FlowtrackClient(sqlite_uri)
    version = _version(client, "outside-model", rmse=50.0)
    assert promote("outside-model", version, GATE).promoted
    assert _artifact_markdown("outside-model") is None


@pytest.mark.usefixtures("prefect_harness")
def test_artifact_failure_does_not_hide_the_decision(
    sqlite_uri: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("artifact API down")

    monkeypatch.setattr(task_promotion, "create_markdown_artifact", broken)
    client = FlowtrackClient(sqlite_uri)
    version = _version(client, "unpublished-model", rmse=50.0)

    with caplog.at_level(logging.WARNING, logger=task_promotion.__name__):
        decision = release("unpublished-model", version)

    assert decision.promoted
    warnings = [r for r in caplog.records if r.name == task_promotion.__name__]
    assert len(warnings) == 1
    assert "Could not create the Prefect artifact" in warnings[0].getMessage()
    assert warnings[0].exc_info is not None
    assert _artifact_markdown("unpublished-model") is None
