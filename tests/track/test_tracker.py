"""ObjectTracker: ids, identity guard, and still objects held outside the detector's windows."""

from __future__ import annotations

import numpy as np
import pytest

from vigie.config.site import TrackerConfig
from vigie.core.types import Detections
from vigie.track import ObjectTracker

SIZE = (400, 300)


def person(x: float, y: float = 100, h: float = 80) -> list[float]:
    return [x, y, x + 30, y + h]


def feed(tracker: ObjectTracker, boxes: list[list[float]], ts: float,
         windows: np.ndarray | None = None) -> dict[int, tuple[float, ...]]:
    dets = Detections.from_arrays(boxes or np.zeros((0, 4)), [0.9] * len(boxes),
                                  [0] * len(boxes))
    _, tracks = tracker.update(dets, ts, SIZE, windows)
    return {t.track_id: t.box for t in tracks}


def test_a_still_object_outside_the_windows_keeps_its_id() -> None:
    tracker = ObjectTracker(TrackerConfig(lost_track_buffer_s=0.5), fps=5)
    for i in range(5):
        seen = feed(tracker, [person(50)], i * 0.2)
    (tid,) = seen
    window = np.array([[200, 0, 400, 300]], np.float32)  # the detector looks elsewhere
    for i in range(5, 20):
        seen = feed(tracker, [], i * 0.2, window)
    assert list(seen) == [tid]


def test_a_moving_object_outside_the_windows_is_not_held() -> None:
    tracker = ObjectTracker(TrackerConfig(lost_track_buffer_s=0.5), fps=5)
    for i in range(6):
        feed(tracker, [person(20 + 15 * i)], i * 0.2)
    window = np.array([[300, 0, 400, 300]], np.float32)
    assert feed(tracker, [], 1.2, window) == {}


def test_a_box_that_changes_size_implausibly_gets_a_new_id() -> None:
    tracker = ObjectTracker(TrackerConfig(min_iou=0.01), fps=5)
    for i in range(4):
        first = feed(tracker, [person(50)], i * 0.2)
    after = feed(tracker, [person(50, y=150, h=30)], 0.8)  # a cone where the person stood
    assert after
    assert set(after).isdisjoint(first)


def test_calibrated_tracks_carry_ground_position_and_speed() -> None:
    from vigie.geometry import Homography

    # Normalised image (0..1) maps linearly to a 40 m x 30 m ground: 1 px = 0.1 m here.
    ground = Homography.from_points([(0, 0), (1, 0), (1, 1), (0, 1)],
                                    [(0, 0), (40, 0), (40, 30), (0, 30)])
    tracker = ObjectTracker(TrackerConfig(min_hits=1), fps=5, homography=ground)
    for i in range(8):  # 10 px per 0.2 s = 50 px/s = 5 m/s
        _, tracks = tracker.update(Detections.from_arrays([person(50 + 10 * i)], [0.9], [0]),
                                   i * 0.2, SIZE)
    (track,) = tracks
    assert track.ground is not None
    assert track.ground[0] == pytest.approx((50 + 70 + 15) * 0.1, abs=0.05)  # box centre x
    assert track.ground[1] == pytest.approx(180 * 0.1, abs=0.05)  # box bottom
    assert track.speed_mps == pytest.approx(5.0, rel=0.05)
