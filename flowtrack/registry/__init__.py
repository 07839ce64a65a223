"""Model Registry workflows on top of the client: gated promotion and lineage of versions."""

from __future__ import annotations

from flowtrack.registry.gate import ChampionComparison, MetricRule, PromotionGate
from flowtrack.registry.lineage import ModelVersionLineage, get_lineage
from flowtrack.registry.promotion import (
    GateCheck,
    PromotionDecision,
    PromotionRejected,
    promote,
)

__all__ = [
    "ChampionComparison",
    "GateCheck",
    "MetricRule",
    "ModelVersionLineage",
    "PromotionDecision",
    "PromotionGate",
    "PromotionRejected",
    "get_lineage",
    "promote",
]
