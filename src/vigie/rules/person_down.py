"""person_down: a person is on the ground after a fall.

People are seen two ways: the tracks of the object detector, and a MoveNet pose model that
looks at crops of tracked people whose box turned suspicious, and regularly scans the zone
(or the whole frame) for people the detector misses (lying people often are). The fall
logic itself lives in :mod:`vigie.rules.falls`; posture measures in :mod:`vigie.rules.posture`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from vigie.core.types import Event, FrameResult
from vigie.rules.base import AreaRuleConfig, CameraContext, Rule, register_rule
from vigie.rules.falls import FallParams, FallTracker, Subject
from vigie.rules.posture import Box, PoseModel, Sighting, box_iou, pose_sightings, square_window

__all__ = ["PersonDown", "PersonDownConfig"]

#: Most pose crops per frame (tracked people and probes of fallen ones), to bound the cost.
_MAX_CROPS = 3
#: Side (pixels) of the pose model's square input.
_POSE_INPUT = 256
#: People shorter than this in the pose model's input are too small for the scan to judge
#: their posture (measured on the phone clips: reliable from about 60): finding them does
#: not make the scan run more often.
_SCAN_MIN_PX = 48
#: Overlap above which a track and a pose sighting are the same person.
_SAME = 0.4


class PersonDownConfig(AreaRuleConfig):
    """A person is on the ground after a fall."""

    kind: Literal["person_down"] = "person_down"
    min_down_s: float = Field(1.0, ge=0, le=600, description="Seconds a person must stay on "
                              "the ground after a seen fall before the alert.")
    unseen_down_s: float | None = Field(15.0, ge=1, le=3600, description="Seconds a person "
                                        "found already lying (the fall itself not seen) must "
                                        "stay so before the alert; none: only seen falls alert.")
    min_drop: float = Field(0.5, ge=0.2, le=1.0, description="A fall: the top of the body drops "
                            "by at least this many standing heights, the feet staying put.")
    min_fall_speed: float = Field(0.5, ge=0, le=10, description="A fall: the top of the body "
                                  "drops at least this fast, in standing heights per second "
                                  "(sitting or lying down deliberately is slower).")
    fall_window_s: float = Field(2.0, ge=0.4, le=10, description="Longest time (s) from the "
                                 "person last seen standing to seen down, for a fall.")
    lying_angle_deg: float = Field(60.0, ge=30, le=90, description="Torso or body axis angle "
                                   "from the vertical (degrees) above which a person lies.")
    hold_s: float = Field(10.0, ge=0, le=600, description="Seconds a fallen person lost by "
                          "the detectors stays down while the place they fell still differs "
                          "from before the fall.")
    min_person_px: int = Field(40, ge=16, le=1000, description="Smallest standing height "
                               "(pixels) examined; smaller people are ignored.")
    scan_interval_s: float = Field(1.0, ge=0, le=60, description="Seconds between pose scans of "
                                   "the zone or frame for people the detector misses (every "
                                   "frame while someone may be falling); 0: no scan, only "
                                   "tracked people are examined.")


@register_rule
class PersonDown(Rule[PersonDownConfig]):
    """Fires once per person who falls and stays down ``min_down_s``.

    A fall is seen when a standing person's box top drops by ``min_drop`` standing heights
    within ``fall_window_s`` while the feet stay in place, and the person is no longer
    upright. They stay down until seen standing again. A person found lying whose fall was not
    seen alerts after ``unseen_down_s``.
    """

    kind = "person_down"
    config_model = PersonDownConfig

    def __init__(self, config: PersonDownConfig, camera: CameraContext) -> None:
        super().__init__(config, camera)
        self._models = camera.require_models(self.kind)
        self._pose: PoseModel | None = None
        self._area = camera.watched_area(config.zone)
        self._falls = FallTracker(FallParams(
            min_drop=config.min_drop, min_speed=config.min_fall_speed,
            fall_window_s=config.fall_window_s,
            min_down_s=config.min_down_s, unseen_down_s=config.unseen_down_s,
            lying_deg=config.lying_angle_deg, hold_s=config.hold_s))
        self._last_scan = self._people_until = -np.inf

    def reset(self) -> None:  # noqa: D102
        self._falls.reset()
        self._last_scan = self._people_until = -np.inf

    def update(self, result: FrameResult) -> list[Event]:  # noqa: D102
        self._falls.scene.add(result.ts, result.frame.image)
        ready = self._falls.update(self._sightings(result), result.ts)
        if not self.is_active(result):
            return []
        return [self._event(s, result) for s in ready]

    def _model(self) -> PoseModel:
        if self._pose is None:
            self._pose = self._models.pose()
        return self._pose

    def _sightings(self, result: FrameResult) -> list[Sighting]:
        """This frame's people: tracks, pose scan, pose crops of suspicious or fallen people."""
        ts, image = result.ts, result.frame.image
        size = result.frame.size
        suspects = self._falls.suspects(ts)
        tracks = [Sighting(ts, t.box, t.confidence, track_id=t.track_id, frame_size=size)
                  for t in self.watched(result) if t.last_seen >= ts - 1e-6]
        tracks = [s for s in tracks if self._keep(s)]
        posed = self._scan(result, bool(suspects))
        crops: list[tuple[Sighting | None, Box]] = []
        for s in tracks:
            covered = any(box_iou(s.box, p.box) >= _SAME for p in posed)
            odd = s.wide >= 1 / 1.2 or any(box_iou(s.box, x.box) >= 0.1 for x in suspects)
            if not covered and odd:
                crops.append((s, s.box))
        lost = self._lost(posed + tracks, ts, result.detected)
        crops += [(None, _around_feet(subj)) for subj in lost]
        posed += self._crops(image, crops[:_MAX_CROPS], ts)
        return _merge(tracks, posed)

    def _scan(self, result: FrameResult, attention: bool) -> list[Sighting]:
        """Pose over the zone (or frame): every frame while someone may be falling or while
        it finds people big enough to judge, else every ``scan_interval_s``."""
        interval, ts = self.config.scan_interval_s, result.ts
        if interval <= 0:
            return []
        due = ts - self._last_scan >= interval - 1e-3
        if not (attention or due or ts <= self._people_until):
            return []
        self._last_scan = ts
        window = self._scan_window(result.frame.size)
        found = pose_sightings(self._model(), result.frame.image, [window], ts, 0.0)[0]
        found = [s for s in found if self._keep(s)]
        side = max(window[2] - window[0], window[3] - window[1], 1)
        if any(s.height * _POSE_INPUT / side >= _SCAN_MIN_PX for s in found):
            self._people_until = ts + self.config.fall_window_s
        return found

    def _crops(self, image: np.ndarray, crops: list[tuple[Sighting | None, Box]],
               ts: float) -> list[Sighting]:
        """Pose in a window around each box; the person best overlapping the box, if any."""
        size = (int(image.shape[1]), int(image.shape[0]))
        windows = [square_window(box, size) for _, box in crops]
        out = []
        for (track, box), found in zip(crops, pose_sightings(self._model(), image, windows, ts,
                                                             0.0), strict=True):
            best = max(found, key=lambda p: box_iou(p.box, box), default=None)
            if best is None or box_iou(best.box, box) < 0.2 or not self._keep(best):
                continue
            out.append(Sighting(ts, best.box, best.score, best.posture,
                                track.track_id if track else None, size))
        return out

    def _lost(self, sightings: list[Sighting], ts: float, detected: bool) -> list[Subject]:
        """Subjects no sighting of this frame covers, worth a closer look: people down, and,
        once, tracked people the detector lost in the last second, neither behind someone
        nor at the frame's edge (detectors often lose a person as they fall; people the scan
        found are looked for by the scan)."""
        out = []
        for s in self._falls.subjects:
            if any(box_iou(s.box, x.box) >= 0.2 for x in sightings):
                continue
            if s.down_since is not None:
                out.append(s)
            elif detected and s.last.track_id is not None and not s.probed \
                    and 0 < ts - s.last.ts <= 1.0 and not s.last.at_border() \
                    and not any(box_iou(s.last.box, x.box) > 0 for x in sightings):
                s.probed = True
                out.append(s)
        return out

    def _scan_window(self, size: tuple[int, int]) -> tuple[int, int, int, int]:
        w, h = size
        if self.config.zone is None:
            return (0, 0, w, h)
        pts = np.asarray(self.camera.zones[self.config.zone], np.float64) * (w, h)
        x1, y1 = np.clip(pts.min(axis=0), 0, (w, h))
        x2, y2 = np.clip(pts.max(axis=0), 0, (w, h))
        return (int(x1), int(y1), int(np.ceil(x2)), int(np.ceil(y2)))

    def _keep(self, s: Sighting) -> bool:
        """Big enough to judge, and standing on (or lying in) the zone."""
        if max(s.height, s.width) < self.config.min_person_px:
            return False
        w, h = s.frame_size
        return self._area.contains(((s.box[0] + s.box[2]) / 2 / w, s.box[3] / h))

    def _event(self, s: Subject, result: FrameResult) -> Event:
        down = s.down_for(result.ts)
        box = s.box
        wide = (box[2] - box[0]) / max(box[3] - box[1], 1e-6)
        if s.seen_fall:
            confidence = 0.6 + 0.15 * min(s.speed, 2.0) / 2.0 + 0.1 * (s.down_sightings >= 3) \
                + 0.1 * (s.tilt >= self.config.lying_angle_deg)
            why = (f"person down {down:.1f} s (alert after {self.config.min_down_s:g} s) after "
                   f"a fall: top of the body dropped {s.drop:.2f} standing heights "
                   f"(fall >= {self.config.min_drop:g}) at {s.speed:.1f} heights/s; "
                   f"body tilt up to {s.tilt:.0f} deg, box {wide:.1f}x wider than tall")
        else:
            confidence = 0.5 + 0.1 * min(down / max(self.config.unseen_down_s or 1, 1), 1.0)
            why = (f"person lying {down:.0f} s (alert after {self.config.unseen_down_s:g} s, "
                   f"fall not seen): body tilt {s.tilt:.0f} deg (lying >= "
                   f"{self.config.lying_angle_deg:g}), box {wide:.1f}x wider than tall")
        where = f" in zone '{self.config.zone}'" if self.config.zone else ""
        return Event(
            kind=self.kind, rule_id=self.rule_id, camera_id=result.camera_id, ts=result.ts,
            wall=result.frame.wall, started_at=s.down_since or result.ts,
            confidence=round(min(confidence, 0.95), 3), explanation=why + where,
            incident_key=f"{self.rule_id}:{s.key}", zone=self.config.zone,
            track_ids=tuple(sorted(s.track_ids)), boxes=(box,),
            details={"down_s": round(down, 2), "seen_fall": int(s.seen_fall),
                     "drop": round(s.drop, 3), "fall_speed_hps": round(s.speed, 2),
                     "tilt_deg": round(s.tilt, 1), "width_over_height": round(wide, 2),
                     "min_down_s": self.config.min_down_s},
        )


