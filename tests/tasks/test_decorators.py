"""``@tracked_task`` and ``@tracked_flow`` as objects (what they build, without running them),
and their tracking options (``flowtrack.tasks.options``)."""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import cloudpickle
import pydantic
import pytest
from prefect.cache_policies import INPUTS, TASK_SOURCE, CompoundCachePolicy
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.callables import parameter_schema
from prefect.utilities.hashing import file_hash

import flowtrack
from flowtrack.exceptions import InvalidParameterError
from flowtrack.tasks import TrackedFlow, TrackedTask, tracked_flow, tracked_task
from flowtrack.tasks import flow as flow_module
from flowtrack.tasks import task as task_module
from flowtrack.tasks.caching import GitCommit
from flowtrack.tasks.options import TrackingOptions, tracking_guard


class Config(pydantic.BaseModel):
    """A pydantic parameter: Prefect shows its schema in the UI."""

    alpha: float = 0.5
    solver: str = "lbfgs"


def user_hook(*args: Any) -> None:
    """A user's state hook."""


def other_hook(*args: Any) -> None:
    """Another user's state hook."""


@tracked_task
def train(alpha: float, epochs: int = 10) -> dict[str, float]:
    return {"rmse": alpha * epochs}


@tracked_task(retries=2, log_params=("alpha",), experiment="exp", strict=True)
def train_with_args(alpha: float, data: list[int] | None = None) -> float:
    return alpha


@tracked_flow
def pipeline(config: Config, n: int = 3, label: str = "x") -> int:
    return n


@tracked_flow(name="configured", retries=1, log_prints=True)
def configured_pipeline(alpha: float = 0.5) -> float:
    return alpha


def _hook_names(hooks: list[Any]) -> list[str]:
    return [hook.__name__ for hook in hooks]


# ------------------------------------------------------------------------------- the classes


def test_tracked_task_bare_and_with_arguments_build_tracked_tasks() -> None:
    assert isinstance(train, TrackedTask)
    assert isinstance(train_with_args, TrackedTask)
    assert train.name == "train"
    assert train.flowtrack_options == TrackingOptions()
    assert train_with_args.flowtrack_options == TrackingOptions(
        experiment="exp", log_params=("alpha",), strict=True
    )


def test_tracked_flow_bare_and_with_arguments_build_tracked_flows() -> None:
    assert isinstance(pipeline, TrackedFlow)
    assert isinstance(configured_pipeline, TrackedFlow)
    assert pipeline.name == "pipeline"
    assert pipeline.flowtrack_options == TrackingOptions()


def test_log_params_iterable_is_stored_as_a_tuple() -> None:
    def fit(a: int, b: int, c: int) -> None:
        return None

    task = tracked_task(log_params=["a", "b"])(fit)
    assert task.flowtrack_options.log_params == ("a", "b")
    flow = tracked_flow(log_params=iter(["a"]), log_result=False)(fit)
    assert flow.flowtrack_options == TrackingOptions(log_params=("a",), log_result=False)


def test_prefect_task_keywords_pass_through() -> None:
    @tracked_task(
        name="fit",
        retries=3,
        retry_delay_seconds=[1, 2],
        task_run_name="fit-{alpha}",
        cache_policy=INPUTS,
        timeout_seconds=30,
        tags={"ml"},
    )
    def fit(alpha: float) -> float:
        return alpha

    assert fit.name == "fit"
    assert fit.retries == 3
    assert fit.retry_delay_seconds == [1, 2]
    assert fit.task_run_name == "fit-{alpha}"
    policy: object = fit.cache_policy  # Prefect types the attribute loosely
    assert policy is INPUTS
    assert fit.timeout_seconds == 30
    assert fit.tags == {"ml"}


