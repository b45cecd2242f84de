"""crowd_density: too many persons per square metre in a zone."""

from __future__ import annotations

from typing import Literal

from vigie.core.types import Event, FrameResult
from vigie.rules.base import AreaRuleConfig, Rule, register_rule

__all__ = ["CrowdDensity", "CrowdDensityConfig"]


class CrowdDensityConfig(AreaRuleConfig):
    """Too many persons per square metre in a zone."""

    kind: Literal["crowd_density"] = "crowd_density"


@register_rule
class CrowdDensity(Rule[CrowdDensityConfig]):
    """Too many persons per square metre in a zone."""

    kind = "crowd_density"
    config_model = CrowdDensityConfig

    def update(self, result: FrameResult) -> list[Event]:  # noqa: D102
        return []
