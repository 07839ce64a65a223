"""Turning Python objects into the artifact bytes MLflow writes.

The fluent ``log_text``, ``log_dict``, ``log_figure``, ``log_image`` and ``log_table`` build their
artifact with these pure functions and hand the bytes to the artifact store, so the files read
back exactly as MLflow's do:

- ``log_text``: the text, UTF-8 encoded.
- ``log_dict``: YAML for ``.yaml``/``.yml`` files, JSON (indent 2) for anything else.
- ``log_figure``: a matplotlib figure saved in the format the file extension names.
- ``log_image``: a numpy array or PIL image, saved as PNG (or the format the extension names).
- ``log_table``: pandas' ``orient="split"`` JSON, ``{"columns": [...], "data": [[...], ...]}``;
  logging to an existing table appends rows.

numpy, pandas, matplotlib and Pillow are optional: they are imported only here, inside the
functions that need them.
"""

from __future__ import annotations

import io
import json
import posixpath
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import yaml

from flowtrack.exceptions import InvalidParameterError, MissingDependencyError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "dict_bytes",
    "figure_bytes",
    "image_bytes",
    "pil_image",
    "table_bytes",
    "text_bytes",
]

_PLOTS_HINT = "pip install 'flowtrack[plots]'"
_PANDAS_HINT = "pip install 'flowtrack[pandas]'"


def _extension(artifact_file: str) -> str:
    """Return the lower-case extension of a file name without the dot ("" when it has none)."""
    return posixpath.splitext(artifact_file)[1].lower().lstrip(".")


def text_bytes(text: str) -> bytes:
    """Encode the content of a ``log_text`` artifact.

    Args:
        text: The text to store.

    Returns:
        The UTF-8 encoded text.

    Raises:
        InvalidParameterError: ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise InvalidParameterError(
            f"Invalid text of type {type(text).__name__}: log_text takes a str"
        )
    return text.encode("utf-8")


def dict_bytes(dictionary: Mapping[str, Any], artifact_file: str) -> bytes:
    """Serialize the content of a ``log_dict`` artifact as MLflow does.

    Args:
        dictionary: The mapping to store; nested values must be JSON (or YAML) serializable.
        artifact_file: The artifact's file name; ``.yaml`` and ``.yml`` give YAML (keys in
            insertion order), any other extension gives JSON indented by 2 spaces.

    Returns:
        The UTF-8 encoded document.

    Raises:
        InvalidParameterError: ``dictionary`` is not a mapping or holds values that cannot be
            serialized.

    Example:
        >>> dict_bytes({"b": 1, "a": [1, 2]}, "config.yaml").decode()
        'b: 1\\na:\\n- 1\\n- 2\\n'
    """
    if not isinstance(dictionary, Mapping):
        raise InvalidParameterError(
            f"Invalid dictionary of type {type(dictionary).__name__}: log_dict takes a mapping"
        )
    if _extension(artifact_file) in ("yaml", "yml"):
        try:
            text = yaml.safe_dump(
                dict(dictionary),
                indent=2,
                default_flow_style=False,
                sort_keys=False,
                allow_unicode=True,
            )
        except yaml.YAMLError as exc:
            raise InvalidParameterError(
                f"Cannot write the dictionary as YAML to {artifact_file!r}: {exc}; values must "
                "be plain dicts, lists, strings, numbers, booleans or None"
            ) from exc
        return text.encode("utf-8")
    try:
        text = json.dumps(dictionary, indent=2)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"Cannot write the dictionary as JSON to {artifact_file!r}: {exc}"
        ) from exc
    return text.encode("utf-8")


def figure_bytes(
    figure: Any, artifact_file: str, save_kwargs: Mapping[str, Any] | None = None
) -> bytes:
    """Render the content of a ``log_figure`` artifact.

    Args:
        figure: A ``matplotlib.figure.Figure``.
        artifact_file: The artifact's file name; its extension picks the format (``png``,
            ``jpg``, ``svg``, ``pdf`` and whatever else the figure's canvas supports).
        save_kwargs: Extra keyword arguments for ``Figure.savefig`` (``dpi``, ...).

    Returns:
        The rendered file.

    Raises:
        InvalidParameterError: ``figure`` is not a matplotlib figure, or the extension names no
            format matplotlib can write.
    """
    matplotlib_figure = sys.modules.get("matplotlib.figure")
    if matplotlib_figure is None or not isinstance(figure, matplotlib_figure.Figure):
        raise InvalidParameterError(
            f"Unsupported figure of type {type(figure).__name__}: log_figure takes a "
            f"matplotlib.figure.Figure (matplotlib is installed with {_PLOTS_HINT})"
        )
    extension = _extension(artifact_file)
    supported = sorted(figure.canvas.get_supported_filetypes())
    if extension not in supported:
        raise InvalidParameterError(
            f"Cannot save a figure as {artifact_file!r}: the extension must be one of "
            f"{', '.join(supported)}"
        )
    kwargs = dict(save_kwargs or {})
    requested = kwargs.pop("format", extension)
    if str(requested).lower().lstrip(".") != extension:
        raise InvalidParameterError(
            f"Conflicting formats for {artifact_file!r}: save_kwargs asks for {requested!r} but "
            f"the extension says {extension!r}; drop 'format' or change the file name"
        )
    buffer = io.BytesIO()
    figure.savefig(buffer, format=extension, **kwargs)
    return buffer.getvalue()


def _import_pil_image() -> Any:
    try:
        from PIL import Image
    except ImportError as exc:
        raise MissingDependencyError(
            f"Logging images needs Pillow, which is not installed: {_PLOTS_HINT}"
        ) from exc
    return Image


def _array_to_uint8(array: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    """Check an image array's shape and values and convert it to uint8 pixels."""
    import numpy as np

    kind = array.dtype.kind
    if kind not in "biuf":
        raise InvalidParameterError(
            f"Invalid image dtype {array.dtype}: image arrays must hold booleans, integers in "
            "[0, 255] or floats in [0, 1]"
        )
    shape = array.shape
    if not (array.ndim == 2 or (array.ndim == 3 and shape[2] in (1, 3, 4))) or array.size == 0:
        raise InvalidParameterError(
            f"Invalid image shape {shape}: image arrays must be non-empty and HxW (grayscale), "
            "HxWx1, HxWx3 (RGB) or HxWx4 (RGBA)"
        )
    if array.ndim == 3 and shape[2] == 1:
        array = array[:, :, 0]
    if kind == "b":
        return np.where(array, 255, 0).astype(np.uint8)
    low, high = array.min(), array.max()
    if kind == "f":
        if np.isnan(array).any() or low < 0.0 or high > 1.0:
            raise InvalidParameterError(
                f"Invalid float image values (min {low}, max {high}): float pixels must be "
                "in [0, 1] and not NaN; scale them, or pass uint8 values in [0, 255]"
            )
        return np.asarray(np.rint(array * 255.0), dtype=np.uint8)
    if low < 0 or high > 255:
        raise InvalidParameterError(
            f"Invalid integer image values (min {low}, max {high}): integer pixels must be "
            "in [0, 255]"
        )
    return array.astype(np.uint8)


