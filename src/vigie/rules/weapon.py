"""weapon: a weapon is visible, or held by a person (use)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from vigie.core.types import Event, FrameResult
from vigie.rules.base import AreaRuleConfig, Rule, register_rule

__all__ = ["Weapon", "WeaponConfig"]


class WeaponConfig(AreaRuleConfig):
    """A weapon is visible, or held by a person (use)."""

    kind: Literal["weapon"] = "weapon"
    classes: list[str] = Field(default_factory=lambda: ["knife"],
                               description="Object labels the rule watches.")


@register_rule
class Weapon(Rule[WeaponConfig]):
    """A weapon is visible, or held by a person (use)."""

    kind = "weapon"
    config_model = WeaponConfig

    def update(self, result: FrameResult) -> list[Event]:  # noqa: D102
        return []
