"""MLflow-compatible model scoring: ``flowtrack models serve`` and ``flowtrack models predict``.

- :mod:`~flowtrack.serving.inputs`: request bodies (MLflow's ``dataframe_split``,
  ``dataframe_records``, ``instances``, ``inputs``, ``params``, CSV) to model input.
- :mod:`~flowtrack.serving.outputs`: predictions to JSON (or CSV).
- :mod:`~flowtrack.serving.app`: the ASGI app (``/ping``, ``/health``, ``/version``,
  ``/invocations``) over one loaded model: :func:`build_app`.
- :mod:`~flowtrack.serving.server`: load a model once and run uvicorn: :func:`serve`.

Serving needs the ``server`` extra (``pip install 'flowtrack[server]'``); names are imported on
first access, so importing this package costs nothing.

Example:
    >>> from flowtrack.serving import serve
    >>> serve("runs:/<run-id>/model", port=5001)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowtrack.serving.app import ServableModel, build_app
    from flowtrack.serving.inputs import parse_csv, parse_json
    from flowtrack.serving.outputs import dumps_predictions
    from flowtrack.serving.server import serve

__all__ = ["ServableModel", "build_app", "dumps_predictions", "parse_csv", "parse_json", "serve"]

_LAZY = {
    "ServableModel": "flowtrack.serving.app",
    "build_app": "flowtrack.serving.app",
    "dumps_predictions": "flowtrack.serving.outputs",
    "parse_csv": "flowtrack.serving.inputs",
    "parse_json": "flowtrack.serving.inputs",
    "serve": "flowtrack.serving.server",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
