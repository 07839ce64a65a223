"""Plugins installed as real distributions: run context providers and fsspec artifact stores.

Seed 003 ("MLflow Plugins"): run context providers define context tags for runs created through
``start_run``; artifact repositories override where artifacts go.

Each test writes a tiny plugin *distribution* (a package plus a ``.dist-info`` with
``entry_points.txt``) into a temporary directory and runs a script in a subprocess with that
directory on ``PYTHONPATH``, so ``importlib.metadata.entry_points`` (and fsspec, which reads its
``fsspec.specs`` group when imported) find it exactly as they would a pip-installed plugin.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flowtrack.tracking.context_providers import RunContextProvider, provider_tags

ROOT = Path(__file__).resolve().parents[2]

PLUGIN_MODULE = '''
from fsspec.implementations.memory import MemoryFileSystem


class CIRunContext:
    """In context: contributes tags, one of which the user overrides."""

    def in_context(self):
        return True

    def tags(self):
        return {"ci.job": "42", "team": "plugin", "mlflow.source.type": "JOB"}


class OutOfContext:
    def in_context(self):
        return False

    def tags(self):
        raise AssertionError("tags() must not be called when not in context")


class Exploding:
    def in_context(self):
        raise RuntimeError("boom")

    def tags(self):
        return {"never": "seen"}


class MlflowStyleContext:
    """Registered under MLflow's group, the way an existing MLflow plugin is."""

    def in_context(self):
        return True

    def tags(self):
        return {"from.mlflow.group": "yes"}


class NotAProvider:
    pass


class MyFileSystem(MemoryFileSystem):
    """An in-memory filesystem of its own, reached as myfs://."""

    protocol = "myfs"
    store = {}
    pseudo_dirs = [""]

    @classmethod
    def _strip_protocol(cls, path):
        return super()._strip_protocol(str(path).removeprefix("myfs://"))
'''

ENTRY_POINTS = """
[flowtrack.run_context_providers]
ci = flowtrack_test_plugin:CIRunContext
off = flowtrack_test_plugin:OutOfContext
exploding = flowtrack_test_plugin:Exploding
not_a_provider = flowtrack_test_plugin:NotAProvider
missing = flowtrack_test_plugin:DoesNotExist

[mlflow.run_context_provider]
mlflow_style = flowtrack_test_plugin:MlflowStyleContext
needs_mlflow = mlflow.tracking.context.git_context:GitRunContext

[fsspec.specs]
myfs = flowtrack_test_plugin:MyFileSystem
"""


@pytest.fixture
def plugin_site(tmp_path: Path) -> Path:
    """A directory holding the plugin package and its dist-info, as pip would install them."""
    site = tmp_path / "site"
    (site / "flowtrack_test_plugin").mkdir(parents=True)
    (site / "flowtrack_test_plugin" / "__init__.py").write_text(PLUGIN_MODULE)
    dist_info = site / "flowtrack_test_plugin-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: flowtrack-test-plugin\nVersion: 0.1\n"
    )
    (dist_info / "entry_points.txt").write_text(ENTRY_POINTS)
    return site


def run_with_plugin(site: Path, tmp_path: Path, script: str) -> tuple[dict[str, object], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLOWTRACK_", "MLFLOW_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(site)])
    env["FLOWTRACK_TRACKING_URI"] = f"sqlite:///{tmp_path}/plugins.db"
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def test_run_context_providers_add_tags_and_never_break_a_run(
    plugin_site: Path, tmp_path: Path
) -> None:
    result, stderr = run_with_plugin(
        plugin_site,
        tmp_path,
        """
        import json, logging
        logging.basicConfig(level=logging.WARNING)
        import flowtrack as mlflow

        with mlflow.start_run(tags={"team": "user"}) as run:
            pass
        print(json.dumps(mlflow.get_run(run.info.run_id).data.tags))
        """,
    )
    assert result["ci.job"] == "42"
    assert result["from.mlflow.group"] == "yes"
    assert result["team"] == "user"  # user tags win over providers
    assert result["mlflow.source.type"] == "JOB"  # providers win over system tags
    assert "never" not in result
    assert "mlflow.user" in result  # the system tags are still there
    # every broken plugin is named in a warning; none of them stopped the run
    assert "Ignoring run context provider Exploding" in stderr and "boom" in stderr
    for name in ("'not_a_provider'", "'missing'", "'needs_mlflow'"):
        assert name in stderr, name


def test_fsspec_plugin_filesystem_is_an_artifact_store(plugin_site: Path, tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "weights.bin").write_bytes(b"\x00\x01")
    result, _ = run_with_plugin(
        plugin_site,
        tmp_path,
        """
        import json, pathlib
        import flowtrack as mlflow

        experiment_id = mlflow.create_experiment("plugged", artifact_location="myfs://bucket/exp")
        with mlflow.start_run(experiment_id=experiment_id) as run:
            mlflow.log_text("hello", "notes/hello.txt")
            mlflow.log_artifact("model", artifact_path="models")
        client = mlflow.MlflowClient()
        run_id = run.info.run_id
        local = client.download_artifacts(run_id, "models/model/weights.bin", "out")

        import fsspec
        fs = fsspec.filesystem("myfs")
        print(json.dumps({
            "artifact_uri": mlflow.get_run(run_id).info.artifact_uri,
            "root": [f.path for f in client.list_artifacts(run_id)],
            "text": mlflow.artifacts.load_text(f"runs:/{run_id}/notes/hello.txt"),
            "weights": list(pathlib.Path(local).read_bytes()),
            "in_plugin_store": sorted(p for p in fs.store if p.endswith((".txt", ".bin"))),
        }))
        """,
    )
    run_root = result["artifact_uri"]
    assert isinstance(run_root, str) and run_root.startswith("myfs://bucket/exp/")
    assert result["root"] == ["models", "notes"]
    assert result["text"] == "hello"
    assert result["weights"] == [0, 1]
    prefix = run_root.removeprefix("myfs:/")
    assert result["in_plugin_store"] == [
        f"{prefix}/models/model/weights.bin",
        f"{prefix}/notes/hello.txt",
    ]


class _Static:
    def __init__(self, tags: dict[str, object], in_context: bool = True) -> None:
        self._tags, self._in_context = tags, in_context

    def in_context(self) -> bool:
        return self._in_context

    def tags(self) -> dict[str, object]:
        return self._tags


class _BadTags:
    def in_context(self) -> bool:
        return True

    def tags(self) -> dict[str, object]:
        return ["not", "a", "mapping"]  # type: ignore[return-value]


def test_provider_tags_merges_in_order_and_skips_failures(caplog: pytest.LogCaptureFixture) -> None:
    providers: tuple[RunContextProvider, ...] = (
        _Static({"a": 1, "b": "first"}),
        _Static({"hidden": "x"}, in_context=False),
        _BadTags(),
        _Static({"b": "second"}),
    )
    assert provider_tags(providers) == {"a": "1", "b": "second"}
    assert "Ignoring run context provider _BadTags" in caplog.text
