"""flowtrack.data: from_pandas / from_numpy, digests, schemas, profiles, sources, entities."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import flowtrack.data
from flowtrack.data import (
    Dataset,
    DatasetSource,
    NumpyDataset,
    PandasDataset,
    from_numpy,
    from_pandas,
)
from flowtrack.entities import Dataset as DatasetEntity
from flowtrack.exceptions import InvalidParameterError


def mixed_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "i64": np.array([1, 2, 3], dtype=np.int64),
            "i32": np.array([1, 2, 3], dtype=np.int32),
            "f64": np.array([0.5, 1.5, 2.5], dtype=np.float64),
            "f32": np.array([0.5, 1.5, 2.5], dtype=np.float32),
            "flag": [True, False, True],
            "text": pd.Series(["a", "b", "c"], dtype=object),
            "when": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "blob": [b"x", b"y", b"z"],
        }
    )


def test_package_exports_and_lazy_imports() -> None:
    assert flowtrack.data.__all__ == sorted(flowtrack.data.__all__)
    public = {name for name in dir(flowtrack.data) if not name.startswith("_")}
    assert set(flowtrack.data.__all__) <= public
    code = (
        "import sys, flowtrack.data; "
        "print(sorted(m for m in ('numpy', 'pandas') if m in sys.modules))"
    )
    assert subprocess.check_output([sys.executable, "-c", code], text=True).strip() == "[]"
    assert not issubclass(Dataset, DatasetEntity)  # the base class, not the stored record


def test_digest_is_stable_across_processes_and_short() -> None:
    code = (
        "import numpy as np, pandas as pd, flowtrack.data as d; "
        "print(d.from_pandas(pd.DataFrame({'a': range(30000), 'b': ['x'] * 30000})).digest, "
        "d.from_numpy(np.arange(12.0).reshape(4, 3)).digest)"
    )
    runs = {subprocess.check_output([sys.executable, "-c", code], text=True) for _ in range(2)}
    assert len(runs) == 1
    pandas_digest, numpy_digest = runs.pop().split()
    frame = pd.DataFrame({"a": range(30000), "b": ["x"] * 30000})
    assert from_pandas(frame).digest == pandas_digest
    assert from_numpy(np.arange(12.0).reshape(4, 3)).digest == numpy_digest
    assert len(pandas_digest) == 8
    int(pandas_digest, 16)


def test_pandas_digest_changes_with_content_shape_names_and_types() -> None:
    base = pd.DataFrame({"a": range(30000), "b": [0.5] * 30000})
    digest = from_pandas(base).digest
    assert from_pandas(base.copy()).digest == digest
    last_row_changed = base.copy()
    last_row_changed.loc[29999, "b"] = 0.25
    first_row_changed = base.copy()
    first_row_changed.loc[0, "a"] = -1
    variants = [
        last_row_changed,
        first_row_changed,
        base.rename(columns={"b": "c"}),
        base.astype({"a": "int32"}),
        base.iloc[:-1],
        base[["b", "a"]],
    ]
    digests = {from_pandas(frame).digest for frame in variants}
    assert digest not in digests
    assert len(digests) == len(variants)


def test_numpy_digest_changes_with_content_shape_dtype_and_targets() -> None:
    features = np.arange(60_000, dtype=np.float64).reshape(20_000, 3)
    digest = from_numpy(features).digest
    assert from_numpy(features.copy()).digest == digest
    changed = features.copy()
    changed[-1, -1] = -1.0
    variants = [
        from_numpy(changed),
        from_numpy(features.reshape(30_000, 2)),
        from_numpy(features.astype(np.float32)),
        from_numpy(features, targets=np.zeros(20_000)),
        from_numpy({"x": features}),
    ]
    digests = {dataset.digest for dataset in variants}
    assert digest not in digests
    assert len(digests) == len(variants)


def test_given_name_and_digest_are_kept() -> None:
    dataset = from_pandas(mixed_frame(), name="train", digest="abc123")
    assert (dataset.name, dataset.digest) == ("train", "abc123")
    assert from_pandas(mixed_frame()).name == "dataset"


def test_pandas_schema_uses_mlflow_types() -> None:
    frame = mixed_frame()
    frame["maybe"] = [1.0, None, 3.0]
    frame["strings"] = pd.Series(["p", "q", None], dtype="string")
    frame["nullable"] = pd.array([1, None, 3], dtype="Int32")
    frame["tz"] = pd.to_datetime(["2024-01-01"] * 3).tz_localize("UTC")
    frame["small"] = np.array([1, 2, 3], dtype=np.uint16)
    schema = from_pandas(frame).schema
    assert schema == {
        "mlflow_colspec": [
            {"type": "long", "name": "i64", "required": True},
            {"type": "integer", "name": "i32", "required": True},
            {"type": "double", "name": "f64", "required": True},
            {"type": "float", "name": "f32", "required": True},
            {"type": "boolean", "name": "flag", "required": True},
            {"type": "string", "name": "text", "required": True},
            {"type": "datetime", "name": "when", "required": True},
            {"type": "binary", "name": "blob", "required": True},
            {"type": "double", "name": "maybe", "required": False},
            {"type": "string", "name": "strings", "required": False},
            {"type": "integer", "name": "nullable", "required": False},
            {"type": "datetime", "name": "tz", "required": True},
            {"type": "integer", "name": "small", "required": True},
        ]
    }


def test_pandas_schema_is_none_for_a_column_without_an_mlflow_type(
    caplog: pytest.LogCaptureFixture,
) -> None:
    frame = pd.DataFrame({"ok": [1], "lists": [[1, 2]]})
    dataset = from_pandas(frame, name="odd")
    assert dataset.schema is None
    assert "column 'lists'" in caplog.text
    assert "schema" not in dataset.to_dict()
    assert dataset.to_entity().schema is None


def test_pandas_profile_targets_and_predictions() -> None:
    dataset = from_pandas(mixed_frame(), targets="flag", predictions="f64")
    assert dataset.profile == {"num_rows": 3, "num_elements": 24}
    assert (dataset.targets, dataset.predictions) == ("flag", "f64")
    assert dataset.df.columns[0] == "i64"
    assert isinstance(dataset, PandasDataset)
    with pytest.raises(InvalidParameterError, match=r"Invalid targets column 'label'.*\['i64'"):
        from_pandas(mixed_frame(), targets="label")
    with pytest.raises(InvalidParameterError, match="Invalid predictions column 'p'"):
        from_pandas(mixed_frame(), predictions="p")
    with pytest.raises(InvalidParameterError, match=r"from_pandas takes a pandas\.DataFrame"):
        from_pandas({"a": [1]})  # type: ignore[arg-type]


def test_numpy_schema_and_profile() -> None:
    features = np.zeros((10, 28, 28), dtype=np.float32)
    targets = np.arange(10, dtype=np.int64)
    dataset = from_numpy(features, targets=targets)
    assert isinstance(dataset, NumpyDataset)
    assert dataset.features is features
    assert dataset.targets is targets
    schema = dataset.schema
    assert schema is not None
    spec = schema["mlflow_tensorspec"]
    assert json.loads(spec["features"]) == [
        {"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 28, 28]}}
    ]
    assert json.loads(spec["targets"]) == [
        {"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}
    ]
    assert dataset.profile == {
        "num_rows": 10,
        "num_elements": 7840,
        "features_shape": [10, 28, 28],
        "features_size": 7840,
        "features_nbytes": 31360,
        "targets_shape": [10],
        "targets_size": 10,
        "targets_nbytes": 80,
    }


def test_numpy_dict_of_named_arrays() -> None:
    dataset = from_numpy({"a": np.ones((4, 2)), "b": np.array(["x"] * 4)})
    schema = dataset.schema
    assert schema is not None
    assert json.loads(schema["mlflow_tensorspec"]["features"]) == [
        {"name": "a", "type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 2]}},
        {"name": "b", "type": "tensor", "tensor-spec": {"dtype": "str", "shape": [-1]}},
    ]
    assert schema["mlflow_tensorspec"]["targets"] is None
    profile = dataset.profile
    assert profile is not None
    assert profile["features_shape"] == {"a": [4, 2], "b": [4]}
    assert (profile["num_rows"], profile["num_elements"]) == (4, 12)


@pytest.mark.parametrize(
    ("features", "match"),
    [
        ([1, 2], "Invalid features of type list"),
        (np.float64(1.0), "Invalid features of type float64"),
        (np.array(1.0), "0-dimensional"),
        ({}, "the dict of arrays is empty"),
        ({"a": [1]}, r"Invalid features\['a'\] of type list"),
    ],
)
def test_numpy_errors(features: object, match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        from_numpy(features)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("uri", "source_type", "details"),
    [
        ("/data/train.csv", "local", {"uri": "/data/train.csv"}),
        ("file:///data/train.csv", "local", {"uri": "file:///data/train.csv"}),
        ("C:\\data\\train.csv", "local", {"uri": "C:\\data\\train.csv"}),
        ("s3://bucket/train.parquet", "s3", {"uri": "s3://bucket/train.parquet"}),
        ("https://example.com/t.csv", "http", {"url": "https://example.com/t.csv"}),
        ("gs://bucket/t.csv", "gs", {"uri": "gs://bucket/t.csv"}),
        ("hf://datasets/x", "hf", {"uri": "hf://datasets/x"}),
    ],
)
def test_sources_from_uris(uri: str, source_type: str, details: dict[str, str]) -> None:
    dataset = from_pandas(mixed_frame(), source=uri)
    assert dataset.source.source_type == source_type
    assert json.loads(dataset.source.to_json()) == details
    assert dataset.source.uri == uri
    assert DatasetSource.from_json(source_type, dataset.source.to_json()) == dataset.source


def test_code_source_when_none_and_explicit_sources() -> None:
    source = from_numpy(np.ones(3)).source
    assert source.source_type == "code"
    assert source.uri is None
    assert set(source.to_dict()["tags"]) == {"mlflow.source.name", "mlflow.source.type"}
    custom = DatasetSource("delta_table", {"path": "/tables/t", "version": 3})
    assert from_numpy(np.ones(3), source=custom).source is custom
    with pytest.raises(InvalidParameterError, match="Invalid dataset source of type int"):
        from_numpy(np.ones(3), source=3)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="Invalid dataset source ''"):
        from_numpy(np.ones(3), source="")
    with pytest.raises(InvalidParameterError, match="must be JSON serializable"):
        DatasetSource("local", {"uri": object()})
    with pytest.raises(InvalidParameterError, match="expected a JSON object"):
        DatasetSource.from_json("local", "[1]")


def test_invalid_name_and_digest() -> None:
    with pytest.raises(InvalidParameterError, match="Invalid dataset name ''"):
        from_numpy(np.ones(3), name="")
    with pytest.raises(InvalidParameterError, match="Invalid dataset digest 5"):
        from_numpy(np.ones(3), digest=5)  # type: ignore[arg-type]


def test_to_entity_round_trip() -> None:
    dataset = from_pandas(mixed_frame(), source="s3://bucket/train.parquet", name="train")
    entity = dataset.to_entity()
    assert isinstance(entity, DatasetEntity)
    assert entity.name == "train"
    assert entity.digest == dataset.digest
    assert entity.source_type == "s3"
    assert entity.schema is not None and entity.profile is not None
    assert json.loads(entity.schema) == dataset.schema
    assert json.loads(entity.profile) == dataset.profile
    rebuilt = DatasetSource.from_json(entity.source_type, entity.source)
    assert rebuilt == dataset.source
    assert DatasetEntity.model_validate_json(entity.model_dump_json()) == entity
    assert json.loads(dataset.to_json()) == entity.model_dump()


def test_get_source_of_datasets_entities_and_run_inputs(tracking_uri: str) -> None:
    import flowtrack as mlflow
    from flowtrack.exceptions import InvalidParameterError

    dataset = flowtrack.data.from_pandas(
        pd.DataFrame({"x": [1.0, 2.0]}), source="s3://bucket/train.parquet", name="train"
    )
    assert flowtrack.data.get_source(dataset) is dataset.source
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training")
    (dataset_input,) = mlflow.get_run(run.info.run_id).inputs.dataset_inputs
    for stored in (dataset_input, dataset_input.dataset):
        source = flowtrack.data.get_source(stored)
        assert (source.source_type, source.to_json()) == ("s3", dataset.source.to_json())
    with pytest.raises(InvalidParameterError, match="Unrecognized dataset of type str"):
        flowtrack.data.get_source("s3://bucket/train.parquet")
