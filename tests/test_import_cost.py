"""``import flowtrack`` is cheap: it loads no heavy dependency until a name is used."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("prefect", "pandas", "numpy", "sklearn", "sqlalchemy", "fastapi", "uvicorn", "matplotlib")


def imported_after(code: str) -> set[str]:
    """Run ``code`` in a fresh interpreter; return which HEAVY top-level packages it loaded."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    modules = json.loads(result.stdout.splitlines()[-1])
    return {name for name in modules if name.split(".")[0] in HEAVY}


def test_import_flowtrack_loads_no_heavy_dependency() -> None:
    assert imported_after("import flowtrack") == set()


def test_import_flowtrack_loads_no_flowtrack_submodule_or_pydantic() -> None:
    code = "import flowtrack, sys\nassert 'pydantic' not in sys.modules, 'pydantic'\n"
    code += "assert [m for m in sys.modules if m.startswith('flowtrack.')] == []"
    assert imported_after(code) == set()


def test_fluent_logging_on_memory_store_stays_light() -> None:
    code = (
        "import flowtrack as mlflow\n"
        "mlflow.set_tracking_uri('memory:')\n"
        "with mlflow.start_run():\n"
        "    mlflow.log_metric('loss', 0.5)\n"
    )
    assert imported_after(code) == set()
