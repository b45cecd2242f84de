"""wrong_way: a person or vehicle moves against the allowed direction of a zone."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from vigie.core.types import Event, FrameResult
from vigie.rules.base import AreaRuleConfig, Rule, register_rule

__all__ = ["WrongWay", "WrongWayConfig"]


class WrongWayConfig(AreaRuleConfig):
    """A person or vehicle moves against the allowed direction of a zone."""

    kind: Literal["wrong_way"] = "wrong_way"
    classes: list[str] = Field(default_factory=lambda: ["person", "vehicle"],
                               description="Object labels the rule watches.")


@register_rule
class WrongWay(Rule[WrongWayConfig]):
    """A person or vehicle moves against the allowed direction of a zone."""

    kind = "wrong_way"
    config_model = WrongWayConfig

    def update(self, result: FrameResult) -> list[Event]:  # noqa: D102
        return []
