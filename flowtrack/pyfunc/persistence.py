"""``save_model``, ``log_model`` and ``load_model`` for the ``python_function`` flavor."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowtrack.exceptions import InvalidParameterError
from flowtrack.models import _saving
from flowtrack.models._log_model import log_model as log_logged_model
from flowtrack.models.model import Model, ModelInfo
from flowtrack.pyfunc.model import (
    CONFIG_KEY_ARTIFACTS,
    CONFIG_KEY_CLOUDPICKLE_VERSION,
    CONFIG_KEY_MODEL_CONFIG,
    CONFIG_KEY_PYTHON_MODEL,
    PythonModel,
    PythonModelContext,
    PythonModelWrapper,
    _FunctionPythonModel,
)

if TYPE_CHECKING:
    from flowtrack.models.signature import ModelSignature
    from flowtrack.pyfunc.pyfunc_model import PyFuncModel

__all__ = ["get_default_pip_requirements", "load_model", "log_model", "save_model"]

_PYTHON_MODEL_FILE = "python_model.pkl"
_ARTIFACTS_DIR = "artifacts"
_CUSTOM_LOADER = "mlflow.pyfunc.model"
_PYFUNC = "python_function"


def get_default_pip_requirements() -> list[str]:
    """Return the pinned requirements every custom model needs: cloudpickle and flowtrack."""
    from flowtrack.models.requirements import installed_version, pinned_requirement

    requirements = [pinned_requirement("cloudpickle")]
    if installed_version("flowtrack") is not None:
        requirements.append(pinned_requirement("flowtrack"))
    return requirements


def _save_artifacts(artifacts: Mapping[str, str], model_dir: str) -> dict[str, dict[str, str]]:
    from flowtrack.models.uri import download_uri

    if not isinstance(artifacts, Mapping):
        raise InvalidParameterError(
            f"Invalid artifacts {artifacts!r}: expected a dict of name -> URI or local path"
        )
    target = os.path.join(model_dir, _ARTIFACTS_DIR)
    saved: dict[str, dict[str, str]] = {}
    for name, uri in artifacts.items():
        if not isinstance(name, str) or not isinstance(uri, str | os.PathLike):
            raise InvalidParameterError(
                f"Invalid artifact {name!r}: {uri!r}: expected a name and a URI or local path"
            )
        local = download_uri(os.fspath(uri), target)
        relative = os.path.relpath(local, model_dir).replace(os.sep, "/")
        if any(info["path"] == relative for info in saved.values()):
            raise InvalidParameterError(
                f"Invalid artifacts: {name!r} and another artifact both save to {relative!r}; "
                "give them different file or directory names"
            )
        saved[name] = {"path": relative, "uri": os.fspath(uri)}
    return saved


def _save_python_model(
    model_dir: str,
    python_model: Any,
    artifacts: Mapping[str, str] | None,
) -> tuple[Any, dict[str, Any]]:
    import cloudpickle

    if callable(python_model) and not isinstance(python_model, PythonModel):
        python_model = _FunctionPythonModel(python_model)
    if not callable(getattr(python_model, "predict", None)):
        raise InvalidParameterError(
            f"Invalid python_model {type(python_model).__name__}: expected a "
            "flowtrack.pyfunc.PythonModel subclass instance or a function of model_input"
        )
    conf: dict[str, Any] = {
        CONFIG_KEY_CLOUDPICKLE_VERSION: cloudpickle.__version__,
        CONFIG_KEY_PYTHON_MODEL: _PYTHON_MODEL_FILE,
    }
    if artifacts:
        conf[CONFIG_KEY_ARTIFACTS] = _save_artifacts(artifacts, model_dir)
    with open(os.path.join(model_dir, _PYTHON_MODEL_FILE), "wb") as f:
        cloudpickle.dump(python_model, f)
    return python_model, conf


def save_model(
    path: str | os.PathLike[str],
    loader_module: str | None = None,
    data_path: str | os.PathLike[str] | None = None,
    code_paths: Iterable[str | os.PathLike[str]] | None = None,
    conda_env: Mapping[str, Any] | str | None = None,
    mlflow_model: Model | None = None,
    python_model: PythonModel | Callable[[Any], Any] | None = None,
    artifacts: Mapping[str, str] | None = None,
    signature: ModelSignature | bool | None = None,
    input_example: Any = None,
    pip_requirements: Iterable[str] | str | None = None,
    extra_pip_requirements: Iterable[str] | str | None = None,
    metadata: Mapping[str, Any] | None = None,
    model_config: Mapping[str, Any] | None = None,
    infer_code_paths: bool = False,
    uv_project_path: str | Path | None = None,
    uv_groups: Sequence[str] | None = None,
    uv_extras: Sequence[str] | None = None,
) -> None:
    """Save a custom Python model (or data plus a loader module) as a model directory.

    Give either ``python_model`` (serialized with cloudpickle; **loading it runs code**) or
    ``loader_module`` with ``data_path`` (MLflow's second workflow; loading such a model needs
    ``trust_model=True`` unless the loader is a known flavor).

    Args:
        path: A new local directory.
        loader_module: A module with ``_load_pyfunc(data_path)``, for ``data_path`` models.
        data_path: A file or directory copied into the model as ``data``.
        code_paths: Files and directories copied into ``code/``, put on ``sys.path`` at load.
        conda_env: A conda environment (dict or YAML file) instead of the generated one.
        mlflow_model: The :class:`~flowtrack.models.Model` to add the flavor to (log_model).
        python_model: A :class:`PythonModel` instance, or a function ``f(model_input)``.
        artifacts: ``{name: URI or local path}`` copied into ``artifacts/``; the model sees
            their local paths in ``context.artifacts``.
        signature: The model's signature; ``None`` infers it from ``input_example`` (calling
            the model on it), ``False`` records none.
        input_example: A few rows of valid input, saved with the model.
        pip_requirements: Replace the default requirements (cloudpickle, flowtrack, and the
            packages the pickle refers to).
        extra_pip_requirements: Add to the default requirements.
        metadata: Custom ``{key: value}`` metadata recorded in ``MLmodel``.
        model_config: ``{key: value}`` configuration the model sees as
            ``context.model_config`` (overridable at load time).
        infer_code_paths: Load the saved model in a fresh process (in the current directory)
            and copy the local modules it imports into ``code/`` (instead of ``code_paths``).
        uv_project_path: A uv project (``uv.lock`` and ``pyproject.toml``): the requirements
            come from its lock file (``uv export``; see
            :func:`~flowtrack.models.infer_pip_requirements`) instead of the pickle, and its
            ``uv.lock``, ``pyproject.toml`` and ``.python-version`` are saved with the model.
            Unlike MLflow, no uv project is looked for in the current directory by itself.
        uv_groups: uv dependency groups to include in the requirements.
        uv_extras: Optional-dependency extras to include in the requirements.

    Raises:
        InvalidParameterError: Invalid or conflicting arguments (``infer_code_paths`` with
            ``code_paths``, ``uv_groups`` / ``uv_extras`` without ``uv_project_path``, a
            directory that is not a uv project).
        AlreadyExistsError: ``path`` exists and is not empty.
        MissingDependencyError: ``uv_project_path`` but no ``uv`` executable on PATH.

    Example:
        >>> flowtrack.pyfunc.save_model("my_model", python_model=AddN(5), input_example=[1, 2])
    """
    from flowtrack.models.environment import write_environment
    from flowtrack.models.requirements import infer_pickle_requirements
    from flowtrack.pyfunc._code_paths import check_infer_code_paths
    from flowtrack.pyfunc._uv_project import check_uv_project, uv_requirements

    check_infer_code_paths(infer_code_paths, code_paths)
    exports_uv = uv_project_path is not None and pip_requirements is None and conda_env is None
    check_uv_project(uv_project_path, uv_groups, uv_extras, exports_uv)
    if (python_model is None) == (loader_module is None):
        raise InvalidParameterError(
            "Give exactly one of python_model (a PythonModel instance or function) and "
            "loader_module (with data_path)"
        )
    if loader_module is not None and data_path is None:
        raise InvalidParameterError(
            f"loader_module={loader_module!r} needs data_path: the file or directory that "
            "its _load_pyfunc(data_path) reads"
        )
    model_dir = _saving.prepare_model_dir(path)
    model = mlflow_model if mlflow_model is not None else Model()
    code = _saving.copy_code_paths(code_paths, model_dir)
    example = _saving.save_example(model, model_dir, input_example)
    conf: dict[str, Any] = {"code": code, CONFIG_KEY_MODEL_CONFIG: model_config}
    defaults: list[str] = []
    if python_model is not None:
        python_model, model_conf = _save_python_model(model_dir, python_model, artifacts)
        conf.update(model_conf)
        defaults = sorted(
            set(get_default_pip_requirements())
            | set(infer_pickle_requirements(os.path.join(model_dir, _PYTHON_MODEL_FILE)))
        )
        _saving.add_pyfunc_flavor(model, _CUSTOM_LOADER, **conf)
    else:
        from flowtrack.models.uri import download_uri

        local = download_uri(os.fspath(data_path or ""), model_dir)
        conf["data"] = os.path.relpath(local, model_dir).replace(os.sep, "/")
        _saving.add_pyfunc_flavor(model, str(loader_module), **conf)
    if metadata is not None:
        model.metadata = dict(metadata)
    model.signature = _saving.resolve_signature(
        signature, example, _predictor(python_model, model_dir, conf) if python_model else None
    )
    _saving.write_mlmodel(model, model_dir)
    if infer_code_paths:
        _infer_code(model, model_dir)
    if exports_uv and uv_project_path is not None:
        defaults = uv_requirements(
            uv_project_path, uv_groups, uv_extras, get_default_pip_requirements()
        )
    write_environment(model_dir, defaults, pip_requirements, extra_pip_requirements, conda_env)
    if uv_project_path is not None:
        from flowtrack.models._uv import copy_uv_project_files

        copy_uv_project_files(uv_project_path, model_dir)


def _infer_code(model: Model, model_dir: str) -> None:
    """Copy the local modules the saved model imports into ``code/``; record it in MLmodel."""
    from flowtrack.pyfunc._code_paths import infer_and_copy_code_paths

    code = infer_and_copy_code_paths(model_dir, _PYFUNC)
    if code is not None:
        model.flavors[_PYFUNC]["code"] = code
        _saving.write_mlmodel(model, model_dir)


def _predictor(python_model: Any, model_dir: str, conf: Mapping[str, Any]) -> Callable[[Any], Any]:
    """Predict on the example as the loaded model will: with the saved artifacts' context."""

    def predict(example: Any) -> Any:
        artifacts = {
            name: os.path.join(model_dir, info["path"])
            for name, info in (conf.get(CONFIG_KEY_ARTIFACTS) or {}).items()
        }
        context = PythonModelContext(artifacts, conf.get(CONFIG_KEY_MODEL_CONFIG))
        python_model.load_context(context=context)
        return PythonModelWrapper(python_model, context).predict(example)

    return predict


