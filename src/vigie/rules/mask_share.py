"""mask_share: statistic: share of visible faces wearing a mask, counted per time bucket."""

from __future__ import annotations

from typing import Literal

from vigie.core.types import Event, FrameResult
from vigie.rules.base import AreaRuleConfig, Rule, register_rule

__all__ = ["MaskShare", "MaskShareConfig"]


class MaskShareConfig(AreaRuleConfig):
    """Statistic: share of visible faces wearing a mask, counted per time bucket."""

    kind: Literal["mask_share"] = "mask_share"


@register_rule
class MaskShare(Rule[MaskShareConfig]):
    """Statistic: share of visible faces wearing a mask, counted per time bucket."""

    kind = "mask_share"
    config_model = MaskShareConfig

    def update(self, result: FrameResult) -> list[Event]:  # noqa: D102
        return []
