"""crowd_movement: sudden collective rush or dispersal in a zone.

Dense optical flow (Farneback, on a grey copy of the frame 160 pixels wide) measures how fast
the moving part of the zone moves; tracked vehicles are left out. A *rush* is that speed
jumping well above its usual level, a *dispersal* is motion that spreads out from a centre
while speeding up; either needs several moving people (tracked persons) at once, held for a
short time. "Usual" is the median and MAD of the speed over the last minutes: a running
statistic that forgets what is older than its window, not a learned model.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt
from pydantic import Field

from vigie.core.types import VEHICLE_CLASSES, Event, FrameResult, Track
from vigie.rules.base import AreaRuleConfig, CameraContext, Rule, register_rule
from vigie.rules.flow import FlowMeter, FlowStats, RobustBaseline

__all__ = ["CrowdMovement", "CrowdMovementConfig"]

#: Share of a person's box that must move for them to count as moving.
_MOVER_SHARE = 0.15
#: Youngest track whose velocity (a fit over its last second) is trusted.
_MIN_AGE_S = 0.6
#: Longest pause (s) inside one sustained movement (a frame where it does not show).
_GAP_S = 0.45


class CrowdMovementConfig(AreaRuleConfig):
    """Sudden collective rush or dispersal in a zone."""

    kind: Literal["crowd_movement"] = "crowd_movement"
    min_people: int = Field(4, ge=2, le=1000, description="Tracked persons in the zone that "
                            "must be moving at once; fewer (one runner) never alert.")
    min_moving_share: float = Field(0.05, gt=0, le=1, description="Share of the zone's area "
                                    "that must be moving.")
    speed_ratio: float = Field(2.0, ge=1, le=20, description="Rush: the speed of the moving "
                               "area must reach this many times its usual level (median of "
                               "the last baseline_s).")
    mad_factor: float = Field(4.0, ge=0, le=100, description="... and exceed the usual level "
                              "by this many robust deviations (1.4826 x MAD).")
    min_speed: float = Field(0.12, ge=0, le=10, description="... and at least this speed, in "
                             "frame widths per second (walkers cross a street view at about "
                             "0.05-0.1).")
    min_pace_hps: float = Field(1.5, ge=0, le=20, description="... while the moving people's "
                                "median speed reaches this many body heights per second "
                                "(walking is 0.5-1; running 2 or more),")
    pace_ratio: float = Field(1.5, ge=1, le=20, description="... and this many times its "
                              "usual level.")
    outward: float = Field(0.5, ge=0, le=1, description="Dispersal: mean alignment (0..1) of "
                           "the motion with the direction away from its centre.")
    dispersal_ratio: float = Field(1.5, ge=1, le=20, description="Dispersal: speed over its "
                                   "usual level.")
    sustain_s: float = Field(1.0, ge=0, le=60, description="Seconds the movement must last.")
    baseline_s: float = Field(120.0, ge=10, le=3600, description="Seconds of history of the "
                              "usual level (median and MAD).")
    warmup_s: float = Field(10.0, ge=1, le=3600, description="Seconds of history needed "
                            "before any alert (after a start or a reset).")
    rearm_s: float = Field(10.0, ge=0, le=3600, description="Seconds of calm that end an "
                           "incident; a new movement after that is a new alert.")


@register_rule
class CrowdMovement(Rule[CrowdMovementConfig]):
    """Fires once per sustained rush or dispersal of several people in the zone."""

    kind = "crowd_movement"
    config_model = CrowdMovementConfig

    def __init__(self, config: CrowdMovementConfig, camera: CameraContext) -> None:
        super().__init__(config, camera)
        self._meter = FlowMeter()
        self._speed = RobustBaseline(config.baseline_s)
        self._share = RobustBaseline(config.baseline_s)
        self._pace_usual = RobustBaseline(config.baseline_s)
        self._zone_mask: npt.NDArray[np.bool_] | None = None
        self._since: float | None = None
        self._last_seen = -np.inf
        self._incident = 0
        self._fired = False

    def reset(self) -> None:  # noqa: D102
        self._meter.reset()
        self._speed.reset()
        self._share.reset()
        self._pace_usual.reset()
        self._since, self._last_seen, self._fired = None, -np.inf, False

    def update(self, result: FrameResult) -> list[Event]:  # noqa: D102
        ts = result.ts
        area = self._area(result)
        stats = self._meter.update(ts, result.frame.image, area)
        if stats is None:
            return []
        movers = self._movers(result, stats)
        pace = self._pace(result, movers)
        reason = self._reason(stats, len(movers), pace)
        self._speed.add(ts, stats.speed)
        self._share.add(ts, stats.moving_share)
        self._pace_usual.add(ts, pace or 0.0)  # too few people moving: the crowd stands
        if reason is None:
            if ts - self._last_seen > max(self.config.rearm_s, _GAP_S):
                self._since, self._fired = None, False
            elif ts - self._last_seen > _GAP_S and not self._fired:
                self._since = None
            return []
        if self._since is None:
            self._since = ts
            self._incident += 1
        self._last_seen = ts
        if self._fired or ts - self._since < self.config.sustain_s - 1e-6:
            return []
        self._fired = True
        if not self.is_active(result):
            return []
        return [self._event(result, stats, reason, movers, pace)]

    def _reason(self, stats: FlowStats, movers: int, pace: float | None) -> str | None:
        """'rush', 'dispersal' or None, judged against the baselines before this frame.

        Both measures must agree: the flow (every moving pixel, but faster near the camera)
        and the people's pace (tracked persons only, but in body heights, so perspective-free).
        """
        c = self.config
        if self._speed.span() < c.warmup_s or movers < c.min_people or pace is None \
                or stats.moving_share < max(c.min_moving_share, self._share.median()):
            return None
        if pace < max(c.pace_ratio * self._pace_usual.median(), c.min_pace_hps):
            return None
        usual, spread = self._speed.median(), self._speed.mad()
        if stats.speed >= max(c.speed_ratio * usual, usual + c.mad_factor * spread,
                              c.min_speed):
            return "rush"
        if stats.outward >= c.outward and stats.speed >= max(c.dispersal_ratio * usual,
                                                             c.min_speed):
            return "dispersal"
        return None

    def _area(self, result: FrameResult) -> npt.NDArray[np.bool_]:
        """Pixels watched at the meter's size: the zone, without tracked vehicles."""
        w, h = result.frame.size
        sw = self._meter.width
        sh = max(1, round(h * sw / w))
        if self._zone_mask is None or self._zone_mask.shape != (sh, sw):
            self._zone_mask = self._zone_pixels(sw, sh)
        area = self._zone_mask.copy()
        scale = sw / w
        for t in result.tracks:
            if t.label in VEHICLE_CLASSES:
                x1, y1, x2, y2 = (int(v * scale) for v in t.box)
                area[max(0, y1 - 1):y2 + 2, max(0, x1 - 1):x2 + 2] = False
        return area

    def _zone_pixels(self, sw: int, sh: int) -> npt.NDArray[np.bool_]:
        if self.config.zone is None:
            return np.ones((sh, sw), bool)
        mask = np.zeros((sh, sw), np.uint8)
        pts = np.asarray(self.camera.zones[self.config.zone], np.float64) * (sw, sh)
        cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], 1)
        return mask.astype(bool)

    def _movers(self, result: FrameResult, stats: FlowStats) -> list[Track]:
        """Tracked persons in the zone, seen lately, whose box is largely moving."""
        w = result.frame.size[0]
        scale = stats.moving.shape[1] / w
        out = []
        assert self._zone_mask is not None
        for t in self.watched(result):
            if t.last_seen < result.ts - 1.0:
                continue
            x1, y1, x2, y2 = (int(v * scale) for v in t.box)
            box = stats.moving[max(0, y1):y2 + 1, max(0, x1):x2 + 1]
            zone = self._zone_mask[max(0, y1):y2 + 1, max(0, x1):x2 + 1]
            if box.size and zone.any() and box.mean() >= _MOVER_SHARE:
                out.append(t)
        return out

    def _pace(self, result: FrameResult, movers: list[Track]) -> float | None:
        """Median speed of the moving people in body heights per second (their box height as
        the scale, so near and far people compare); None with fewer than two to judge."""
        w, h = result.frame.size
        speeds = [float(np.hypot(t.velocity[0] * w, t.velocity[1] * h)) / (t.box[3] - t.box[1])
                  for t in movers if t.age >= _MIN_AGE_S and t.box[3] > t.box[1]]
        return float(np.median(speeds)) if len(speeds) >= 2 else None

    def _event(self, result: FrameResult, stats: FlowStats, reason: str,
               movers: list[Track], pace: float | None) -> Event:
        c = self.config
        usual = self._speed.median()
        ratio = stats.speed / usual if usual > 0 else float("inf")
        where = f"zone '{c.zone}'" if c.zone else "the view"
        what = "rush" if reason == "rush" else \
            f"dispersal (motion outwards {stats.outward:.2f} >= {c.outward:g})"
        threshold = c.speed_ratio if reason == "rush" else c.dispersal_ratio
        why = (f"sudden collective {what} in {where}: {len(movers)} people moving "
               f"(>= {c.min_people}), {stats.moving_share:.0%} of the area at "
               f"{stats.speed:.2f} frame widths/s, {ratio:.1f}x the usual {usual:.2f} "
               f"(>= {threshold:g}x; median of the last {self._speed.span():.0f} s), people at "
               f"{pace or 0:.1f} body heights/s (usual {self._pace_usual.median():.1f}), for "
               f"{result.ts - (self._since or result.ts):.1f} s")
        confidence = 0.5 + 0.1 * min(ratio / threshold - 1, 2.0) + 0.05 * min(
            len(movers) / c.min_people, 2.0)
        return Event(
            kind=self.kind, rule_id=self.rule_id, camera_id=result.camera_id, ts=result.ts,
            wall=result.frame.wall, started_at=self._since or result.ts,
            confidence=round(min(confidence, 0.95), 3), explanation=why,
            incident_key=f"{self.rule_id}:{self._incident}", zone=c.zone,
            track_ids=tuple(t.track_id for t in movers), boxes=tuple(t.box for t in movers),
            details={"reason": reason, "people": len(movers),
                     "moving_share": round(stats.moving_share, 3),
                     "speed": round(stats.speed, 3), "usual_speed": round(usual, 3),
                     "ratio": round(ratio, 2), "outward": round(stats.outward, 2),
                     "pace_hps": round(pace or 0.0, 2)},
        )
