"""Promotion gates: the metric rules a model version must pass before it is promoted.

A gate is plain data, loadable from YAML::

    rules:
      - rmse <= 55
      - {metric: r2, op: ">=", threshold: 0.4}
    compare_to_champion:
      metric: rmse
      higher_is_better: false
      min_delta: 0.5

``compare_to_champion`` may also be a list of comparisons, one per metric, and a comparison may
demand a ``min_relative_change`` (MLflow's relative margin) besides ``min_delta``.

A gate compiles to the checks of :mod:`flowtrack._private.metric_checks`, the engine MLflow-style
evaluation thresholds use too: :meth:`PromotionGate.from_thresholds` builds a gate from
``{metric: MetricThreshold}`` and :meth:`PromotionGate.to_thresholds` goes back where the gate
is expressible as thresholds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
)

from flowtrack._private.metric_checks import (
    OPS,
    ChangeCheck,
    MetricCheck,
    Op,
    ThresholdCheck,
    run_check,
)
from flowtrack.exceptions import InvalidParameterError

if TYPE_CHECKING:
    from flowtrack.models.evaluation.validation import MetricThreshold

__all__ = ["ChampionComparison", "MetricRule", "PromotionGate"]

_ALLOWED_OPS = ", ".join(OPS)
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

    def check(self) -> ThresholdCheck:
        """Compile to the shared check of :mod:`flowtrack._private.metric_checks`."""
        return ThresholdCheck(self.metric, self.op, self.threshold)

    def passes(self, value: float) -> bool:
        """Return whether ``value`` meets this rule."""
        return run_check(self.check(), {self.metric: value}).passed

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.threshold:g}"


class ChampionComparison(BaseModel):
    """Beat the current champion on one metric by at least ``min_delta``.

    Attributes:
        metric: The metric compared (on the same evaluation data).
        higher_is_better: ``True`` for accuracy-like metrics, ``False`` for errors.
        min_delta: The smallest improvement that counts (``>= 0``), checked as MLflow checks
            ``min_absolute_change``.
        min_relative_change: Optionally, the smallest improvement relative to the champion's
            magnitude (between 0 and 1), as MLflow's ``min_relative_change``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    metric: str = Field(min_length=1)
    higher_is_better: bool
    min_delta: float = Field(default=0.0, ge=0.0)
    min_relative_change: float | None = Field(default=None, ge=0.0, le=1.0)

    def checks(self) -> list[ChangeCheck]:
        """Compile to the shared checks: ``min_delta``, then ``min_relative_change`` if set."""
        checks = [ChangeCheck(self.metric, self.higher_is_better, self.min_delta)]
        if self.min_relative_change is not None:
            checks.append(
                ChangeCheck(
                    self.metric, self.higher_is_better, self.min_relative_change, relative=True
                )
            )
        return checks

    def improvement(self, candidate: float, champion: float) -> float:
        """Return how much better ``candidate`` is than ``champion`` (negative when worse)."""
        return candidate - champion if self.higher_is_better else champion - candidate


def _one_or_many(value: Any) -> str:
    return "many" if isinstance(value, list | tuple) else "one"


#: ``compare_to_champion``: one comparison or a list; the tag keeps validation errors simple.
Comparisons = Annotated[
    Annotated[ChampionComparison, Tag("one")] | Annotated[list[ChampionComparison], Tag("many")],
    Discriminator(_one_or_many),
]


