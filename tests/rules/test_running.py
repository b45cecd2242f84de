"""running: sustained speed per person; walkers, sprints, jitter, ID switches, cyclists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import shared_file
from vigie.core.types import Detections, Event, Frame, FrameResult, Track
from vigie.geometry import Homography
from vigie.rules import CameraContext, Running
from vigie.rules.running import RunningConfig

W, H = 640, 480
DT = 0.2
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
IMAGE = np.zeros((H, W, 3), np.uint8)
PERSON_H = 100.0  # pixels

# One object in one frame: (track id, x of the box centre, y of the feet, label)
Obj = tuple[int, float, float, str]


def frames(steps: Sequence[Sequence[Obj]], ground: Homography | None = None,
           ) -> list[FrameResult]:
    out = []
    for i, objs in enumerate(steps):
        ts = i * DT
        tracks = []
        for tid, x, y, label in objs:
            h = PERSON_H if label == "person" else 60.0
            w = 40.0 if label == "person" else 80.0
            box = (x - w / 2, y - h, x + w / 2, y)
            anchor = (x / W, y / H)
            g = tuple(float(v) for v in ground.to_ground([anchor])[0]) if ground else None
            tracks.append(Track(tid, label, box, 0.8, anchor, 0.0, ts, ground=g))  # type: ignore[arg-type]
        frame = Frame("cam", i, ts, T0 + timedelta(seconds=ts), IMAGE)
        out.append(FrameResult(frame, Detections.empty(), tuple(tracks)))
    return out


def run(rule: Running, results: list[FrameResult]) -> list[Event]:
    return [e for r in results for e in rule.update(r)]


def moving(tid: int, speed_hps: float, seconds: float, x0: float = 50.0, y: float = 300.0,
           label: str = "person") -> list[list[Obj]]:
    """A person crossing the view at ``speed_hps`` body heights per second."""
    n = round(seconds / DT)
    return [[(tid, x0 + speed_hps * PERSON_H * i * DT, y, label)] for i in range(n)]


def running(**kw: object) -> Running:
    return Running(RunningConfig(**kw), CameraContext("cam"))  # type: ignore[arg-type]


def test_a_walker_raises_nothing() -> None:
    assert run(running(), frames(moving(1, 0.8, 6.0))) == []


def test_a_runner_raises_one_alert_once_the_speed_is_held() -> None:
    events = run(running(), frames(moving(1, 2.5, 4.0)))
    assert len(events) == 1
    e = events[0]
    assert e.kind == "running"
    assert e.ts == pytest.approx(1.4)  # a 1.5 s window is judged from 1.35 s of samples
    assert e.track_ids == (1,)
    assert e.details["speed"] == pytest.approx(2.5, rel=0.01)
    assert "body heights/s" in e.explanation
    assert "threshold 1.8" in e.explanation


def test_a_runner_seen_through_a_noisy_box_still_raises_one_alert() -> None:
    rng = np.random.default_rng(1)
    steps = [[(tid, x + float(rng.normal(0, 6)), y + float(rng.normal(0, 4)), label)]
             for [(tid, x, y, label)] in moving(1, 2.5, 4.0)]
    assert len(run(running(), frames(steps))) == 1


def test_a_short_dash_raises_nothing() -> None:
    # Walk 2 s, dash 0.8 s at 3 heights/s, walk again: the speed is not held 1.5 s.
    speeds = [0.8] * 10 + [3.0] * 4 + [0.8] * 15
    xs = 50 + np.cumsum([0.0, *(v * PERSON_H * DT for v in speeds)])
    steps = [[(1, float(x), 300.0, "person")] for x in xs]
    assert run(running(), frames(steps)) == []


def test_an_id_switch_jump_is_not_a_speed() -> None:
    # A standing person's id jumps to another person 300 px away, then stays there.
    steps = [[(1, 100.0, 300.0, "person")] for _ in range(10)]
    steps += [[(1, 400.0, 300.0, "person")] for _ in range(10)]
    assert run(running(), frames(steps)) == []


def test_a_jittering_box_raises_nothing() -> None:
    rng = np.random.default_rng(0)
    steps = [[(1, 300 + float(rng.normal(0, 40)), 300 + float(rng.normal(0, 15)), "person")]
             for _ in range(50)]
    assert run(running(), frames(steps)) == []


def test_a_cyclist_is_not_a_runner() -> None:
    steps = [[(1, x, y, "person"), (2, x, y + 30, "bicycle")]
             for [(_, x, y, _)] in moving(1, 3.0, 4.0)]
    assert run(running(), frames(steps)) == []


def test_vehicles_are_not_watched() -> None:
    assert run(running(), frames(moving(1, 4.0, 4.0, label="car"))) == []


def test_a_runner_outside_the_zone_raises_nothing() -> None:
    top = ((0.0, 0.0), (1.0, 0.0), (1.0, 0.3), (0.0, 0.3))
    rule = Running(RunningConfig(zone="top"), CameraContext("cam", zones={"top": top}))
    assert run(rule, frames(moving(1, 2.5, 4.0))) == []


def test_a_new_id_for_the_same_runner_raises_no_second_alert() -> None:
    steps = moving(1, 2.5, 2.0)  # fires at 1.4 s, then the tracker gives it a new id
    steps += [[(7, x, y, label)] for [(_, x, y, label)] in moving(1, 2.5, 2.0, x0=50 + 500)]
    assert len(run(running(), frames(steps))) == 1


def test_two_runners_raise_two_alerts() -> None:
    a, b = moving(1, 2.5, 4.0), moving(2, 2.5, 4.0, y=450.0, x0=40.0)
    assert len(run(running(), frames([x + y for x, y in zip(a, b, strict=True)]))) == 2


def test_calibrated_speed_is_in_metres_per_second() -> None:
    # 640 px across is 32 m: 2.5 heights/s = 250 px/s = 12.5 m/s, 0.5 h/s = 2.5 m/s.
    ground = Homography.from_points([(0, 0), (1, 0), (1, 1), (0, 1)],
                                    [(0, 0), (32, 0), (32, 24), (0, 24)])
    cam = CameraContext("cam", homography=ground)
    slow = run(Running(RunningConfig(), cam), frames(moving(1, 0.5, 4.0), ground))
    fast = run(Running(RunningConfig(), cam), frames(moving(1, 0.8, 4.0), ground))
    assert slow == []
    assert len(fast) == 1
    assert fast[0].details["speed"] == pytest.approx(4.0, rel=0.01)
    assert "m/s" in fast[0].explanation


def test_frames_the_detector_skipped_do_not_count() -> None:
    results = frames(moving(1, 2.5, 4.0))
    coasting = []
    for i, r in enumerate(results):
        if i % 2:
            stale = tuple(Track(t.track_id, t.label, t.box, t.confidence, t.anchor,
                                t.first_seen, t.last_seen - DT) for t in r.tracks)
            r = FrameResult(r.frame, r.detections, stale)
        coasting.append(r)
    rule = running()
    events = run(rule, coasting)
    assert len(events) == 1
    assert len(rule._runners[1].samples) <= 10


def test_reset_forgets_every_track() -> None:
    rule = running()
    results = frames(moving(1, 2.5, 4.0))
    run(rule, results[:6])
    rule.reset()
    assert rule._runners == {}
    assert len(run(rule, results[6:])) == 1  # needs a full window again: fires later


@pytest.mark.slow
@pytest.mark.parametrize("clip", ["pets09_s2l1/vtest.avi", "tracking/TUD-Campus/TUD-Campus.mp4"])
def test_walkers_on_real_footage_raise_nothing(clip: str, nanodet_models_dir: Path) -> None:
    from vigie.config.site import SiteConfig
    from vigie.detect.factory import build_detector
    from vigie.runtime.replay import replay

    camera = {"id": "cam", "source": {"url": str(shared_file(clip)), "realtime": False},
              "analytics": [{"kind": "running"}]}
    site = SiteConfig.model_validate({"version": 1, "site": {"name": "t"}, "cameras": [camera],
                                      "detector": {"models_dir": str(nanodet_models_dir)}})
    assert replay(site, "cam", build_detector(site.detector)).alerts == []
