# One entry point for humans: `make demo`, `make test`, `make lint`, `make bench`.
# `make lint`: ruff, mypy --strict, and import-linter's layer contracts (pyproject.toml).
# Each target creates or refreshes .venv from the committed lock file first, so a fresh machine
# with Python 3.11 and make is enough.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed
# A second, test-only virtualenv with the real MLflow (never a flowtrack dependency) for the model
# interoperability tests in tests/models/interop.
MLFLOW_VENV := .venv-mlflow
MLFLOW_STAMP := $(MLFLOW_VENV)/.installed
# The libraries a saved model's files depend on: .venv-mlflow is locked to requirements.lock's versions
# of these, so a model moves between the two virtualenvs as between two matching environments.
MODEL_LIBS := scikit-learn|scipy|numpy|pandas|skops|cloudpickle|joblib|threadpoolctl
LOCK_TARGET := --python-version 3.11 --python-platform x86_64-unknown-linux-gnu

.PHONY: demo demo-tracking test lint bench lock format clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

# uv comes from .venv (order-only: a refreshed .venv alone does not reinstall MLflow).
$(MLFLOW_STAMP): requirements-mlflow.lock | $(STAMP)
	test -x $(MLFLOW_VENV)/bin/python || $(PYTHON) -m venv --without-pip $(MLFLOW_VENV)
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(MLFLOW_VENV)/bin/python \
		requirements-mlflow.lock
	touch $(MLFLOW_STAMP)

# The Prefect flow flows/train_register.py, run twice: train, evaluate, register, gated promotion.
demo: $(STAMP)
	$(BIN)/python examples/train_register_demo.py

# Tracking alone: a hyper-parameter sweep in nested runs, search, load and evaluate the best.
demo-tracking: $(STAMP)
	$(BIN)/python examples/demo.py

test: $(STAMP) $(MLFLOW_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check flowtrack tests bench examples flows
	$(BIN)/ruff format --check flowtrack tests bench examples flows
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python bench/tracking.py
	$(BIN)/python bench/serving.py
	$(BIN)/python bench/tasks.py
	$(BIN)/python bench/system_metrics.py

format: $(STAMP)
	$(BIN)/ruff check --fix flowtrack tests bench examples flows
	$(BIN)/ruff format flowtrack tests bench examples flows

# Re-resolve the lock files after changing dependencies in pyproject.toml or requirements-mlflow.in.
# requirements-mlflow.lock is constrained to requirements.lock's versions of $(MODEL_LIBS).
lock:
	$(PYTHON) -m pip install --quiet "uv==$(UV_VERSION)"
	$(PYTHON) -m uv pip compile pyproject.toml --all-extras --group dev $(LOCK_TARGET) \
		-o requirements.lock
	grep -E '^($(MODEL_LIBS))==' requirements.lock | $(PYTHON) -m uv pip compile \
		requirements-mlflow.in -c /dev/stdin $(LOCK_TARGET) --custom-compile-command "make lock" \
		-o requirements-mlflow.lock

clean:
	rm -rf $(VENV) $(MLFLOW_VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
