"""flowtrack + Prefect demo: run the train-register flow twice and show what it tracked.

The first run trains a well-regularized classifier and promotes it to ``champion`` (or, on a
later ``make demo``, matches the champion and takes over); the second trains a
strongly-regularized one that the gate rejects against the champion, with ``allow_reject=True``
so the demo stays green. Then it prints each flow run's tree of tracked runs and each promotion
decision.

Runs on the embedded default (``sqlite:///flowtrack.db`` and ``./flowtrack-artifacts`` in the
working directory, both git-ignored) unless FLOWTRACK_TRACKING_URI says otherwise, and on
Prefect's ephemeral API (its database in PREFECT_HOME, ``~/.prefect`` by default), so
``prefect server start`` shows the flow runs afterwards. ``make demo`` runs it.
"""

from __future__ import annotations

import os

# Before Prefect is imported: its ephemeral API takes 20-40 s to start on 2 cores.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from pathlib import Path
from typing import Any, cast

from prefect.client.schemas.objects import State
from prefect.flows import Flow, load_flow_from_entrypoint

import flowtrack
from flowtrack.entities import Run

FLOW_FILE = Path(__file__).resolve().parent.parent / "flows" / "train_register.py"
MODEL_NAME = "breast-cancer-classifier"
#: (label, C): C=1.0 scores f1 0.986 on the held-out data, C=0.01 only 0.960.
RUNS = (("well regularized", 1.0), ("over-regularized", 0.01))
KEY_METRICS = ("accuracy_score", "f1_score", "roc_auc")
#: Logged by @tracked_task on every task run.
DURATION_METRIC = "prefect.duration_s"


def _metrics(run: Run) -> str:
    values = run.data.metrics
    shown = [f"{name}={values[name]:.4f}" for name in KEY_METRICS if name in values]
    if DURATION_METRIC in values:
        shown.insert(0, f"{values[DURATION_METRIC]:5.2f} s")
    return "  ".join(shown)


def _children(parent: Run) -> list[Run]:
    return flowtrack.search_runs(
        experiment_ids=[parent.info.experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'",
        order_by=["attributes.start_time ASC"],
        output_format="list",
    )


def _print_run(label: str, state: State[Any]) -> Run:
    """Print a flow run's tree of tracked runs and its promotion decision."""
    flow_run_id = state.state_details.flow_run_id
    assert flow_run_id is not None
    parent = flowtrack.get_run(flow_run_id.hex)
    print(f"\n{label}: Prefect flow run {parent.info.run_name!r} {state.name}")
    print(f"  {'flow run':<17} {parent.info.status:<9} {_metrics(parent)}")
    for child in _children(parent):
        print(f"  └─ {child.info.run_name or '':<14} {child.info.status:<9} {_metrics(child)}")
    result = state.result()
    verdict = "PROMOTED to champion" if result.promoted else "rejected"
    print(f"  {result.model_name} version {result.version}: {verdict}")
    for reason in result.reasons:
        print(f"    - {reason}")
    return parent


def main() -> None:
    """Run the flow twice, then print the run trees, the decisions and where to look."""
    train_register: Flow[..., Any] = load_flow_from_entrypoint(f"{FLOW_FILE}:train_register")
    states = [
        (
            f"{label} (C={c})",
            cast(
                "State[Any]",
                train_register(
                    hyperparameters={"C": c},
                    model_name=MODEL_NAME,
                    allow_reject=True,
                    return_state=True,
                ),
            ),
        )
        for label, c in RUNS
    ]

    print(f"\nTracking URI: {flowtrack.get_tracking_uri()}")
    parents = [_print_run(label, state) for label, state in states]
    champion = flowtrack.MlflowClient().get_model_version_by_alias(MODEL_NAME, "champion")
    print(f"\nChampion: {MODEL_NAME} version {champion.version} (models:/{MODEL_NAME}@champion)")

    last = parents[-1]
    print("\nBrowse:")
    print(
        f"  .venv/bin/flowtrack runs list -x {last.info.experiment_id} "
        '--filter "metrics.f1_score > 0" --order-by "metrics.f1_score DESC"'
    )
    print(f"  .venv/bin/flowtrack runs describe -r {last.info.run_id}")
    print(f"  .venv/bin/flowtrack models describe -n {MODEL_NAME}")
    print("  .venv/bin/prefect server start   # then open http://127.0.0.1:4200 for the flow runs")


if __name__ == "__main__":
    main()
