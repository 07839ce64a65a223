"""What tracked runs log from their inputs and results: ``flowtrack.tasks.params``."""

from __future__ import annotations

import dataclasses
import enum
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pydantic
import pytest

from flowtrack._private.validation import MAX_ENTITY_KEY_LENGTH
from flowtrack.tasks.params import (
    MAX_FLATTENED_PARAMS,
    MAX_INLINE_LENGTH,
    metrics_from_result,
    summarize_parameters,
    summarize_value,
)


class Color(enum.Enum):
    RED = "red"
    BLUE = 2


class Opaque:
    """An object with the default ``repr`` (which names a memory address)."""


class BrokenRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


class LongRepr:
    def __repr__(self) -> str:
        return "L" * (MAX_INLINE_LENGTH + 1)


class Inner(pydantic.BaseModel):
    depth: int = 3
    name: str = "leaf"


class HyperParams(pydantic.BaseModel):
    C: float = 1.0
    max_iter: int = 100
    inner: Inner = Inner()


@dataclasses.dataclass
class Split:
    test_size: float = 0.2
    seed: int = 42


class BrokenModel(pydantic.BaseModel):
    x: int = 1

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("cannot dump")


# ------------------------------------------------------------------------------ summarize_value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.5, "0.5"),
        (3, "3"),
        (True, "True"),
        (None, "None"),
        ("adam", "adam"),
        (float("nan"), "nan"),
        (Color.RED, "red"),
        (Color.BLUE, "2"),
        (Path("/data/train.csv"), "/data/train.csv"),
        ([1, 2, 3], "[1, 2, 3]"),
        ((1, "a"), '[1, "a"]'),
        ({3, 1, 2}, "[1, 2, 3]"),
        (frozenset({"b", "a"}), '["a", "b"]'),
        ({"a": 1}, '{"a": 1}'),
        ([], "[]"),
        ([Path("/x")], '["/x"]'),
        (np.float64(0.25), "0.25"),
    ],
)
def test_short_values_are_logged_verbatim(value: Any, expected: str) -> None:
    assert summarize_value(value) == expected


def test_long_string_is_truncated_with_its_length() -> None:
    text = "x" * (MAX_INLINE_LENGTH + 100)
    summary = summarize_value(text)
    assert summary == f"{'x' * MAX_INLINE_LENGTH}... (str of {MAX_INLINE_LENGTH + 100} characters)"


def test_string_at_the_limit_is_kept_whole() -> None:
    text = "y" * MAX_INLINE_LENGTH
    assert summarize_value(text) == text


def test_long_path_is_truncated_like_a_string() -> None:
    path = Path("/" + "d" * (MAX_INLINE_LENGTH + 10))
    summary = summarize_value(path)
    assert summary.startswith("/ddd")
    assert summary.endswith(f"(str of {MAX_INLINE_LENGTH + 11} characters)")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (list(range(1000)), "list(len=1000)"),
        (tuple(range(1000)), "tuple(len=1000)"),
        (set(range(1000)), "set(len=1000)"),
        ({f"k{i}": i for i in range(200)}, "dict(len=200)"),
        ({1, "a"}, "set(len=2)"),  # unsortable: summarized rather than raising
    ],
)
def test_large_or_unsortable_containers_are_summarized(value: Any, expected: str) -> None:
    assert summarize_value(value) == expected


def test_arrays_and_frames_are_summarized_by_shape() -> None:
    assert summarize_value(np.zeros((3, 4))) == "ndarray(shape=(3, 4), dtype=float64)"
    assert summarize_value(np.arange(5, dtype=np.int32)) == "ndarray(shape=(5,), dtype=int32)"
    frame = pd.DataFrame({"a": [1, 2, 3], "b": [4.0, 5.0, 6.0]})
    assert summarize_value(frame) == "DataFrame(shape=(3, 2))"
    assert summarize_value(pd.Series([1.0, 2.0])) == "Series(shape=(2,), dtype=float64)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(np.int64(3), "3"), (np.float32(0.5), "0.5"), (np.bool_(True), "True")],
)
def test_numpy_scalars_are_logged_as_their_value(value: Any, expected: str) -> None:
    assert summarize_value(value) == expected


def test_objects_with_default_repr_show_only_their_type() -> None:
    assert summarize_value(Opaque()) == "<Opaque>"


def test_broken_repr_never_raises() -> None:
    assert summarize_value(BrokenRepr()) == "<BrokenRepr>"


def test_long_repr_is_replaced_by_the_type() -> None:
    assert summarize_value(LongRepr()) == "<LongRepr>"


def test_other_objects_use_their_repr() -> None:
    assert summarize_value(b"abc") == "b'abc'"
    assert summarize_value(1 + 2j) == "(1+2j)"


# ------------------------------------------------------------------------ summarize_parameters


def test_scalars_become_params() -> None:
    params = summarize_parameters({"alpha": 0.5, "solver": "adam", "epochs": 10, "flag": None})
    assert params == {"alpha": "0.5", "solver": "adam", "epochs": "10", "flag": "None"}


def test_pydantic_model_is_flattened_by_field() -> None:
    params = summarize_parameters({"hp": HyperParams(C=0.1)})
    assert params == {
        "hp.C": "0.1",
        "hp.max_iter": "100",
        "hp.inner.depth": "3",
        "hp.inner.name": "leaf",
    }


