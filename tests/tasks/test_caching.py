"""find_cached_run: the store answers which run produced a cached result."""

from __future__ import annotations

import time

import flowtrack
from flowtrack.tasks import find_cached_run
from flowtrack.tasks.identity import CACHE_KEY_TAG


def test_finds_the_producer_in_any_experiment_beyond_the_first_page(tracking_uri: str) -> None:
    client = flowtrack.MlflowClient()
    first = client.create_experiment("first")
    producer = client.create_run(first, tags={CACHE_KEY_TAG: "/storage/it's-a-key"})
    client.set_terminated(producer.info.run_id)
    client.create_run(first, tags={CACHE_KEY_TAG: "/storage/it's-a-key"})  # still running
    time.sleep(0.01)  # newer experiments are listed first: "first" lands on the second page
    for index in range(1000):
        client.create_experiment(f"filler-{index}")

    found = find_cached_run("/storage/it's-a-key")
    assert found is not None and found.info.run_id == producer.info.run_id
    assert find_cached_run("/storage/other") is None
