"""Gated promotion: move an alias or a stage to a model version only if it passes a gate.

:func:`promote` reads the version's run metrics (and the current champion's), checks them against
a :class:`~flowtrack.registry.gate.PromotionGate`, then either promotes or leaves everything
unchanged; either way it records the decision on the version as ``flowtrack.promotion.*`` tags.

The run whose metrics count is the version's own run (usually the training run), unless the
version carries the :data:`EVAL_RUN_TAG` tag (``flowtrack.eval.run_id``) naming a separate
evaluation run: then the gate's metrics and the evaluation-data digests come from that run, for
the candidate and the champion alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict

from flowtrack._private.metric_checks import ChangeCheck, CheckOutcome, run_check, run_checks
from flowtrack._private.validation import MAX_TAG_VALUE_LENGTH
from flowtrack.entities import ModelVersion, ModelVersionStage, Run
from flowtrack.entities.dataset import DATASET_CONTEXT_TAG
from flowtrack.exceptions import FlowtrackError, InvalidParameterError, NotFoundError
from flowtrack.registry.gate import ChampionComparison, MetricRule, PromotionGate

if TYPE_CHECKING:
    from flowtrack.tracking.client import FlowtrackClient

__all__ = [
    "COMPARED_TO_TAG",
    "DECISION_TAG",
    "EVAL_DIGEST_TAG",
    "EVAL_RUN_TAG",
    "GATE_TAG",
    "REASON_TAG",
    "GateCheck",
    "PromotionDecision",
    "PromotionRejected",
    "promote",
]

DECISION_TAG = "flowtrack.promotion.decision"
REASON_TAG = "flowtrack.promotion.reason"
COMPARED_TO_TAG = "flowtrack.promotion.compared_to"
GATE_TAG = "flowtrack.promotion.gate"
#: A run tag naming the digest of the data its metrics were evaluated on.
EVAL_DIGEST_TAG = "flowtrack.eval.dataset_digest"
#: A model-version tag naming the run holding the version's evaluation metrics.
EVAL_RUN_TAG = "flowtrack.eval.run_id"
_EVAL_CONTEXTS = frozenset({"evaluation", "eval"})


class GateCheck(BaseModel):
    """The outcome of one gate check.

    Attributes:
        check: What was checked, e.g. ``"rmse <= 55"`` or ``"champion: rmse"``.
        passed: Whether the version passed.
        value: The version's metric value.
        reference: The threshold, or the champion's value (``None`` without a champion).
        reason: A sentence explaining the outcome.
    """

    model_config = ConfigDict(frozen=True)

    check: str
    passed: bool
    value: float | None = None
    reference: float | None = None
    reason: str


class PromotionDecision(BaseModel):
    """What :func:`promote` decided, and why.

    Attributes:
        name: The registered model.
        version: The candidate version.
        promoted: Whether the alias/stage moved to the version.
        reasons: One sentence per check (the failing ones first when rejected).
        checks: Every check with its values.
        compared_to: The champion version compared against, or ``None``.
    """

    model_config = ConfigDict(frozen=True)

    name: str
    version: int
    promoted: bool
    reasons: list[str]
    checks: list[GateCheck]
    compared_to: int | None = None


class PromotionRejected(FlowtrackError):
    """A version failed its promotion gate in strict mode; the decision is recorded on it.

    Attributes:
        decision: The rejected decision.
    """

    error_code: ClassVar[str] = "INVALID_STATE"
    http_status: ClassVar[int] = 400

    def __init__(self, decision: PromotionDecision) -> None:
        super().__init__(
            f"Model version {decision.version} of {decision.name!r} was not promoted: "
            + "; ".join(decision.reasons)
        )
        self.decision = decision


def promote(
    name: str,
    version: int | str,
    gate: PromotionGate,
    *,
    to_alias: str | None = "champion",
    to_stage: str | None = None,
    archive_existing: bool = True,
    strict: bool = False,
    client: FlowtrackClient | None = None,
) -> PromotionDecision:
    """Promote a model version if it passes a gate, and record the decision on it.

    The gate's metrics are read from the version's evaluation run: the run named by its
    ``flowtrack.eval.run_id`` tag (:data:`EVAL_RUN_TAG`) when it has one, else its own run
    (``run_id``, usually the training run). The champion's metrics are read the same way.

    The champion is the version holding ``to_alias``, else the latest version in ``to_stage``
    (Production when no stage is given). Comparing with it needs the same evaluation data:
    when either evaluation run names its evaluation data (a dataset input with context
    ``evaluation``/``eval`` or the ``flowtrack.eval.dataset_digest`` tag), both must, with equal
    digests.

    Args:
        name: The registered model.
        version: The candidate version.
        gate: The checks to pass.
        to_alias: The alias to move to the version; ``None`` for none.
        to_stage: The stage to move the version to (e.g. ``"Production"``); ``None`` for none.
        archive_existing: When moving to Staging/Production, archive the versions there.
        strict: Raise :class:`PromotionRejected` (after recording) when rejected.
        client: The client to use; default one on the current tracking URI.

    Returns:
        The decision.

    Raises:
        InvalidParameterError: Neither target given, a bad stage, a version has neither an
            evaluation-run tag nor a run, or a metric the gate needs is missing from a run.
            Nothing is moved or tagged.
        NotFoundError: The model, the version or its run does not exist, or an evaluation-run
            tag names a run that does not exist. Nothing is moved or tagged.
        PromotionRejected: ``strict`` and the version failed the gate.

    Example:
        >>> promote("fraud", 3, PromotionGate(rules=["auc >= 0.9"])).promoted
        True
    """
    if client is None:
        from flowtrack.tracking.client import FlowtrackClient

        client = FlowtrackClient()
    if to_alias is None and to_stage is None:
        raise InvalidParameterError("promote needs a target: pass to_alias and/or to_stage")
    stage = ModelVersionStage.parse(to_stage) if to_stage is not None else None
    candidate = client.get_model_version(name, version)
    run = _eval_run_of(client, candidate)
    checks = [_rule_check(rule, run, candidate) for rule in gate.rules]
    champion = _champion(client, name, to_alias, stage)
    if champion is not None and champion.version == candidate.version:
        champion = None  # re-promoting the champion: there is nothing else to beat
    if gate.comparisons:
        champion_run = _eval_run_of(client, champion)
        for comparison in gate.comparisons:
            checks.append(_champion_check(comparison, run, candidate, champion, champion_run))
    promoted = all(check.passed for check in checks)
    failing = [check.reason for check in checks if not check.passed]
    reasons = failing or [check.reason for check in checks] or ["the gate has no checks"]
    decision = PromotionDecision(
        name=name,
        version=candidate.version,
        promoted=promoted,
        reasons=reasons,
        checks=checks,
        compared_to=champion.version if champion is not None else None,
    )
    if promoted:
        if stage is not None:
            archive = archive_existing and stage in (
                ModelVersionStage.STAGING,
                ModelVersionStage.PRODUCTION,
            )
            client.transition_model_version_stage(name, candidate.version, stage.value, archive)
        if to_alias is not None:
            client.set_registered_model_alias(name, to_alias, candidate.version)
    _record(client, decision, gate)
    if strict and not promoted:
        raise PromotionRejected(decision)
    return decision


def _eval_run_of(client: FlowtrackClient, version: ModelVersion | None) -> Run | None:
    """Return the run holding ``version``'s evaluation metrics: its eval-run tag's, else its own."""
    if version is None:
        return None
    eval_run_id = version.tags.get(EVAL_RUN_TAG)
    if eval_run_id:
        try:
            return client.get_run(eval_run_id)
        except NotFoundError:
            raise NotFoundError(
                f"Tag {EVAL_RUN_TAG!r} of model version {version.version} of {version.name!r} "
                f"names run {eval_run_id!r}, which does not exist"
            ) from None
    if not version.run_id:
        raise InvalidParameterError(
            f"Model version {version.version} of {version.name!r} has no run_id nor "
            f"{EVAL_RUN_TAG!r} tag: its metrics cannot be checked"
        )
    return client.get_run(version.run_id)


def _metric(run: Run | None, metric: str, version: ModelVersion) -> float:
    assert run is not None  # _run_of raised otherwise
    try:
        return run.data.metrics[metric]
    except KeyError:
        logged = ", ".join(sorted(run.data.metrics)) or "none"
        raise InvalidParameterError(
            f"Metric {metric!r} is not logged in run {run.info.run_id!r} (model version "
            f"{version.version} of {version.name!r}); logged metrics: {logged}"
        ) from None


def _rule_check(rule: MetricRule, run: Run | None, version: ModelVersion) -> GateCheck:
    value = _metric(run, rule.metric, version)
    passed = run_check(rule.check(), {rule.metric: value}).passed
    verdict = "passes" if passed else "fails"
    return GateCheck(
        check=str(rule),
        passed=passed,
        value=value,
        reference=rule.threshold,
        reason=f"{rule.metric} = {value:g} {verdict} {rule}",
    )


def _champion(
    client: FlowtrackClient, name: str, alias: str | None, stage: ModelVersionStage | None
) -> ModelVersion | None:
    # The alias holder, else the latest version in the target stage (Production by default),
    # so a model moving from stages to aliases is still compared with what it replaces.
    if alias is not None:
        try:
            return client.get_model_version_by_alias(name, alias)
        except NotFoundError:
            client.get_registered_model(name)  # a missing model is an error, not "no champion"
    latest = client.get_latest_versions(name, [(stage or ModelVersionStage.PRODUCTION).value])
    return latest[0] if latest else None


def _champion_check(
    comparison: ChampionComparison,
    run: Run | None,
    candidate: ModelVersion,
    champion: ModelVersion | None,
    champion_run: Run | None,
) -> GateCheck:
    assert run is not None
    label = f"champion: {comparison.metric}"
    value = _metric(run, comparison.metric, candidate)
    if champion is None:
        return GateCheck(check=label, passed=True, value=value, reason="no current champion")
    reference = _metric(champion_run, comparison.metric, champion)
    assert champion_run is not None
    mismatch = _eval_data_mismatch(run, champion_run)
    if mismatch is not None:
        return GateCheck(
            check=label, passed=False, value=value, reference=reference, reason=mismatch
        )
    outcomes = run_checks(
        comparison.checks(), {comparison.metric: value}, {comparison.metric: reference}
    )
    direction = "higher" if comparison.higher_is_better else "lower"
    return GateCheck(
        check=label,
        passed=all(outcome.passed for outcome in outcomes),
        value=value,
        reference=reference,
        reason=(
            f"{comparison.metric} = {value:g} vs champion version {champion.version}'s "
            f"{reference:g}: " + ", ".join(_margin(comparison, o, direction) for o in outcomes)
        ),
    )


def _margin(comparison: ChampionComparison, outcome: CheckOutcome, direction: str) -> str:
    verdict = "meets" if outcome.passed else "is below"
    if not (isinstance(outcome.check, ChangeCheck) and outcome.check.relative):
        return (
            f"improvement {outcome.change:g} ({direction} is better) {verdict} min_delta "
            f"{comparison.min_delta:g}"
        )
    if outcome.change is None:  # a zero champion value: any improvement counts, as in MLflow
        return f"improvement over a zero champion value {verdict} min_relative_change"
    return (
        f"relative improvement {outcome.change:.4g} {verdict} min_relative_change "
        f"{comparison.min_relative_change:g}"
    )


def _eval_digests(run: Run) -> frozenset[str]:
    digests = {
        item.dataset.digest
        for item in run.inputs.dataset_inputs
        if (item.context or "").lower() in _EVAL_CONTEXTS
    }
    tagged = run.data.tags.get(EVAL_DIGEST_TAG)
    if tagged:
        digests.add(tagged)
    return frozenset(digests)


def _eval_data_mismatch(candidate: Run, champion: Run) -> str | None:
    ours, theirs = _eval_digests(candidate), _eval_digests(champion)
    if not ours and not theirs:
        return None
    if not ours or not theirs:
        missing = candidate if not ours else champion
        return (
            f"comparison refused: run {missing.info.run_id!r} does not name its evaluation "
            f"data (no '{DATASET_CONTEXT_TAG}' evaluation input nor '{EVAL_DIGEST_TAG}' tag)"
        )
    if ours != theirs:
        return (
            f"comparison refused: evaluated on different data (digests {sorted(ours)} vs "
            f"champion's {sorted(theirs)})"
        )
    return None


def _record(client: FlowtrackClient, decision: PromotionDecision, gate: PromotionGate) -> None:
    tags = {
        DECISION_TAG: "promoted" if decision.promoted else "rejected",
        REASON_TAG: "; ".join(decision.reasons)[:MAX_TAG_VALUE_LENGTH],
        COMPARED_TO_TAG: str(decision.compared_to) if decision.compared_to is not None else "none",
        GATE_TAG: gate.model_dump_json(),
    }
    for key, value in tags.items():
        client.set_model_version_tag(decision.name, decision.version, key, value)
