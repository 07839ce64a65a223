# One entry point for humans: `make demo`, `make test`, `make lint`, `make bench`.
# Each target creates or refreshes .venv from the committed lock file first, so a fresh machine
# with Python 3.11 and make is enough.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench lock format clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check flowtrack tests bench examples
	$(BIN)/ruff format --check flowtrack tests bench examples
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/tracking.py

format: $(STAMP)
	$(BIN)/ruff check --fix flowtrack tests bench examples
	$(BIN)/ruff format flowtrack tests bench examples

# Re-resolve the lock file after changing dependencies in pyproject.toml.
lock:
	$(PYTHON) -m pip install --quiet "uv==$(UV_VERSION)"
	$(PYTHON) -m uv pip compile pyproject.toml --all-extras --group dev --python-version 3.11 \
		--python-platform x86_64-unknown-linux-gnu -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
