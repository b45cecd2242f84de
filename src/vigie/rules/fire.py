"""fire: flames (or a detector's fire or smoke box) appear and persist.

Flame-coloured regions of the frame are measured on a small copy (:mod:`vigie.rules.flame`);
each gets a score from 0 to 1 over the last ``window_s`` seconds, the product of four terms:

* flicker: median share of its pixels that change between analysed frames once its own move
  is undone, 0 at 0.2 and 1 from 0.6 (a flame: 0.6-0.8; a static or rigidly moving orange
  object: below 0.2);
* hot core: near-white or bright yellow pixels next to it per flame pixel, 1 from 0.10;
* presence: share of analysed frames it was there, 0 at 0.5 and 1 from 0.9 (blinking lights);
* steadiness: 1 while its centroid moved less than its own size over the window, 0 from
  twice its size (an orange object walking or driving away).

A detector's box of a fire class (``classes``) scores its own confidence. A region whose score
stays at or above ``min_score`` for ``persist_s`` seconds raises one alert.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
from pydantic import Field

from vigie.core.types import Event, FrameResult
from vigie.rules.base import AreaRuleConfig, CameraContext, Rule, register_rule
from vigie.rules.flame import BoolArray, Box, Cue, FlameRegion, FlameTracker, overlap

__all__ = ["Fire", "FireConfig", "FireCues", "measure"]

#: Flicker (share of changed pixels) at which the flicker term is 0, and where it reaches 1.
FLICKER_RANGE = (0.2, 0.6)
#: Hot-core pixels per flame pixel from which the hot-core term is 1.
HOT_FULL = 0.10
#: Presence at which the presence term is 0, and where it reaches 1.
PRESENCE_RANGE = (0.5, 0.9)
#: Centroid drift over the window, in region sizes, where steadiness starts to fall, and 0.
DRIFT_RANGE = (1.0, 2.0)
#: Fewest frame-to-frame comparisons in the window for the flicker to count.
MIN_COMPARISONS = 3
#: Seconds a score may dip below ``min_score`` without restarting the persistence count.
DIP_GRACE_S = 1.0
#: Seconds a reported fire's place is remembered: a region found burning there again (flames
#: hidden for a moment, split or merged) continues that incident instead of a new alert.
REPORTED_MEMORY_S = 60.0


class FireConfig(AreaRuleConfig):
    """Flames or smoke appear and persist."""

    kind: Literal["fire"] = "fire"
    classes: list[str] = Field(
        default_factory=lambda: ["fire", "flame", "smoke"],
        description="Labels of a user-supplied detector counted as fire cues (the default "
                    "COCO models have none; flames are then found from pixels alone).")
    min_score: float = Field(0.5, gt=0, le=1, description="Score (0..1) a flame region must "
                             "keep to count as burning.")
    persist_s: float = Field(3.0, ge=0, le=600, description="Seconds a region must keep "
                             "burning before the alert.")
    window_s: float = Field(2.0, ge=0.6, le=30, description="Seconds over which flicker, "
                            "presence and drift are measured.")
    min_area: float = Field(0.0005, gt=0, le=0.5, description="Smallest flame region, as a "
                            "fraction of the frame area (0.0005 = 0.05 %, about 32x32 px in "
                            "1080p).")
    work_width: int = Field(192, ge=64, le=1920, description="Width in pixels of the copy the "
                            "cues are measured on.")
    min_detection_score: float = Field(0.4, gt=0, le=1, description="Smallest score of a "
                                       "detector's fire box to count as a cue.")


@dataclass(frozen=True, slots=True)
class FireCues:
    """What was measured on one region over the window, and the score it makes."""

    flicker: float
    hot: float
    presence: float
    drift: float
    detection: float
    area: float
    score: float


def _ramp(value: float, low: float, high: float) -> float:
    return float(min(1.0, max(0.0, (value - low) / (high - low))))


def measure(region: FlameRegion, now: float, window_s: float) -> FireCues:
    """The cues of a region over the ``window_s`` seconds before ``now``, and its score.

    A region younger than the window scores 0: its cues are not measured yet.
    """
    recent = [o for o in region.history if o.ts >= now - window_s]
    if now - region.first_seen < window_s - 1e-6 or not recent:
        return FireCues(0.0, 0.0, 0.0, 0.0, 0.0, recent[-1].area if recent else 0.0, 0.0)
    changes = [o.change for o in recent if o.change is not None]
    flicker = statistics.median(changes) if len(changes) >= MIN_COMPARISONS else 0.0
    seen = [p for t, p in region.seen if t >= now - window_s]
    presence = sum(seen) / len(seen) if seen else 0.0
    hot = statistics.median(o.hot for o in recent if o.centroid is not None) \
        if any(o.centroid is not None for o in recent) else 0.0
    placed = [o for o in recent if o.centroid is not None]
    drift = 0.0
    if len(placed) >= 2:
        a, b = placed[0].centroid, placed[-1].centroid
        size = max(1e-6, float(np.sqrt(np.mean([o.area for o in placed]))))
        drift = float(np.hypot(b[0] - a[0], b[1] - a[1])) / size  # type: ignore[index]
    pixels = (_ramp(flicker, *FLICKER_RANGE) * min(1.0, hot / HOT_FULL)
              * _ramp(presence, *PRESENCE_RANGE) * (1 - _ramp(drift, *DRIFT_RANGE)))
    detection = statistics.median(o.cue for o in recent)
    return FireCues(flicker, hot, presence, drift, detection, recent[-1].area,
                    max(pixels, detection))


@dataclass
class _Burn:
    """Persistence of one region's score."""

    since: float
    last_ok: float
    fired: bool = False


