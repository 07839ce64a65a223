"""Experiment routes through the app, under both API prefixes."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.server.conftest import Api


@pytest.mark.parametrize("prefix", ["/api/2.0/mlflow", "/ajax-api/2.0/mlflow"])
def test_create_get_and_get_by_name(client: TestClient, prefix: str) -> None:
    api = Api(client, prefix)
    created = api.post(
        "experiments/create",
        {"name": "e1", "artifact_location": "/data/e1", "tags": [{"key": "team", "value": "a"}]},
    )
    experiment_id = created["experiment_id"]
    assert isinstance(experiment_id, str)
    experiment = api.get("experiments/get", experiment_id=experiment_id)["experiment"]
    assert experiment["name"] == "e1"
    assert experiment["artifact_location"] == "/data/e1"
    assert experiment["lifecycle_stage"] == "active"
    assert experiment["tags"] == [{"key": "team", "value": "a"}]
    assert isinstance(experiment["creation_time"], int)
    by_name = api.get("experiments/get-by-name", experiment_name="e1")["experiment"]
    assert by_name == experiment


def test_unknown_experiment_is_404(api: Api) -> None:
    error = api.get("experiments/get", expect=404, experiment_id="999")
    assert error["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    error = api.get("experiments/get-by-name", expect=404, experiment_name="nope")
    assert error == {
        "error_code": "RESOURCE_DOES_NOT_EXIST",
        "message": "Could not find experiment with name 'nope'",
    }
    error = api.post("experiments/delete", {"experiment_id": "999"}, expect=404)
    assert error["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_empty_fields_are_omitted(api: Api) -> None:
    experiment = api.get("experiments/get", experiment_id="0")["experiment"]
    assert "tags" not in experiment  # the Default experiment has none


def test_search_get_with_repeated_order_by_and_post(api: Api) -> None:
    for name in ("b", "a", "c"):
        api.post("experiments/create", {"name": name})
    # GET: order_by repeated in the query string, the view type by name.
    found = api.get(
        "experiments/search", order_by=["name DESC"], view_type="ALL", filter="name != 'Default'"
    )
    assert [e["name"] for e in found["experiments"]] == ["c", "b", "a"]
    first = api.post("experiments/search", {"max_results": 2, "order_by": ["name ASC"]})
    assert [e["name"] for e in first["experiments"]] == ["Default", "a"]
    second = api.post(
        "experiments/search",
        {"max_results": 2, "order_by": ["name ASC"], "page_token": first["next_page_token"]},
    )
    assert [e["name"] for e in second["experiments"]] == ["b", "c"]
    assert "next_page_token" not in second
    none = api.post("experiments/search", {"filter": "name = 'zzz'"})
    assert none == {}


def test_search_refuses_a_bad_view_type_and_filter(api: Api) -> None:
    error = api.get("experiments/search", expect=400, view_type="SOME")
    assert "'SOME'" in error["message"]
    error = api.post("experiments/search", {"filter": "name ~~ 'x'"}, expect=400)
    assert error["error_code"] == "INVALID_PARAMETER_VALUE"


def test_update_delete_restore(api: Api, experiment_id: str) -> None:
    assert api.post("experiments/update", {"experiment_id": experiment_id, "new_name": "n2"}) == {}
    assert api.get("experiments/get", experiment_id=experiment_id)["experiment"]["name"] == "n2"
    api.post("experiments/delete", {"experiment_id": experiment_id})
    stage = api.get("experiments/get", experiment_id=experiment_id)["experiment"]
    assert stage["lifecycle_stage"] == "deleted"
    deleted = api.post("experiments/search", {"view_type": "DELETED_ONLY"})["experiments"]
    assert [e["experiment_id"] for e in deleted] == [experiment_id]
    api.post("experiments/restore", {"experiment_id": experiment_id})
    stage = api.get("experiments/get", experiment_id=experiment_id)["experiment"]
    assert stage["lifecycle_stage"] == "active"


def test_experiment_tags(api: Api, experiment_id: str) -> None:
    api.post(
        "experiments/set-experiment-tag", {"experiment_id": experiment_id, "key": "k", "value": "v"}
    )
    tags = api.get("experiments/get", experiment_id=experiment_id)["experiment"]["tags"]
    assert tags == [{"key": "k", "value": "v"}]
    api.post("experiments/delete-experiment-tag", {"experiment_id": experiment_id, "key": "k"})
    assert "tags" not in api.get("experiments/get", experiment_id=experiment_id)["experiment"]
    error = api.post(
        "experiments/delete-experiment-tag",
        {"experiment_id": experiment_id, "key": "k"},
        expect=404,
    )
    assert error["error_code"] == "RESOURCE_DOES_NOT_EXIST"
