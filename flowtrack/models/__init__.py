"""Models: signatures, schemas and input examples, compatible with MLflow's ``mlflow.models``.

A signature describes what a model takes and returns, in the form MLflow writes into
``MLmodel``, so models move both ways between flowtrack and MLflow::

    from flowtrack.models import infer_signature

    signature = infer_signature(train_df, model.predict(train_df))
    signature.to_dict()  # {"inputs": '[{"type": "double", ...}]', "outputs": ..., "params": None}

Importing this package loads neither numpy nor pandas.
"""

from typing import TYPE_CHECKING, Any

from flowtrack.models.model import Model, ModelInfo
from flowtrack.models.signature import ModelSignature, infer_signature
from flowtrack.models.types import ColSpec, DataType, ParamSchema, ParamSpec, Schema, TensorSpec
from flowtrack.models.uri import get_model_info

if TYPE_CHECKING:
    from flowtrack.models.evaluation import EvaluationResult, evaluate

__all__ = [
    "ColSpec",
    "DataType",
    "EvaluationResult",
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
]


def __getattr__(name: str) -> Any:
    """``evaluate`` and ``EvaluationResult`` load on first use (they pull in scikit-learn)."""
    if name in ("evaluate", "EvaluationResult"):
        from flowtrack.models import evaluation

        return getattr(evaluation, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
