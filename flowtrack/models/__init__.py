"""Models: signatures, schemas and input examples, compatible with MLflow's ``mlflow.models``.

A signature describes what a model takes and returns, in the form MLflow writes into
``MLmodel``, so models move both ways between flowtrack and MLflow::

    from flowtrack.models import infer_signature

    signature = infer_signature(train_df, model.predict(train_df))
    signature.to_dict()  # {"inputs": '[{"type": "double", ...}]', "outputs": ..., "params": None}

Importing this package loads neither numpy nor pandas.
"""

from flowtrack.models.model import Model, ModelInfo, get_model_info
from flowtrack.models.signature import ModelSignature, infer_signature
from flowtrack.models.types import ColSpec, DataType, ParamSchema, ParamSpec, Schema, TensorSpec

__all__ = [
    "ColSpec",
    "DataType",
    "Model",
    "ModelInfo",
    "ModelSignature",
    "ParamSchema",
    "ParamSpec",
    "Schema",
    "TensorSpec",
    "get_model_info",
    "infer_signature",
]
