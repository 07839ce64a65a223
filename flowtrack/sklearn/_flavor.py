"""``save_model``, ``log_model``, ``load_model`` and the pyfunc loader of the sklearn flavor."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from flowtrack.exceptions import InvalidParameterError, MissingDependencyError, NotFoundError
from flowtrack.models import _saving
from flowtrack.models._log_model import copy_extra_files
from flowtrack.models._log_model import log_model as log_logged_model
from flowtrack.models._trust import PYFUNC_FLAVOR, check_model_paths, confined_path
from flowtrack.models.model import Model, ModelInfo
from flowtrack.sklearn._serialization import (
    SERIALIZATION_FORMAT_CLOUDPICKLE,
    SERIALIZATION_FORMAT_PICKLE,
    SERIALIZATION_FORMAT_SKOPS,
    load_model_file,
    save_model_file,
)

if TYPE_CHECKING:
    from flowtrack.models.signature import ModelSignature

__all__ = [
    "FLAVOR_NAME",
    "get_default_conda_env",
    "get_default_pip_requirements",
    "load_model",
    "log_model",
    "save_model",
]

FLAVOR_NAME = "sklearn"
_LOADER_MODULE = "mlflow.sklearn"
_PREDICT_FNS = ("predict", "predict_proba", "predict_log_proba", "predict_joint_log_proba", "score")


def _sklearn_version() -> str:
    try:
        import sklearn
    except ImportError as exc:
        raise MissingDependencyError(
            "The sklearn flavor needs scikit-learn: pip install 'flowtrack[sklearn]'"
        ) from exc
    return str(sklearn.__version__)


def get_default_pip_requirements(
    serialization_format: str = SERIALIZATION_FORMAT_SKOPS,
    *,
    include_cloudpickle: bool | None = None,
    include_skops: bool | None = None,
) -> list[str]:
    """Return the pinned requirements of a scikit-learn model saved in ``serialization_format``.

    scikit-learn, NumPy and SciPy always; plus skops or cloudpickle for those formats.

    Args:
        serialization_format: ``"skops"`` (flowtrack's default), ``"cloudpickle"`` or
            ``"pickle"``; ignored when ``include_cloudpickle`` or ``include_skops`` is given.
        include_cloudpickle: MLflow's switch: add cloudpickle.
        include_skops: MLflow's switch: add skops.

    Raises:
        InvalidParameterError: ``serialization_format`` is a bool (MLflow's first positional
            argument is ``include_cloudpickle``: pass it by keyword).

    Example:
        >>> [r.split("==")[0] for r in get_default_pip_requirements(include_cloudpickle=True)]
        ['scikit-learn', 'numpy', 'scipy', 'cloudpickle']
    """
    from flowtrack.models.requirements import installed_version, pinned_requirement

    if isinstance(serialization_format, bool):
        raise InvalidParameterError(
            f"get_default_pip_requirements got serialization_format={serialization_format!r}: "
            "pass MLflow's switches by keyword (include_cloudpickle=..., include_skops=...)"
        )
    packages = ["scikit-learn", "numpy", "scipy"]
    if include_cloudpickle is not None or include_skops is not None:
        packages += ["cloudpickle"] if include_cloudpickle else []
        packages += ["skops"] if include_skops else []
    elif serialization_format == SERIALIZATION_FORMAT_SKOPS:
        packages.append("skops")
    elif serialization_format == SERIALIZATION_FORMAT_CLOUDPICKLE:
        packages.append("cloudpickle")
    return [pinned_requirement(p) for p in packages if installed_version(p) is not None]


def get_default_conda_env(
    include_cloudpickle: bool = False, include_skops: bool = False
) -> dict[str, Any]:
    """Return the conda environment (``conda.yaml``) of a scikit-learn model.

    Args:
        include_cloudpickle: Add cloudpickle to its pip section.
        include_skops: Add skops to its pip section.

    Returns:
        This Python, pip, and :func:`get_default_pip_requirements` as its pip section.
    """
    from flowtrack.models.environment import conda_env_dict

    return conda_env_dict(
        get_default_pip_requirements(
            include_cloudpickle=include_cloudpickle, include_skops=include_skops
        )
    )


class _SklearnModelWrapper:
    """What ``PyFuncModel`` calls: ``predict`` (and the other prediction methods) of the model."""

    def __init__(self, sk_model: Any) -> None:
        self.sklearn_model = sk_model
        for name in _PREDICT_FNS[1:]:
            method = getattr(sk_model, name, None)
            if method is not None:
                setattr(self, name, method)

    def get_raw_model(self) -> Any:
        """Return the estimator."""
        return self.sklearn_model

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        """Return ``estimator.predict(data)`` (scikit-learn takes no inference params)."""
        del params
        return self.sklearn_model.predict(data)


def save_model(
    sk_model: Any,
    path: str | os.PathLike[str],
    conda_env: Mapping[str, Any] | str | None = None,
    code_paths: Iterable[str | os.PathLike[str]] | None = None,
    mlflow_model: Model | None = None,
    serialization_format: str | None = None,
    signature: ModelSignature | bool | None = None,
    input_example: Any = None,
    pip_requirements: Iterable[str] | str | None = None,
    extra_pip_requirements: Iterable[str] | str | None = None,
    pyfunc_predict_fn: str = "predict",
    metadata: Mapping[str, Any] | None = None,
    skops_trusted_types: Iterable[str] | None = None,
    extra_files: Iterable[str] | None = None,
) -> None:
    """Save a scikit-learn estimator as a model directory (``sklearn`` + ``python_function``).

    Args:
        sk_model: A fitted estimator (a ``Pipeline``, a search CV...).
        path: A new local directory.
        conda_env: A conda environment (dict or YAML file) instead of the generated one.
        code_paths: Files and directories copied into ``code/``, put on ``sys.path`` at load.
        mlflow_model: The :class:`~flowtrack.models.Model` to add the flavors to.
        serialization_format: ``"skops"``, ``"cloudpickle"`` or ``"pickle"``; ``None`` (the
            default) uses skops when the model needs only scikit-learn/NumPy/SciPy classes,
            else cloudpickle (see :mod:`flowtrack.sklearn`). Pickle formats run code at load.
        signature: The model's signature; ``None`` infers it from ``input_example``,
            ``False`` records none.
        input_example: A few rows of valid input, saved with the model.
        pip_requirements: Replace the default requirements.
        extra_pip_requirements: Add to the default requirements.
        pyfunc_predict_fn: The method the ``python_function`` flavor calls: ``"predict"``,
            ``"predict_proba"``, ``"predict_log_proba"``, ``"predict_joint_log_proba"`` or
            ``"score"``.
        metadata: Custom ``{key: value}`` metadata recorded in ``MLmodel``.
        skops_trusted_types: For skops: the only extra types the file may need (saving fails
            otherwise); implies ``serialization_format="skops"``.
        extra_files: Files (local paths or URIs) copied into the model's ``extra_files/``
            directory and listed in the ``sklearn`` flavor, as MLflow does.

    Raises:
        InvalidParameterError: Invalid or conflicting arguments.
        AlreadyExistsError: ``path`` exists and is not empty.
        MissingDependencyError: scikit-learn (or skops, when asked for) is not installed.

    Example:
        >>> clf = RandomForestClassifier().fit(X, y)
        >>> flowtrack.sklearn.save_model(clf, "rf_model", input_example=X[:5])
    """
    from flowtrack.models.environment import write_environment
    from flowtrack.models.requirements import infer_pickle_requirements

    sklearn_version = _sklearn_version()
    if pyfunc_predict_fn not in _PREDICT_FNS:
        raise InvalidParameterError(
            f"Invalid pyfunc_predict_fn {pyfunc_predict_fn!r}: use one of {list(_PREDICT_FNS)}"
        )
    model_dir = _saving.prepare_model_dir(path)
    model = mlflow_model if mlflow_model is not None else Model()
    code = _saving.copy_code_paths(code_paths, model_dir)
    example = _saving.save_example(model, model_dir, input_example)
    predict = getattr(sk_model, pyfunc_predict_fn, None)
    model.signature = _saving.resolve_signature(signature, example, predict)
    if metadata is not None:
        model.metadata = dict(metadata)
    saved = save_model_file(sk_model, model_dir, serialization_format, skops_trusted_types)
    extra = copy_extra_files(extra_files, model_dir)
    if predict is not None:
        _saving.add_pyfunc_flavor(
            model,
            _LOADER_MODULE,
            model_path=saved.file_name,
            predict_fn=pyfunc_predict_fn,
            code=code,
        )
    flavor: dict[str, Any] = {
        "pickled_model": saved.file_name,
        "sklearn_version": sklearn_version,
        "serialization_format": saved.serialization_format,
        "code": code,
    }
    if saved.serialization_format == SERIALIZATION_FORMAT_SKOPS:
        flavor["skops_trusted_types"] = saved.skops_trusted_types
    model.add_flavor(FLAVOR_NAME, **flavor, **extra)
    _saving.write_mlmodel(model, model_dir)
    defaults = get_default_pip_requirements(saved.serialization_format)
    if saved.serialization_format != SERIALIZATION_FORMAT_SKOPS:
        inferred = infer_pickle_requirements(os.path.join(model_dir, saved.file_name))
        defaults = sorted(set(defaults) | set(inferred))
    write_environment(model_dir, defaults, pip_requirements, extra_pip_requirements, conda_env)


def log_model(
    sk_model: Any,
    artifact_path: str | None = None,
    conda_env: Mapping[str, Any] | str | None = None,
    code_paths: Iterable[str | os.PathLike[str]] | None = None,
    serialization_format: str | None = None,
    registered_model_name: str | None = None,
    signature: ModelSignature | bool | None = None,
    input_example: Any = None,
    await_registration_for: int | None = 300,
    pip_requirements: Iterable[str] | str | None = None,
    extra_pip_requirements: Iterable[str] | str | None = None,
    pyfunc_predict_fn: str = "predict",
    metadata: Mapping[str, Any] | None = None,
    extra_files: Iterable[str] | None = None,
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, Any] | None = None,
    model_type: str | None = None,
    step: int = 0,
    model_id: str | None = None,
    *,
    name: str | None = None,
    skops_trusted_types: Iterable[str] | None = None,
) -> ModelInfo:
    """Save a scikit-learn estimator (see :func:`save_model`) and log it as a logged model.

    The model is an MLflow 3 logged model (see :mod:`flowtrack.models._log_model`), linked to
    the active run (if any) as an output at ``step``.

    Args:
        sk_model: A fitted estimator.
        artifact_path: Deprecated: the model's name (MLflow 2 style); use ``name``.
        name: The logged model's name (``log_model(clf, name="model")``); default generated.
        registered_model_name: Also register the model as a new version of this registered
            model (created when missing); ``info.registered_model_version`` is its number.
        params: ``{key: value}`` params of the logged model (the run's params are added).
        tags: ``{key: value}`` tags of the logged model (and of the registered version).
        model_type: A free-form kind of model (``"classifier"``...).
        step: The training step the model was logged at.
        model_id: Log into this existing logged model instead of creating one.
        await_registration_for: Accepted for MLflow compatibility; registration is synchronous.
        conda_env, code_paths, serialization_format, signature, input_example,
        pip_requirements, extra_pip_requirements, pyfunc_predict_fn, metadata,
        skops_trusted_types, extra_files: As in :func:`save_model`.

    Returns:
        The model's info; ``model_uri`` is ``models:/<model_id>``.

    Raises:
        InvalidParameterError: Invalid arguments (also an invalid ``registered_model_name``).

    Example:
        >>> with flowtrack.start_run():
        ...     info = flowtrack.sklearn.log_model(clf, name="model")
        >>> flowtrack.sklearn.load_model(info.model_uri).predict(X[:2])
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
        sk_model=sk_model,
        conda_env=conda_env,
        code_paths=code_paths,
        serialization_format=serialization_format,
        signature=signature,
        input_example=input_example,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        pyfunc_predict_fn=pyfunc_predict_fn,
        metadata=metadata,
        skops_trusted_types=skops_trusted_types,
        extra_files=extra_files,
    )


def _load_from_dir(model_dir: str, trust_model: bool) -> Any:
    meta = Model.load(model_dir)
    conf = meta.flavors.get(FLAVOR_NAME)
    if conf is None:
        raise NotFoundError(
            f"The model in {model_dir!r} has no {FLAVOR_NAME!r} flavor (it has "
            f"{sorted(meta.flavors)})"
        )
    check_model_paths(model_dir, meta.flavors, trust_model)
    from flowtrack.pyfunc.loaders import add_code_to_path

    add_code_to_path(model_dir, conf, trust_model)
    file = confined_path(model_dir, conf.get("pickled_model"), "pickled_model", trust_model)
    return load_model_file(
        file,
        conf.get("serialization_format", SERIALIZATION_FORMAT_PICKLE),
        conf.get("skops_trusted_types"),
        trust_model,
    )


def load_model(
    model_uri: str, dst_path: str | os.PathLike[str] | None = None, trust_model: bool = False
) -> Any:
    """Load a scikit-learn model (flowtrack's or MLflow's) and return the estimator.

    **Loading a model may run code**: models in ``pickle`` or ``cloudpickle`` format execute
    what their author put in the file. Load only models from people you trust. ``skops``
    models build only trusted types; without ``trust_model=True`` flowtrack trusts only the
    scikit-learn/NumPy/SciPy classes the model records, and refuses ``MLmodel`` paths that leave
    the model directory.

    Args:
        model_uri: A local path, ``file://``, ``runs:/<run_id>/<path>`` or fsspec URL.
        dst_path: A local directory to download the model into (default: a temporary one).
        trust_model: Lift the checks above; only for models from trusted sources.

    Returns:
        The fitted estimator.

    Raises:
        NotFoundError: No model there, or it has no ``sklearn`` flavor.
        PermissionDeniedError: A check above failed.

    Example:
        >>> clf = flowtrack.sklearn.load_model("runs:/9f2c.../model")
    """
    from flowtrack.models.uri import download_model

    return _load_from_dir(download_model(model_uri, dst_path), trust_model)


def _load_pyfunc(
    path: str, model_config: Mapping[str, Any] | None = None, *, trust_model: bool = False
) -> _SklearnModelWrapper:
    """The pyfunc loader for ``mlflow.sklearn``: the model directory, or (old MLflow) its file."""
    del model_config  # scikit-learn models take no configuration
    if os.path.isfile(path):
        # MLflow <= 1.9 pointed the pyfunc flavor's ``data`` at a plain pickle.
        return _SklearnModelWrapper(load_model_file(path, SERIALIZATION_FORMAT_PICKLE, None, False))
    meta = Model.load(path)
    if FLAVOR_NAME in meta.flavors:
        return _SklearnModelWrapper(_load_from_dir(path, trust_model))
    conf = meta.flavors.get(PYFUNC_FLAVOR, {})
    file = confined_path(path, conf.get("model_path"), "model_path", trust_model)
    return _SklearnModelWrapper(load_model_file(file, SERIALIZATION_FORMAT_PICKLE, None, False))
