"""Writing and reading a scikit-learn model file in MLflow's three formats.

- ``skops``: a zip of JSON and arrays read by ``skops.io``, which builds only types it trusts;
  the types the file needs beyond skops's defaults are recorded exactly in ``MLmodel`` as
  ``skops_trusted_types`` (MLflow's key), and checked at load by
  :func:`~flowtrack.models._trust.check_skops_trusted_types`.
- ``cloudpickle`` and ``pickle``: Python pickles. **Loading them runs code from the file.**

:func:`choose_format` picks the default (see :mod:`flowtrack.sklearn` for the decision).
"""

from __future__ import annotations

import logging
import os
import pickle
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flowtrack.exceptions import InvalidParameterError, MissingDependencyError

__all__ = [
    "SERIALIZATION_FORMAT_CLOUDPICKLE",
    "SERIALIZATION_FORMAT_PICKLE",
    "SERIALIZATION_FORMAT_SKOPS",
    "SUPPORTED_SERIALIZATION_FORMATS",
    "SavedModelFile",
    "load_model_file",
    "save_model_file",
]

_LOGGER = logging.getLogger("flowtrack.sklearn")

SERIALIZATION_FORMAT_PICKLE = "pickle"
SERIALIZATION_FORMAT_CLOUDPICKLE = "cloudpickle"
SERIALIZATION_FORMAT_SKOPS = "skops"
SUPPORTED_SERIALIZATION_FORMATS = [
    SERIALIZATION_FORMAT_PICKLE,
    SERIALIZATION_FORMAT_CLOUDPICKLE,
    SERIALIZATION_FORMAT_SKOPS,
]

_SKOPS_INSTALL = "pip install 'flowtrack[skops]'"


@dataclass(frozen=True, slots=True)
class SavedModelFile:
    """A written model file.

    Attributes:
        file_name: Its name inside the model directory.
        serialization_format: The format used.
        skops_trusted_types: For skops: the type names the file needs beyond skops's defaults.
    """

    file_name: str
    serialization_format: str
    skops_trusted_types: list[str] = field(default_factory=list)


def _skops_io() -> Any:
    try:
        import skops.io
    except ImportError as exc:
        raise MissingDependencyError(
            f"The skops serialization format needs skops: {_SKOPS_INSTALL}"
        ) from exc
    return skops.io


def _check_format(serialization_format: Any) -> str:
    if serialization_format not in SUPPORTED_SERIALIZATION_FORMATS:
        raise InvalidParameterError(
            f"Unrecognized serialization format {serialization_format!r}: use one of "
            f"{SUPPORTED_SERIALIZATION_FORMATS} (or None for the default)"
        )
    return str(serialization_format)


def _skops_bytes(sk_model: Any) -> tuple[bytes, list[str]]:
    """Serialize with skops (compressed); return the bytes and the extra types they need."""
    sio = _skops_io()
    data = sio.dumps(sk_model, compression=zipfile.ZIP_DEFLATED)
    return data, sorted(sio.get_untrusted_types(data=data))


def choose_format(sk_model: Any) -> tuple[str, bytes | None, list[str]]:
    """Pick the default format: skops when it describes the model with vetted types only.

    Returns:
        ``(format, skops bytes or None, needed types)``; the bytes are reused when writing.
    """
    from flowtrack.models._trust import is_vetted_skops_type

    try:
        data, needed = _skops_bytes(sk_model)
    except MissingDependencyError:
        _LOGGER.info("Saving with cloudpickle: skops is not installed (%s)", _SKOPS_INSTALL)
        return SERIALIZATION_FORMAT_CLOUDPICKLE, None, []
    except Exception as exc:  # skops cannot represent this model; cloudpickle can
        _LOGGER.info("Saving with cloudpickle: skops cannot serialize this model (%s)", exc)
        return SERIALIZATION_FORMAT_CLOUDPICKLE, None, []
    outside = [name for name in needed if not is_vetted_skops_type(name)]
    if outside:
        _LOGGER.info(
            "Saving with cloudpickle: the model needs types skops would only load if trusted "
            "explicitly: %s",
            outside,
        )
        return SERIALIZATION_FORMAT_CLOUDPICKLE, None, []
    return SERIALIZATION_FORMAT_SKOPS, data, needed