class PromotionGate(BaseModel):
    """The checks a model version must pass to be promoted.

    Attributes:
        rules: Metric thresholds; strings such as ``"rmse <= 55"`` are parsed.
        compare_to_champion: Optionally, beat the current champion by a margin: one comparison,
            or a list of comparisons on different metrics.

    Example:
        >>> gate = PromotionGate(rules=["rmse <= 55", "r2 >= 0.4"])
        >>> [str(rule) for rule in gate.rules]
        ['rmse <= 55', 'r2 >= 0.4']
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: list[MetricRule] = []
    compare_to_champion: Comparisons | None = None

    @field_validator("rules", mode="before")
    @classmethod
    def _parse_rule_strings(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [MetricRule.parse(item) if isinstance(item, str) else item for item in value]
        return value

    @property
    def comparisons(self) -> list[ChampionComparison]:
        """The champion comparisons, whether one or a list was given."""
        compare = self.compare_to_champion
        if compare is None:
            return []
        return [compare] if isinstance(compare, ChampionComparison) else list(compare)

    def checks(self) -> list[MetricCheck]:
        """Compile to the shared checks: the rules', then each comparison's."""
        checks: list[MetricCheck] = [rule.check() for rule in self.rules]
        for comparison in self.comparisons:
            checks.extend(comparison.checks())
        return checks

    @classmethod
    def from_thresholds(cls, thresholds: Mapping[str, MetricThreshold]) -> PromotionGate:
        """Build the gate that decides as ``validate_evaluation_results`` does.

        Each ``threshold`` becomes a rule (``>=`` when greater is better, else ``<=``); each
        ``min_absolute_change`` / ``min_relative_change`` becomes a comparison with the
        champion (``min_delta`` / ``min_relative_change``). With a champion, :func:`promote`
        then reaches the decision ``validate_evaluation_results`` reaches with the champion as
        baseline. Without one, comparisons pass (``no current champion``) where validation
        without a baseline fails.

        Args:
            thresholds: ``{metric name: MetricThreshold}``.

        Returns:
            The gate.

        Raises:
            InvalidParameterError: ``thresholds`` is not a mapping of names to
                ``MetricThreshold``.

        Example:
            >>> from flowtrack.models import MetricThreshold
            >>> gate = PromotionGate.from_thresholds(
            ...     {"accuracy": MetricThreshold(threshold=0.9, greater_is_better=True)}
            ... )
            >>> [str(rule) for rule in gate.rules]
            ['accuracy >= 0.9']
        """
        from flowtrack.models.evaluation.validation import MetricThreshold

        rules: list[MetricRule] = []
        comparisons: list[ChampionComparison] = []
        for metric, threshold in _items(thresholds, MetricThreshold):
            better = bool(threshold.greater_is_better)
            if threshold.threshold is not None:
                op: Op = ">=" if better else "<="
                rules.append(MetricRule(metric=metric, op=op, threshold=threshold.threshold))
            absolute, relative = threshold.min_absolute_change, threshold.min_relative_change
            if absolute is not None or relative is not None:
                comparisons.append(
                    ChampionComparison(
                        metric=metric,
                        higher_is_better=better,
                        min_delta=absolute or 0.0,
                        min_relative_change=relative,
                    )
                )
        compare: ChampionComparison | list[ChampionComparison] | None = comparisons or None
        if len(comparisons) == 1:
            compare = comparisons[0]
        return cls(rules=rules, compare_to_champion=compare)

    def to_thresholds(self) -> dict[str, MetricThreshold]:
        """Return the ``{metric: MetricThreshold}`` that decide as this gate does.

        A metric may have at most one rule, with ``>=`` or ``<=``, and one champion comparison
        in the same direction; a comparison needs ``min_delta > 0`` or a
        ``min_relative_change`` (MLflow's ``min_absolute_change`` must be positive).

        Returns:
            The thresholds, by metric, in the gate's order.

        Raises:
            InvalidParameterError: The gate holds a check thresholds cannot express; the
                message names each one.

        Example:
            >>> gate = PromotionGate(rules=["accuracy >= 0.9"])
            >>> str(gate.to_thresholds()["accuracy"])
            'Threshold: 0.9. Greater value is better.'
        """
        from flowtrack.models.evaluation.validation import MetricThreshold

        parts: dict[str, dict[str, Any]] = {}
        problems: list[str] = []
        for rule in self.rules:
            part = parts.setdefault(rule.metric, {})
            if rule.op not in (">=", "<="):
                problems.append(f"rule '{rule}' (thresholds allow only >= and <=)")
            elif "threshold" in part:
                problems.append(f"rule '{rule}' (a second rule on {rule.metric!r})")
            else:
                part.update(threshold=rule.threshold, greater_is_better=rule.op == ">=")
        for comparison in self.comparisons:
            part = parts.setdefault(comparison.metric, {})
            label = f"compare_to_champion on {comparison.metric!r}"
            if part.get("greater_is_better", comparison.higher_is_better) is not (
                comparison.higher_is_better
            ):
                problems.append(f"{label} (its direction contradicts the rule on the metric)")
            elif "compared" in part:
                problems.append(f"{label} (a second comparison on the metric)")
            elif comparison.min_delta == 0 and comparison.min_relative_change is None:
                problems.append(f"{label} (min_delta 0: min_absolute_change must be positive)")
            else:
                part.update(
                    compared=True,
                    greater_is_better=comparison.higher_is_better,
                    min_absolute_change=comparison.min_delta or None,
                    min_relative_change=comparison.min_relative_change,
                )
        if problems:
            raise InvalidParameterError(
                "This promotion gate cannot be expressed as MetricThresholds: "
                + "; ".join(problems)
            )
        for part in parts.values():
            part.pop("compared", None)
        return {metric: MetricThreshold(**part) for metric, part in parts.items()}

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


def _items(thresholds: Any, kind: type) -> list[tuple[str, Any]]:
    if not isinstance(thresholds, Mapping) or not all(
        isinstance(name, str) and isinstance(value, kind) for name, value in thresholds.items()
    ):
        raise InvalidParameterError(
            "Invalid thresholds: pass a dict mapping metric names to MetricThreshold objects; "
            f"got {thresholds!r}"
        )
    return list(thresholds.items())


def _describe(error: Any) -> str:
    # Drop the "one"/"many" tags of compare_to_champion: users wrote neither.
    parts = [part for part in error["loc"] if part not in ("one", "many")]
    location = ".".join(str(part) for part in parts) or "gate"
    if error["type"] == "extra_forbidden":
        return f"unknown key {location!r}"
    if error["type"] == "literal_error":
        return f"{location}: invalid op {error['input']!r}, use one of {_ALLOWED_OPS}"
    if error["type"] == "missing":
        return f"missing key {location!r}"
    return f"{location}: {error['msg']} (got {error['input']!r})"
