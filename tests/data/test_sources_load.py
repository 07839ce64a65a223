"""DatasetSource.from_dict and load (local, S3 on moto), and the datasets' to_pyfunc split."""

from __future__ import annotations

from pathlib import Path

import boto3
import numpy as np
import pandas as pd
import pytest

import flowtrack as mlflow
from flowtrack.data import DatasetSource, from_numpy, from_pandas, get_source
from flowtrack.data.pyfunc_dataset_mixin import PyFuncInputsOutputs
from flowtrack.exceptions import InvalidParameterError, InvalidStateError, NotFoundError


@pytest.mark.parametrize(
    ("details", "source_type"),
    [
        ({"uri": "s3://bucket/train.csv"}, "s3"),
        ({"uri": "/data/train.csv"}, "local"),
        ({"url": "https://example.com/train.csv"}, "http"),
        ({"tags": {"mlflow.source.name": "train.py", "mlflow.source.type": "LOCAL"}}, "code"),
    ],
)
def test_from_dict_reads_mlflow_descriptions(details: dict[str, object], source_type: str) -> None:
    source = DatasetSource.from_dict(details)
    assert (source.source_type, source.to_dict()) == (source_type, details)
    assert DatasetSource.from_dict(source.to_dict(), source.source_type) == source


def test_from_dict_errors_and_explicit_type() -> None:
    assert DatasetSource.from_dict({"table": "t"}, "delta_table").to_dict() == {"table": "t"}
    with pytest.raises(InvalidParameterError, match=r"Cannot tell the type.*'table'"):
        DatasetSource.from_dict({"table": "t"})
    with pytest.raises(InvalidParameterError, match="expected a mapping"):
        DatasetSource.from_dict("s3://bucket/x")  # type: ignore[arg-type]


def test_load_a_local_source_in_place_or_copied(tmp_path: Path) -> None:
    csv = tmp_path / "train.csv"
    pd.DataFrame({"x": [1, 2], "label": [0, 1]}).to_csv(csv, index=False)
    source = DatasetSource.from_uri(str(csv))
    assert source.load() == str(csv)
    copied = DatasetSource.from_uri(csv.as_uri()).load(dst_path=tmp_path / "out")
    assert Path(copied) == tmp_path / "out" / "train.csv"
    assert pd.read_csv(copied)["label"].tolist() == [0, 1]
    with pytest.raises(NotFoundError, match=r"missing\.csv"):
        DatasetSource.from_uri(str(tmp_path / "missing.csv")).load()


def test_load_a_code_source_is_refused() -> None:
    with pytest.raises(InvalidStateError, match="built in code"):
        DatasetSource.code().load()


@pytest.mark.s3
def test_load_an_s3_file_and_prefix(s3_bucket: str, tmp_path: Path) -> None:
    s3 = boto3.client("s3")
    s3.put_object(Bucket=s3_bucket, Key="data/train.csv", Body=b"x,label\n1,0\n")
    s3.put_object(Bucket=s3_bucket, Key="data/parts/b.csv", Body=b"x\n2\n")

    local = DatasetSource.from_uri(f"s3://{s3_bucket}/data/train.csv").load()
    assert Path(local).name == "train.csv" and Path(local).read_bytes() == b"x,label\n1,0\n"
    folder = DatasetSource.from_uri(f"s3://{s3_bucket}/data").load(dst_path=tmp_path)
    assert Path(folder) == tmp_path / "data"
    assert (tmp_path / "data" / "parts" / "b.csv").read_bytes() == b"x\n2\n"
    with pytest.raises(NotFoundError, match="nothing exists"):
        DatasetSource.from_uri(f"s3://{s3_bucket}/absent.csv").load()


def test_load_the_source_of_a_logged_input(tracking_uri: str, tmp_path: Path) -> None:
    csv = tmp_path / "train.csv"
    frame = pd.DataFrame({"x": [1.0, 2.0], "label": [0, 1]})
    frame.to_csv(csv, index=False)
    with mlflow.start_run() as run:
        mlflow.log_input(from_pandas(frame, source=str(csv), targets="label"), "training")
    dataset_input = mlflow.get_run(run.info.run_id).inputs.dataset_inputs[0]
    pd.testing.assert_frame_equal(pd.read_csv(get_source(dataset_input).load()), frame)


def test_to_pyfunc_splits_inputs_and_outputs() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0], "p": [0, 0], "label": [0, 1]})
    split = from_pandas(frame, targets="label", predictions="p").to_pyfunc()
    assert isinstance(split, PyFuncInputsOutputs)
    assert list(split.inputs.columns) == ["x", "p"]
    assert split.outputs.tolist() == [0, 1]
    whole = from_pandas(frame).to_pyfunc()
    assert whole.inputs is frame and whole.outputs is None

    features, targets = np.arange(6.0).reshape(3, 2), np.array([0, 1, 0])
    arrays = from_numpy(features, targets=targets).to_pyfunc()
    assert arrays.inputs is features and arrays.outputs is targets
    assert from_numpy(features).to_pyfunc().outputs is None
