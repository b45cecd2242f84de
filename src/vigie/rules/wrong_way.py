"""wrong_way: a person or vehicle moves against the allowed direction of a zone."""

from __future__ import annotations

from typing import Literal

import numpy as np
import shapely
from pydantic import Field

from vigie.core.types import Event, FrameResult, Track
from vigie.rules.base import AreaRuleConfig, CameraContext, Rule, register_rule
from vigie.rules.blobs import BlobFollower
from vigie.rules.directions import (
    angle_between,
    fitted_displacement,
    heading_deg,
)
from vigie.rules.paths import Path, PathBook

__all__ = ["WrongWay", "WrongWayConfig"]

#: Fewest sightings in the window before a heading is trusted.
MIN_SAMPLES = 3


class WrongWayConfig(AreaRuleConfig):
    """A person or vehicle moves against the allowed direction of a zone.

    Angles follow the image as seen on screen: 0 = towards the right (+x), 90 = down the
    image, 180 = left, 270 = up. On a calibrated camera the drawn direction is carried onto
    the ground plane at the zone's centre and headings are compared there, in metres.
    """

    kind: Literal["wrong_way"] = "wrong_way"
    classes: list[str] = Field(default_factory=lambda: ["person", "vehicle"],
                               description="Object labels the rule watches.")
    direction_deg: float | None = Field(
        None, ge=0, lt=360, description="Allowed direction of travel in degrees, as drawn on "
        "the image: 0 = right, 90 = down, 180 = left, 270 = up. None = not set yet (the rule "
        "raises nothing): draw it, or learn it with `vigie learn-directions`.")
    tolerance_deg: float = Field(
        120.0, ge=10, le=170, description="Greatest deviation (degrees) from the allowed "
        "direction that is still fine; a movement further off is wrong way. 90 flags any "
        "backward component; the default 120 flags movements within 60 degrees of the "
        "reverse direction, so crossing the flow at a slant is not flagged.")
    min_distance: float = Field(
        1.5, gt=0, le=100, description="Uncalibrated camera: distance the object must travel "
        "against the direction, in heights of its own box (about 2.5 m for a person; "
        "independent of resolution and distance to the camera).")
    min_distance_m: float = Field(
        2.5, gt=0, le=1000, description="Calibrated camera: distance the object must travel "
        "against the direction, in metres on the ground.")
    window_s: float = Field(
        4.0, ge=0.5, le=60, description="Seconds of movement over which the displacement is "
        "measured (a least-squares fit, robust to box jitter); the distance must be covered "
        "within it.")
    min_track_age_s: float = Field(
        1.0, ge=0, le=60, description="Seconds the object must have been tracked before it "
        "can raise the alert (short-lived false tracks never do).")
    follow: Literal["objects", "motion"] = Field(
        "objects", description="'objects': tracked detections of `classes`. 'motion': any "
        "moving region (motion gating's boxes), whatever its class, for views where the "
        "detector does not recognise the vehicles (seen from above, far away); use it only "
        "on zones where nothing else moves. Needs motion.enabled.")