def pil_image(image: Any) -> Any:
    """Return ``image`` as a PIL image.

    Args:
        image: A PIL image; a :class:`flowtrack.Image` (anything with ``to_pil()``); or a numpy
            array of shape HxW (grayscale), HxWx1, HxWx3 (RGB) or HxWx4 (RGBA) holding
            uint8-range integers, booleans or floats in [0, 1] (scaled to 0-255).

    Returns:
        The ``PIL.Image.Image``.

    Raises:
        InvalidParameterError: Not an image or array, or an array with a bad shape, dtype or
            values.
        MissingDependencyError: Pillow is not installed.
    """
    image_module = _import_pil_image()
    numpy = sys.modules.get("numpy")
    if isinstance(image, image_module.Image):
        return image
    if numpy is not None and isinstance(image, numpy.ndarray):
        return image_module.fromarray(numpy.ascontiguousarray(_array_to_uint8(image)))
    to_pil = getattr(image, "to_pil", None)
    if callable(to_pil) and isinstance(converted := to_pil(), image_module.Image):
        return converted
    raise InvalidParameterError(
        f"Unsupported image of type {type(image).__name__}: log_image takes a PIL image, a "
        "numpy array or a flowtrack.Image"
    )


def image_bytes(image: Any, artifact_file: str | None = None) -> bytes:
    """Encode the content of a ``log_image`` artifact.

    Args:
        image: Anything :func:`pil_image` accepts (PIL image, numpy array, ``flowtrack.Image``).
        artifact_file: The artifact's file name; its extension picks the format. PNG when
            ``None`` or when the extension is not an image format Pillow knows.

    Returns:
        The encoded image.

    Raises:
        InvalidParameterError: Not an image or array, or an array with a bad shape, dtype or
            values; or a mode the format cannot store (e.g. RGBA as JPEG).
        MissingDependencyError: Pillow is not installed.
    """
    image_module = _import_pil_image()
    picture = pil_image(image)
    image_format = "PNG"
    if artifact_file is not None:
        suffix = posixpath.splitext(artifact_file)[1].lower()
        image_format = image_module.registered_extensions().get(suffix, "PNG")
    buffer = io.BytesIO()
    try:
        picture.save(buffer, format=image_format)
    except (OSError, KeyError, ValueError) as exc:
        raise InvalidParameterError(
            f"Cannot save a {picture.mode} image as {image_format}: {exc}; convert it first "
            "(e.g. image.convert('RGB')) or use a .png file name"
        ) from exc
    return buffer.getvalue()