def test_prefect_flow_keywords_pass_through() -> None:
    runner = ThreadPoolTaskRunner(max_workers=2)  # type: ignore[var-annotated]

    @tracked_flow(
        name="nightly",
        retries=2,
        retry_delay_seconds=5,
        timeout_seconds=60,
        log_prints=True,
        task_runner=runner,
        flow_run_name="nightly-{n}",
        version="v7",
    )
    def nightly(n: int = 1) -> int:
        return n

    assert nightly.name == "nightly"
    assert nightly.retries == 2
    assert nightly.retry_delay_seconds == 5
    assert nightly.timeout_seconds == 60
    assert nightly.log_prints is True
    assert nightly.task_runner is runner
    assert nightly.flow_run_name == "nightly-{n}"
    assert nightly.version == "v7"
    assert configured_pipeline.name == "configured"
    assert configured_pipeline.retries == 1
    assert configured_pipeline.log_prints is True


# ------------------------------------------------------------------------------ signatures


def test_task_signature_is_the_users() -> None:
    signature = inspect.signature(train.fn)
    assert list(signature.parameters) == ["alpha", "epochs"]
    assert signature.parameters["epochs"].default == 10
    assert train.fn.__name__ == "train"
    assert train.fn.__doc__ == train.fn.__wrapped__.__doc__  # type: ignore[attr-defined]


def test_flow_parameter_schema_is_the_users() -> None:
    schema = parameter_schema(pipeline.fn)
    assert list(schema.properties) == ["config", "n", "label"]
    assert schema.required == ["config"]
    assert schema.properties["n"]["default"] == 3
    assert schema.properties["n"]["type"] == "integer"
    assert schema.properties["label"]["default"] == "x"
    assert schema.properties["config"]["$ref"] == "#/definitions/Config"
    assert set(schema.definitions["Config"]["properties"]) == {"alpha", "solver"}


def test_flow_parameters_validate_against_the_users_signature() -> None:
    parameters = pipeline.validate_parameters({"config": {"alpha": 0.1}, "n": "4"})
    assert parameters["n"] == 4
    assert parameters["config"] == Config(alpha=0.1)


def test_async_functions_make_async_tasks_and_flows() -> None:
    @tracked_task
    async def fetch(url: str) -> str:
        return url

    @tracked_flow
    async def crawl(url: str = "x") -> str:
        return url

    assert fetch.isasync
    assert crawl.isasync
    assert inspect.iscoroutinefunction(fetch.fn)
    assert inspect.iscoroutinefunction(crawl.fn)
    assert list(inspect.signature(fetch.fn).parameters) == ["url"]
    assert not train.isasync
    assert not pipeline.isasync


def test_generator_functions_are_refused() -> None:
    def produce() -> Iterator[int]:
        yield 1

    async def produce_async() -> AsyncIterator[int]:
        yield 1

    for decorate in (tracked_task, tracked_flow):
        for fn in (produce, produce_async):
            with pytest.raises(InvalidParameterError, match=fn.__name__):
                decorate(fn)


# ------------------------------------------------------------------------------- skip_if_ran


def test_skip_if_ran_with_cache_policy_is_refused() -> None:
    with pytest.raises(InvalidParameterError, match=r"skip_if_ran.*cache_policy"):

        @tracked_task(skip_if_ran=True, cache_policy=INPUTS)
        def cached(x: int) -> int:
            return x


def test_skip_if_ran_caches_on_inputs_source_and_commit() -> None:
    @tracked_task(skip_if_ran=True)
    def cached(x: int) -> int:
        return x

    policy = cached.cache_policy
    assert isinstance(policy, CompoundCachePolicy)
    kinds = {type(part) for part in policy.policies}
    assert {type(INPUTS), type(TASK_SOURCE), GitCommit} <= kinds
    assert cached.persist_result is True


def test_skip_if_ran_respects_an_explicit_persist_result() -> None:
    @tracked_task(skip_if_ran=True, persist_result=False)
    def cached(x: int) -> int:
        return x

    assert cached.persist_result is False


def test_without_skip_if_ran_prefect_defaults_apply() -> None:
    assert not any(
        isinstance(part, GitCommit) for part in getattr(train.cache_policy, "policies", [])
    )
    assert train.persist_result is None


# ---------------------------------------------------------------------------------- identity


def _make_task() -> TrackedTask[[int], int]:
    @tracked_task
    def train(x: int) -> int:  # same name as the module-level task, different code
        return x + 1

    return train


