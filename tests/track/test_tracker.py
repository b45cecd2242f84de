"""ObjectTracker: ids, identity guard, and still objects held outside the detector's windows."""

from __future__ import annotations

import numpy as np

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
