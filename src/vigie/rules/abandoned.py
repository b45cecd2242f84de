"""abandoned_object: an object (bag, or a static foreground blob) left unattended."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from vigie.core.types import Event, FrameResult
from vigie.rules.base import AreaRuleConfig, Rule, register_rule

__all__ = ["AbandonedObject", "AbandonedObjectConfig"]


class AbandonedObjectConfig(AreaRuleConfig):
    """An object (bag, or a static foreground blob) left unattended."""

    kind: Literal["abandoned_object"] = "abandoned_object"
    classes: list[str] = Field(default_factory=lambda: ["backpack", "handbag", "suitcase"],
                               description="Object labels the rule watches.")


@register_rule
class AbandonedObject(Rule[AbandonedObjectConfig]):
    """An object (bag, or a static foreground blob) left unattended."""

    kind = "abandoned_object"
    config_model = AbandonedObjectConfig

    def update(self, result: FrameResult) -> list[Event]:  # noqa: D102
        return []
