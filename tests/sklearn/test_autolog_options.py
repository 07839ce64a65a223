"""The options of flowtrack.sklearn.autolog as MLflow 3.17 has them, and flowtrack.autolog."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sklearn
import sklearn.metrics
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

import flowtrack
import flowtrack.sklearn
from flowtrack.exceptions import InvalidParameterError
from flowtrack.models.uri import download_model
from flowtrack.sklearn.autolog import current_config, is_enabled, is_supported_version

pytestmark = pytest.mark.usefixtures("tracking_uri")

MLFLOW_SKLEARN_AUTOLOG = (
    Path(__file__).parents[2]
    / ".venv-mlflow/lib/python3.11/site-packages/mlflow/sklearn/__init__.py"
)


@pytest.fixture(autouse=True)
def autolog_off_after() -> Iterator[None]:
    try:
        yield
    finally:
        flowtrack.sklearn.autolog(disable=True)


def last_run() -> Any:
    ended = flowtrack.last_active_run()
    assert ended is not None
    return flowtrack.get_run(ended.info.run_id)


def test_the_signature_is_mlflows() -> None:
    parameters = inspect.signature(flowtrack.sklearn.autolog).parameters
    public = [name for name in parameters if not name.startswith("_")]
    assert public == [
        "log_input_examples",
        "log_model_signatures",
        "log_models",
        "log_datasets",
        "disable",
        "exclusive",
        "disable_for_unsupported_versions",
        "silent",
        "max_tuning_runs",
        "log_post_training_metrics",
        "serialization_format",
        "registered_model_name",
        "pos_label",
        "extra_tags",
    ]
    assert parameters["max_tuning_runs"].default == 5
    assert parameters["log_post_training_metrics"].default is True
    if MLFLOW_SKLEARN_AUTOLOG.exists():  # the test-only MLflow 3.17 environment
        source = MLFLOW_SKLEARN_AUTOLOG.read_text()
        start = source.index("\ndef autolog(")
        header = source[start : source.index("):", start)]
        assert all(f"    {name}=" in header for name in public)


def test_registered_model_name_registers_each_logged_model() -> None:
    X, y = load_iris(return_X_y=True)
    flowtrack.sklearn.autolog(registered_model_name="iris-tree", log_datasets=False)
    DecisionTreeClassifier(max_depth=2).fit(X, y)
    DecisionTreeClassifier(max_depth=3).fit(X, y)
    versions = flowtrack.FlowtrackClient().search_model_versions("name='iris-tree'")
    assert sorted(int(v.version) for v in versions) == [1, 2]
    run = last_run()
    newest = max(versions, key=lambda v: int(v.version))
    assert newest.run_id == run.info.run_id
    assert newest.source == f"models:/{newest.model_id}"
    outputs = run.outputs.model_outputs
    assert newest.model_id in {output.model_id for output in outputs}
    loaded = flowtrack.sklearn.load_model("models:/iris-tree/2")
    assert loaded.get_params()["max_depth"] == 3


def test_exclusive_still_logs_fits_outside_user_runs() -> None:
    X, y = load_iris(return_X_y=True)
    flowtrack.sklearn.autolog(exclusive=True, log_models=False, log_datasets=False)
    with flowtrack.start_run() as user_run:
        model = LogisticRegression(max_iter=500).fit(X, y)
        sklearn.metrics.accuracy_score(y, model.predict(X))
    assert flowtrack.get_run(user_run.info.run_id).data.metrics == {}
    DecisionTreeClassifier(max_depth=2).fit(X, y)
    run = last_run()
    assert run.info.run_id != user_run.info.run_id
    assert run.data.params["max_depth"] == "2"
    assert run.data.tags["mlflow.autologging"] == "sklearn"


def test_extra_tags_go_on_the_runs_autologging_opens_only() -> None:
    X, y = load_iris(return_X_y=True)
    flowtrack.sklearn.autolog(extra_tags={"team": "ml"}, log_models=False, log_datasets=False)
    DecisionTreeClassifier().fit(X, y)
    managed = last_run()
    assert managed.data.tags["team"] == "ml"
    assert managed.data.tags["mlflow.autologging"] == "sklearn"
    with flowtrack.start_run() as user_run:
        DecisionTreeClassifier().fit(X, y)
    tags = flowtrack.get_run(user_run.info.run_id).data.tags
    assert "team" not in tags
    assert "mlflow.autologging" not in tags
    assert tags["estimator_name"] == "DecisionTreeClassifier"


def test_extra_tags_must_be_a_mapping_and_cannot_set_the_autologging_tag(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with pytest.raises(InvalidParameterError, match="expecting dictionary, received `list`"):
        flowtrack.sklearn.autolog(extra_tags=["team"])  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="flowtrack.sklearn"):
        flowtrack.sklearn.autolog(extra_tags={"mlflow.autologging": "x"}, log_models=False)
    assert "is a reserved tag" in caplog.text
    DecisionTreeClassifier().fit(*load_iris(return_X_y=True))
    assert last_run().data.tags["mlflow.autologging"] == "sklearn"


def test_silent_reports_nothing(caplog: pytest.LogCaptureFixture) -> None:
    X, y = load_iris(return_X_y=True)
    flowtrack.sklearn.autolog(silent=True, log_models=False, log_datasets=False)
    with caplog.at_level(logging.DEBUG - 1, logger="flowtrack.sklearn"):
        DecisionTreeClassifier().fit(X, y)  # a managed run: no "Created ... run" message
        with flowtrack.start_run():
            flowtrack.log_param("max_depth", "already logged differently")
            clf = DecisionTreeClassifier(max_depth=2).fit(X, y)  # the params fail to log
    assert clf.score(X, y) > 0.9
    assert [r for r in caplog.records if r.levelno >= logging.INFO] == []

    flowtrack.sklearn.autolog(log_models=False, log_datasets=False)
    with caplog.at_level(logging.INFO, logger="flowtrack.sklearn"):
        DecisionTreeClassifier().fit(X, y)
    assert "Created flowtrack autologging run with ID" in caplog.text


def test_disable_restores_metrics_descriptors_and_cv_helpers() -> None:
    import sklearn.model_selection

    metric = sklearn.metrics.accuracy_score
    helper = sklearn.model_selection.cross_val_score
    predict_fn = vars(Pipeline)["predict"].fn
    flowtrack.sklearn.autolog()
    assert sklearn.metrics.accuracy_score is not metric
    assert vars(Pipeline)["predict"].fn is not predict_fn
    flowtrack.sklearn.autolog()  # enabling twice wraps once
    assert sklearn.metrics.accuracy_score.__wrapped__ is metric  # type: ignore[attr-defined]
    flowtrack.sklearn.autolog(disable=True)
    assert sklearn.metrics.accuracy_score is metric
    assert sklearn.model_selection.cross_val_score is helper
    assert vars(Pipeline)["predict"].fn is predict_fn
    assert not is_enabled()


def test_signatures_and_input_examples_can_be_turned_off_and_on() -> None:
    X, y = load_iris(return_X_y=True)
    flowtrack.sklearn.autolog(log_model_signatures=False, log_datasets=False)
    DecisionTreeClassifier().fit(X, y)
    local = download_model(f"runs:/{last_run().info.run_id}/model")
    metadata = flowtrack.pyfunc.load_model(local).metadata
    assert metadata.signature is None
    assert metadata.load_input_example(local) is None

    flowtrack.sklearn.autolog(log_input_examples=True, log_datasets=False)
    DecisionTreeClassifier().fit(X, y)
    local = download_model(f"runs:/{last_run().info.run_id}/model")
    metadata = flowtrack.pyfunc.load_model(local).metadata
    assert metadata.signature is not None
    np.testing.assert_array_equal(metadata.load_input_example(local), X[:5])


def test_pos_label_gives_binary_training_metrics() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    flowtrack.sklearn.autolog(pos_label=0, log_models=False, log_datasets=False)
    model = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())]).fit(X, y)
    metrics = last_run().data.metrics
    y_pred = model.predict(X)
    assert metrics["training_precision_score"] == pytest.approx(
        sklearn.metrics.precision_score(y, y_pred, pos_label=0)
    )
    assert metrics["training_recall_score"] == pytest.approx(
        sklearn.metrics.recall_score(y, y_pred, pos_label=0)
    )


def test_fit_transform_is_autologged_too() -> None:
    X, _ = load_iris(return_X_y=True)
    flowtrack.sklearn.autolog(log_datasets=False, log_models=False)
    PCA(n_components=2).fit_transform(X)
    run = last_run()
    assert run.data.tags["estimator_name"] == "PCA"
    assert run.data.params["n_components"] == "2"
    assert len(flowtrack.search_runs(output_format="list")) == 1  # not again for the inner fit


def test_disable_for_unsupported_versions(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    assert is_supported_version(sklearn.__version__)
    assert is_supported_version("1.4.0") and not is_supported_version("1.3.2")
    assert not is_supported_version("1.5.0rc1")  # pre-releases are not tested ones
    assert not is_supported_version("99.0.0")
    assert is_supported_version("99.0.0", check_max_version=False)

    flowtrack.sklearn.autolog(disable_for_unsupported_versions=True)
    assert is_enabled()  # the installed release is a tested one

    monkeypatch.setattr(sklearn, "__version__", "1.3.0")
    flowtrack.sklearn.autolog(disable_for_unsupported_versions=True)
    assert not is_enabled()
    with caplog.at_level(logging.WARNING, logger="flowtrack.sklearn"):
        flowtrack.sklearn.autolog()
    assert is_enabled()
    assert "known to be compatible with 1.4.0 <= scikit-learn" in caplog.text


def test_flowtrack_autolog_passes_its_arguments_through() -> None:
    X, y = load_iris(return_X_y=True)
    assert flowtrack.autolog(log_models=False, extra_tags={"via": "autolog"}) == ["sklearn"]
    config = current_config()
    assert config is not None
    assert config.log_models is False
    assert config.max_tuning_runs == 5  # the integration's own default for the rest
    DecisionTreeClassifier().fit(X, y)
    run = last_run()
    assert run.data.tags["via"] == "autolog"
    assert flowtrack.FlowtrackClient().list_artifacts(run.info.run_id) == []


def test_direct_integration_options_take_precedence_over_flowtrack_autolog() -> None:
    flowtrack.sklearn.autolog(max_tuning_runs=2, log_models=False)
    assert flowtrack.autolog(log_models=True) == []  # left as configured
    config = current_config()
    assert config is not None
    assert (config.max_tuning_runs, config.log_models) == (2, False)
    flowtrack.autolog(exclude_flavors=["sklearn"])
    assert current_config() == config
