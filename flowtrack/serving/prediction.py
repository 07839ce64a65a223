"""Scoring a model outside a server: ``predict``, ``validate_serving_input`` and the payloads.

MLflow's ``mlflow.models.predict`` can build a fresh environment (virtualenv, uv, conda) from the
model's requirements and score inside it. flowtrack scores in the current environment
(``env_manager="local"``), the same way its scoring server does: the input is parsed as a
scoring request (``dataframe_split``, ``inputs``, ... or CSV) and the output is MLflow's
``{"predictions": ...}`` JSON.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from flowtrack.exceptions import InvalidParameterError
from flowtrack.models.input_example import convert_input_example_to_serving_input

__all__ = [
    "SUPPORTED_ENV_MANAGERS",
    "predict",
    "validate_serving_input",
]

#: The environment managers ``predict`` supports.
SUPPORTED_ENV_MANAGERS = ("local",)
_MLFLOW_ENV_MANAGERS = ("local", "virtualenv", "uv", "conda")
_CONTENT_TYPES = ("json", "csv")


def validate_serving_input(model_uri: str, serving_input: str | Mapping[str, Any]) -> Any:
    """Check that a model accepts a scoring request, by scoring it; return the predictions.

    Args:
        model_uri: A local path, ``runs:/<run_id>/<path>``, ``models:/<name>/<version>``...
        serving_input: The request body, as JSON text or a decoded dict (e.g. what
            :func:`convert_input_example_to_serving_input` returns).

    Returns:
        The model's predictions.

    Raises:
        InvalidParameterError: The request is malformed, or the model refuses it (e.g. it does
            not match the model's signature).
        NotFoundError: No model at ``model_uri``.

    Example:
        >>> validate_serving_input(model_uri, '{"dataframe_split": {"columns": ["x"], ...}}')
        array([0, 1])
    """
    from flowtrack.pyfunc import load_model
    from flowtrack.serving.inputs import parse_json

    parsed = parse_json(serving_input)
    return load_model(model_uri).predict(parsed.data, params=parsed.params)


def _check_env(env_manager: str, pip_requirements_override: Any, extra_envs: Any) -> None:
    if env_manager not in SUPPORTED_ENV_MANAGERS:
        kind = "MLflow's" if env_manager in _MLFLOW_ENV_MANAGERS else "an unknown"
        raise InvalidParameterError(
            f"Unsupported env_manager {env_manager!r} ({kind} environment manager): flowtrack "
            f"scores in the current environment only; supported: {list(SUPPORTED_ENV_MANAGERS)}. "
            "Install the model's requirements.txt first, or serve it with a Docker image "
            "(flowtrack.models.build_docker)"
        )
    if pip_requirements_override:
        raise InvalidParameterError(
            "pip_requirements_override needs a separate environment, which env_manager='local' "
            "does not create: install the requirements into this environment instead"
        )
    if extra_envs:
        raise InvalidParameterError(
            f"extra_envs {sorted(extra_envs)} apply to a separate environment, which "
            "env_manager='local' does not create: set them in os.environ instead"
        )


def _serialized_input(input_data: Any, content_type: str) -> str:
    """Turn ``input_data`` into request text, as MLflow's ``predict`` does."""
    if content_type == "json":
        if isinstance(input_data, str):
            return input_data
        return convert_input_example_to_serving_input(input_data) or "{}"
    if isinstance(input_data, str):
        return input_data
    from flowtrack._private.optional import require

    pandas = require("pandas", "predict with content_type='csv'")
    if not isinstance(input_data, list | dict | pandas.DataFrame):
        raise InvalidParameterError(
            f"Invalid input_data of type {type(input_data).__name__} for content_type='csv': "
            "pass CSV text, a pandas.DataFrame, a list of rows or a dict of columns"
        )
    return str(pandas.DataFrame(input_data).to_csv(index=False))


def predict(
    model_uri: str,
    input_data: Any = None,
    input_path: str | os.PathLike[str] | None = None,
    content_type: str = "json",
    output_path: str | os.PathLike[str] | None = None,
    env_manager: str = "local",
    install_mlflow: bool = False,
    pip_requirements_override: Sequence[str] | None = None,
    extra_envs: Mapping[str, str] | None = None,
) -> None:
    """Score a model on some input and write ``{"predictions": ...}`` JSON.

    Args:
        model_uri: A local path, ``runs:/<run_id>/<path>``, ``models:/<name>/<version>``...
        input_data: The input: for ``"json"``, a DataFrame, array, dict, list, or request text
            in the scoring format; for ``"csv"``, CSV text, a DataFrame, a list or a dict.
        input_path: A file holding the input instead (JSON request or CSV).
        content_type: ``"json"`` (default) or ``"csv"``.
        output_path: Where to write the predictions; default standard output.
        env_manager: Only ``"local"`` (score in this environment). MLflow's ``"virtualenv"``,
            ``"uv"`` and ``"conda"`` are refused with an error saying so.
        install_mlflow: Accepted for MLflow compatibility; with ``"local"`` nothing is
            installed (as in MLflow).
        pip_requirements_override: Not supported with ``"local"`` (as in MLflow).
        extra_envs: Not supported with ``"local"``: set the variables in ``os.environ``.

    Raises:
        InvalidParameterError: Both or neither of ``input_data`` and ``input_path``, a bad
            content type, an unsupported environment manager or option, or bad input.
        NotFoundError: No model at ``model_uri``.

    Example:
        >>> flowtrack.models.predict(f"runs:/{run_id}/model", X_test, output_path="out.json")
    """
    from flowtrack.pyfunc import load_model
    from flowtrack.serving.inputs import parse_csv, parse_json
    from flowtrack.serving.outputs import dumps_predictions

    del install_mlflow
    _check_env(env_manager, pip_requirements_override, extra_envs)
    if content_type not in _CONTENT_TYPES:
        raise InvalidParameterError(
            f"Invalid content_type {content_type!r}: choose one of {list(_CONTENT_TYPES)}"
        )
    if (input_data is None) == (input_path is None):
        raise InvalidParameterError(
            "predict needs exactly one of input_data and input_path (got "
            f"{'both' if input_data is not None else 'neither'})"
        )
    if input_path is not None:
        body = Path(input_path).read_text(encoding="utf-8")
    else:
        body = _serialized_input(input_data, content_type)
    parsed = parse_json(body) if content_type == "json" else parse_csv(body)
    predictions = load_model(model_uri).predict(parsed.data, params=parsed.params)
    text = dumps_predictions(predictions).decode("utf-8")
    if output_path is None:
        sys.stdout.write(text + "\n")
    else:
        Path(output_path).write_text(text, encoding="utf-8")
