"""Train, evaluate, register and promote a classifier: a Prefect flow tracked by flowtrack.

Four tracked tasks, each a nested flowtrack run under the flow's run::

    ingest -> train -> evaluate -> register

* ``ingest`` loads the data (scikit-learn's breast-cancer set, or a CSV at any fsspec URL),
  splits it into train and test sets and logs both as CSV artifacts of its run;
* ``train`` fits a scaler + logistic-regression pipeline and logs it with a signature;
* ``evaluate`` runs :func:`flowtrack.evaluate` on the held-out set;
* ``register`` registers the model as a new version (the train run for lineage, the evaluate run
  for metrics) and promotes it to the ``champion`` alias if it passes the promotion gate.

Steps hand each other URIs (artifact URIs, ``models:/<model_id>`` model URIs), never in-memory
objects, and each step's logic is a plain function (``load_and_split``, ``fit_model``,
``evaluate_model``, ``register_and_promote``) that the task wraps, so steps can run elsewhere.

A rejected promotion fails the flow run with the gate's reasons, unless ``allow_reject=True``.

The data and models live wherever the experiment's artifacts do: local files by default, S3 with
``FLOWTRACK_ARTIFACT_ROOT=s3://bucket/prefix`` (set before the experiment is first created) and
the usual AWS variables; ``source`` may be any fsspec URL too.

Run it once with the defaults::

    python flows/train_register.py
"""

import tempfile
from pathlib import Path
from typing import Annotated

import fsspec
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import flowtrack
import flowtrack.data
import flowtrack.sklearn
from flowtrack.models import infer_signature
from flowtrack.registry.gate import PromotionGate
from flowtrack.registry.promotion import EVAL_RUN_TAG, PromotionDecision
from flowtrack.tasks import promote, tracked_flow, tracked_task

#: The default gate, next to this file.
DEFAULT_GATE_FILE = Path(__file__).with_name("train_register.gate.yaml")
#: The dataset source recorded when no ``source`` is given.
SKLEARN_SOURCE = "sklearn.datasets.load_breast_cancer"
DEFAULT_MODEL_NAME = "breast-cancer-classifier"
#: Where ``ingest`` puts the splits, under its run's artifact root.
DATA_DIR = "data"
MODEL_PATH = "model"