@register_rule
class Fire(Rule[FireConfig]):
    """Fires once per flame region whose score stays above ``min_score`` for ``persist_s``."""

    kind = "fire"
    config_model = FireConfig
    #: Flicker is measured after undoing each region's own move, so a hand-held or shaking
    #: view does not make a static orange object flicker; the rule keeps watching (a cut
    #: still resets it).
    needs_steady_view = False

    def __init__(self, config: FireConfig, camera: CameraContext) -> None:
        super().__init__(config, camera)
        self._flames = FlameTracker(config.work_width, config.min_area,
                                    window_s=config.window_s)
        self._burns: dict[int, _Burn] = {}
        self._reported: list[tuple[Box, float]] = []
        self._zone_mask: BoolArray | None = None

    def update(self, result: FrameResult) -> list[Event]:  # noqa: D102
        regions = self._flames.update(result.frame.image, result.ts,
                                      self._allowed(result.frame.size), self._cues(result))
        live = {r.region_id for r in self._flames.regions}
        self._burns = {k: b for k, b in self._burns.items() if k in live}
        events = []
        for region in regions:
            cues = measure(region, result.ts, self.config.window_s)
            if self._persisted(region, cues, result.ts) and self.is_active(result):
                events.append(self._event(region, cues, result))
        return events

    def reset(self) -> None:  # noqa: D102
        self._flames.reset()
        self._burns = {}
        self._reported = []

    def _cues(self, result: FrameResult) -> list[Cue]:
        """Boxes of the detector's fire classes (tracks coast where the detector skipped)."""
        return [(t.box, t.confidence) for t in result.tracks
                if t.label in self.labels and t.confidence >= self.config.min_detection_score]

    def _allowed(self, frame_size: tuple[int, int]) -> BoolArray | None:
        """Pixels of the working copy inside the rule's zone (None: the whole frame)."""
        if self.config.zone is None:
            return None
        w, h = self._flames.working_size(frame_size)
        if self._zone_mask is None or self._zone_mask.shape != (h, w):
            points = np.asarray(self.camera.zones[self.config.zone], np.float64) * (w, h)
            mask = np.zeros((h, w), np.uint8)
            cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1)
            self._zone_mask = mask.astype(bool)
        return self._zone_mask

    def _persisted(self, region: FlameRegion, cues: FireCues, ts: float) -> bool:
        """Whether the region has just burnt for ``persist_s`` (True once per fire)."""
        burn = self._burns.get(region.region_id)
        if cues.score < self.config.min_score:
            if burn is not None and not burn.fired and ts - burn.last_ok > DIP_GRACE_S:
                del self._burns[region.region_id]
            return False
        if burn is None:
            burn = self._burns[region.region_id] = _Burn(ts, ts)
        burn.last_ok = ts
        if not burn.fired and self._already_reported(region.box, ts):
            burn.fired = True  # the same fire, found again: its incident goes on
        if not burn.fired and ts - burn.since < self.config.persist_s:
            return False
        is_new = not burn.fired
        burn.fired = True
        self._remember(region.box, ts)
        return is_new

    def _already_reported(self, box: Box, ts: float) -> bool:
        return any(overlap(box, b) > 0 and ts - t <= REPORTED_MEMORY_S
                   for b, t in self._reported)

    def _remember(self, box: Box, ts: float) -> None:
        """Keep the place of a reported fire that is still burning (working pixels)."""
        kept = [(b, t) for b, t in self._reported
                if ts - t <= REPORTED_MEMORY_S and overlap(box, b) <= 0]
        self._reported = [*kept, (box, ts)]

    def _event(self, region: FlameRegion, cues: FireCues, result: FrameResult) -> Event:
        burn = self._burns[region.region_id]
        scale = self._flames.scale
        box = tuple(float(v) / scale for v in region.box)
        duration = result.ts - burn.since
        return Event(
            kind=self.kind, rule_id=self.rule_id, camera_id=result.camera_id, ts=result.ts,
            wall=result.frame.wall, started_at=burn.since, confidence=round(cues.score, 3),
            explanation=self._explain(cues, duration),
            incident_key=f"{self.rule_id}:{region.region_id}@{region.first_seen:.1f}",
            zone=self.config.zone, boxes=(box,),  # type: ignore[arg-type]
            details={"score": round(cues.score, 3), "flicker": round(cues.flicker, 3),
                     "hot_share": round(cues.hot, 3), "presence": round(cues.presence, 3),
                     "drift": round(cues.drift, 3), "detection": round(cues.detection, 3),
                     "area_pct": round(100 * cues.area, 3), "duration_s": round(duration, 2),
                     "min_score": self.config.min_score, "persist_s": self.config.persist_s},
        )

    def _explain(self, cues: FireCues, duration: float) -> str:
        where = f" in zone '{self.config.zone}'" if self.config.zone else ""
        if cues.detection >= cues.score and cues.detection > 0:
            return (f"fire detected by the model{where} (score {cues.detection:.2f}) for "
                    f"{duration:.1f} s (alert after {self.config.persist_s:g} s)")
        return (f"flickering flame-coloured region{where}, {100 * cues.area:.2f} % of the frame: "
                f"{100 * cues.flicker:.0f} % of its pixels change in place between frames, "
                f"score {cues.score:.2f} >= {self.config.min_score:g} for {duration:.1f} s "
                f"(alert after {self.config.persist_s:g} s)")
