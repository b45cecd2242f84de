"""zone_intrusion: a person or vehicle enters, or is present in, a forbidden or sensitive zone."""

from __future__ import annotations

from vigie.core.types import Track
from vigie.rules.base import register_rule
from vigie.rules.configs import ZoneIntrusionConfig
from vigie.rules.dwell import DwellRule

__all__ = ["ZoneIntrusion"]


@register_rule
class ZoneIntrusion(DwellRule[ZoneIntrusionConfig]):
    """Fires once per incident when a watched object has stayed ``min_dwell_s`` in the zone."""

    kind = "zone_intrusion"
    config_model = ZoneIntrusionConfig

    @property
    def threshold_s(self) -> float:  # noqa: D102
        return self.config.min_dwell_s

    def explain(self, track: Track, dwell: float) -> str:  # noqa: D102
        return (f"{track.label} in forbidden zone '{self.config.zone}' for {dwell:.1f} s "
                f"(alert after {self.threshold_s:g} s)")

    def confidence(self, track: Track, dwell: float) -> float:
        """The detector's score, raised by every second of confirmed presence."""
        return track.confidence + 0.1 * dwell
