"""Steps the flavors' ``save_model`` share: directory, code, example, ``MLmodel``.

``log_model`` is in :mod:`flowtrack.models._log_model`.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from flowtrack.exceptions import AlreadyExistsError, InvalidParameterError
from flowtrack.models._trust import PYFUNC_FLAVOR
from flowtrack.models.environment import pyfunc_env_conf, python_version
from flowtrack.models.model import MLMODEL_FILE_NAME, Model

if TYPE_CHECKING:
    from flowtrack.models.signature import ModelSignature

__all__ = [
    "CODE_DIR",
    "add_pyfunc_flavor",
    "copy_code_paths",
    "prepare_model_dir",
    "resolve_signature",
    "save_example",
    "write_mlmodel",
]

_LOGGER = logging.getLogger("flowtrack.models")

CODE_DIR = "code"


def prepare_model_dir(path: str | os.PathLike[str]) -> str:
    """Create the model directory; it must not exist yet (or be empty).

    Raises:
        AlreadyExistsError: ``path`` exists and is not an empty directory.
    """
    directory = os.path.abspath(os.fspath(path))
    if os.path.exists(directory) and (not os.path.isdir(directory) or os.listdir(directory)):
        raise AlreadyExistsError(
            f"Cannot save a model to {directory!r}: the path already exists; choose a new "
            "directory (or an empty one)"
        )
    os.makedirs(directory, exist_ok=True)
    return directory


def copy_code_paths(
    code_paths: Iterable[str | os.PathLike[str]] | None, model_dir: str
) -> str | None:
    """Copy files and directories into ``<model_dir>/code``, which loaders put on ``sys.path``.

    Returns:
        ``"code"``, or ``None`` when there is nothing to copy.

    Raises:
        InvalidParameterError: ``code_paths`` is a string, or a path does not exist.
    """
    if code_paths is None:
        return None
    if isinstance(code_paths, str | bytes | os.PathLike):
        raise InvalidParameterError(
            f"Invalid code_paths {code_paths!r}: expected a list of paths, e.g. ['src/utils.py']"
        )
    sources = [os.fspath(p) for p in code_paths]
    if not sources:
        return None
    target_dir = os.path.join(model_dir, CODE_DIR)
    os.makedirs(target_dir, exist_ok=True)
    for source in sources:
        target = os.path.join(target_dir, os.path.basename(os.path.normpath(source)))
        if os.path.isdir(source):
            shutil.copytree(source, target, dirs_exist_ok=True)
        elif os.path.isfile(source):
            shutil.copy2(source, target)
        else:
            raise InvalidParameterError(
                f"Invalid code path {source!r}: it is neither a file nor a directory"
            )
    return CODE_DIR


def save_example(model: Model, model_dir: str, input_example: Any) -> Any:
    """Save ``input_example`` into the model directory and record it in ``MLmodel``.

    Returns:
        The example as given (``None`` when there is none).
    """
    if input_example is None:
        return None
    from flowtrack.models.input_example import save_input_example

    model.saved_input_example_info = save_input_example(model_dir, input_example)
    return input_example


def resolve_signature(
    signature: ModelSignature | bool | None,
    example: Any,
    predict: Callable[[Any], Any] | None,
) -> ModelSignature | None:
    """Return the signature to record: the given one, or one inferred from the input example.

    Args:
        signature: A signature, ``None`` (infer from the example, if any) or ``False`` (none).
        example: The input example (or ``(example, params)``), or ``None``.
        predict: Produces the model's output for the example (for the output schema); ``None``
            infers the input schema only.

    Raises:
        InvalidParameterError: ``signature`` is ``True`` or not a signature.
    """
    from flowtrack.models.signature import ModelSignature, infer_signature

    if signature is False:
        return None
    if isinstance(signature, ModelSignature):
        return signature
    if signature is not None:
        raise InvalidParameterError(
            f"Invalid signature {signature!r}: expected a ModelSignature (see "
            "flowtrack.models.infer_signature), None to infer it from the input example, or "
            "False for none"
        )
    if example is None:
        return None
    params = None
    if isinstance(example, tuple) and len(example) == 2 and isinstance(example[1], dict):
        example, params = example  # MLflow's (input, params) example form
    output = None
    if predict is not None:
        try:
            output = predict(example)
        except Exception as exc:  # a model that cannot score its own example still saves
            _LOGGER.warning(
                "Recording the input schema only: the model failed on its input example (%s: %s)",
                type(exc).__name__,
                exc,
            )
    return infer_signature(example, output, params)


def add_pyfunc_flavor(model: Model, loader_module: str, **conf: Any) -> None:
    """Add the ``python_function`` flavor with MLflow's keys (``env``, ``python_version``).

    Args:
        model: The model.
        loader_module: The module MLflow imports to load it (``mlflow.sklearn``...).
        **conf: More keys (``model_path``, ``python_model``, ``code``...); ``None`` values are
            left out.
    """
    entries = {key: value for key, value in conf.items() if value is not None}
    model.add_flavor(
        PYFUNC_FLAVOR,
        loader_module=loader_module,
        python_version=python_version(),
        env=pyfunc_env_conf(),
        **entries,
    )


def write_mlmodel(model: Model, model_dir: str) -> None:
    """Write ``<model_dir>/MLmodel``, recording the size of the files saved so far.

    MLflow's ``model_size_bytes``: the flavors call this before writing the environment files
    (``requirements.txt``, ``conda.yaml``...), which MLflow does not count either.
    """
    model.model_size_bytes = sum(
        os.path.getsize(os.path.join(root, name))
        for root, _, names in os.walk(model_dir)
        for name in names
        if os.path.join(root, name) != os.path.join(model_dir, MLMODEL_FILE_NAME)
    )
    model.save(os.path.join(model_dir, MLMODEL_FILE_NAME))
