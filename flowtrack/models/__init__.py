"""Models: signatures, schemas and input examples, compatible with MLflow's ``mlflow.models``.

A signature describes what a model takes and returns, in the form MLflow writes into
``MLmodel``, so models move both ways between flowtrack and MLflow::

    from flowtrack.models import infer_signature

    signature = infer_signature(train_df, model.predict(train_df))
    signature.to_dict()  # {"inputs": '[{"type": "double", ...}]', "outputs": ..., "params": None}

Scoring and model maintenance follow ``mlflow.models`` too: :func:`predict`,
:func:`validate_serving_input`, :func:`convert_input_example_to_serving_input`,
:func:`set_signature`, :func:`update_model_requirements`, :func:`infer_pip_requirements` and
:func:`build_docker` load on first use.

Importing this package loads neither numpy nor pandas.
"""

from typing import TYPE_CHECKING, Any

from flowtrack.models.model import Model, ModelInfo
from flowtrack.models.signature import ModelSignature, infer_signature
from flowtrack.models.types import ColSpec, DataType, ParamSchema, ParamSpec, Schema, TensorSpec
from flowtrack.models.uri import get_model_info

if TYPE_CHECKING:
    from flowtrack.models.docker_build import build_docker
    from flowtrack.models.enforce import validate_schema
    from flowtrack.models.evaluation import (
        EvaluationArtifact,
        EvaluationMetric,
        EvaluationResult,
        MetricThreshold,
        evaluate,
        list_evaluators,
        make_metric,
    )
    from flowtrack.models.inferred_requirements import infer_pip_requirements
    from flowtrack.models.input_example import (
        ModelInputExample,
        convert_input_example_to_serving_input,
    )
    from flowtrack.models.updates import set_signature, update_model_requirements
    from flowtrack.serving.prediction import predict, validate_serving_input

__all__ = [
    "ColSpec",
    "DataType",
    "EvaluationArtifact",
    "EvaluationMetric",
    "EvaluationResult",
    "MetricThreshold",
    "Model",
    "ModelInfo",
    "ModelInputExample",
    "ModelSignature",
    "ParamSchema",
    "ParamSpec",
    "Schema",
    "TensorSpec",
    "build_docker",
    "convert_input_example_to_serving_input",
    "evaluate",
    "get_model_info",
    "infer_pip_requirements",
    "infer_signature",
    "list_evaluators",
    "make_metric",
    "predict",
    "set_signature",
    "update_model_requirements",
    "validate_schema",
    "validate_serving_input",
]

_EVALUATION = "flowtrack.models.evaluation"

#: Names loaded on first use -> their module (evaluation pulls in scikit-learn; the others
#: keep ``import flowtrack.models`` light).
_LAZY = {
    "EvaluationArtifact": _EVALUATION,
    "EvaluationMetric": _EVALUATION,
    "EvaluationResult": _EVALUATION,
    "MetricThreshold": _EVALUATION,
    "ModelInputExample": "flowtrack.models.input_example",
    "build_docker": "flowtrack.models.docker_build",
    "convert_input_example_to_serving_input": "flowtrack.models.input_example",
    "evaluate": _EVALUATION,
    "infer_pip_requirements": "flowtrack.models.inferred_requirements",
    "list_evaluators": _EVALUATION,
    "make_metric": _EVALUATION,
    "predict": "flowtrack.serving.prediction",
    "set_signature": "flowtrack.models.updates",
    "update_model_requirements": "flowtrack.models.updates",
    "validate_schema": "flowtrack.models.enforce",
    "validate_serving_input": "flowtrack.serving.prediction",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
