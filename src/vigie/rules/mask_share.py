"""mask_share: statistic: share of visible faces wearing a mask, counted per time bucket.

Every ``interval_s`` (when some tracked person in the zone has not been counted yet) CenterFace
looks at the frame; each face big enough is given to the person track whose box holds it
near its top, cropped with a margin and classified mask / no mask. A track is counted once:
only its id is remembered (and forgotten a minute after it was last seen). Nothing but two
counters leaves the rule: events with ``alert=False`` and ``details = {"direction": "mask" |
"no_mask", "n": k}``, without boxes, track ids, crops or scores. The share over any period is
mask / (mask + no_mask).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import Field

from vigie.core.types import Event, FrameResult, Track
from vigie.geometry import points_in_polygon, prepared_polygon
from vigie.rules.base import AreaRuleConfig, CameraContext, Rule, register_rule
from vigie.rules.crowdcount import face_anchors, faces_in_boxes
from vigie.rules.density_count import FACE_MAX_SIDE, zone_polygon

__all__ = ["MaskShare", "MaskShareConfig"]

#: Seconds after which a track no longer seen is forgotten (its id may not come back).
FORGET_AFTER_S = 60.0
#: A face belongs to a person box when its centre lies in the box's top share.
HEAD_SHARE = 0.5


class MaskShareConfig(AreaRuleConfig):
    """Statistic: share of visible faces wearing a mask, counted per time bucket."""

    kind: Literal["mask_share"] = "mask_share"
    interval_s: float = Field(2.0, gt=0, le=600, description="Seconds between two face "
                              "searches (CenterFace costs about 0.1-0.3 s of one core).")
    min_face_px: int = Field(24, ge=8, le=1000, description="Smallest face side, pixels; "
                             "smaller faces are too blurred to classify.")
    face_confidence: float = Field(0.5, ge=0.2, lt=1, description="Lowest CenterFace score "
                                   "of a face that is classified.")
    mask_threshold: float = Field(0.5, gt=0, lt=1, description="p(mask) at or above which a "
                                  "face counts as masked.")
    margin: float = Field(0.25, ge=0, le=1, description="Share of the face box added on "
                          "each side of the crop given to the classifier.")
    count_untracked: bool = Field(False, description="Also count faces that no person track "
                                  "holds (each time they are seen: the same person may count "
                                  "several times).")


@register_rule
class MaskShare(Rule[MaskShareConfig]):
    """Counts masked and bare faces, once per person track, as statistics (never alerts)."""

    kind = "mask_share"
    config_model = MaskShareConfig

    def __init__(self, config: MaskShareConfig, camera: CameraContext) -> None:
        super().__init__(config, camera)
        self.models = camera.require_models(self.kind)
        self._zone = prepared_polygon(zone_polygon(config.zone, camera))
        self.reset()

    def reset(self) -> None:
        """Forget which tracks were counted and when faces were last searched."""
        self._counted: dict[int, float] = {}
        self._last_run: float | None = None

    def update(self, result: FrameResult) -> list[Event]:  # noqa: D102
        ts = result.ts
        watched = self.watched(result)
        for t in watched:
            if t.track_id in self._counted:
                self._counted[t.track_id] = ts
        self._counted = {k: v for k, v in self._counted.items() if ts - v <= FORGET_AFTER_S}
        if not self.is_active(result) or (self._last_run is not None
                                          and ts - self._last_run < self.config.interval_s):
            return []
        inside = self._in_zone(np.asarray([t.anchor for t in watched], np.float64))
        pending = [t for t, m in zip(watched, inside, strict=True)
                   if m and t.track_id not in self._counted]
        if not pending and not self.config.count_untracked:
            return []
        self._last_run = ts
        return self._events(result, self._count(result, watched, inside))

    def _in_zone(self, points: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
        if not len(points):
            return np.zeros(0, bool)
        return np.asarray(points_in_polygon(points, self._zone), bool)

    def _count(self, result: FrameResult, watched: list[Track],
               inside: npt.NDArray[np.bool_]) -> dict[str, int]:
        """Masked and bare faces newly counted on this frame."""
        from vigie.detect.mask import detect_faces

        cfg, image = self.config, result.frame.image
        found = detect_faces(self.models.faces(), image, FACE_MAX_SIDE)
        sides = np.minimum(found.xyxy[:, 2] - found.xyxy[:, 0], found.xyxy[:, 3] - found.xyxy[:, 1])
        faces = found.xyxy[(found.confidence >= cfg.face_confidence) & (sides >= cfg.min_face_px)]
        owners = self._owners(faces, watched)
        take = []
        for k, owner in enumerate(owners):
            if owner >= 0:
                track = watched[owner]
                if inside[owner] and track.track_id not in self._counted:
                    self._counted[track.track_id] = result.ts
                    take.append(k)
            elif cfg.count_untracked and self._in_zone(
                    face_anchors(faces[k:k + 1], result.frame.size).astype(np.float64))[0]:
                take.append(k)
        if not take:
            return {"mask": 0, "no_mask": 0}
        p = self.models.mask_classifier().mask_probability(image, faces[take], cfg.margin)
        masked = int((p >= cfg.mask_threshold).sum())
        return {"mask": masked, "no_mask": len(take) - masked}

    @staticmethod
    def _owners(faces: npt.NDArray[np.float32], watched: list[Track]) -> list[int]:
        """Index of the track each face belongs to (its centre highest in the box), or -1."""
        if not len(faces) or not watched:
            return [-1] * len(faces)
        boxes = np.asarray([t.box for t in watched], np.float32)
        held = faces_in_boxes(boxes, faces)
        cy = (faces[:, 1] + faces[:, 3]) / 2
        heights = np.maximum(boxes[:, 3] - boxes[:, 1], 1.0)
        depth = (cy[:, None] - boxes[None, :, 1]) / heights[None, :]
        depth = np.where(held & (depth <= HEAD_SHARE), depth, np.inf)
        best = np.argmin(depth, axis=1)
        return [int(b) if np.isfinite(depth[i, b]) else -1 for i, b in enumerate(best)]

    def _events(self, result: FrameResult, counts: dict[str, int]) -> list[Event]:
        where = f" in zone '{self.config.zone}'" if self.config.zone else ""
        return [Event(kind=self.kind, rule_id=self.rule_id, camera_id=self.camera.camera_id,
                      ts=result.ts, wall=result.frame.wall, started_at=result.ts,
                      confidence=1.0,
                      explanation=f"{n} face(s) {'with' if name == 'mask' else 'without'} a "
                                  f"mask counted{where}",
                      incident_key=f"{self.camera.camera_id}:{self.rule_id}:{name}",
                      zone=self.config.zone, details={"direction": name, "n": n}, alert=False)
                for name, n in counts.items() if n > 0]
