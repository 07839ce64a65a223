"""The Prefect behaviour ``flowtrack.tasks._prefect_compat`` relies on, checked on plain Prefect.

Each test names the behaviour in its assertion message: when a Prefect release changes it, the
failure says which workaround to revisit (see the module docstring of ``_prefect_compat``).
"""

from __future__ import annotations

from uuid import uuid4

import pytest
from prefect import Flow, Task, flow, task

from flowtrack.tasks import TrackedFlow, TrackedTask, _prefect_compat, tracked_task


def double(x: int) -> int:
    return 2 * x


def pipeline() -> int:
    return 1


def test_with_options_builds_a_plain_task_and_flow_with_every_attribute() -> None:
    class SubTask(Task[[int], int]):
        pass

    class SubFlow(Flow[[], int]):
        pass

    task_copy = SubTask(fn=double, retries=2).with_options(name="copy")
    flow_copy = SubFlow(fn=pipeline, retries=1).with_options(name="copy")
    assert type(task_copy) is Task and type(flow_copy) is Flow, (
        "Prefect's Task.with_options/Flow.with_options no longer build a plain Task/Flow "
        "(they may call type(self)(...) now): TrackedTask/TrackedFlow.with_options and "
        "_prefect_compat.as_subclass must change"
    )
    assert hasattr(task_copy, "__dict__") and hasattr(flow_copy, "__dict__"), (
        "prefect.Task/Flow instances have no __dict__ any more (__slots__): "
        "_prefect_compat.as_subclass cannot re-class a copy"
    )
    assert (task_copy.retries, flow_copy.retries) == (2, 1)


def test_as_subclass_refuses_what_is_not_a_plain_prefect_copy() -> None:
    tracked = tracked_task(double)
    copy = tracked.with_options(name="copy")
    assert type(copy) is TrackedTask
    with pytest.raises(TypeError, match="with_options"):
        _prefect_compat.as_subclass(copy, TrackedFlow)


def test_flow_entrypoint_is_the_private_attribute_prefect_computes_and_copies() -> None:
    plain = Flow(fn=pipeline)
    assert getattr(plain, "_entrypoint", None) == _prefect_compat.entrypoint_of(pipeline), (
        "Prefect's Flow no longer keeps its entrypoint in Flow._entrypoint, or computes it "
        "differently: _prefect_compat.set_flow_entrypoint/entrypoint_of must change"
    )
    _prefect_compat.set_flow_entrypoint(plain, double)
    assert plain.with_options(name="copy")._entrypoint == f"{__name__}:double", (
        "Prefect's Flow.with_options no longer copies Flow._entrypoint"
    )


def test_task_key_for_matches_prefects_own_derivation() -> None:
    assert Task(fn=double).task_key == _prefect_compat.task_key_for(double), (
        "Prefect derives Task.task_key differently now: _prefect_compat.task_key_for must "
        "follow, or tracked tasks get keys unlike plain tasks'"
    )


@pytest.mark.usefixtures("prefect_harness")
def test_a_persisted_result_and_its_cache_hit_share_a_storage_key() -> None:
    key = f"flowtrack-compat-{uuid4().hex}"  # one key per test session: the first call misses

    @task(persist_result=True, cache_key_fn=lambda *_: key)
    def persisted() -> int:
        return 3

    @flow
    def run_twice() -> tuple[str, str | None, str, str | None]:
        first, hit = persisted(return_state=True), persisted(return_state=True)
        return (
            str(first.name),
            _prefect_compat.result_storage_key(first),
            str(hit.name),
            _prefect_compat.result_storage_key(hit),
        )

    first_name, first_key, hit_name, hit_key = run_twice()
    assert (first_name, hit_name) == ("Completed", "Cached")
    assert first_key is not None and first_key.endswith(key), (
        "A completed Prefect state's data no longer carries metadata.storage_key (Prefect's "
        "ResultRecord): _prefect_compat.result_storage_key must change, or skip_if_ran cache "
        "hits cannot name the run they reuse"
    )
    assert hit_key == first_key, (
        "A Cached state no longer carries the storage key of the result it reuses"
    )
