"""flowtrack provides every classic-ML name and argument of MLflow, or says why not.

The inventory (``mlflow_inventory.json``) is generated from the real MLflow by
``generate_mlflow_inventory.py`` (see its docstring for what it holds and how GenAI is left out);
``mlflow_exclusions.yaml`` lists, each with its reason, what flowtrack deliberately does not
provide.
Nothing here imports MLflow.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.compat._parity import (
    EXCLUSIONS,
    Exclusion,
    item_of,
    load_exclusions,
    load_inventory,
    module_problems,
    stale_exclusions,
)

LOCK = Path(__file__).parents[2] / "requirements-mlflow.lock"
REGENERATE = (
    "regenerate it with `.venv-mlflow/bin/python tests/compat/generate_mlflow_inventory.py` "
    "and review the diff"
)

INVENTORY = load_inventory()
EXCLUDED = load_exclusions()


def _unexcluded(problems: list[str], exclusions: list[Exclusion]) -> list[str]:
    return [p for p in problems if not any(e.matches(item_of(p)) for e in exclusions)]


def test_inventory_matches_locked_mlflow_version() -> None:
    locked = re.search(r"^mlflow==(\S+)$", LOCK.read_text(), re.MULTILINE)
    assert locked is not None, f"{LOCK.name} pins no mlflow=="
    assert INVENTORY["mlflow_version"] == locked.group(1), (
        f"mlflow_inventory.json was generated from MLflow {INVENTORY['mlflow_version']}, "
        f"{LOCK.name} pins {locked.group(1)}: {REGENERATE}"
    )


def test_inventory_covers_the_classic_ml_modules() -> None:
    expected = {
        "mlflow",
        "mlflow.MlflowClient",
        "mlflow.models",
        "mlflow.pyfunc",
        "mlflow.sklearn",
        "mlflow.data",
        "mlflow.artifacts",
    }
    assert set(INVENTORY["modules"]) == expected
    assert all(spec["names"] for spec in INVENTORY["modules"].values())


@pytest.mark.parametrize("mlflow_module", sorted(INVENTORY["modules"]))
def test_flowtrack_provides_mlflow_module(mlflow_module: str) -> None:
    spec = INVENTORY["modules"][mlflow_module]
    problems = _unexcluded(module_problems(mlflow_module, spec), EXCLUDED)
    if problems:
        pytest.fail(
            f"{len(problems)} item(s) of MLflow's {mlflow_module} missing from flowtrack "
            f"(implement them, or add them to {EXCLUSIONS.name} with a specific reason):\n"
            + "\n".join(problems),
            pytrace=False,
        )


def test_exclusions_are_not_stale() -> None:
    stale = stale_exclusions(INVENTORY, EXCLUDED)
    if stale:
        pytest.fail(f"stale entries in {EXCLUSIONS.name}:\n" + "\n".join(stale), pytrace=False)


def test_stale_check_reports_provided_and_vanished_items() -> None:
    entries = [
        Exclusion(item="mlflow.log_param", reason="flowtrack has it"),
        Exclusion(item="mlflow.log_param(key)", reason="flowtrack accepts it"),
        Exclusion(item="mlflow.no_such_function", reason="not in MLflow"),
        Exclusion(item="*.to_proto", reason="still lacking: not stale"),
    ]
    assert stale_exclusions(INVENTORY, entries) == [
        "mlflow.log_param: flowtrack provides it now; remove the entry",
        "mlflow.log_param(key): flowtrack provides it now; remove the entry",
        "mlflow.no_such_function: no longer in the MLflow inventory; remove the entry",
    ]


def test_exclusions_are_unique() -> None:
    seen = [e.item for e in EXCLUDED]
    duplicates = sorted({item for item in seen if seen.count(item) > 1})
    assert not duplicates, f"listed twice in {EXCLUSIONS.name}: {duplicates}"


def test_exclusion_entries_need_a_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tests.compat._parity as parity

    bad = tmp_path / "exclusions.yaml"
    bad.write_text("- item: mlflow.doctor\n  reason: '  '\n")
    monkeypatch.setattr(parity, "EXCLUSIONS", bad)
    with pytest.raises(ValueError, match=r"mlflow\.doctor\): reason is empty"):
        parity.load_exclusions()
    bad.write_text("- item: mlflow.doctor\n")
    with pytest.raises(ValueError, match="must have exactly item and reason"):
        parity.load_exclusions()


def test_checker_reports_missing_names_and_parameters() -> None:
    spec = {
        "counterpart": "flowtrack",
        "names": {
            "log_param": {
                "kind": "function",
                "params": [
                    {"name": "key", "kind": "positional_or_keyword"},
                    {"name": "no_such_argument", "kind": "keyword_only"},
                    {"name": "kwargs", "kind": "var_keyword"},
                ],
            },
            "no_such_function": {"kind": "function", "params": []},
        },
    }
    assert module_problems("mlflow", spec) == [
        "mlflow.log_param(no_such_argument): flowtrack.log_param has no parameter "
        "'no_such_argument'",
        "mlflow.no_such_function: flowtrack has no flowtrack.no_such_function",
    ]
