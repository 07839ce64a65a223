"""``flowtrack models``: serve a model over HTTP, score files in batch, build a Docker context.

The commands mirror ``mlflow models serve|predict|generate-dockerfile`` and accept the same
model URIs and input formats. Serving modules are imported inside the commands, so the rest of
the CLI stays fast and works without the ``server`` extra.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from flowtrack.cli._options import TrackingUriOption

__all__ = ["app"]

app = typer.Typer(help="Serve, score and package models.", no_args_is_help=True)

ModelUriOption = Annotated[
    str,
    typer.Option(
        "--model-uri",
        "-m",
        help=(
            "The model: a local path, models:/<model_id>, models:/<name>/<version>, "
            "runs:/<run_id>/<path>, or a storage URL (s3://, ...)."
        ),
        show_default=False,
    ),
]
TrustModelOption = Annotated[
    bool,
    typer.Option(
        "--trust-model",
        help="Allow model formats that run code when loaded (pickle, custom loader modules). "
        "Only for models from a source you trust.",
    ),
]


class ContentType(StrEnum):
    """The format of a batch-scoring input file."""

    JSON = "json"
    CSV = "csv"
    PARQUET = "parquet"


class LogLevel(StrEnum):
    """uvicorn's log levels."""

    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    DEBUG = "debug"


def _use_tracking_uri(tracking_uri: str | None) -> None:
    # runs:/ URIs resolve through the fluent client; set_tracking_uri also exports the URI to
    # the environment, which is how uvicorn's worker processes find the same store.
    if tracking_uri:
        from flowtrack.tracking.fluent.config import set_tracking_uri

        set_tracking_uri(tracking_uri)


@app.command("serve")
def serve(
    model_uri: ModelUriOption,
    host: Annotated[
        str,
        typer.Option(
            "--host", "-h", help="Interface to bind; 0.0.0.0 exposes the model to the network."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535)] = 5001,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            max=256,
            envvar=["FLOWTRACK_MODELS_WORKERS", "MLFLOW_MODELS_WORKERS"],
            help="Worker processes, each with its own copy of the model.",
        ),
    ] = 1,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            "-t",
            min=0.001,
            envvar=[
                "FLOWTRACK_SCORING_SERVER_REQUEST_TIMEOUT",
                "MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT",
            ],
            help="Seconds one scoring request may take before a 503.",
        ),
    ] = 60.0,
    max_request_size: Annotated[
        int,
        typer.Option(
            "--max-request-size",
            min=1,
            envvar="FLOWTRACK_SERVING_MAX_REQUEST_BYTES",
            help="Largest request body in bytes; larger ones get a 413.",
        ),
    ] = 50 * 1024 * 1024,
    trust_model: TrustModelOption = False,
    log_level: Annotated[LogLevel, typer.Option("--log-level")] = LogLevel.INFO,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log one line per request.")
    ] = True,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Serve a model over HTTP: POST /invocations, GET /ping, /health, /version.

    Requests use MLflow's scoring protocol: a JSON body with one of dataframe_split,
    dataframe_records, instances or inputs (plus optional params), or a CSV body.
    """
    from flowtrack.serving.server import serve as run_server

    _use_tracking_uri(tracking_uri)
    run_server(
        model_uri,
        host=host,
        port=port,
        workers=workers,
        timeout=timeout,
        trust_model=trust_model,
        max_request_bytes=max_request_size,
        log_level=log_level.value,
        access_log=access_log,
    )


@app.command("predict")
def predict(
    model_uri: ModelUriOption,
    input_path: Annotated[
        Path | None,
        typer.Option(
            "--input-path",
            "-i",
            help="Input file (.json in the scoring format, .csv or .parquet); default stdin.",
            dir_okay=False,
        ),
    ] = None,
    output_path: Annotated[
        Path | None,
        typer.Option(
            "--output-path",
            "-o",
            help='Output file: .csv for a table, else JSON {"predictions": ...}; default stdout.',
            dir_okay=False,
        ),
    ] = None,
    content_type: Annotated[
        ContentType | None,
        typer.Option(
            "--content-type",
            "-t",
            help="Input format; default from the input file's extension, else json.",
            show_default=False,
        ),
    ] = None,
    trust_model: TrustModelOption = False,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Score a file with a model and write the predictions (JSON, or CSV for a .csv output)."""
    from flowtrack.serving import outputs
    from flowtrack.serving.server import load_servable_model

    parsed = _read_input(input_path, content_type or _content_type_of(input_path))
    _use_tracking_uri(tracking_uri)
    model = load_servable_model(model_uri, trust_model=trust_model)
    predictions = model.predict(parsed.data, params=parsed.params)
    if output_path is not None and output_path.suffix.lower() == ".csv":
        text = outputs.predictions_to_csv(predictions)
    else:
        text = outputs.dumps_predictions(predictions).decode() + "\n"
    if output_path is None:
        typer.echo(text, nl=False)
    else:
        output_path.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote predictions for {_rows(parsed.data)} row(s) to {output_path}", err=True)


def _content_type_of(path: Path | None) -> ContentType:
    suffix = path.suffix.lower() if path is not None else ""
    return {
        ".csv": ContentType.CSV,
        ".parquet": ContentType.PARQUET,
        ".pq": ContentType.PARQUET,
    }.get(suffix, ContentType.JSON)


def _read_input(path: Path | None, content_type: ContentType) -> Any:
    from flowtrack.exceptions import InvalidParameterError
    from flowtrack.serving import inputs

    if path is None:
        body = sys.stdin.buffer.read()
    else:
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise InvalidParameterError(
                f"Cannot read input file '{path}': {exc.strerror}"
            ) from None
    if content_type is ContentType.CSV:
        return inputs.parse_csv(body)
    if content_type is ContentType.PARQUET:
        return inputs.parse_parquet(body)
    return inputs.parse_json(body)


def _rows(data: Any) -> int:
    return len(data) if not isinstance(data, dict) else len(next(iter(data.values()), []))


@app.command("generate-dockerfile")
def generate_dockerfile(
    model_uri: ModelUriOption,
    output_directory: Annotated[
        Path,
        typer.Option(
            "--output-directory",
            "-d",
            help="The build context to create: Dockerfile and model_dir/.",
            file_okay=False,
        ),
    ] = Path("flowtrack-dockerfile"),
    base_image: Annotated[
        str, typer.Option("--base-image", help="The Python base image.")
    ] = "python:3.11-slim",
    flowtrack_requirement: Annotated[
        str | None,
        typer.Option(
            "--flowtrack-requirement",
            help="pip requirement for flowtrack in the image (default: this version with the "
            "server extra); e.g. a Git URL for unreleased builds.",
            show_default=False,
        ),
    ] = None,
    trust_model: Annotated[
        bool,
        typer.Option(
            "--trust-model",
            help="Make the image serve with --trust-model (pickled models you trust).",
        ),
    ] = False,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Write a Docker build context whose image serves the model on port 8080."""
    from flowtrack.models import docker

    _use_tracking_uri(tracking_uri)
    dockerfile = docker.generate_dockerfile(
        model_uri,
        output_directory,
        base_image=base_image,
        flowtrack_requirement=flowtrack_requirement,
        trust_model=trust_model,
    )
    typer.echo(f"Wrote {dockerfile} and {dockerfile.parent / docker.MODEL_DIR_NAME}/")
    typer.echo(
        f"Build and run: docker build -t my-model {dockerfile.parent} && "
        "docker run -p 5001:8080 my-model"
    )
