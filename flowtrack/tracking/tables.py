"""Tables logged with ``log_table``: MLflow's ``mlflow.loggedArtifacts`` tag and ``load_table``.

``log_table`` records each table in the run tag ``mlflow.loggedArtifacts`` (a JSON list of
``{"path": ..., "type": "table"}``), as MLflow does; ``load_table`` finds the runs of an
experiment whose tag lists the file and concatenates their tables into one DataFrame.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from flowtrack.entities import Run
from flowtrack.entities.tags import MLFLOW_LOGGED_ARTIFACTS
from flowtrack.exceptions import InvalidParameterError, NotFoundError

if TYPE_CHECKING:
    import pandas

__all__ = [
    "MLFLOW_LOGGED_ARTIFACTS",
    "check_table_file",
    "load_table",
    "logged_artifacts_tag",
]

_FORBIDDEN = ('"', "'", ",", ":", "[", "]", "{", "}")
_LOGGER = logging.getLogger("flowtrack.tracking")


def check_table_file(artifact_file: str) -> str:
    """Check a table's artifact path for the characters MLflow's tag matching cannot hold.

    Raises:
        InvalidParameterError: The path contains one of ``" ' , : [ ] { }``.
    """
    found = [char for char in _FORBIDDEN if char in artifact_file]
    if found:
        raise InvalidParameterError(
            f"Invalid table file {artifact_file!r}: it contains {''.join(found)!r}; table paths "
            f"may not contain any of {' '.join(_FORBIDDEN)}"
        )
    return artifact_file


def _entry(artifact_file: str) -> dict[str, str]:
    return {"path": artifact_file, "type": "table"}


def logged_artifacts_tag(current: str | None, artifact_file: str) -> str | None:
    """Return the new ``mlflow.loggedArtifacts`` value after logging a table, or ``None``.

    Args:
        current: The run's current tag value, or ``None``.
        artifact_file: The table's artifact path.

    Returns:
        The updated JSON list, or ``None`` when the table is already listed.
    """
    entries = json.loads(current) if current else []
    if _entry(artifact_file) in entries:
        return None
    return json.dumps([*entries, _entry(artifact_file)])


def _lists_table(run: Run, artifact_file: str) -> bool:
    try:
        entries = json.loads(run.data.tags.get(MLFLOW_LOGGED_ARTIFACTS, "[]"))
    except ValueError:
        return False
    return isinstance(entries, list) and _entry(artifact_file) in entries


def load_table(
    runs: Sequence[Run],
    artifact_file: str,
    read: Callable[[str, str], bytes],
    run_ids: Sequence[str] | None = None,
    extra_columns: Sequence[str] | None = None,
) -> pandas.DataFrame:
    """Concatenate the tables ``artifact_file`` of the runs that logged it.

    Args:
        runs: The candidate runs (an experiment's active runs, newest first).
        artifact_file: The table's artifact path.
        read: ``read(run_id, artifact_file)`` returns the table file's bytes.
        run_ids: Keep only these runs; ``None`` or empty for every run that has the table.
        extra_columns: ``search_runs`` columns (``run_id``, ``tags.x``...) added to each row.

    Returns:
        One DataFrame, the runs' rows in the order of ``runs``.

    Raises:
        InvalidParameterError: A forbidden character, or an extra column no run has.
        NotFoundError: No run has that table.
    """
    import pandas as pd

    from flowtrack.tracking._search_frame import runs_to_frame

    check_table_file(artifact_file)
    wanted = set(run_ids) if run_ids else None
    found = [
        run
        for run in runs
        if _lists_table(run, artifact_file) and (wanted is None or run.info.run_id in wanted)
    ]
    if wanted is not None and len(wanted) != len(found):
        _LOGGER.warning("Not all runs have the table %r; the others are skipped", artifact_file)
    if not found:
        raise NotFoundError(f"No runs found with the table {artifact_file!r}")
    frame = runs_to_frame(found)
    missing = [column for column in extra_columns or () if column not in frame.columns]
    if missing:
        raise InvalidParameterError(
            f"Invalid extra_columns {missing}: choose among the search_runs columns "
            f"{list(frame.columns)}"
        )
    tables: list[Any] = []
    for (_, row), run in zip(frame.iterrows(), found, strict=True):
        content = read(run.info.run_id, artifact_file).decode("utf-8")
        table = pd.read_json(io.StringIO(content), orient="split")
        for column in extra_columns or ():
            # MLflow's rule: a column the table already has gets the run's value as "<name>_".
            table[f"{column}_" if column in table.columns else column] = row[column]
        tables.append(table)
    combined: pandas.DataFrame = pd.concat(tables, ignore_index=True)
    return combined