class HyperParameters(BaseModel):
    """The logistic regression's hyper-parameters (a flow parameter, so Prefect shows its schema).

    Attributes:
        C: Inverse regularization strength; smaller is stronger.
        max_iter: The solver's iteration budget.
        class_weight: ``"balanced"`` to weight classes by inverse frequency, or ``None``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    C: float = Field(default=1.0, gt=0.0, description="Inverse regularization strength.")
    max_iter: int = Field(default=200, ge=10, le=100_000, description="Solver iterations.")
    class_weight: str | None = Field(
        default=None, pattern="^balanced$", description="'balanced' or none."
    )


DEFAULT_HYPERPARAMETERS = HyperParameters()


class Split(BaseModel):
    """Where ``ingest`` wrote the two halves of the data.

    Attributes:
        train_uri: The training CSV (an fsspec URI under the ingest run's artifacts).
        test_uri: The held-out CSV.
    """

    model_config = ConfigDict(frozen=True)

    train_uri: str
    test_uri: str


class Evaluation(BaseModel):
    """What ``evaluate`` measured, and in which run.

    Attributes:
        run_id: The evaluate step's run, holding the metrics.
        metrics: ``{name: value}``, MLflow's classifier metric names.
    """

    model_config = ConfigDict(frozen=True)

    run_id: str
    metrics: dict[str, float]


class TrainRegisterResult(BaseModel):
    """The outcome of one flow run.

    Attributes:
        model_uri: The trained model: ``models:/<model_id>``, the training run's logged model.
        model_name: The registered model.
        version: The model version created.
        promoted: Whether the version became the champion.
        reasons: The promotion decision's reasons.
        metrics: The evaluation metrics.
    """

    model_config = ConfigDict(frozen=True)

    model_uri: str
    model_name: str
    version: int
    promoted: bool
    reasons: list[str]
    metrics: dict[str, float]


def _read_csv(uri: str) -> pd.DataFrame:
    with fsspec.open(uri, "rb") as file:
        frame: pd.DataFrame = pd.read_csv(file)
    return frame


def _features_and_target(frame: pd.DataFrame, target: str) -> tuple[pd.DataFrame, pd.Series]:
    if target not in frame.columns:
        columns = ", ".join(map(str, frame.columns))
        raise ValueError(f"Target column {target!r} is not in the data; columns: {columns}")
    return frame.drop(columns=target), frame[target]


def _load(source: str | None, target: str) -> pd.DataFrame:
    if source is None:
        frame: pd.DataFrame = load_breast_cancer(as_frame=True).frame
        return frame.rename(columns={"target": target})
    return _read_csv(source)


def load_and_split(
    source: str | None = None, target: str = "target", test_size: float = 0.2, seed: int = 42
) -> Split:
    """Load the data, split it (stratified, seeded) and log both halves to the active run.

    Args:
        source: A CSV at any fsspec URL, or ``None`` for scikit-learn's breast-cancer data.
        target: The label column.
        test_size: The held-out fraction.
        seed: The split's random seed.

    Returns:
        The URIs of ``data/train.csv`` and ``data/test.csv`` under the run's artifacts.

    Raises:
        ValueError: The data has no ``target`` column.
    """
    frame = _load(source, target)
    _, labels = _features_and_target(frame, target)
    train, test = train_test_split(frame, test_size=test_size, random_state=seed, stratify=labels)
    dataset_source = source or SKLEARN_SOURCE
    name = Path(source).stem if source else "breast-cancer"
    with tempfile.TemporaryDirectory() as tmp:
        for part, split in ((train, "train"), (test, "test")):
            path = Path(tmp, f"{split}.csv")
            part.to_csv(path, index=False)
            flowtrack.log_artifact(path, DATA_DIR)
    for part, split, context in ((train, "train", "training"), (test, "test", "testing")):
        dataset = flowtrack.data.from_pandas(
            part, source=dataset_source, targets=target, name=f"{name}-{split}"
        )
        flowtrack.log_input(dataset, context=context)
    return Split(
        train_uri=flowtrack.get_artifact_uri(f"{DATA_DIR}/train.csv"),
        test_uri=flowtrack.get_artifact_uri(f"{DATA_DIR}/test.csv"),
    )


def fit_model(
    train_uri: str,
    hyperparameters: HyperParameters = DEFAULT_HYPERPARAMETERS,
    target: str = "target",
) -> str:
    """Fit a StandardScaler + LogisticRegression pipeline and log it to the active run.

    Args:
        train_uri: The training CSV (any fsspec URI).
        hyperparameters: The logistic regression's settings.
        target: The label column.

    Returns:
        The logged model's URI, ``models:/<model_id>``.
    """
    frame = _read_csv(train_uri)
    features, labels = _features_and_target(frame, target)
    flowtrack.log_input(
        flowtrack.data.from_pandas(frame, source=train_uri, targets=target, name="train"),
        context="training",
    )
    model = Pipeline(
        [
            ("scaler", StandardScaler()),
            (
                "classifier",
                LogisticRegression(
                    C=hyperparameters.C,
                    max_iter=hyperparameters.max_iter,
                    class_weight=hyperparameters.class_weight,
                ),
            ),
        ]
    ).fit(features, labels)
    info = flowtrack.sklearn.log_model(
        model,
        name=MODEL_PATH,
        signature=infer_signature(features, model.predict(features)),
        input_example=features.head(3),
    )
    return info.model_uri


def evaluate_model(model_uri: str, test_uri: str, target: str = "target") -> Evaluation:
    """Evaluate a classifier on held-out data; the metrics go to the active run.

    Args:
        model_uri: The model to evaluate.
        test_uri: The held-out CSV (any fsspec URI).
        target: The label column.

    Returns:
        The metrics and the run they were logged to.
    """
    result = flowtrack.evaluate(
        model_uri, _read_csv(test_uri), targets=target, model_type="classifier"
    )
    return Evaluation(run_id=result.run_id, metrics=result.metrics)


def register_and_promote(
    model_uri: str,
    eval_run_id: str,
    model_name: str = DEFAULT_MODEL_NAME,
    gate: PromotionGate | None = None,
    allow_reject: bool = False,
) -> PromotionDecision:
    """Register a model as a new version and promote it to ``champion`` if it passes the gate.

    The version's run is the training run (lineage); its ``flowtrack.eval.run_id`` tag names the
    evaluation run, whose metrics the gate reads (the champion's likewise).

    Args:
        model_uri: The trained model: ``models:/<model_id>``, the training run's logged model.
        eval_run_id: The run holding the model's evaluation metrics.
        model_name: The registered model, created when missing.
        gate: The promotion gate; ``None`` for the default gate file.
        allow_reject: Return a rejected decision instead of raising.

    Returns:
        The promotion decision.

    Raises:
        PromotionRejected: The version failed the gate and ``allow_reject`` is false.
    """
    # The registered model is created on first use; the version records the logged model's id
    # and its training run (lineage).
    version = flowtrack.register_model(model_uri, model_name, tags={EVAL_RUN_TAG: eval_run_id})
    return promote(
        model_name,
        version.version,
        gate if gate is not None else DEFAULT_GATE_FILE,
        allow_reject=allow_reject,
    )


ingest = tracked_task(name="ingest", retries=2, retry_delay_seconds=2)(load_and_split)
train = tracked_task(name="train")(fit_model)
evaluate = tracked_task(name="evaluate")(evaluate_model)
register = tracked_task(name="register")(register_and_promote)


@tracked_flow(name="train-register")
def train_register(
    source: str | None = None,
    target: str = "target",
    hyperparameters: HyperParameters = DEFAULT_HYPERPARAMETERS,
    test_size: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.2,
    seed: int = 42,
    model_name: str = DEFAULT_MODEL_NAME,
    gate: PromotionGate | None = None,
    gate_file: str | None = None,
    allow_reject: bool = False,
) -> TrainRegisterResult:
    """Ingest, train, evaluate, then register the model and promote it if it passes the gate.

    Args:
        source: A CSV at any fsspec URL with a ``target`` column; default scikit-learn's
            breast-cancer data.
        target: The label column.
        hyperparameters: The logistic regression's settings.
        test_size: The held-out fraction, evaluated on and compared with the champion.
        seed: The split's seed (keep it to compare with the champion on the same data).
        model_name: The registered model.
        gate: The promotion gate; takes precedence over ``gate_file``.
        gate_file: A YAML gate; default ``train_register.gate.yaml`` next to this file.
        allow_reject: Keep the flow run green when the promotion is rejected.

    Returns:
        The model, its version, the promotion decision and the evaluation metrics.

    Raises:
        PromotionRejected: The new version failed the gate and ``allow_reject`` is false.
    """
    if gate is None:
        gate = PromotionGate.from_yaml(gate_file or DEFAULT_GATE_FILE)
    split = ingest(source, target, test_size, seed)
    model_uri = train(split.train_uri, hyperparameters, target)
    evaluation = evaluate(model_uri, split.test_uri, target)
    # The evaluation metrics on the flow's own run too, so flow runs compare with search_runs.
    flowtrack.log_metrics(evaluation.metrics)
    decision = register(model_uri, evaluation.run_id, model_name, gate, allow_reject)
    return TrainRegisterResult(
        model_uri=model_uri,
        model_name=model_name,
        version=decision.version,
        promoted=decision.promoted,
        reasons=decision.reasons,
        metrics=evaluation.metrics,
    )


if __name__ == "__main__":
    from prefect.settings import (
        PREFECT_SERVER_ANALYTICS_ENABLED,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        temporary_settings,
    )

    # Prefect's local API takes 20-40 s to start on a small machine: allow it, and no analytics.
    with temporary_settings(
        {
            PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: 180,
            PREFECT_SERVER_ANALYTICS_ENABLED: False,
        }
    ):
        print(train_register().model_dump_json(indent=2))