def test_task_keys_name_the_users_function_and_differ_by_place() -> None:
    other = _make_task()
    assert other.name == train.name
    assert train.task_key.startswith("train-")
    assert other.task_key.startswith("train-")
    assert other.task_key != train.task_key
    assert train_with_args.task_key.startswith("train_with_args-")


def test_flow_version_hashes_the_users_file() -> None:
    assert pipeline.version == file_hash(__file__)
    assert pipeline.version != file_hash(flow_module.__file__)


def test_flow_entrypoint_names_the_users_function() -> None:
    assert pipeline._entrypoint == f"{__name__}:pipeline"

    def local_flow() -> None:
        return None

    local = tracked_flow(local_flow)
    assert local._entrypoint == (
        f"{__name__}:test_flow_entrypoint_names_the_users_function.<locals>.local_flow"
    )


# ------------------------------------------------------------------------------------ hooks


def test_task_user_hooks_follow_the_tracking_hook() -> None:
    @tracked_task(on_completion=[user_hook], on_failure=[user_hook, other_hook])
    def hooked(x: int) -> int:
        return x

    assert hooked.on_completion_hooks == [user_hook]
    assert hooked.on_failure_hooks == [task_module.flowtrack_task_failed, user_hook, other_hook]
    assert train.on_completion_hooks == []
    assert train.on_failure_hooks == [task_module.flowtrack_task_failed]


def test_flow_user_hooks_follow_the_tracking_hooks() -> None:
    @tracked_flow(
        on_completion=[user_hook],
        on_failure=[user_hook],
        on_crashed=[other_hook],
        on_cancellation=[user_hook, other_hook],
    )
    def hooked() -> None:
        return None

    assert hooked.on_completion_hooks == [flow_module.flowtrack_flow_completed, user_hook]
    assert hooked.on_failure_hooks == [flow_module.flowtrack_flow_failed, user_hook]
    assert hooked.on_crashed_hooks == [flow_module.flowtrack_flow_crashed, other_hook]
    assert hooked.on_cancellation_hooks == [
        flow_module.flowtrack_flow_cancelled,
        user_hook,
        other_hook,
    ]


def test_a_single_hook_callable_is_accepted() -> None:
    @tracked_task(on_completion=user_hook, on_failure=other_hook)
    def hooked(x: int) -> int:
        return x

    @tracked_flow(on_crashed=user_hook)
    def hooked_flow() -> None:
        return None

    assert hooked.on_completion_hooks == [user_hook]
    assert hooked.on_failure_hooks == [task_module.flowtrack_task_failed, other_hook]
    assert hooked_flow.on_crashed_hooks == [flow_module.flowtrack_flow_crashed, user_hook]
    copy = hooked.with_options(on_completion=other_hook)
    assert copy.on_completion_hooks == [other_hook]


def test_task_with_options_stays_tracked() -> None:
    copy = train_with_args.with_options(on_completion=[user_hook], retries=3, name="x")
    assert type(copy) is TrackedTask
    assert copy.name == "x"
    assert copy.retries == 3
    assert copy.flowtrack_options == train_with_args.flowtrack_options
    assert copy.task_key == train_with_args.task_key
    assert copy.on_completion_hooks == [user_hook]
    assert copy.on_failure_hooks == [task_module.flowtrack_task_failed]
    assert copy.fn is train_with_args.fn  # not wrapped a second time


def test_task_with_options_without_hooks_keeps_the_user_hooks() -> None:
    @tracked_task(on_completion=[user_hook], on_failure=[other_hook])
    def hooked(x: int) -> int:
        return x

    copy = hooked.with_options(retries=1)
    assert copy.on_completion_hooks == [user_hook]
    assert copy.on_failure_hooks == [task_module.flowtrack_task_failed, other_hook]


def test_task_with_options_hooks_replace_the_user_hooks() -> None:
    @tracked_task(on_completion=[user_hook])
    def hooked(x: int) -> int:
        return x

    copy = hooked.with_options(on_completion=[other_hook])
    assert copy.on_completion_hooks == [other_hook]


