"""Body posture from MoveNet keypoints, and pose estimation on person crops.

Angles are measured in the image: a person lying along the camera's line of sight can look
upright (foreshortening), which is why the fall logic also watches the box geometry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from vigie.core.types import Detections

__all__ = [
    "Box",
    "PoseModel",
    "Posture",
    "Sighting",
    "box_iou",
    "measure_posture",
    "pose_sightings",
    "square_window",
]

Box = tuple[float, float, float, float]
Keypoints = npt.NDArray[np.float32]

_SHOULDERS, _HIPS = (5, 6), (11, 12)
_KNEES, _ANKLES = (13, 14), (15, 16)
#: Keypoints below this MoveNet score are ignored.
KEYPOINT_SCORE = 0.2
#: Fewest confident keypoints for a posture to be measured at all.
_MIN_POINTS = 5
#: Keypoint clouds rounder than this (ratio of principal spreads) have no reliable axis.
_MIN_ELONGATION = 1.4


class PoseModel(Protocol):
    """What the rule needs of a pose estimator (``PoseEstimator`` satisfies it)."""

    def detect(self, image: npt.NDArray[np.uint8]) -> Detections:
        """People in one BGR image, with ``data["keypoints"]`` (N, 17, 3): x, y, score."""
        ...


@dataclass(frozen=True, slots=True)
class Posture:
    """Body orientation measured from keypoints.

    Attributes:
        torso_deg: Angle between the hips->shoulders vector and image "up", 0..180:
            about 0 standing, 90 lying across the view, above 90 head lower than hips.
        axis_deg: Angle of the principal axis of all confident keypoints from the vertical,
            0..90; None when the cloud of points is too round to have an axis.
        legs_upright: Hips stand well above knees or ankles: the person is on their feet
            (bending or crouching, not lying).
        points: Number of confident keypoints.
    """

    torso_deg: float | None
    axis_deg: float | None
    legs_upright: bool
    points: int

    def tilt(self) -> float:
        """The larger of the two angles, 0 when neither is known."""
        return max(self.torso_deg or 0.0, self.axis_deg or 0.0)


@dataclass(frozen=True, slots=True)
class Sighting:
    """One person seen in one frame, by the detector (a track) or by the pose model.

    Attributes:
        ts: Stream time (s).
        box: Pixel box x1, y1, x2, y2.
        score: Detector or pose score.
        posture: From keypoints, when the pose model saw the person.
        track_id: The tracker's id, when the sighting comes from a track.
        frame_size: (width, height) of the frame, to tell boxes cut by the border.
    """

    ts: float
    box: Box
    score: float
    posture: Posture | None = None
    track_id: int | None = None
    frame_size: tuple[int, int] = (0, 0)

    @property
    def width(self) -> float:  # noqa: D102
        return max(self.box[2] - self.box[0], 1e-6)

    @property
    def height(self) -> float:  # noqa: D102
        return max(self.box[3] - self.box[1], 1e-6)

    @property
    def top(self) -> float:  # noqa: D102
        return self.box[1]

    @property
    def bottom(self) -> float:  # noqa: D102
        return self.box[3]

    @property
    def wide(self) -> float:
        """Width over height: above 1 the box is wider than tall."""
        return self.width / self.height

    def at_border(self, margin: float = 2.0) -> bool:
        """Whether the box touches the frame's edge (the person may be cut off)."""
        w, h = self.frame_size
        x1, y1, x2, y2 = self.box
        return w > 0 and (x1 <= margin or y1 <= margin or x2 >= w - margin or y2 >= h - margin)


def measure_posture(keypoints: Keypoints, min_score: float = KEYPOINT_SCORE) -> Posture | None:
    """Torso angle, body axis and leg support from (17, 3) keypoints; None if too few seen."""
    seen = keypoints[:, 2] >= min_score
    if int(seen.sum()) < _MIN_POINTS:
        return None
    shoulders, hips = _mean(keypoints, _SHOULDERS, min_score), _mean(keypoints, _HIPS, min_score)
    torso = None
    if shoulders is not None and hips is not None:
        dx, dy = shoulders[0] - hips[0], shoulders[1] - hips[1]
        torso = float(np.degrees(np.arctan2(abs(dx), -dy)))
    return Posture(torso, _axis_deg(keypoints[seen, :2]),
                   _legs_upright(keypoints, hips, shoulders, min_score), int(seen.sum()))


def _mean(kp: Keypoints, idx: tuple[int, int], min_score: float) -> npt.NDArray[np.float32] | None:
    pts = kp[list(idx)]
    pts = pts[pts[:, 2] >= min_score]
    return pts[:, :2].mean(axis=0) if len(pts) else None


def _axis_deg(points: npt.NDArray[np.float32]) -> float | None:
    centred = points - points.mean(axis=0)
    values, vectors = np.linalg.eigh(np.cov(centred.T))
    if values[1] <= 0 or values[1] < _MIN_ELONGATION ** 2 * max(values[0], 1e-6):
        return None
    vx, vy = vectors[:, 1]
    return float(np.degrees(np.arctan2(abs(vx), abs(vy))))


def _legs_upright(kp: Keypoints, hips: npt.NDArray[np.float32] | None,
                  shoulders: npt.NDArray[np.float32] | None, min_score: float) -> bool:
    """Ankles far below the hips, nearly vertically: the weight is on the legs.

    Knees alone do not count: a person lying with the head towards the camera shows knees
    below the hips in the image.
    """
    feet = _mean(kp, _ANKLES, min_score)
    if hips is None or shoulders is None or feet is None:
        return False
    torso = float(np.hypot(*(shoulders - hips)))
    dx, dy = feet[0] - hips[0], feet[1] - hips[1]
    return bool(dy > 0.8 * torso and dy > 2 * abs(dx))


def square_window(box: Box, frame_size: tuple[int, int], margin: float = 0.25,
                  ) -> tuple[int, int, int, int]:
    """A square-ish pixel window around a box, grown by ``margin`` of its longer side.

    The window is kept inside the frame (shifted, then clipped), so it may be smaller than
    asked near the edges.
    """
    w, h = frame_size
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    side = max(box[2] - box[0], box[3] - box[1]) * (1 + 2 * margin)
    side = min(side, float(max(w, h)))
    x1 = min(max(cx - side / 2, 0.0), max(w - side, 0.0))
    y1 = min(max(cy - side / 2, 0.0), max(h - side, 0.0))
    return (int(x1), int(y1), int(min(x1 + side, w)), int(min(y1 + side, h)))


def pose_sightings(model: PoseModel, image: npt.NDArray[np.uint8],
                   windows: Sequence[tuple[int, int, int, int]], ts: float,
                   min_score: float) -> list[list[Sighting]]:
    """Run the pose model in each pixel window; people found, in frame coordinates.

    Returns:
        One list of sightings per window.
    """
    size = (int(image.shape[1]), int(image.shape[0]))
    out: list[list[Sighting]] = []
    for x1, y1, x2, y2 in windows:
        if x2 - x1 < 8 or y2 - y1 < 8:
            out.append([])
            continue
        found = model.detect(np.ascontiguousarray(image[y1:y2, x1:x2]))
        keypoints = found.data.get("keypoints", np.zeros((len(found), 17, 3), np.float32))
        people = []
        for box, score, kp in zip(found.xyxy, found.confidence, keypoints, strict=True):
            if score < min_score:
                continue
            people.append(Sighting(ts, (float(box[0] + x1), float(box[1] + y1),
                                        float(box[2] + x1), float(box[3] + y1)),
                                   float(score), measure_posture(kp), frame_size=size))
        out.append(people)
    return out


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two pixel boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0
