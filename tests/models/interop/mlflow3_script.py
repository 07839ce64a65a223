"""A script written for MLflow 3, run unchanged by MLflow 3.17 and by flowtrack.

tests/compat/test_mlflow3_script.py runs this file twice: with the real MLflow in the test-only
``.venv-mlflow``, and with flowtrack after replacing the import lines only (``import mlflow`` ->
``import flowtrack as mlflow``, ``from mlflow.`` -> ``from flowtrack.``). Each run prints one JSON
object of what a user observes; the test requires both objects to be equal. The tracking URI and
the working directory come from the environment the test sets.
"""

import json
import os
import tempfile
import time

import mlflow
import sklearn.metrics
from mlflow.models import MetricThreshold
from mlflow.models.evaluation.validation import ModelValidationFailedException
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, train_test_split

observed = {}
mlflow.set_experiment("mlflow3-parity")
X, y = load_iris(return_X_y=True, as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)

# MLflow 3's logged models: log_model(name=...), models:/<model_id>, search_logged_models.
with mlflow.start_run() as run:
    model = LogisticRegression(max_iter=1000).fit(X_train, y_train)
    info = mlflow.sklearn.log_model(model, name="model", input_example=X_train.head(2))
    accuracy = accuracy_score(y_test, model.predict(X_test))
    mlflow.log_metric("test_accuracy", accuracy, model_id=info.model_id)

observed["model_uri_is_models_model_id"] = info.model_uri == f"models:/{info.model_id}"
observed["model_id_prefix"] = info.model_id[:2]
by_model_id = mlflow.pyfunc.load_model(f"models:/{info.model_id}")
by_run = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
expected = [int(v) for v in model.predict(X_test)]
observed["models_uri_predicts"] = [int(v) for v in by_model_id.predict(X_test)] == expected
observed["runs_uri_predicts"] = [int(v) for v in by_run.predict(X_test)] == expected

found = mlflow.search_logged_models(
    filter_string="name = 'model' AND metrics.test_accuracy > 0.5", output_format="list"
)
observed["search_logged_models"] = [m.model_id == info.model_id for m in found]
observed["logged_model_status"] = str(found[0].status)
observed["logged_model_source_run"] = found[0].source_run_id == run.info.run_id
observed["logged_model_metrics"] = sorted({m.key for m in found[0].metrics or []})
frame = mlflow.search_logged_models(filter_string="name = 'model'")
observed["search_logged_models_frame"] = [len(frame), "model_id" in frame.columns]
observed["last_logged_model"] = mlflow.last_logged_model().model_id == info.model_id

# System metrics: a 3 s run sampled every second.
mlflow.set_system_metrics_sampling_interval(1)
mlflow.set_system_metrics_samples_before_logging(1)
with mlflow.start_run(log_system_metrics=True) as monitored:
    time.sleep(3)
system_metrics = mlflow.get_run(monitored.info.run_id).data.metrics
observed["system_metrics"] = sorted(
    key for key in system_metrics if key.startswith("system/") and not key.startswith("system/gpu")
)
client = mlflow.MlflowClient()
history = client.get_metric_history(monitored.info.run_id, "system/cpu_utilization_percentage")
observed["system_metrics_sampled_twice_or_more"] = len(history) >= 2

# Evaluation and metric thresholds.
with mlflow.start_run():
    result = mlflow.models.evaluate(
        f"models:/{info.model_id}",
        data=X_test.assign(label=y_test),
        targets="label",
        model_type="classifier",
        evaluator_config={"log_model_explainability": False},
    )
observed["evaluation_accuracy_matches"] = abs(result.metrics["accuracy_score"] - accuracy) < 1e-9
try:
    mlflow.validate_evaluation_results(
        {"accuracy_score": MetricThreshold(threshold=1.01, greater_is_better=True)}, result
    )
    observed["strict_threshold"] = "passed"
except ModelValidationFailedException as exc:
    observed["strict_threshold"] = "failed"
    observed["failure_names_metric"] = "accuracy_score" in str(exc)
mlflow.validate_evaluation_results(
    {"accuracy_score": MetricThreshold(threshold=0.5, greater_is_better=True)}, result
)
observed["lenient_threshold"] = "passed"

# Autologging a hyper-parameter search, and a post-training metric.
mlflow.sklearn.autolog(max_tuning_runs=3, log_models=False)
with mlflow.start_run() as parent:
    search = GridSearchCV(
        LogisticRegression(max_iter=1000), {"C": [0.01, 0.1, 1.0, 10.0]}, cv=3
    ).fit(X_train, y_train)
children = mlflow.search_runs(
    filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'", output_format="list"
)
observed["tuning_child_runs"] = len(children)
parent_data = mlflow.get_run(parent.info.run_id).data
observed["tuning_parent_best_params"] = sorted(
    key for key in parent_data.params if key.startswith("best_")
)
observed["tuning_parent_best_cv_score"] = "best_cv_score" in parent_data.metrics
observed["tuning_cv_results_artifact"] = "cv_results.csv" in [
    f.path for f in client.list_artifacts(parent.info.run_id)
]
with mlflow.start_run() as trained:
    fitted = LogisticRegression(max_iter=1000).fit(X_train, y_train)
    # Called through the module: autolog patches sklearn.metrics' functions, as MLflow does, so
    # a name imported before autolog() is the unpatched function (in MLflow too).
    sklearn.metrics.accuracy_score(y_test, fitted.predict(X_test))
mlflow.sklearn.autolog(disable=True)
observed["post_training_metric"] = "accuracy_score_X_test" in (
    mlflow.get_run(trained.info.run_id).data.metrics
)

# A directory through log_artifact lands under <artifact_path>/<directory name>/.
with tempfile.TemporaryDirectory() as scratch, mlflow.start_run() as artifacts_run:
    directory = os.path.join(scratch, "mymodel")
    os.makedirs(os.path.join(directory, "sub"))
    with open(os.path.join(directory, "MLmodel"), "w") as f:
        f.write("flavors: {}\n")
    with open(os.path.join(directory, "sub", "weights.txt"), "w") as f:
        f.write("0.5\n")
    mlflow.log_artifact(directory, artifact_path="models")
listed = client.list_artifacts(artifacts_run.info.run_id, "models/mymodel")
observed["directory_artifact"] = sorted(f.path for f in listed)

print("OBSERVED " + json.dumps(observed, sort_keys=True))