def save_model_file(
    sk_model: Any,
    model_dir: str,
    serialization_format: str | None,
    skops_trusted_types: Iterable[str] | None = None,
) -> SavedModelFile:
    """Write the model file into ``model_dir``.

    Args:
        sk_model: The estimator.
        model_dir: The model directory.
        serialization_format: ``"skops"``, ``"cloudpickle"``, ``"pickle"``, or ``None`` for the
            default (:func:`choose_format`).
        skops_trusted_types: For skops: the types the caller allows the file to need; saving
            fails if it needs others. ``None``: whatever it needs (all are recorded).

    Raises:
        InvalidParameterError: Unknown format, or the model needs types outside
            ``skops_trusted_types``.
        MissingDependencyError: skops is requested but not installed.
    """
    data: bytes | None = None
    needed: list[str] = []
    if serialization_format is None and skops_trusted_types is None:
        fmt, data, needed = choose_format(sk_model)
    else:
        fmt = _check_format(serialization_format or SERIALIZATION_FORMAT_SKOPS)
    if fmt == SERIALIZATION_FORMAT_SKOPS:
        if data is None:
            data, needed = _skops_bytes(sk_model)
        if skops_trusted_types is not None:
            if isinstance(skops_trusted_types, str):
                raise InvalidParameterError(
                    f"Invalid skops_trusted_types {skops_trusted_types!r}: expected a list of "
                    "type names such as ['sklearn.tree._tree.Tree']"
                )
            missing = sorted(set(needed) - set(skops_trusted_types))
            if missing:
                raise InvalidParameterError(
                    f"The model needs the skops types {missing}, which skops_trusted_types "
                    f"{list(skops_trusted_types)} does not list: add them, or use another "
                    "serialization_format"
                )
        with open(os.path.join(model_dir, "model.skops"), "wb") as f:
            f.write(data)
        return SavedModelFile("model.skops", fmt, needed)
    with open(os.path.join(model_dir, "model.pkl"), "wb") as f:
        if fmt == SERIALIZATION_FORMAT_CLOUDPICKLE:
            import cloudpickle

            # The default protocol, as MLflow writes: readable by every Python it supports.
            cloudpickle.dump(sk_model, f, protocol=pickle.DEFAULT_PROTOCOL)
        else:
            pickle.dump(sk_model, f, protocol=pickle.DEFAULT_PROTOCOL)
    return SavedModelFile("model.pkl", fmt)


def load_model_file(
    path: str, serialization_format: Any, skops_trusted_types: Any, trust_model: bool
) -> Any:
    """Read a model file. **Pickle formats run code from the file.**

    Args:
        path: The file (already confined to its model directory).
        serialization_format: The format ``MLmodel`` records.
        skops_trusted_types: The skops types ``MLmodel`` records (checked by the trust policy).
        trust_model: Honor every recorded skops type.

    Raises:
        InvalidParameterError: Unknown format.
        PermissionDeniedError: Recorded skops types outside the trust policy.
        MissingDependencyError: skops (or cloudpickle) is not installed.
    """
    fmt = _check_format(serialization_format)
    if fmt == SERIALIZATION_FORMAT_SKOPS:
        from flowtrack.models._trust import check_skops_trusted_types

        trusted = check_skops_trusted_types(skops_trusted_types, trust_model)
        return _skops_io().load(path, trusted=trusted or None)
    with open(path, "rb") as f:
        if fmt == SERIALIZATION_FORMAT_CLOUDPICKLE:
            import cloudpickle

            return cloudpickle.load(f)
        return pickle.load(f)
