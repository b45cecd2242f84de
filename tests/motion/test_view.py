"""ViewMonitor: a fixed camera stays steady, a moving or cut view is caught."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from tests.conftest import shared_file
from vigie.motion.view import ViewMonitor


def _textured(seed: int = 0, size: tuple[int, int] = (480, 640)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    grey = cv2.GaussianBlur((rng.random(size) * 255).astype(np.uint8), (7, 7), 0)
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)


def test_pan_is_moving_and_steady_again_after_steady_s() -> None:
    scene, mon = _textured(), ViewMonitor(steady_s=1.0)
    states = [mon.update(np.roll(scene, 6 * i, axis=1), 0.2 * i) for i in range(6)]
    assert [s.moving for s in states] == [False, False, True, True, True, True]
    still = np.roll(scene, 30, axis=1)
    later = [mon.update(still, 1.2 + 0.2 * i).moving for i in range(7)]
    assert later[0]
    assert not later[-1], later


def test_one_person_moving_is_not_a_moving_view() -> None:
    scene, mon = _textured(), ViewMonitor()
    for i in range(10):
        frame = scene.copy()
        cv2.rectangle(frame, (40 + 25 * i, 200), (100 + 25 * i, 380), (30, 30, 30), -1)
        assert not mon.update(frame, 0.2 * i).moving


def test_a_cut_is_reported_at_once() -> None:
    mon = ViewMonitor()
    mon.update(_textured(1), 0.0)
    state = mon.update(cv2.add(_textured(2), 80), 0.2)
    assert state.cut
    assert state.moving


def _frames(path: Path, fps: float = 5.0) -> Iterator[tuple[float, np.ndarray]]:
    with av.open(str(path)) as container:
        stream, due = container.streams.video[0], 0.0
        for frame in container.decode(stream):
            t = float(frame.pts * stream.time_base)
            if t + 1e-6 >= due:
                due += 1 / fps
                yield t, frame.to_ndarray(format="bgr24")


def _moving_share(path: Path) -> float:
    mon = ViewMonitor()
    return float(np.mean([mon.update(image, t).moving for t, image in _frames(path)]))


@pytest.mark.slow
def test_hand_held_montage_moves_most_of_the_time() -> None:
    assert _moving_share(shared_file("robustness/handheld_street_montage.mp4")) > 0.6


@pytest.mark.slow
@pytest.mark.parametrize("clip", ["pets09_s2l1/vtest.avi", "abandoned/aboda_video4.avi",
                                  "falls_phone/Fall01.mp4", "traffic/road_lanes.avi",
                                  "tracking/TUD-Stadtmitte/TUD-Stadtmitte.mp4",
                                  "urfall/fall-01-cam0.mp4"])
def test_fixed_cameras_never_move(clip: str) -> None:
    assert _moving_share(shared_file(clip)) == 0.0
