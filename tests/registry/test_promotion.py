"""Gated promotion on a fresh memory store: aliases, stages, tags, strict mode, gate YAML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowtrack.entities import ModelVersionStage
from flowtrack.entities.dataset import DATASET_CONTEXT_TAG, Dataset, DatasetInput, InputTag
from flowtrack.exceptions import FlowtrackError, InvalidParameterError
from flowtrack.registry import PromotionDecision, PromotionGate, PromotionRejected, promote
from flowtrack.registry.gate import MetricRule
from flowtrack.tracking.client import FlowtrackClient

GATE = PromotionGate.model_validate(
    {
        "rules": ["rmse <= 55", "r2 >= 0.4"],
        "compare_to_champion": {"metric": "rmse", "higher_is_better": False, "min_delta": 1.0},
    }
)


@pytest.fixture
def client(tracking_uri: str) -> FlowtrackClient:
    client = FlowtrackClient(tracking_uri)
    client.create_registered_model("diabetes")
    return client


def _version(client: FlowtrackClient, eval_digest: str | None = None, **metrics: float) -> int:
    """Register a version whose run logged ``metrics`` (and optionally an evaluation dataset)."""
    experiment_id = client.create_experiment(f"exp-{len(client.search_experiments())}")
    run_id = client.create_run(experiment_id).info.run_id
    for key, value in metrics.items():
        client.log_metric(run_id, key, value)
    if eval_digest is not None:
        dataset = Dataset(name="holdout", digest=eval_digest, source_type="local", source="{}")
        tags = [InputTag(key=DATASET_CONTEXT_TAG, value="evaluation")]
        client.log_inputs(run_id, [DatasetInput(dataset=dataset, tags=tags)])
    source = f"runs:/{run_id}/model"
    return client.create_model_version("diabetes", source, run_id).version


def test_better_model_takes_the_alias(client: FlowtrackClient) -> None:
    first = _version(client, rmse=54.0, r2=0.45)
    assert promote("diabetes", first, GATE, client=client).promoted
    second = _version(client, rmse=50.0, r2=0.5)

    decision = promote("diabetes", second, GATE, client=client)

    assert decision.promoted
    assert decision.compared_to == first
    assert client.get_model_version_by_alias("diabetes", "champion").version == second
    assert "champion" not in client.get_model_version("diabetes", first).aliases
    tags = client.get_model_version("diabetes", second).tags
    assert tags["flowtrack.promotion.decision"] == "promoted"
    assert tags["flowtrack.promotion.compared_to"] == str(first)
    assert PromotionGate.model_validate_json(tags["flowtrack.promotion.gate"]) == GATE
    first_tags = client.get_model_version("diabetes", first).tags
    assert first_tags["flowtrack.promotion.compared_to"] == "none"
    assert "no current champion" in first_tags["flowtrack.promotion.reason"]


def test_worse_model_is_rejected_and_nothing_moves(client: FlowtrackClient) -> None:
    first = _version(client, rmse=50.0, r2=0.5)
    promote("diabetes", first, GATE, client=client)
    worse = _version(client, rmse=49.5, r2=0.5)  # better, but by less than min_delta

    decision = promote("diabetes", worse, GATE, client=client)

    assert not decision.promoted
    assert decision.compared_to == first
    assert client.get_model_version_by_alias("diabetes", "champion").version == first
    assert client.get_model_version("diabetes", worse).aliases == []
    tags = client.get_model_version("diabetes", worse).tags
    assert tags["flowtrack.promotion.decision"] == "rejected"
    assert "min_delta 1" in tags["flowtrack.promotion.reason"]
    champion_check = decision.checks[-1]
    assert (champion_check.value, champion_check.reference) == (49.5, 50.0)


def test_threshold_failure_is_rejected(client: FlowtrackClient) -> None:
    version = _version(client, rmse=60.0, r2=0.5)
    decision = promote("diabetes", version, GATE, client=client)
    assert not decision.promoted
    assert decision.reasons == ["rmse = 60 fails rmse <= 55"]
    assert client.get_registered_model("diabetes").aliases == {}


def test_missing_metric_is_an_error_and_nothing_is_recorded(client: FlowtrackClient) -> None:
    version = _version(client, rmse=40.0)
    run_id = client.get_model_version("diabetes", version).run_id
    with pytest.raises(InvalidParameterError, match=rf"'r2' is not logged in run '{run_id}'"):
        promote("diabetes", version, GATE, client=client)
    assert client.get_registered_model("diabetes").aliases == {}
    assert client.get_model_version("diabetes", version).tags == {}


def test_missing_metric_on_the_champion_is_an_error(client: FlowtrackClient) -> None:
    champion = _version(client, r2=0.9)
    client.set_registered_model_alias("diabetes", "champion", champion)
    version = _version(client, rmse=40.0, r2=0.5)
    with pytest.raises(InvalidParameterError, match="'rmse' is not logged"):
        promote("diabetes", version, GATE, client=client)
    assert client.get_model_version_by_alias("diabetes", "champion").version == champion


def test_stage_mode_archives_the_previous_production_version(client: FlowtrackClient) -> None:
    first = _version(client, rmse=54.0, r2=0.45)
    second = _version(client, rmse=50.0, r2=0.5)
    promote("diabetes", first, GATE, to_alias=None, to_stage="production", client=client)

    decision = promote(
        "diabetes", second, GATE, to_alias=None, to_stage="Production", client=client
    )

    assert decision.promoted
    assert decision.compared_to == first
    stage_of = {v: client.get_model_version("diabetes", v).current_stage for v in (first, second)}
    assert stage_of == {first: ModelVersionStage.ARCHIVED, second: ModelVersionStage.PRODUCTION}


def test_strict_mode_raises_after_recording(client: FlowtrackClient) -> None:
    version = _version(client, rmse=99.0, r2=0.5)
    with pytest.raises(PromotionRejected, match="was not promoted: rmse = 99") as info:
        promote("diabetes", version, GATE, strict=True, client=client)
    assert isinstance(info.value, FlowtrackError)
    assert info.value.error_code == "INVALID_STATE"
    assert isinstance(info.value.decision, PromotionDecision)
    tags = client.get_model_version("diabetes", version).tags
    assert tags["flowtrack.promotion.decision"] == "rejected"


def test_different_evaluation_data_refuses_the_comparison(client: FlowtrackClient) -> None:
    first = _version(client, eval_digest="aaa", rmse=54.0, r2=0.45)
    promote("diabetes", first, GATE, client=client)
    other_data = _version(client, eval_digest="bbb", rmse=10.0, r2=0.9)
    untagged = _version(client, rmse=10.0, r2=0.9)
    same_data = _version(client, eval_digest="aaa", rmse=10.0, r2=0.9)

    refused = promote("diabetes", other_data, GATE, client=client)
    assert not refused.promoted
    assert "evaluated on different data" in refused.reasons[0]
    assert not promote("diabetes", untagged, GATE, client=client).promoted
    assert promote("diabetes", same_data, GATE, client=client).promoted


def test_no_target_is_an_error(client: FlowtrackClient) -> None:
    version = _version(client, rmse=1.0, r2=1.0)
    with pytest.raises(InvalidParameterError, match="needs a target"):
        promote("diabetes", version, GATE, to_alias=None, client=client)


def test_gate_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "gate.yaml"
    path.write_text(
        "rules:\n  - rmse <= 55\n  - {metric: r2, op: '>=', threshold: 0.4}\n"
        "compare_to_champion: {metric: rmse, higher_is_better: false, min_delta: 1}\n"
    )
    assert PromotionGate.from_yaml(path) == GATE
    assert json.loads(GATE.model_dump_json())["rules"][0] == {
        "metric": "rmse",
        "op": "<=",
        "threshold": 55.0,
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: [rmse <= 55]\nthreshold: 3\n", "unknown key 'threshold'"),
        ("rules: [{metric: rmse, op: '=<', threshold: 5}]\n", "invalid op '=<'"),
        ("rules: [rmse ~ 55]\n", "Invalid gate rule 'rmse ~ 55'"),
        ("rules: [rmse <= big]\n", "Invalid threshold 'big'"),
        ("compare_to_champion: {metric: rmse}\n", "missing key 'compare_to_champion.higher"),
        ("compare_to_champion: {metric: r, higher_is_better: true, delta: 1}\n", "'compare_to_"),
        ("- rmse <= 55\n", "expected a mapping"),
        ("rules: [\n", "is not YAML"),
    ],
)
def test_gate_yaml_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "gate.yaml"
    path.write_text(text)
    with pytest.raises(InvalidParameterError, match=message):
        PromotionGate.from_yaml(path)


def test_gate_file_missing(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match="Cannot read promotion gate file"):
        PromotionGate.from_yaml(tmp_path / "nope.yaml")


def test_rule_parser() -> None:
    assert MetricRule.parse("r2>=0.4") == MetricRule(metric="r2", op=">=", threshold=0.4)
    assert MetricRule.parse("loss < 1e-3").passes(1e-4)
    assert not MetricRule.parse("n == 3").passes(2)


def test_production_version_is_the_champion_without_an_alias(client: FlowtrackClient) -> None:
    production = _version(client, rmse=50.0, r2=0.5)
    client.transition_model_version_stage("diabetes", production, "Production")
    worse = _version(client, rmse=52.0, r2=0.5)

    decision = promote("diabetes", worse, GATE, client=client)

    assert not decision.promoted
    assert decision.compared_to == production
    assert client.get_registered_model("diabetes").aliases == {}


def test_repromoting_the_champion_passes(client: FlowtrackClient) -> None:
    version = _version(client, rmse=50.0, r2=0.5)
    assert promote("diabetes", version, GATE, client=client).promoted
    again = promote("diabetes", version, GATE, client=client)
    assert again.promoted
    assert again.compared_to is None
