"""Reading back what flows wrote to the Prefect API (artifacts), for assertions."""

from __future__ import annotations

from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import Artifact as PrefectArtifact


def latest_artifact(key: str) -> PrefectArtifact | None:
    """Read the latest artifact with ``key`` from the Prefect API.

    Posts the filter directly: with FastAPI 0.154 this Prefect server answers 422 to the
    ``null`` fields that ``Artifact.get`` and ``read_artifacts`` send for unused filters, and
    an empty task-run filter (``{}``) would drop artifacts of flow runs.
    """
    body = {"artifacts": {"key": {"any_": [key]}}, "sort": "UPDATED_DESC", "limit": 1}
    with get_client(sync_client=True) as prefect_client:
        response = prefect_client.request("POST", "/artifacts/filter", json=body)  # type: ignore[arg-type]
    found = PrefectArtifact.model_validate_list(response.json())
    return found[0] if found else None
