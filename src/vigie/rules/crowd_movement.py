"""crowd_movement: sudden collective rush or dispersal in a zone."""

from __future__ import annotations

from typing import Literal

from vigie.core.types import Event, FrameResult
from vigie.rules.base import AreaRuleConfig, Rule, register_rule

__all__ = ["CrowdMovement", "CrowdMovementConfig"]


class CrowdMovementConfig(AreaRuleConfig):
    """Sudden collective rush or dispersal in a zone."""

    kind: Literal["crowd_movement"] = "crowd_movement"


@register_rule
class CrowdMovement(Rule[CrowdMovementConfig]):
    """Sudden collective rush or dispersal in a zone."""

    kind = "crowd_movement"
    config_model = CrowdMovementConfig

    def update(self, result: FrameResult) -> list[Event]:  # noqa: D102
        return []