def log_model(
    artifact_path: str | None = None,
    loader_module: str | None = None,
    data_path: str | os.PathLike[str] | None = None,
    code_paths: Iterable[str | os.PathLike[str]] | None = None,
    conda_env: Mapping[str, Any] | str | None = None,
    python_model: PythonModel | Callable[[Any], Any] | None = None,
    artifacts: Mapping[str, str] | None = None,
    registered_model_name: str | None = None,
    signature: ModelSignature | bool | None = None,
    input_example: Any = None,
    await_registration_for: int | None = 300,
    pip_requirements: Iterable[str] | str | None = None,
    extra_pip_requirements: Iterable[str] | str | None = None,
    metadata: Mapping[str, Any] | None = None,
    model_config: Mapping[str, Any] | None = None,
    *,
    name: str | None = None,
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, Any] | None = None,
    model_type: str | None = None,
    step: int = 0,
    model_id: str | None = None,
    infer_code_paths: bool = False,
    uv_project_path: str | Path | None = None,
    uv_groups: Sequence[str] | None = None,
    uv_extras: Sequence[str] | None = None,
) -> ModelInfo:
    """Save a custom model (see :func:`save_model`) and log it as a logged model.

    The model is an MLflow 3 logged model (see :mod:`flowtrack.models._log_model`), linked to
    the active run (if any) as an output at ``step``.

    Args:
        artifact_path: Deprecated: the model's name (MLflow 2 style); use ``name``.
        name: The logged model's name; default a generated one.
        registered_model_name: Also register the model as a new version of this registered
            model (created when missing); ``info.registered_model_version`` is its number.
        await_registration_for: Accepted for MLflow compatibility; registration is synchronous.
        params: ``{key: value}`` params of the logged model (the run's params are added).
        tags: ``{key: value}`` tags of the logged model (and of the registered version).
        model_type: A free-form kind of model.
        step: The training step the model was logged at.
        model_id: Log into this existing logged model instead of creating one.
        loader_module, data_path, code_paths, conda_env, python_model, artifacts, signature,
        input_example, pip_requirements, extra_pip_requirements, metadata, model_config,
        infer_code_paths, uv_project_path, uv_groups, uv_extras: As in :func:`save_model`.

    Returns:
        The model's info; load it with ``load_model(info.model_uri)`` (``models:/<model_id>``).

    Raises:
        InvalidParameterError: Invalid arguments (also an invalid ``registered_model_name``).

    Example:
        >>> with flowtrack.start_run():
        ...     info = flowtrack.pyfunc.log_model(name="model", python_model=AddN(5))
        >>> flowtrack.pyfunc.load_model(info.model_uri).predict(1)
        6
    """
    return log_logged_model(
        save_model,
        artifact_path=artifact_path,
        name=name,
        registered_model_name=registered_model_name,
        await_registration_for=await_registration_for,
        params=params,
        tags=tags,
        model_type=model_type,
        step=step,
        model_id=model_id,
        loader_module=loader_module,
        data_path=data_path,
        code_paths=code_paths,
        conda_env=conda_env,
        python_model=python_model,
        artifacts=artifacts,
        signature=signature,
        input_example=input_example,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        metadata=metadata,
        model_config=model_config,
        infer_code_paths=infer_code_paths,
        uv_project_path=uv_project_path,
        uv_groups=uv_groups,
        uv_extras=uv_extras,
    )


