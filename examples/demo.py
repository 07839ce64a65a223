"""flowtrack demo: tune a scikit-learn regressor in nested runs, search, load and evaluate the best.

Runs on the embedded default (``sqlite:///flowtrack.db`` and ``./flowtrack-artifacts`` in the
working directory) unless FLOWTRACK_TRACKING_URI says otherwise. ``make demo`` runs it.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.linear_model import SGDRegressor
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import flowtrack as mlflow
from flowtrack.models import infer_signature

EXPERIMENT = "flowtrack-demo"
EPOCHS = 30


def train_one(
    alpha: float, x_train: pd.DataFrame, y_train: np.ndarray, x_val: pd.DataFrame, y_val: np.ndarray
) -> dict[str, float]:
    """Train an SGD regressor epoch by epoch, logging the learning curve and the model."""
    model = SGDRegressor(alpha=alpha, learning_rate="invscaling", eta0=0.01, random_state=0)
    mlflow.log_params({"model": "SGDRegressor", "alpha": alpha, "epochs": EPOCHS})
    for epoch in range(EPOCHS):
        model.partial_fit(x_train, y_train)
        train_rmse = float(np.sqrt(mean_squared_error(y_train, model.predict(x_train))))
        val_rmse = float(np.sqrt(mean_squared_error(y_val, model.predict(x_val))))
        mlflow.log_metrics({"train_rmse": train_rmse, "val_rmse": val_rmse}, step=epoch)
    predictions = model.predict(x_val)
    final = {
        "rmse": float(np.sqrt(mean_squared_error(y_val, predictions))),
        "r2_score": float(r2_score(y_val, predictions)),
    }
    mlflow.log_metrics(final)
    mlflow.log_dict({"coef": model.coef_.round(4).tolist()}, "model/coefficients.json")
    mlflow.log_table(
        {"y_true": y_val[:20].tolist(), "y_pred": predictions[:20].round(2).tolist()},
        "predictions.json",
    )
    mlflow.sklearn.log_model(
        model,
        name="model",
        signature=infer_signature(x_val, predictions),
        input_example=x_val.head(3),
    )
    return final


def main() -> None:
    """Run the demo and print what was tracked."""
    data = load_diabetes(as_frame=True)
    frame: pd.DataFrame = data.frame
    x = StandardScaler().set_output(transform="pandas").fit_transform(frame.drop(columns="target"))
    y = frame["target"].to_numpy()
    x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.25, random_state=0)

    experiment = mlflow.set_experiment(EXPERIMENT)
    dataset = mlflow.data.from_pandas(
        frame, source="sklearn.datasets.load_diabetes", name="diabetes"
    )
    with mlflow.start_run(run_name="alpha-sweep", description="Sweep SGD's alpha") as parent:
        mlflow.set_tag("developer", "demo")
        mlflow.log_input(dataset, context="training")
        results = {}
        for alpha in (0.0001, 0.001, 0.01, 0.1, 1.0):
            with mlflow.start_run(run_name=f"alpha={alpha}", nested=True):
                results[alpha] = train_one(alpha, x_train, y_train, x_val, y_val)
        best_alpha = min(results, key=lambda a: results[a]["rmse"])
        mlflow.log_metric("best_rmse", results[best_alpha]["rmse"])
        mlflow.log_param("best_alpha", best_alpha)
        with tempfile.TemporaryDirectory() as tmp:
            summary = Path(tmp, "summary.json")
            summary.write_text(json.dumps({str(a): r for a, r in results.items()}, indent=2))
            mlflow.log_artifact(str(summary))

    print(f"Tracking URI: {mlflow.get_tracking_uri()}")
    print(f"Experiment '{experiment.name}' (id {experiment.experiment_id})")
    print(f"Parent run {parent.info.run_id}: best alpha {best_alpha}")

    runs = mlflow.search_runs(
        experiment_names=[EXPERIMENT],
        filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}' and metrics.r2_score > 0",
        order_by=["metrics.rmse ASC"],
    )
    columns = ["run_id", "tags.mlflow.runName", "params.alpha", "metrics.rmse", "metrics.r2_score"]
    print("\nChild runs with r2_score > 0, best first:")
    print(runs[columns].to_string(index=False))

    client = mlflow.MlflowClient()
    best_run_id = runs.iloc[0]["run_id"]
    history = client.get_metric_history(best_run_id, "val_rmse")
    print(f"\nval_rmse of the best run over {len(history)} epochs:")
    print("  " + " ".join(f"{m.value:.1f}" for m in history[::5]))
    model_uri = f"runs:/{best_run_id}/model"
    model = mlflow.pyfunc.load_model(model_uri)
    with mlflow.start_run(run_name="evaluate-best"):
        result = mlflow.evaluate(
            model, x_val.assign(target=y_val), targets="target", model_type="regressor"
        )
    print(f"\nEvaluated {model_uri}:")
    for name in ("root_mean_squared_error", "mean_absolute_error", "r2_score"):
        print(f"  {name:<26} {result.metrics[name]:.3f}")
    print(f"  plots: {sorted(result.artifacts)}")
    artifacts = [f.path for f in client.list_artifacts(parent.info.run_id)]
    print(f"\nParent run artifacts: {artifacts}")
    print(f"\nBrowse: .venv/bin/flowtrack runs list -x {experiment.experiment_id}")
    print(f"Serve:  .venv/bin/flowtrack models serve -m {model_uri}")


if __name__ == "__main__":
    main()
