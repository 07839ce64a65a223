"""Model signatures: the schema of a model's inputs, outputs and inference params.

A :class:`ModelSignature` is stored in ``MLmodel`` as MLflow stores it, under ``signature:``
with each part a JSON string::

    signature:
      inputs: '[{"type": "double", "name": "x", "required": true}]'
      outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
      params: null

Example:
    >>> signature = infer_signature({"x": [1.5, 2.0]}, ["a", "b"], params={"top_k": 3})
    >>> signature.to_dict()["inputs"]
    '[{"type": "double", "name": "x", "required": true}]'
    >>> ModelSignature.from_dict(signature.to_dict()) == signature
    True

Importing this module loads neither numpy nor pandas.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flowtrack.exceptions import InvalidParameterError
from flowtrack.models._inference import infer_param_schema, infer_schema
from flowtrack.models.types import ParamSchema, Schema

__all__ = ["ModelSignature", "infer_signature"]


class ModelSignature:
    """The schema of a model's inputs and outputs, and of the params it accepts at inference.

    Args:
        inputs: The input schema, if known.
        outputs: The output schema, if known.
        params: The inference params schema, if the model takes params.

    Raises:
        InvalidParameterError: A part has the wrong type, or all three are ``None``.
    """

    __slots__ = ("inputs", "outputs", "params")

    def __init__(
        self,
        inputs: Schema | None = None,
        outputs: Schema | None = None,
        params: ParamSchema | None = None,
    ) -> None:
        for what, value, cls in (
            ("inputs", inputs, Schema),
            ("outputs", outputs, Schema),
            ("params", params, ParamSchema),
        ):
            if value is not None and not isinstance(value, cls):
                raise InvalidParameterError(
                    f"Invalid {what} of type {type(value).__name__}: expected "
                    f"{cls.__name__} or None"
                )
        if inputs is None and outputs is None and params is None:
            raise InvalidParameterError(
                "Invalid signature: give at least one of inputs, outputs or params"
            )
        self.inputs: Schema | None = inputs
        self.outputs: Schema | None = outputs
        self.params: ParamSchema | None = params

    def to_dict(self) -> dict[str, str | None]:
        """Return the ``MLmodel`` form: each part as a JSON string, or ``None`` when absent."""
        return {
            "inputs": None if self.inputs is None else self.inputs.to_json(),
            "outputs": None if self.outputs is None else self.outputs.to_json(),
            "params": None if self.params is None else self.params.to_json(),
        }

    @classmethod
    def from_dict(cls, signature_dict: Mapping[str, Any]) -> ModelSignature:
        """Build a signature from its ``MLmodel`` form (missing or empty parts are ``None``).

        Args:
            signature_dict: ``{"inputs": <json str>, "outputs": <json str>, "params": ...}``.

        Raises:
            InvalidParameterError: A part is not valid schema JSON.
        """
        if not isinstance(signature_dict, Mapping):
            raise InvalidParameterError(
                f"Invalid signature of type {type(signature_dict).__name__}: expected a dict "
                "with 'inputs', 'outputs' and 'params' JSON strings"
            )
        inputs = signature_dict.get("inputs")
        outputs = signature_dict.get("outputs")
        params = signature_dict.get("params")
        return cls(
            Schema.from_json(inputs) if inputs else None,
            Schema.from_json(outputs) if outputs else None,
            ParamSchema.from_json(params) if params else None,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ModelSignature):
            return NotImplemented
        return (self.inputs, self.outputs, self.params) == (
            other.inputs,
            other.outputs,
            other.params,
        )

    def __repr__(self) -> str:
        return (
            f"inputs: \n  {self.inputs!r}\noutputs: \n  {self.outputs!r}\n"
            f"params: \n  {self.params!r}\n"
        )


def infer_signature(
    model_input: Any = None,
    model_output: Any = None,
    params: Mapping[str, Any] | None = None,
) -> ModelSignature:
    """Infer a model signature from example input, output and inference params.

    Column schemas come from a ``pandas.DataFrame`` (dtypes map to bool → boolean, int32 →
    integer, int64 → long, float32 → float, float64 → double, str → string, bytes → binary,
    datetime64 → datetime; a column with missing values is ``required: false``), a
    ``pandas.Series``, a dict of column name → list/1-D array/scalar, a list of row dicts, a list
    of scalars or a scalar. Tensor schemas come from a ``numpy.ndarray`` or a dict of name →
    ``numpy.ndarray``, with the first dimension variable (``-1``).

    Args:
        model_input: Example model input, e.g. a sample of the training data.
        model_output: Example model output, e.g. predictions on ``model_input``.
        params: Example inference params; their values become the defaults.

    Returns:
        The signature; parts whose example is ``None`` (or empty params) are ``None``.

    Raises:
        InvalidParameterError: An example is of an unsupported type (the message names it), a
            column has no single type, or nothing was given.

    Example:
        >>> import numpy as np
        >>> signature = infer_signature(np.zeros((8, 4)), np.zeros(8, dtype=np.int64))
        >>> signature.outputs
        [Tensor('int64', (-1,))]
    """
    return ModelSignature(
        inputs=None if model_input is None else infer_schema(model_input),
        outputs=None if model_output is None else infer_schema(model_output),
        params=infer_param_schema(params) if params else None,
    )
