"""Configuration models of the built-in rule kinds, one per kind, joined by their `kind`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from vigie.rules.abandoned import AbandonedObjectConfig
from vigie.rules.base import RuleConfig
from vigie.rules.crowd_movement import CrowdMovementConfig
from vigie.rules.density import CrowdDensityConfig
from vigie.rules.fire import FireConfig
from vigie.rules.mask_share import MaskShareConfig
from vigie.rules.person_down import PersonDownConfig
from vigie.rules.running import RunningConfig
from vigie.rules.weapon import WeaponConfig
from vigie.rules.wrong_way import WrongWayConfig

__all__ = ["AnalyticConfig", "LoiteringConfig", "TripwireConfig", "ZoneIntrusionConfig",
           "ZoneRuleConfig"]


class ZoneRuleConfig(RuleConfig):
    """Settings of the rules that watch objects inside a zone."""

    zone: str = Field(description="Name of the camera zone.")
    exit_grace_s: float = Field(2.0, ge=0, le=3600, description="Seconds an object may vanish "
                                "or step out without ending its incident (inertia).")

    @property
    def target(self) -> str | None:  # noqa: D102
        return self.zone


class ZoneIntrusionConfig(ZoneRuleConfig):
    """A watched object enters, or is present in, a forbidden or sensitive zone."""

    kind: Literal["zone_intrusion"] = "zone_intrusion"
    min_dwell_s: float = Field(1.0, ge=0, le=3600, description="Seconds the object must stay "
                               "inside before the alert (filters box flicker at the border).")


class TripwireConfig(RuleConfig):
    """A watched object crosses a directed virtual line; crossings are counted per direction."""

    kind: Literal["tripwire"] = "tripwire"
    line: str = Field(description="Name of the camera line.")
    alert_direction: Literal["in", "out", "both", "none"] = Field(
        "none", description="Which crossings raise an alert; all are counted. 'in' is a "
                            "crossing from the right of start->end to its left.")
    margin: float = Field(0.01, ge=0, le=0.2, description="Hysteresis: distance (fraction of "
                          "the frame diagonal) the anchor must reach on each side of the line "
                          "for a crossing to count.")
    min_track_age_s: float = Field(0.4, ge=0, le=60, description="A crossing by a younger "
                                   "track counts only once the track reaches this age "
                                   "(short-lived false tracks never count).")

    @property
    def target(self) -> str | None:  # noqa: D102
        return self.line


class LoiteringConfig(ZoneRuleConfig):
    """A watched object stays in a zone for at least a given time."""

    kind: Literal["loitering"] = "loitering"
    dwell_s: float = Field(60.0, gt=0, le=86400, description="Seconds in the zone before the "
                           "alert.")
    exit_grace_s: float = Field(3.0, ge=0, le=3600, description="Seconds an object may vanish "
                                "or step out without resetting its dwell.")


AnalyticConfig = Annotated[
    ZoneIntrusionConfig | TripwireConfig | LoiteringConfig | AbandonedObjectConfig
    | WeaponConfig | WrongWayConfig | PersonDownConfig | CrowdMovementConfig | RunningConfig
    | CrowdDensityConfig | FireConfig | MaskShareConfig,
    Field(discriminator="kind"),
]
