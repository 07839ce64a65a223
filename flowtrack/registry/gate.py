"""Promotion gates: the metric rules a model version must pass before it is promoted.

A gate is plain data, loadable from YAML::

    rules:
      - rmse <= 55
      - {metric: r2, op: ">=", threshold: 0.4}
    compare_to_champion:
      metric: rmse
      higher_is_better: false
      min_delta: 0.5
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from flowtrack.exceptions import InvalidParameterError

__all__ = ["ChampionComparison", "MetricRule", "PromotionGate"]

Op = Literal["<=", "<", ">=", ">", "=="]

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
}
_ALLOWED_OPS = ", ".join(_OPS)
_RULE_PATTERN = re.compile(r"^\s*(?P<metric>\S+)\s*(?P<op><=|>=|==|<|>)\s*(?P<threshold>\S+)\s*$")


class MetricRule(BaseModel):
    """One threshold a metric of the candidate's run must meet, e.g. ``rmse <= 55``.

    Attributes:
        metric: The metric key, as logged to the run.
        op: One of ``<=``, ``<``, ``>=``, ``>``, ``==``.
        threshold: The value compared against.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    metric: str = Field(min_length=1)
    op: Op
    threshold: float

    @classmethod
    def parse(cls, text: str) -> MetricRule:
        """Parse a rule written as ``"<metric> <op> <threshold>"``.

        Args:
            text: E.g. ``"rmse <= 55"`` or ``"r2>=0.4"``.

        Returns:
            The rule.

        Raises:
            InvalidParameterError: The text is not ``metric op number`` with a known op.

        Example:
            >>> MetricRule.parse("rmse <= 55").threshold
            55.0
        """
        match = _RULE_PATTERN.match(text)
        if match is None:
            raise InvalidParameterError(
                f"Invalid gate rule {text!r}: write '<metric> <op> <number>' with op one of "
                f"{_ALLOWED_OPS}, e.g. 'rmse <= 55'"
            )
        try:
            threshold = float(match["threshold"])
        except ValueError:
            raise InvalidParameterError(
                f"Invalid threshold {match['threshold']!r} in gate rule {text!r}: use a number"
            ) from None
        return cls(metric=match["metric"], op=match["op"], threshold=threshold)

    def passes(self, value: float) -> bool:
        """Return whether ``value`` meets this rule."""
        return _OPS[self.op](value, self.threshold)

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.threshold:g}"


class ChampionComparison(BaseModel):
    """Beat the current champion on one metric by at least ``min_delta``.

    Attributes:
        metric: The metric compared (on the same evaluation data).
        higher_is_better: ``True`` for accuracy-like metrics, ``False`` for errors.
        min_delta: The smallest improvement that counts (``>= 0``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    metric: str = Field(min_length=1)
    higher_is_better: bool
    min_delta: float = Field(default=0.0, ge=0.0)

    def improvement(self, candidate: float, champion: float) -> float:
        """Return how much better ``candidate`` is than ``champion`` (negative when worse)."""
        return candidate - champion if self.higher_is_better else champion - candidate


class PromotionGate(BaseModel):
    """The checks a model version must pass to be promoted.

    Attributes:
        rules: Metric thresholds; strings such as ``"rmse <= 55"`` are parsed.
        compare_to_champion: Optionally, beat the current champion by a margin.

    Example:
        >>> gate = PromotionGate(rules=["rmse <= 55", "r2 >= 0.4"])
        >>> [str(rule) for rule in gate.rules]
        ['rmse <= 55', 'r2 >= 0.4']
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: list[MetricRule] = []
    compare_to_champion: ChampionComparison | None = None

    @field_validator("rules", mode="before")
    @classmethod
    def _parse_rule_strings(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [MetricRule.parse(item) if isinstance(item, str) else item for item in value]
        return value

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "gate") -> PromotionGate:
        """Build a gate from parsed YAML/JSON, with errors naming the bad keys.

        Args:
            data: A mapping with ``rules`` and/or ``compare_to_champion``.
            source: What the data came from, for error messages.

        Returns:
            The gate.

        Raises:
            InvalidParameterError: An unknown key, a bad op, or a missing/invalid value.
        """
        if not isinstance(data, dict):
            raise InvalidParameterError(
                f"Invalid promotion gate in {source}: expected a mapping with 'rules' and/or "
                f"'compare_to_champion', got {type(data).__name__}"
            )
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(_describe(error) for error in exc.errors())
            raise InvalidParameterError(f"Invalid promotion gate in {source}: {problems}") from None

    @classmethod
    def from_yaml(cls, path: str | Path) -> PromotionGate:
        """Load a gate from a YAML file.

        Args:
            path: The file.

        Returns:
            The gate.

        Raises:
            InvalidParameterError: The file is unreadable, not YAML, or not a valid gate.
        """
        import yaml

        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidParameterError(
                f"Cannot read promotion gate file '{path}': {exc.strerror}"
            ) from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InvalidParameterError(
                f"Promotion gate file '{path}' is not YAML: {exc}"
            ) from None
        return cls.from_dict(data, source=f"'{path}'")


def _describe(error: Any) -> str:
    location = ".".join(str(part) for part in error["loc"]) or "gate"
    if error["type"] == "extra_forbidden":
        return f"unknown key {location!r}"
    if error["type"] == "literal_error":
        return f"{location}: invalid op {error['input']!r}, use one of {_ALLOWED_OPS}"
    if error["type"] == "missing":
        return f"missing key {location!r}"
    return f"{location}: {error['msg']} (got {error['input']!r})"
