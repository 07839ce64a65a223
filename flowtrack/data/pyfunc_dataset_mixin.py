"""What a dataset gives a pyfunc model: its inputs and, when it has targets, its outputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["PyFuncInputsOutputs"]


@dataclass(frozen=True)
class PyFuncInputsOutputs:
    """A dataset split for a pyfunc model (MLflow's ``PyFuncInputsOutputs``).

    Attributes:
        inputs: What ``PyFuncModel.predict`` takes: a DataFrame without the target column, or
            the features array (or dict of arrays).
        outputs: The expected outputs (the target column, or the targets), or ``None``.

    Example:
        >>> split = from_pandas(df, targets="label").to_pyfunc()
        >>> list(split.inputs.columns), split.outputs.name
        (['x'], 'label')
    """

    inputs: Any
    outputs: Any | None = None