def test_dataclass_is_flattened_by_field() -> None:
    assert summarize_parameters({"split": Split()}) == {
        "split.test_size": "0.2",
        "split.seed": "42",
    }


def test_dataclass_class_itself_is_not_flattened() -> None:
    params = summarize_parameters({"kind": Split})
    assert list(params) == ["kind"]
    assert "Split" in params["kind"]


def test_dict_is_flattened_and_values_summarized() -> None:
    params = summarize_parameters({"cfg": {"lr": 0.01, "data": np.ones((2, 2)), "tags": ["a"]}})
    assert params == {
        "cfg.lr": "0.01",
        "cfg.data": "ndarray(shape=(2, 2), dtype=float64)",
        "cfg.tags": '["a"]',
    }


def test_nesting_is_flattened_three_levels_then_summarized() -> None:
    value = {"a": {"b": {"c": {"d": 1}}}}
    assert summarize_parameters({"p": value}) == {"p.a.b.c": '{"d": 1}'}


def test_dict_with_invalid_keys_is_summarized_whole() -> None:
    assert summarize_parameters({"m": {1: "x", 2: "y"}}) == {"m": '{"1": "x", "2": "y"}'}
    assert summarize_parameters({"m": {"a=b": 1}}) == {"m": '{"a=b": 1}'}
    assert summarize_parameters({"m": {"/abs": 1}}) == {"m": '{"/abs": 1}'}


def test_empty_mapping_is_summarized() -> None:
    assert summarize_parameters({"m": {}}) == {"m": "{}"}


def test_mapping_with_too_many_fields_is_summarized() -> None:
    value = {f"k{i}": i for i in range(MAX_FLATTENED_PARAMS + 1)}
    assert summarize_parameters({"big": value}) == {"big": f"dict(len={MAX_FLATTENED_PARAMS + 1})"}


def test_mapping_at_the_field_limit_is_flattened() -> None:
    value = {f"k{i}": i for i in range(MAX_FLATTENED_PARAMS)}
    assert len(summarize_parameters({"big": value})) == MAX_FLATTENED_PARAMS


def test_model_whose_dump_raises_is_summarized() -> None:
    params = summarize_parameters({"m": BrokenModel()})
    assert params == {"m": "BrokenModel(x=1)"}


def test_parameters_never_raise_on_odd_values() -> None:
    params = summarize_parameters(
        {"a": BrokenRepr(), "b": Opaque(), "c": pd.DataFrame({"x": range(569)}), "d": Color.RED}
    )
    assert params == {
        "a": "<BrokenRepr>",
        "b": "<Opaque>",
        "c": "DataFrame(shape=(569, 1))",
        "d": "red",
    }


def test_include_false_logs_nothing() -> None:
    assert summarize_parameters({"alpha": 1, "beta": 2}, include=False) == {}


def test_include_names_logs_only_those() -> None:
    params = summarize_parameters({"alpha": 1, "beta": 2, "hp": Split()}, include=("alpha", "hp"))
    assert params == {"alpha": "1", "hp.test_size": "0.2", "hp.seed": "42"}


def test_invalid_or_too_long_names_are_left_out() -> None:
    long_name = "p" * (MAX_ENTITY_KEY_LENGTH + 1)
    params = summarize_parameters({"ok": 1, "bad=name": 2, long_name: 3, "": 4})
    assert params == {"ok": "1"}


def test_flattened_names_over_the_limit_are_left_out() -> None:
    field = "f" * (MAX_ENTITY_KEY_LENGTH - 2)
    params = summarize_parameters({"cfg": {field: 1, "short": 2}})
    assert params == {"cfg.short": "2"}


def test_every_value_fits_the_inline_limit() -> None:
    params = summarize_parameters(
        {"s": "z" * 10_000, "l": list(range(10_000)), "r": LongRepr(), "d": {"k": "v" * 5000}}
    )
    assert all(len(text) <= MAX_INLINE_LENGTH + 50 for text in params.values())
    json.loads(json.dumps(params))  # plain strings all the way


# --------------------------------------------------------------------------- metrics_from_result


def test_metrics_are_the_numeric_entries() -> None:
    result = {"rmse": 3.2, "n": 10, "model_uri": "runs:/x/model", "ok": True, "none": None}
    assert metrics_from_result(result) == {"rmse": 3.2, "n": 10.0}


def test_numpy_scalars_are_metrics_but_numpy_bools_are_not() -> None:
    result = {"a": np.float32(0.5), "b": np.int64(2), "c": np.bool_(True), "d": np.ones(2)}
    metrics = metrics_from_result(result)
    assert metrics == {"a": 0.5, "b": 2.0}
    assert all(type(value) is float for value in metrics.values())


@pytest.mark.parametrize("result", [None, 3.0, [1, 2], "rmse", ("a", 1), HyperParams()])
def test_non_mappings_give_no_metrics(result: Any) -> None:
    assert metrics_from_result(result) == {}


def test_invalid_metric_keys_are_skipped() -> None:
    result = {"ok": 1.0, 1: 2.0, "a=b": 3.0, "/abs": 4.0, "": 5.0, "x" * 300: 6.0, "a/b": 7.0}
    assert metrics_from_result(result) == {"ok": 1.0, "a/b": 7.0}
