"""Gated promotion on a fresh memory store: aliases, stages, tags, strict mode, gate YAML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowtrack.entities import ModelVersionStage
from flowtrack.entities.dataset import DATASET_CONTEXT_TAG, Dataset, DatasetInput, InputTag
from flowtrack.exceptions import FlowtrackError, InvalidParameterError, NotFoundError
from flowtrack.registry import PromotionDecision, PromotionGate, PromotionRejected, promote
from flowtrack.registry.gate import MetricRule
from flowtrack.registry.promotion import DECISION_TAG, EVAL_RUN_TAG
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


def _run(client: FlowtrackClient, eval_digest: str | None = None, **metrics: float) -> str:
    """Create a run that logged ``metrics`` (and optionally an evaluation dataset)."""
    experiment_id = client.create_experiment(f"exp-{len(client.search_experiments())}")
    run_id = client.create_run(experiment_id).info.run_id
    for key, value in metrics.items():
        client.log_metric(run_id, key, value)
    if eval_digest is not None:
        dataset = Dataset(name="holdout", digest=eval_digest, source_type="local", source="{}")
        tags = [InputTag(key=DATASET_CONTEXT_TAG, value="evaluation")]
        client.log_inputs(run_id, [DatasetInput(dataset=dataset, tags=tags)])
    return run_id


def _version(client: FlowtrackClient, eval_digest: str | None = None, **metrics: float) -> int:
    """Register a version whose run logged ``metrics`` (and optionally an evaluation dataset)."""
    run_id = _run(client, eval_digest, **metrics)
    source = f"runs:/{run_id}/model"
    return client.create_model_version("diabetes", source, run_id).version


def _evaluated(
    client: FlowtrackClient, eval_run_id: str, eval_digest: str | None = None, **metrics: float
) -> int:
    """Register a version as :func:`_version` does, tagged with the run it was evaluated in."""
    version = _version(client, eval_digest, **metrics)
    client.set_model_version_tag("diabetes", version, EVAL_RUN_TAG, eval_run_id)
    return version


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


def test_eval_run_tag_passes_by_the_eval_runs_metrics(client: FlowtrackClient) -> None:
    # The training run alone would fail (rmse 99); its evaluation run passes.
    version = _evaluated(client, _run(client, rmse=50.0, r2=0.5), rmse=99.0, r2=0.0)

    decision = promote("diabetes", version, GATE, client=client)

    assert decision.promoted
    assert [check.value for check in decision.checks[:2]] == [50.0, 0.5]
    assert client.get_model_version_by_alias("diabetes", "champion").version == version


def test_eval_run_tag_fails_by_the_eval_runs_metrics(client: FlowtrackClient) -> None:
    # The training run alone would pass; its evaluation run does not.
    version = _evaluated(client, _run(client, rmse=60.0, r2=0.5), rmse=10.0, r2=0.9)

    decision = promote("diabetes", version, GATE, client=client)

    assert not decision.promoted
    assert decision.reasons == ["rmse = 60 fails rmse <= 55"]
    assert client.get_registered_model("diabetes").aliases == {}


def test_eval_run_metrics_need_not_be_on_the_training_run(client: FlowtrackClient) -> None:
    version = _evaluated(client, _run(client, rmse=50.0, r2=0.5))
    assert promote("diabetes", version, GATE, client=client).promoted


def test_champion_is_compared_by_its_eval_run(client: FlowtrackClient) -> None:
    # By training runs the candidate (49) would beat the champion (60) by 11; by evaluation
    # runs it is 49.5 against the champion's 50: less than min_delta 1.
    champion = _evaluated(client, _run(client, rmse=50.0, r2=0.5), rmse=60.0, r2=0.5)
    client.set_registered_model_alias("diabetes", "champion", champion)
    candidate = _evaluated(client, _run(client, rmse=49.5, r2=0.5), rmse=49.0, r2=0.5)

    decision = promote("diabetes", candidate, GATE, client=client)

    assert not decision.promoted
    assert decision.compared_to == champion
    champion_check = decision.checks[-1]
    assert (champion_check.value, champion_check.reference) == (49.5, 50.0)
    assert client.get_model_version_by_alias("diabetes", "champion").version == champion


def test_missing_eval_run_is_an_error_and_nothing_moves(client: FlowtrackClient) -> None:
    version = _evaluated(client, "no-such-run", rmse=10.0, r2=0.9)

    with pytest.raises(NotFoundError) as info:
        promote("diabetes", version, GATE, client=client)

    message = str(info.value)
    assert EVAL_RUN_TAG in message
    assert "'no-such-run'" in message
    assert f"model version {version} of 'diabetes'" in message
    assert client.get_registered_model("diabetes").aliases == {}
    assert client.get_model_version("diabetes", version).tags == {EVAL_RUN_TAG: "no-such-run"}


def test_missing_eval_run_of_the_champion_is_an_error(client: FlowtrackClient) -> None:
    champion = _evaluated(client, "gone", rmse=50.0, r2=0.5)
    client.set_registered_model_alias("diabetes", "champion", champion)
    candidate = _version(client, rmse=40.0, r2=0.5)

    with pytest.raises(NotFoundError, match=rf"model version {champion} .*'gone'"):
        promote("diabetes", candidate, GATE, client=client)
    assert client.get_model_version_by_alias("diabetes", "champion").version == champion
    assert DECISION_TAG not in client.get_model_version("diabetes", candidate).tags


def test_eval_digests_are_read_from_the_eval_runs(client: FlowtrackClient) -> None:
    # Read from the training runs, the digests would give the opposite answers: "same" was
    # trained on other data than the champion, "other" on the champion's evaluation data.
    champion_eval = _run(client, eval_digest="holdout", rmse=54.0, r2=0.45)
    champion = _evaluated(client, champion_eval, eval_digest="train-a")
    client.set_registered_model_alias("diabetes", "champion", champion)
    same_eval = _run(client, eval_digest="holdout", rmse=50.0, r2=0.5)
    same = _evaluated(client, same_eval, eval_digest="train-b")
    other_eval = _run(client, eval_digest="elsewhere", rmse=50.0, r2=0.5)
    other = _evaluated(client, other_eval, eval_digest="holdout")

    refused = promote("diabetes", other, GATE, client=client)
    assert not refused.promoted
    assert "evaluated on different data" in refused.reasons[0]
    assert "['elsewhere']" in refused.reasons[0]
    assert promote("diabetes", same, GATE, client=client).promoted
