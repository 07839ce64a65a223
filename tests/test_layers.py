"""The layer contracts of ``pyproject.toml`` hold (the check ``make lint`` runs with lint-imports).

Layers point one way: entities -> stores -> tracking -> models -> flavors -> serving ->
tasks/cli. Imports inside functions count, so an upward arrow fails here until the code moves.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from importlinter.api import read_configuration

import flowtrack

# The checkout whose flowtrack the tests import (a work tree first on PYTHONPATH, or the main one).
ROOT = Path(flowtrack.__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"


def test_every_import_contract_is_kept(tmp_path: Path) -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    if not lint_imports.exists():
        pytest.fail(f"lint-imports is not installed next to {sys.executable}: uv sync --group dev")
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    result = subprocess.run(
        [str(lint_imports), "--config", str(PYPROJECT), "--no-cache", "--no-logo"],
        cwd=tmp_path,  # grimp must find this checkout's flowtrack, through PYTHONPATH
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _layer_of() -> dict[str, int]:
    contracts = read_configuration(str(PYPROJECT))["contracts_options"]
    [layers] = [contract for contract in contracts if contract["type"] == "layers"]
    assert layers["containers"] == ["flowtrack"]
    return {
        name.strip(): depth
        for depth, layer in enumerate(layers["layers"])
        for name in re.split(r"[|:]", layer)
    }


def test_the_core_packages_are_layered_top_down() -> None:
    depth = _layer_of()
    order = ["tasks", "serving", "pyfunc", "models", "tracking", "stores", "entities", "exceptions"]
    assert [depth[name] for name in order] == sorted(depth[name] for name in order)
    assert depth["cli"] == depth["tasks"]
    assert len({depth[name] for name in order}) == len(order)
