"""Model Registry workflows on top of the client: gated promotion of model versions."""

from __future__ import annotations

from flowtrack.registry.gate import ChampionComparison, MetricRule, PromotionGate
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
    "PromotionDecision",
    "PromotionGate",
    "PromotionRejected",
    "promote",
]