@register_rule
class WrongWay(Rule[WrongWayConfig]):
    """Fires once per object whose movement in the zone goes against the allowed direction.

    Per object, the displacement over the last ``window_s`` of sightings inside the zone is
    fitted by least squares (jitter averages out); the rule fires when it is at least the
    minimum distance long and more than ``tolerance_deg`` away from the
    allowed direction, on an object tracked for ``min_track_age_s``. A tracker ID switch
    continues the path of the object (see :class:`~vigie.rules.paths.PathBook`), so it
    raises no second alert and no fake reversal.
    """

    kind = "wrong_way"
    config_model = WrongWayConfig

    def __init__(self, config: WrongWayConfig, camera: CameraContext) -> None:
        super().__init__(config, camera)
        polygon = camera.zones[config.zone] if config.zone is not None else None
        self._centre = _centroid(polygon) if polygon is not None else (0.5, 0.5)
        self._calibrated = camera.homography is not None
        self._paths = PathBook(polygon, config.window_s, camera.homography)
        self._blobs = BlobFollower() if config.follow == "motion" else None

    def update(self, result: FrameResult) -> list[Event]:  # noqa: D102
        size = result.frame.size
        tracks = self._tracks(result)
        seen = self._paths.update(tracks, result.ts, size)
        if self.config.direction_deg is None or not self.is_active(result):
            return []
        allowed = self._allowed_heading(size)
        events = []
        for track, path in seen:
            event = None if path.fired else self._check(track, path, allowed, result)
            if event is not None:
                path.fired = True
                events.append(event)
        return events

    def reset(self) -> None:  # noqa: D102
        self._paths.reset()
        if self._blobs is not None:
            self._blobs.reset()

    def _tracks(self, result: FrameResult) -> tuple[Track, ...] | list[Track]:
        if self._blobs is not None:
            return self._blobs.update(result.motion_boxes, result.ts, result.frame.size)
        return self.watched(result)

    def _allowed_heading(self, frame_size: tuple[int, int]) -> float:
        """The allowed direction where headings are measured: image pixels or the ground."""
        direction = float(self.config.direction_deg or 0.0)
        if self.camera.homography is None:
            return direction
        w, h = frame_size
        rad, scale = np.radians(direction), 0.01 * max(w, h)
        cx, cy = self._centre
        tip = (cx + scale * np.cos(rad) / w, cy + scale * np.sin(rad) / h)
        ends = self.camera.homography.to_ground([self._centre, tip])
        return heading_deg(*(ends[1] - ends[0]))

    def _check(self, track: Track, path: Path, allowed: float,
               result: FrameResult) -> Event | None:
        """The event if this path now goes the wrong way, else None."""
        c = self.config
        if result.ts - path.first_seen < c.min_track_age_s or len(path.samples) < MIN_SAMPLES:
            return None
        ts, points = path.arrays()
        dx, dy = fitted_displacement(ts, points)
        length = float(np.hypot(dx, dy))
        unit = 1.0 if self._calibrated else float(np.median([s.height for s in path.samples]))
        distance = length / max(unit, 1e-6)
        if distance < (c.min_distance_m if self._calibrated else c.min_distance):
            return None
        deviation = angle_between(heading_deg(dx, dy), allowed)
        if deviation <= c.tolerance_deg:
            return None
        return self._event(track, path, distance, deviation, result)

    def _event(self, track: Track, path: Path, distance: float, deviation: float,
               result: FrameResult) -> Event:
        c = self.config
        start = path.samples[0]
        pdx, pdy = fitted_displacement([s.ts for s in path.samples],
                                       [s.pixel for s in path.samples])
        heading = heading_deg(pdx, pdy)
        unit = "m" if self._calibrated else "box heights"
        where = f"zone '{c.zone}'" if c.zone else "the frame"
        margin = (deviation - c.tolerance_deg) / max(1.0, 180.0 - c.tolerance_deg)
        return Event(
            kind=self.kind, rule_id=self.rule_id, camera_id=result.camera_id, ts=result.ts,
            wall=result.frame.wall, started_at=start.ts,
            confidence=round(min(1.0, 0.5 * track.confidence + 0.5 * min(1.0, margin + 0.5)), 3),
            explanation=(f"{track.label} moved {distance:.1f} {unit} heading {heading:.0f}° "
                         f"in {where}, against the allowed {c.direction_deg:g}° "
                         f"± {c.tolerance_deg:g}° (off by {deviation:.0f}°)"),
            incident_key=f"{self.rule_id}:{path.key}", zone=c.zone,
            track_ids=tuple(path.track_ids), boxes=(track.box,),
            details={"label": track.label, "heading_deg": round(heading, 1),
                     "allowed_deg": float(c.direction_deg or 0.0),
                     "tolerance_deg": c.tolerance_deg, "deviation_deg": round(deviation, 1),
                     "distance": round(distance, 2), "distance_unit": unit,
                     "score": round(track.confidence, 3)},
        )


def _centroid(polygon: tuple[tuple[float, float], ...]) -> tuple[float, float]:
    c = shapely.Polygon(polygon).centroid
    return (float(c.x), float(c.y))
