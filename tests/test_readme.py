"""The README's Python code blocks run, in order, so the docs cannot rot."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
_BLOCK_RE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def python_blocks() -> list[str]:
    """Return the README's ```python blocks in order."""
    return _BLOCK_RE.findall(README.read_text(encoding="utf-8"))


def test_readme_has_python_blocks() -> None:
    assert len(python_blocks()) >= 5


# The Prefect section's block starts Prefect's ephemeral API (20-40 s on a loaded 2-core machine).
@pytest.mark.timeout(600)
def test_readme_python_blocks_run(tmp_path: Path) -> None:
    script = tmp_path / "readme_blocks.py"
    script.write_text("\n\n".join(python_blocks()), encoding="utf-8")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FLOWTRACK_", "MLFLOW_")) and not k.startswith("AWS_")
    }
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=480,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # The blocks ran on the embedded default: a SQLite file and local artifacts in the cwd.
    assert (tmp_path / "flowtrack.db").exists()
    assert (tmp_path / "flowtrack-artifacts").is_dir()
    assert "FINISHED" in result.stdout