def test_task_with_options_keeps_skip_if_ran() -> None:
    @tracked_task(skip_if_ran=True)
    def cached(x: int) -> int:
        return x

    copy = cached.with_options(retries=2)
    assert copy.cache_policy is cached.cache_policy
    assert copy.persist_result is True


def test_flow_with_options_stays_tracked() -> None:
    copy = pipeline.with_options(on_crashed=[user_hook], retries=3, name="x")
    assert type(copy) is TrackedFlow
    assert copy.name == "x"
    assert copy.retries == 3
    assert copy.flowtrack_options is pipeline.flowtrack_options
    assert copy.on_crashed_hooks == [flow_module.flowtrack_flow_crashed, user_hook]
    assert copy.on_completion_hooks == [flow_module.flowtrack_flow_completed]
    assert copy.version == pipeline.version
    assert copy._entrypoint == pipeline._entrypoint
    assert copy.fn is pipeline.fn


def test_flow_with_options_without_hooks_keeps_the_user_hooks() -> None:
    @tracked_flow(on_completion=[user_hook], on_cancellation=[other_hook])
    def hooked() -> None:
        return None

    copy = hooked.with_options(retries=1)
    assert copy.on_completion_hooks == [flow_module.flowtrack_flow_completed, user_hook]
    assert copy.on_cancellation_hooks == [flow_module.flowtrack_flow_cancelled, other_hook]


# ---------------------------------------------------------------------------------- pickling


def test_tasks_and_flows_survive_cloudpickle() -> None:
    local_task = _make_task()
    for original in (train, train_with_args, local_task):
        loaded = cloudpickle.loads(cloudpickle.dumps(original))
        assert type(loaded) is TrackedTask
        assert loaded.flowtrack_options == original.flowtrack_options
        assert loaded.task_key == original.task_key
        assert _hook_names(loaded.on_completion_hooks) == []
    loaded_flow = cloudpickle.loads(cloudpickle.dumps(pipeline))
    assert type(loaded_flow) is TrackedFlow
    assert loaded_flow.flowtrack_options == pipeline.flowtrack_options
    assert loaded_flow.fn(Config(), n=5) == 5


def test_with_options_copies_survive_cloudpickle() -> None:
    copy = train_with_args.with_options(on_completion=[user_hook])
    loaded = cloudpickle.loads(cloudpickle.dumps(copy))
    assert type(loaded) is TrackedTask
    assert loaded.flowtrack_options == copy.flowtrack_options
    assert _hook_names(loaded.on_completion_hooks) == ["user_hook"]


# ------------------------------------------------------------------------ untracked direct calls


def test_calling_fn_directly_runs_untracked(tracking_uri: str, tmp_path: Path) -> None:
    assert train.fn(0.5, epochs=2) == {"rmse": 1.0}
    assert train_with_args.fn(2.0) == 2.0
    assert pipeline.fn(Config(), n=7) == 7
    client = flowtrack.MlflowClient()
    assert client.tracking_uri == tracking_uri
    assert list(client.search_runs(["0"])) == []
    assert [e.name for e in client.search_experiments()] == ["Default"]
    assert flowtrack.active_run() is None


def test_calling_fn_directly_inside_a_run_logs_nothing(tracking_uri: str) -> None:
    with flowtrack.start_run() as run:
        assert train.fn(1.0) == {"rmse": 10.0}
    client = flowtrack.MlflowClient()
    runs = list(client.search_runs(["0"]))
    assert [r.info.run_id for r in runs] == [run.info.run_id]
    assert runs[0].data.params == {}
    assert runs[0].data.metrics == {}


# ------------------------------------------------------------------ options: strict or warn


def test_strict_option_wins_over_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    def fit() -> None:
        return None

    monkeypatch.setenv("FLOWTRACK_STRICT_TRACKING", "false")
    assert tracked_task(strict=True)(fit).flowtrack_options.strict is True
    monkeypatch.setenv("FLOWTRACK_STRICT_TRACKING", "true")
    assert tracked_flow(strict=False)(fit).flowtrack_options.strict is False


