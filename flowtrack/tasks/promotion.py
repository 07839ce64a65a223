"""Gated promotion inside Prefect: the decision as a markdown artifact, a rejection as a failure.

:func:`promote` wraps :func:`flowtrack.registry.promotion.promote`: it accepts the gate as an
object, a mapping or a YAML file, publishes the decision as a Prefect markdown artifact (keyed
``flowtrack-promotion-<model>``) when it runs inside a flow or task run, and raises
:class:`~flowtrack.registry.promotion.PromotionRejected` on a rejection, so the flow run fails
with the reasons in its state message. :func:`promotion_markdown` renders the artifact and needs
no Prefect engine.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from prefect.artifacts import create_markdown_artifact
from prefect.context import get_run_context
from prefect.exceptions import MissingContextError

from flowtrack.exceptions import InvalidParameterError
from flowtrack.registry.gate import PromotionGate
from flowtrack.registry.promotion import GateCheck, PromotionDecision, PromotionRejected
from flowtrack.registry.promotion import promote as _registry_promote
from flowtrack.tasks.artifacts import artifact_key

if TYPE_CHECKING:
    from flowtrack.tracking.client import FlowtrackClient

__all__ = ["promote", "promotion_markdown"]

logger = logging.getLogger(__name__)

#: Prefix of the artifact key; the model name's slug follows.


def promote(
    name: str,
    version: int | str,
    gate: PromotionGate | Mapping[str, Any] | str | os.PathLike[str],
    *,
    allow_reject: bool = False,
    to_alias: str | None = "champion",
    to_stage: str | None = None,
    archive_existing: bool = True,
    client: FlowtrackClient | None = None,
) -> PromotionDecision:
    """Promote a model version if it passes a gate, and show the decision in Prefect.

    Runs :func:`flowtrack.registry.promotion.promote` (which records the decision on the version
    as ``flowtrack.promotion.*`` tags). Inside a Prefect flow or task run it then creates a
    markdown artifact with key ``flowtrack-promotion-<model slug>`` showing the decision, every
    check and the reasons; outside one it creates nothing. Failing to create the artifact is
    logged as a warning and never hides the decision.

    Args:
        name: The registered model.
        version: The candidate version.
        gate: The checks to pass: a :class:`~flowtrack.registry.gate.PromotionGate`, a mapping
            such as ``{"rules": ["rmse <= 55"]}``, or the path of a YAML file holding one.
        allow_reject: Return a rejected decision instead of raising.
        to_alias: The alias to move to the version; ``None`` for none.
        to_stage: The stage to move the version to (e.g. ``"Production"``); ``None`` for none.
        archive_existing: When moving to Staging/Production, archive the versions there.
        client: The client to use; default one on the current tracking URI.

    Returns:
        The decision.

    Raises:
        InvalidParameterError: ``gate`` is of another type or not a valid gate, or the
            promotion's arguments are invalid (see the registry's ``promote``).
        NotFoundError: The model, the version or a run it needs does not exist.
        PromotionRejected: The version failed the gate and ``allow_reject`` is false; raised
            after the decision is recorded and published.

    Example:
        >>> from prefect import flow
        >>> @flow
        ... def release() -> None:
        ...     promote("fraud", 3, "gates/fraud.yaml")  # fails the flow run when rejected
    """
    decision = _registry_promote(
        name,
        version,
        _as_gate(gate),
        to_alias=to_alias,
        to_stage=to_stage,
        archive_existing=archive_existing,
        strict=False,
        client=client,
    )
    if _in_prefect_run():
        _publish(decision, to_alias=to_alias, to_stage=to_stage)
    if not decision.promoted and not allow_reject:
        raise PromotionRejected(decision)
    return decision


def promotion_markdown(
    decision: PromotionDecision, *, to_alias: str | None, to_stage: str | None
) -> str:
    """Render a promotion decision as the markdown of a Prefect artifact.

    Args:
        decision: The decision.
        to_alias: The alias the promotion targeted, or ``None``.
        to_stage: The stage the promotion targeted, or ``None``.

    Returns:
        Markdown with the model, version, decision, target, champion compared to, a table of
        every check (``|`` escaped in its cells) and the reasons.

    Example:
        >>> decision = PromotionDecision(
        ...     name="fraud", version=3, promoted=True, reasons=["no checks"], checks=[]
        ... )
        >>> "**PROMOTED**" in promotion_markdown(decision, to_alias="champion", to_stage=None)
        True
    """
    verdict = "PROMOTED" if decision.promoted else "REJECTED"
    compared_to = f"version {decision.compared_to}" if decision.compared_to is not None else "none"
    lines = [
        f"# Promotion of {_inline(decision.name)} version {decision.version}: {verdict}",
        "",
        "| Field | Value |",
        "| --- | --- |",
        f"| Model | {_cell(decision.name)} |",
        f"| Version | {decision.version} |",
        f"| Decision | **{verdict}** |",
        f"| Target | {_cell(_target(to_alias, to_stage))} |",
        f"| Compared to | {compared_to} |",
        "",
        "## Checks",
        "",
    ]
    if decision.checks:
        lines += ["| Check | Value | Reference | Passed |", "| --- | --- | --- | --- |"]
        lines += [_check_row(check) for check in decision.checks]
    else:
        lines.append("The gate has no checks.")
    lines += ["", "## Reasons", ""]
    lines += [f"- {_inline(reason)}" for reason in decision.reasons]
    return "\n".join(lines) + "\n"


def _as_gate(gate: object) -> PromotionGate:
    if isinstance(gate, PromotionGate):
        return gate
    if isinstance(gate, Mapping):
        return PromotionGate.from_dict(dict(gate), source="mapping")
    if isinstance(gate, str | os.PathLike):
        path = os.fspath(gate)
        if isinstance(path, str):
            return PromotionGate.from_yaml(path)
    raise InvalidParameterError(
        f"Invalid promotion gate of type {type(gate).__name__}: pass a PromotionGate, a mapping "
        "(e.g. {'rules': ['rmse <= 55']}) or the path of a YAML file"
    )


def _in_prefect_run() -> bool:
    try:
        get_run_context()
    except MissingContextError:
        return False
    return True


def _artifact_key(model_name: str) -> str:
    """Return the artifact key for a model: Prefect keys allow only ``a-z``, ``0-9`` and ``-``."""
    return artifact_key("flowtrack-promotion", artifact_key(model_name) or "model")


def _publish(decision: PromotionDecision, *, to_alias: str | None, to_stage: str | None) -> None:
    verdict = "promoted" if decision.promoted else "rejected"
    # create_markdown_artifact dispatches on the caller: in an async flow it returns a
    # coroutine. This function is sync, so force the sync path with the ``_sync=True`` keyword
    # Prefect's dispatch wrapper takes (its typed signature hides it, hence the Callable).
    create: Callable[..., object] = create_markdown_artifact
    try:
        create(
            markdown=promotion_markdown(decision, to_alias=to_alias, to_stage=to_stage),
            key=_artifact_key(decision.name),
            description=(
                f"Promotion of version {decision.version} of {decision.name!r}: {verdict}"
            ),
            _sync=True,
        )
    except Exception:
        # The decision is already recorded on the version; the artifact is only a view of it.
        logger.warning(
            "Could not create the Prefect artifact for the promotion of version %s of %r "
            "(%s); the decision stands",
            decision.version,
            decision.name,
            verdict,
            exc_info=True,
        )


def _target(to_alias: str | None, to_stage: str | None) -> str:
    parts = []
    if to_alias is not None:
        parts.append(f"alias {to_alias}")
    if to_stage is not None:
        parts.append(f"stage {to_stage}")
    return ", ".join(parts) or "none"


def _check_row(check: GateCheck) -> str:
    cells = [
        check.check,
        _number(check.value),
        _number(check.reference),
        "yes" if check.passed else "no",
    ]
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _inline(text: str) -> str:
    """Keep ``text`` on one markdown line."""
    return " ".join(text.split())


def _cell(text: str) -> str:
    """Make ``text`` safe inside a markdown table cell."""
    return _inline(text).replace("|", "\\|")
