"""loitering: a person stays in a zone for at least a given time."""

from __future__ import annotations

from vigie.core.types import Track
from vigie.rules.base import register_rule
from vigie.rules.configs import LoiteringConfig
from vigie.rules.dwell import DwellRule

__all__ = ["Loitering"]


@register_rule
class Loitering(DwellRule[LoiteringConfig]):
    """Fires once per incident when a watched object's dwell in the zone reaches ``dwell_s``."""

    kind = "loitering"
    config_model = LoiteringConfig

    @property
    def threshold_s(self) -> float:  # noqa: D102
        return self.config.dwell_s

    def explain(self, track: Track, dwell: float) -> str:  # noqa: D102
        return (f"{track.label} has stayed {dwell:.0f} s in zone '{self.config.zone}' "
                f"(threshold {self.threshold_s:g} s)")

    def confidence(self, track: Track, dwell: float) -> float:
        """Long, well-detected presence is a sure loitering."""
        return 0.5 + 0.5 * track.confidence