def load_model(
    model_uri: str,
    suppress_warnings: bool = False,
    dst_path: str | os.PathLike[str] | None = None,
    model_config: Mapping[str, Any] | None = None,
    trust_model: bool = False,
) -> PyFuncModel:
    """Load any model with a ``python_function`` flavor (flowtrack's or MLflow's).

    **Loading a model runs code**: pickled models (scikit-learn in pickle/cloudpickle format,
    custom ``PythonModel`` s) execute what their author put in the pickle. Load only models from
    people you trust. Without ``trust_model=True``, flowtrack refuses models whose
    ``loader_module`` is not a known flavor, whose ``MLmodel`` paths leave the model directory,
    or whose skops file lists types outside scikit-learn/NumPy/SciPy.

    Args:
        model_uri: A local path, ``file://``, ``runs:/<run_id>/<path>``, or fsspec URL
            (``s3://``, ``memory://``...), or ``models:/<name>/<version|stage|latest>`` or
            ``models:/<name>@<alias>``.
        suppress_warnings: Do not log warnings about Python or package version differences.
        dst_path: A local directory to download the model into (default: a temporary one;
            local models are used in place).
        model_config: Overrides the configuration saved with a custom model.
        trust_model: Lift the checks above; only for models from trusted sources.

    Returns:
        The model; ``predict(data, params=None)`` enforces its signature.

    Raises:
        NotFoundError: No model there, or it has no ``python_function`` flavor.
        PermissionDeniedError: One of the checks above failed.
        InvalidParameterError: A malformed URI or ``MLmodel``.

    Example:
        >>> model = flowtrack.pyfunc.load_model("runs:/9f2c.../model")
        >>> model.predict(pd.DataFrame({"x": [1.0]}))
    """
    from flowtrack.models.uri import download_model
    from flowtrack.pyfunc.loaders import load_local_pyfunc

    local = download_model(model_uri, dst_path)
    return load_local_pyfunc(local, model_config, trust_model, suppress_warnings)
