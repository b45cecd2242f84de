"""running: a person moves faster than a threshold, sustained."""

from __future__ import annotations

from typing import Literal

from vigie.core.types import Event, FrameResult
from vigie.rules.base import AreaRuleConfig, Rule, register_rule

__all__ = ["Running", "RunningConfig"]


class RunningConfig(AreaRuleConfig):
    """A person moves faster than a threshold, sustained."""

    kind: Literal["running"] = "running"


@register_rule
class Running(Rule[RunningConfig]):
    """A person moves faster than a threshold, sustained."""

    kind = "running"
    config_model = RunningConfig

    def update(self, result: FrameResult) -> list[Event]:  # noqa: D102
        return []