def _around_feet(s: Subject) -> Box:
    """Where to look for a subject: a standing person may now lie around their feet."""
    x1, y1, x2, y2 = s.box
    if s.down_since is not None:
        return s.box
    h = y2 - y1
    return (x1 - 0.5 * h, y1, x2 + 0.5 * h, y2 + 0.3 * h)


def _merge(tracks: list[Sighting], posed: list[Sighting]) -> list[Sighting]:
    """One sighting per person: a pose sighting takes the place of the track it overlaps."""
    out = list(posed)
    for t in tracks:
        same = [i for i, p in enumerate(out) if p.posture is not None and box_iou(p.box, t.box)
                >= _SAME]
        if not same:
            out.append(t)
        elif t.track_id is not None:
            i = same[0]
            p = out[i]
            out[i] = Sighting(p.ts, p.box, p.score, p.posture, t.track_id, p.frame_size)
    return _dedupe(out)


def _dedupe(sightings: list[Sighting]) -> list[Sighting]:
    """Drop sightings that repeat a better one (a crop and the scan seeing one person)."""
    ranked = sorted(sightings, key=lambda s: (s.posture is not None, s.score), reverse=True)
    kept: list[Sighting] = []
    for s in ranked:
        if all(box_iou(s.box, k.box) < 0.6 for k in kept):
            kept.append(s)
    return kept

