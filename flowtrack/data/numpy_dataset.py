"""Datasets backed by numpy arrays: ``flowtrack.data.from_numpy``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

from flowtrack._private.optional import require
from flowtrack.data.dataset import DIGEST_SAMPLE_ROWS, Dataset, compute_digest
from flowtrack.data.pyfunc_dataset_mixin import PyFuncInputsOutputs
from flowtrack.data.sources import DatasetSource
from flowtrack.exceptions import InvalidParameterError

if TYPE_CHECKING:
    import numpy.typing as npt

    #: One array, or named arrays (MLflow accepts both for features and targets).
    ArrayData: TypeAlias = npt.NDArray[Any] | Mapping[str, npt.NDArray[Any]]

__all__ = ["NumpyDataset", "from_numpy"]

#: The digest reads at most this many elements from each end of an array.
_DIGEST_SAMPLE_ELEMENTS = 50_000


def _arrays(what: str, data: ArrayData) -> dict[str | None, npt.NDArray[Any]]:
    """Check features/targets and return them as ``{name: array}`` (name ``None`` if unnamed)."""
    numpy = require("numpy", "NumpyDataset")
    named: dict[str | None, Any] = {None: data}
    if isinstance(data, Mapping):
        named = {key: value for key, value in data.items()}  # noqa: C416 - widens the key type
    if not named:
        raise InvalidParameterError(f"Invalid {what}: the dict of arrays is empty")
    for key, array in named.items():
        label = what if key is None else f"{what}[{key!r}]"
        if key is not None and not isinstance(key, str):
            raise InvalidParameterError(f"Invalid {label}: array names must be strings")
        if not isinstance(array, numpy.ndarray):
            raise InvalidParameterError(
                f"Invalid {label} of type {type(array).__name__}: expected a numpy.ndarray "
                "or a dict of str to numpy.ndarray"
            )
        if array.ndim == 0:
            raise InvalidParameterError(
                f"Invalid {label}: a 0-dimensional array has no rows; pass at least 1 dimension"
            )
    return named


def _dtype_name(array: npt.NDArray[Any]) -> str:
    kind = array.dtype.kind
    return {"U": "str", "S": "bytes", "O": "object"}.get(kind, array.dtype.name)


def _tensor_specs(arrays: dict[str | None, npt.NDArray[Any]]) -> str:
    """MLflow's tensor schema JSON: a list of specs with dtype and shape (-1 for the batch)."""
    specs: list[dict[str, Any]] = []
    for name, array in arrays.items():
        spec: dict[str, Any] = {} if name is None else {"name": name}
        spec["type"] = "tensor"
        spec["tensor-spec"] = {"dtype": _dtype_name(array), "shape": [-1, *array.shape[1:]]}
        specs.append(spec)
    return json.dumps(specs)


