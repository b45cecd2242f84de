"""fire: flames or smoke appear and persist."""

from __future__ import annotations

from typing import Literal

from vigie.core.types import Event, FrameResult
from vigie.rules.base import AreaRuleConfig, Rule, register_rule

__all__ = ["Fire", "FireConfig"]


class FireConfig(AreaRuleConfig):
    """Flames or smoke appear and persist."""

    kind: Literal["fire"] = "fire"


@register_rule
class Fire(Rule[FireConfig]):
    """Flames or smoke appear and persist."""

    kind = "fire"
    config_model = FireConfig

    def update(self, result: FrameResult) -> list[Event]:  # noqa: D102
        return []
