"""The options of one ``flowtrack.sklearn.autolog(...)`` call, and how autologging reports.

Every part of scikit-learn autologging reads its options from one frozen :class:`AutologConfig`
and reports through :func:`report` / :func:`quiet`, so ``silent=True`` silences all of it.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "INPUT_EXAMPLE_ROWS",
    "LOGGER",
    "MAX_PARAM_LENGTH",
    "AutologConfig",
    "quiet",
    "report",
    "safely",
]

LOGGER = logging.getLogger("flowtrack.sklearn")

#: Rows of the training data kept as the input example (and used for the signature).
INPUT_EXAMPLE_ROWS = 5
#: Param values are cut to this many characters (MLflow's limit).
MAX_PARAM_LENGTH = 6000


@dataclass(frozen=True, slots=True)
class AutologConfig:
    """The options of one ``flowtrack.sklearn.autolog(...)`` call (see its docstring)."""

    log_models: bool = True
    log_input_examples: bool = False
    log_model_signatures: bool = True
    log_datasets: bool = True
    silent: bool = False
    exclusive: bool = False
    max_tuning_runs: int | None = 5
    log_post_training_metrics: bool = True
    serialization_format: str | None = None
    registered_model_name: str | None = None
    pos_label: Any = None
    extra_tags: tuple[tuple[str, str], ...] = ()
    #: Set by ``flowtrack.autolog()``: a later ``flowtrack.autolog()`` may replace these options,
    #: while options given to ``flowtrack.sklearn.autolog()`` itself take precedence (as in MLflow).
    globally_configured: bool = False


def report(config: AutologConfig, level: int, message: str, *args: Any) -> None:
    """Log ``message`` on the ``flowtrack.sklearn`` logger unless the config is silent."""
    if not config.silent:
        LOGGER.log(level, message, *args)


@contextlib.contextmanager
def quiet(config: AutologConfig) -> Iterator[None]:
    """Hide the warnings raised while autologging works when the config is silent.

    As in MLflow, this changes the process-wide warning filters for the duration; the user's
    own code (the original ``fit``) runs outside this block.
    """
    if not config.silent:
        yield
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def safely(config: AutologConfig, what: str, estimator: Any, action: Callable[[], object]) -> None:
    """Run one logging step; a failure is reported as a warning, never raised into ``fit``."""
    try:
        with quiet(config):
            action()
    except Exception as exc:
        report(
            config,
            logging.WARNING,
            "flowtrack autologging could not log the %s of %s: %s: %s",
            what,
            type(estimator).__name__,
            type(exc).__name__,
            exc,
        )