def _import_pandas() -> Any:
    try:
        import pandas
    except ImportError as exc:
        raise MissingDependencyError(
            f"Logging tables needs pandas, which is not installed: {_PANDAS_HINT}"
        ) from exc
    return pandas


def _table_from_data(data: Any) -> dict[str, Any]:
    """Convert a DataFrame or a dict of equal-length columns to MLflow's table JSON object."""
    pandas = _import_pandas()
    if isinstance(data, Mapping):
        lengths: dict[str, int] = {}
        for key, column in data.items():
            if isinstance(column, str | bytes) or not hasattr(column, "__len__"):
                raise InvalidParameterError(
                    f"Invalid table column {key!r} of type {type(column).__name__}: each column "
                    "of a dict table must be a list, tuple, array or Series of values"
                )
            lengths[str(key)] = len(column)
        if len(set(lengths.values())) > 1:
            raise InvalidParameterError(
                f"Invalid table: all columns must have the same length, got {lengths}"
            )
        data = pandas.DataFrame({key: list(column) for key, column in data.items()})
    elif not isinstance(data, pandas.DataFrame):
        raise InvalidParameterError(
            f"Unsupported table of type {type(data).__name__}: log_table takes a "
            "pandas.DataFrame or a dict of equal-length columns"
        )
    text = data.to_json(
        orient="split", index=False, date_format="iso", double_precision=15, default_handler=str
    )
    table: dict[str, Any] = json.loads(text)
    return {"columns": table["columns"], "data": table["data"]}


def _parse_existing_table(existing: bytes) -> dict[str, Any]:
    try:
        table = json.loads(existing)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidParameterError(
            f"The existing table artifact is not valid JSON ({exc}); cannot append to it"
        ) from exc
    columns = table.get("columns") if isinstance(table, dict) else None
    rows = table.get("data") if isinstance(table, dict) else None
    if (
        not isinstance(columns, list)
        or not isinstance(rows, list)
        or not all(isinstance(row, list) and len(row) == len(columns) for row in rows)
    ):
        raise InvalidParameterError(
            "The existing table artifact is not a table: expected "
            '{"columns": [...], "data": [[...], ...]} with one value per column in each row'
        )
    return {"columns": columns, "data": rows}


def _union_tables(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Concatenate two tables as ``pandas.concat`` does: union of columns, missing as null."""
    for name, table in (("existing", old), ("new", new)):
        columns = table["columns"]
        if len(set(map(json.dumps, columns))) != len(columns):
            raise InvalidParameterError(
                f"Cannot append tables: the {name} table has duplicate column names {columns}"
            )
    columns = list(old["columns"])
    keys = [json.dumps(column) for column in columns]
    for column in new["columns"]:
        if json.dumps(column) not in keys:
            columns.append(column)
            keys.append(json.dumps(column))
    position = {key: index for index, key in enumerate(keys)}
    width = len(columns)
    rows: list[list[Any]] = [row + [None] * (width - len(row)) for row in old["data"]]
    new_positions = [position[json.dumps(column)] for column in new["columns"]]
    for row in new["data"]:
        merged: list[Any] = [None] * width
        for index, value in zip(new_positions, row, strict=True):
            merged[index] = value
        rows.append(merged)
    return {"columns": columns, "data": rows}


def table_bytes(data: Any, existing: bytes | None = None) -> bytes:
    """Serialize the content of a ``log_table`` artifact.

    Args:
        data: A ``pandas.DataFrame`` or a dict mapping column names to equal-length sequences.
        existing: The current content of the artifact when it already exists: the new rows are
            appended to it (MLflow's ``log_table`` appends); columns present on one side only
            are filled with ``null``.

    Returns:
        UTF-8 JSON ``{"columns": [...], "data": [[...], ...]}``, as pandas writes with
        ``orient="split"``.

    Raises:
        InvalidParameterError: Not a DataFrame or dict, columns of unequal length, or
            ``existing`` is not a table.
        MissingDependencyError: pandas is not installed.

    Example:
        >>> table_bytes({"a": [1, 2], "b": ["x", "y"]})
        b'{"columns": ["a", "b"], "data": [[1, "x"], [2, "y"]]}'
    """
    table = _table_from_data(data)
    if existing is not None:
        table = _union_tables(_parse_existing_table(existing), table)
    return json.dumps(table).encode("utf-8")
