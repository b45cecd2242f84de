"""People in one zone, frame after frame, and the zone's ground area: crowd_density's inputs."""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import shapely

from vigie.core.types import FrameResult, Track
from vigie.geometry import points_in_polygon, prepared_polygon
from vigie.rules.base import CameraContext
from vigie.rules.count_regression import SceneFeatures
from vigie.rules.crowdcount import count_people, face_anchors, faces_in_boxes

if TYPE_CHECKING:
    from vigie.detect.provider import ModelProvider
    from vigie.rules.density import CrowdDensityConfig

__all__ = ["FULL_FRAME", "RunningMedian", "ZoneCounter", "zone_area_m2", "zone_polygon"]

Point = tuple[float, float]
FULL_FRAME: tuple[Point, ...] = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))
#: Longest side of the picture CenterFace sees when counting.
FACE_MAX_SIDE = 1280


def zone_polygon(zone: str | None, camera: CameraContext) -> tuple[Point, ...]:
    """The zone's vertices, or the whole frame for None; ValueError for an unknown zone."""
    if zone is None:
        return FULL_FRAME
    if zone not in camera.zones:
        raise ValueError(f"zone {zone!r} is not among the zones of camera "
                         f"{camera.camera_id!r}: {sorted(camera.zones)}")
    return camera.zones[zone]


def zone_area_m2(zone: str | None, area_m2: float | None, camera: CameraContext) -> float:
    """Ground area of the zone: ``area_m2`` when given, else from the calibration.

    Raises:
        ValueError: Neither is available, or the zone reaches above the calibration's horizon
            (its ground area is then unbounded), or it maps to a degenerate shape.
    """
    polygon = zone_polygon(zone, camera)
    if area_m2 is not None:
        return area_m2
    where = f"zone {zone!r}" if zone else "the whole view (no zone)"
    h = camera.homography
    if h is None:
        raise ValueError(f"crowd_density on camera {camera.camera_id!r}, {where}: the ground "
                         "area is unknown; give the rule an area_m2 or the camera a "
                         "calibration")
    pts = np.column_stack([np.asarray(polygon, np.float64), np.ones(len(polygon))])
    w = pts @ h.matrix[2]
    w_ref = h.matrix[2] @ np.asarray([0.5, 1.0, 1.0])
    ground = shapely.Polygon(h.to_ground(polygon))
    if np.any(w * w_ref <= 0) or not ground.is_valid or ground.area <= 1e-6:
        raise ValueError(f"crowd_density on camera {camera.camera_id!r}, {where}: the zone "
                         "reaches above the calibration's horizon or maps to no ground area; "
                         "draw the zone on the ground or give an area_m2")
    return float(ground.area)


class RunningMedian:
    """Median of the values added over the last ``window_s`` seconds (the last one at 0)."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._items: deque[tuple[float, float]] = deque()
        self._sorted: list[float] = []

    def add(self, ts: float, value: float) -> float:
        """Add a value at time ``ts``; return the median of the window."""
        self._items.append((ts, value))
        bisect.insort(self._sorted, value)
        while self._items and ts - self._items[0][0] > self.window_s:
            old = self._items.popleft()[1]
            del self._sorted[bisect.bisect_left(self._sorted, old)]
        n = len(self._sorted)
        return (self._sorted[(n - 1) // 2] + self._sorted[n // 2]) / 2

    def clear(self) -> None:
        """Forget every value."""
        self._items.clear()
        self._sorted.clear()


class ZoneCounter:
    """People in a zone: tracks whose anchor is inside, faces not explained by a track, and
    the regression when one is configured.

    Args:
        config: The rule's settings.
        camera: Zones, calibration and models.
        labels: Track labels counted.
    """

    def __init__(self, config: CrowdDensityConfig, camera: CameraContext,
                 labels: frozenset[str]) -> None:
        self.config = config
        self.camera = camera
        self.labels = labels
        self.polygon = zone_polygon(config.zone, camera)
        self._zone = prepared_polygon(self.polygon)
        self._models: ModelProvider | None = (camera.require_models("crowd_density")
                                              if config.faces else None)
        reg = config.regression
        if reg is not None and reg.calibrated != (camera.homography is not None):
            raise ValueError("the count regression was fitted "
                             f"{'with' if reg.calibrated else 'without'} a calibration but "
                             f"camera {camera.camera_id!r} has "
                             f"{'one' if camera.homography is not None else 'none'}")
        self._features: SceneFeatures | None = None
        #: Where the last count came from ("detections" or "regression").
        self.source = "detections"
        #: The last count from detections alone (tracks and faces): the ``detected`` feature
        #: to record, with :class:`SceneFeatures`, when fitting a regression at set-up.
        self.detected = 0
        self.reset()

    def reset(self) -> None:
        """Forget the face count and the regression's background."""
        self._face_ts: float | None = None
        self._extra = 0
        if self._features is not None:
            self._features.reset()

    def update(self, result: FrameResult) -> tuple[float, list[Track]]:
        """(people counted now, watched tracks in the zone)."""
        watched = [t for t in result.tracks if t.label in self.labels]
        inside = self._inside([t.anchor for t in watched])
        tracks = [t for t, m in zip(watched, inside, strict=True) if m]
        if self._models is not None and (self._face_ts is None or
                                         result.ts - self._face_ts >= self.config.face_interval_s):
            self._face_ts = result.ts
            self._extra = self._extra_faces(result, watched, inside)
        detected = self.detected = len(tracks) + self._extra
        self.source = "detections"
        if self.config.regression is None:
            return float(detected), tracks
        if self._features is None:
            self._features = SceneFeatures(self.polygon, result.frame.size,
                                           self.camera.homography)
        values = self._features.update(result.frame.image, result.ts, detected)
        predicted = self.config.regression.predict(values)
        if predicted > detected:
            self.source = "regression"
            return predicted, tracks
        return float(detected), tracks

    def _inside(self, points: Sequence[Point] | npt.NDArray[np.float32]) -> npt.NDArray[np.bool_]:
        if not len(points):
            return np.zeros(0, bool)
        return np.asarray(points_in_polygon(np.asarray(points, np.float64), self._zone), bool)

    def _extra_faces(self, result: FrameResult, watched: list[Track],
                     inside: npt.NDArray[np.bool_]) -> int:
        """People in the zone whose face is seen but who have no track."""
        if not inside.any() and not len(result.motion_boxes):
            return 0
        from vigie.detect.mask import detect_faces

        assert self._models is not None
        found = detect_faces(self._models.faces(), result.frame.image, FACE_MAX_SIDE)
        faces = found.xyxy[found.confidence >= self.config.face_confidence]
        if not len(faces):
            return 0
        held = faces_in_boxes([t.box for t in watched], faces)
        in_zone = np.where(held.any(axis=1), (held & inside[None, :]).any(axis=1),
                           self._inside(face_anchors(faces, result.frame.size)))
        persons = [t.box for t, m in zip(watched, inside, strict=True) if m]
        return count_people(persons, faces[in_zone]) - len(persons)
