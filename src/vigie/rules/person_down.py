"""person_down: a person is on the ground after a fall."""

from __future__ import annotations

from typing import Literal

from vigie.core.types import Event, FrameResult
from vigie.rules.base import AreaRuleConfig, Rule, register_rule

__all__ = ["PersonDown", "PersonDownConfig"]


class PersonDownConfig(AreaRuleConfig):
    """A person is on the ground after a fall."""

    kind: Literal["person_down"] = "person_down"


@register_rule
class PersonDown(Rule[PersonDownConfig]):
    """A person is on the ground after a fall."""

    kind = "person_down"
    config_model = PersonDownConfig

    def update(self, result: FrameResult) -> list[Event]:  # noqa: D102
        return []
