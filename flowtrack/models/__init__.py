"""Models: signatures, schemas and input examples, compatible with MLflow's ``mlflow.models``.

A signature describes what a model takes and returns, in the form MLflow writes into
``MLmodel``, so models move both ways between flowtrack and MLflow::

    from flowtrack.models import infer_signature

    signature = infer_signature(train_df, model.predict(train_df))
    signature.to_dict()  # {"inputs": '[{"type": "double", ...}]', "outputs": ..., "params": None}

Importing this package loads neither numpy nor pandas.
"""

from typing import TYPE_CHECKING, Any

from flowtrack.models.model import Model, ModelInfo, get_model_info
from flowtrack.models.signature import ModelSignature, infer_signature
from flowtrack.models.types import ColSpec, DataType, ParamSchema, ParamSpec, Schema, TensorSpec

if TYPE_CHECKING:
    from flowtrack.models.evaluation import (
        EvaluationArtifact,
        EvaluationMetric,
        EvaluationResult,
        MetricThreshold,
        evaluate,
        make_metric,
    )

__all__ = [
    "ColSpec",
    "DataType",
    "EvaluationArtifact",
    "EvaluationMetric",
    "EvaluationResult",
    "MetricThreshold",
    "Model",
    "ModelInfo",
    "ModelSignature",
    "ParamSchema",
    "ParamSpec",
    "Schema",
    "TensorSpec",
    "evaluate",
    "get_model_info",
    "infer_signature",
    "make_metric",
]

#: Names loaded from flowtrack.models.evaluation on first use.
_EVALUATION_NAMES = frozenset(
    {
        "EvaluationArtifact",
        "EvaluationMetric",
        "EvaluationResult",
        "MetricThreshold",
        "evaluate",
        "make_metric",
    }
)


def __getattr__(name: str) -> Any:
    """The evaluation names load on first use (``evaluate`` pulls in scikit-learn)."""
    if name in _EVALUATION_NAMES:
        from flowtrack.models import evaluation

        return getattr(evaluation, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