def test_strict_defaults_to_the_setting_read_when_decorating(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fit() -> None:
        return None

    monkeypatch.delenv("FLOWTRACK_STRICT_TRACKING", raising=False)
    assert tracked_task(fit).flowtrack_options.strict is False
    monkeypatch.setenv("FLOWTRACK_STRICT_TRACKING", "true")
    strict_task, strict_flow = tracked_task(fit), tracked_flow(fit)
    assert strict_task.flowtrack_options.strict is True
    assert strict_flow.flowtrack_options.strict is True
    monkeypatch.setenv("FLOWTRACK_STRICT_TRACKING", "1")
    assert TrackingOptions.from_arguments(None, True, True, None).strict is True
    monkeypatch.setenv("FLOWTRACK_STRICT_TRACKING", "false")
    assert tracked_flow(fit).flowtrack_options.strict is False
    # Read at the edge: decorated objects keep what they were given, with_options copies too.
    assert strict_task.flowtrack_options.strict is True
    assert strict_flow.with_options(name="again").flowtrack_options.strict is True


def test_tracking_guard_warns_and_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="flowtrack.tasks"),
        tracking_guard("open the run of task 'train'", strict=False),
    ):
        raise ConnectionError("store is down")
    (record,) = [r for r in caplog.records if r.name == "flowtrack.tasks"]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "flowtrack could not open the run of task 'train': ConnectionError: store is down"
    )


def test_tracking_guard_strict_reraises_the_same_error(caplog: pytest.LogCaptureFixture) -> None:
    error = ConnectionError("store is down")
    with (
        caplog.at_level(logging.WARNING, logger="flowtrack.tasks"),
        pytest.raises(ConnectionError) as raised,
        tracking_guard("open the run", strict=True),
    ):
        raise error
    assert raised.value is error
    assert [r for r in caplog.records if r.name == "flowtrack.tasks"] == []


def test_tracking_guard_lets_interrupts_through() -> None:
    with pytest.raises(KeyboardInterrupt), tracking_guard("open the run", strict=False):
        raise KeyboardInterrupt


def test_tracking_guard_is_silent_without_errors(caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="flowtrack.tasks"),
        tracking_guard("open the run", strict=False),
    ):
        value = 1
    assert value == 1
    assert caplog.records == []


def test_the_cache_hit_hook_is_installed_only_when_results_persist() -> None:
    # Recording cache hits needs the completion hook; tasks whose results Prefect does not
    # persist can never hit a cache, so they do not run one per task run.
    def step(x: int) -> int:
        return x

    plain = tracked_task(step, on_completion=[user_hook])
    cached = tracked_task(step, skip_if_ran=True, on_completion=[user_hook])
    persisted = tracked_task(step, persist_result=True)
    assert plain.on_completion_hooks == [user_hook]
    assert cached.on_completion_hooks == [task_module.flowtrack_task_completed, user_hook]
    assert persisted.on_completion_hooks == [task_module.flowtrack_task_completed]
    assert plain.with_options(persist_result=True).on_completion_hooks == [
        task_module.flowtrack_task_completed,
        user_hook,
    ]
    assert cached.with_options(persist_result=False).on_completion_hooks == [user_hook]
    for task in (plain, cached, persisted):
        assert task.on_failure_hooks[0] is task_module.flowtrack_task_failed


def test_flowtrack_is_registered_as_a_prefect_collection() -> None:
    from importlib.metadata import entry_points

    [entry] = [ep for ep in entry_points(group="prefect.collections") if ep.name == "flowtrack"]
    assert entry.value == "flowtrack"
    assert entry.load().__name__ == "flowtrack"


def test_an_already_decorated_prefect_task_or_flow_is_refused() -> None:
    from prefect import flow, task

    def step(x: int) -> int:
        return x

    with pytest.raises(
        InvalidParameterError, match="decorate the plain function with @tracked_task"
    ):
        tracked_task(task(step))
    with pytest.raises(
        InvalidParameterError, match="decorate the plain function with @tracked_flow"
    ):
        tracked_flow(flow(step))