def _sample_bytes(array: npt.NDArray[Any]) -> bytes:
    """The bytes of the first and last rows of an array (all rows when it is small)."""
    numpy = require("numpy", "NumpyDataset")
    row_size = max(1, array[:1].size)
    rows = max(1, min(DIGEST_SAMPLE_ROWS, _DIGEST_SAMPLE_ELEMENTS // row_size))
    sample = array
    if len(array) > 2 * rows:
        sample = numpy.concatenate([array[:rows], array[-rows:]])
    if sample.dtype.kind == "O":
        return repr(sample.tolist()).encode("utf-8")
    return bytes(numpy.ascontiguousarray(sample).tobytes())


class NumpyDataset(Dataset):
    """A dataset held in numpy arrays: MLflow's ``NumpyDataset``.

    Create one with :func:`from_numpy`.

    Args:
        features: An array, or a dict of named arrays.
        source: Where the data came from.
        targets: The labels: an array, a dict of named arrays, or ``None``.
        name: The dataset's name; ``"dataset"`` when ``None``.
        digest: The content digest; computed from a sample of the arrays when ``None``.

    Raises:
        InvalidParameterError: ``features`` or ``targets`` is not an array (or dict of arrays)
            with at least one dimension.
    """

    def __init__(
        self,
        features: ArrayData,
        source: DatasetSource,
        targets: ArrayData | None = None,
        name: str | None = None,
        digest: str | None = None,
    ) -> None:
        self._features = features
        self._targets = targets
        self._feature_arrays = _arrays("features", features)
        self._target_arrays = None if targets is None else _arrays("targets", targets)
        super().__init__(source, name=name, digest=digest)

    @property
    def features(self) -> ArrayData:
        """The features, as given."""
        return self._features

    @property
    def targets(self) -> ArrayData | None:
        """The targets, as given, or ``None``."""
        return self._targets

    def to_pyfunc(self) -> PyFuncInputsOutputs:
        """Split the data for a pyfunc model: the features as inputs, the targets as outputs.

        Returns:
            ``inputs`` (the features, as given) and ``outputs`` (the targets, or ``None``).

        Example:
            >>> split = from_numpy(X, targets=y).to_pyfunc()
            >>> model.predict(split.inputs)
        """
        return PyFuncInputsOutputs(self._features, self._targets)

    def _compute_digest(self) -> str:
        parts: list[bytes] = []
        groups = [("features", self._feature_arrays), ("targets", self._target_arrays or {})]
        for group, arrays in groups:
            for name, array in arrays.items():
                header = {"group": group, "name": name, "dtype": array.dtype.str}
                parts.append(json.dumps({**header, "shape": list(array.shape)}).encode())
                parts.append(_sample_bytes(array))
        return compute_digest(parts)

    def _compute_schema(self) -> dict[str, Any] | None:
        targets = None if self._target_arrays is None else _tensor_specs(self._target_arrays)
        return {
            "mlflow_tensorspec": {
                "features": _tensor_specs(self._feature_arrays),
                "targets": targets,
            }
        }

    def _compute_profile(self) -> dict[str, Any] | None:
        first = next(iter(self._feature_arrays.values()))
        profile: dict[str, Any] = {
            "num_rows": len(first),
            "num_elements": sum(int(array.size) for array in self._feature_arrays.values()),
        }
        groups = [("features", self._feature_arrays), ("targets", self._target_arrays)]
        for group, arrays in groups:
            if arrays is None:
                continue
            if None in arrays:  # one unnamed array
                array = arrays[None]
                shape: Any = list(array.shape)
                size: Any = int(array.size)
                nbytes: Any = int(array.nbytes)
            else:
                shape = {name: list(array.shape) for name, array in arrays.items()}
                size = {name: int(array.size) for name, array in arrays.items()}
                nbytes = {name: int(array.nbytes) for name, array in arrays.items()}
            profile[f"{group}_shape"] = shape
            profile[f"{group}_size"] = size
            profile[f"{group}_nbytes"] = nbytes
        return profile


def from_numpy(
    features: ArrayData,
    source: str | DatasetSource | None = None,
    targets: ArrayData | None = None,
    name: str | None = None,
    digest: str | None = None,
) -> NumpyDataset:
    """Describe numpy arrays as a dataset to log with ``flowtrack.log_input``.

    Args:
        features: An array, or a dict of named arrays.
        source: Where the data came from: a URI or path, a :class:`DatasetSource`, or ``None``
            for data built in code.
        targets: The labels: an array, a dict of named arrays, or ``None``.
        name: The dataset's name; ``"dataset"`` when ``None``.
        digest: The content digest; computed from a sample of the arrays when ``None``.

    Returns:
        The dataset.

    Raises:
        InvalidParameterError: ``features`` or ``targets`` is not an array or dict of arrays.
        MissingDependencyError: numpy is not installed.

    Example:
        >>> import numpy as np
        >>> dataset = from_numpy(np.zeros((10, 3)), targets=np.ones(10), name="train")
        >>> dataset.profile["features_shape"], dataset.source.source_type
        ([10, 3], 'code')
    """
    return NumpyDataset(
        features, DatasetSource.resolve(source), targets=targets, name=name, digest=digest
    )
