"""Gates and MetricThresholds share one engine: a gate from thresholds decides as validation."""

from __future__ import annotations

import pytest

from flowtrack.exceptions import InvalidParameterError, ModelValidationFailedError
from flowtrack.models import MetricThreshold
from flowtrack.models.evaluation.validation import validate_evaluation_results
from flowtrack.registry import ChampionComparison, PromotionGate, promote
from flowtrack.tracking.client import FlowtrackClient

THRESHOLDS = {
    "accuracy": MetricThreshold(threshold=0.8, min_absolute_change=0.02, greater_is_better=True),
    "log_loss": MetricThreshold(threshold=0.5, min_relative_change=0.1, greater_is_better=False),
    "f1": MetricThreshold(threshold=0.7, greater_is_better=True),
}


def _version(client: FlowtrackClient, metrics: dict[str, float]) -> int:
    experiment_id = client.create_experiment(f"exp-{len(client.search_experiments())}")
    run_id = client.create_run(experiment_id).info.run_id
    for key, value in metrics.items():
        client.log_metric(run_id, key, value)
    return client.create_model_version("clf", f"runs:/{run_id}/model", run_id).version


def test_from_thresholds_compiles_rules_and_comparisons() -> None:
    gate = PromotionGate.from_thresholds(THRESHOLDS)
    assert [str(rule) for rule in gate.rules] == [
        "accuracy >= 0.8",
        "log_loss <= 0.5",
        "f1 >= 0.7",
    ]
    assert gate.comparisons == [
        ChampionComparison(metric="accuracy", higher_is_better=True, min_delta=0.02),
        ChampionComparison(
            metric="log_loss", higher_is_better=False, min_delta=0.0, min_relative_change=0.1
        ),
    ]
    assert gate.to_thresholds() == THRESHOLDS
    assert PromotionGate.model_validate_json(gate.model_dump_json()) == gate


def test_a_single_comparison_stays_a_mapping() -> None:
    gate = PromotionGate.from_thresholds(
        {"rmse": MetricThreshold(min_absolute_change=1.0, greater_is_better=False)}
    )
    assert isinstance(gate.compare_to_champion, ChampionComparison)
    assert gate.to_thresholds()["rmse"].min_absolute_change == 1.0


@pytest.mark.parametrize(
    ("gate", "problem"),
    [
        (PromotionGate(rules=["rmse < 5"]), "rule 'rmse < 5' (thresholds allow only >= and <=)"),
        (PromotionGate(rules=["r2 >= 0.1", "r2 <= 0.9"]), "a second rule on 'r2'"),
        (
            PromotionGate.from_dict(
                {"compare_to_champion": {"metric": "rmse", "higher_is_better": False}}
            ),
            "min_delta 0: min_absolute_change must be positive",
        ),
        (
            PromotionGate.from_dict(
                {
                    "rules": ["rmse <= 5"],
                    "compare_to_champion": {
                        "metric": "rmse",
                        "higher_is_better": True,
                        "min_delta": 1,
                    },
                }
            ),
            "its direction contradicts the rule",
        ),
    ],
)
def test_to_thresholds_refuses_what_thresholds_cannot_express(
    gate: PromotionGate, problem: str
) -> None:
    with pytest.raises(InvalidParameterError, match="cannot be expressed as MetricThresholds") as e:
        gate.to_thresholds()
    assert problem in str(e.value)


def test_from_thresholds_refuses_other_values() -> None:
    with pytest.raises(InvalidParameterError, match="mapping metric names to MetricThreshold"):
        PromotionGate.from_thresholds({"rmse": 3.0})  # type: ignore[dict-item]


def test_comparison_lists_and_relative_changes_load_from_yaml_data() -> None:
    gate = PromotionGate.from_dict(
        {
            "compare_to_champion": [
                {"metric": "auc", "higher_is_better": True, "min_relative_change": 0.05},
                {"metric": "rmse", "higher_is_better": False, "min_delta": 1},
            ]
        }
    )
    assert [c.metric for c in gate.comparisons] == ["auc", "rmse"]
    with pytest.raises(InvalidParameterError, match=r"compare_to_champion\.1\.min_relative_change"):
        PromotionGate.from_dict(
            {
                "compare_to_champion": [
                    {"metric": "a", "higher_is_better": True},
                    {"metric": "b", "higher_is_better": True, "min_relative_change": 2},
                ]
            }
        )


CASES = [
    ({"accuracy": 0.9, "log_loss": 0.3, "f1": 0.8}, {"accuracy": 0.85, "log_loss": 0.4, "f1": 0.8}),
    (
        {"accuracy": 0.86, "log_loss": 0.3, "f1": 0.8},
        {"accuracy": 0.85, "log_loss": 0.4, "f1": 0.8},
    ),
    (
        {"accuracy": 0.9, "log_loss": 0.38, "f1": 0.8},
        {"accuracy": 0.85, "log_loss": 0.4, "f1": 0.8},
    ),
    ({"accuracy": 0.9, "log_loss": 0.3, "f1": 0.6}, {"accuracy": 0.85, "log_loss": 0.4, "f1": 0.8}),
    ({"accuracy": 0.79, "log_loss": 0.3, "f1": 0.8}, {"accuracy": 0.7, "log_loss": 0.6, "f1": 0.5}),
    ({"accuracy": 0.95, "log_loss": 0.2, "f1": 0.9}, {"accuracy": 0.8, "log_loss": 0.5, "f1": 0.7}),
]


@pytest.mark.parametrize(("candidate", "champion"), CASES)
def test_gate_from_thresholds_decides_as_validate_evaluation_results(
    tracking_uri: str, candidate: dict[str, float], champion: dict[str, float]
) -> None:
    client = FlowtrackClient(tracking_uri)
    client.create_registered_model("clf")
    champion_version = _version(client, champion)
    client.set_registered_model_alias("clf", "champion", champion_version)
    candidate_version = _version(client, candidate)
    try:
        validate_evaluation_results(THRESHOLDS, candidate, champion)
        validated = True
    except ModelValidationFailedError:
        validated = False

    decision = promote(
        "clf", candidate_version, PromotionGate.from_thresholds(THRESHOLDS), client=client
    )

    assert decision.promoted is validated
    assert decision.compared_to == champion_version


def test_gate_reasons_name_relative_changes(tracking_uri: str) -> None:
    client = FlowtrackClient(tracking_uri)
    client.create_registered_model("clf")
    champion = _version(client, {"log_loss": 0.4})
    client.set_registered_model_alias("clf", "champion", champion)
    candidate = _version(client, {"log_loss": 0.38})
    gate = PromotionGate.from_thresholds(
        {"log_loss": MetricThreshold(min_relative_change=0.1, greater_is_better=False)}
    )

    decision = promote("clf", candidate, gate, client=client)

    assert not decision.promoted
    assert decision.reasons == [
        "log_loss = 0.38 vs champion version 1's 0.4: improvement 0.02 (lower is better) meets "
        "min_delta 0, relative improvement 0.05 is below min_relative_change 0.1"
    ]
