"""crowd_movement: synthetic crowds that walk, then rush or disperse; one runner; shake."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from tests.conftest import shared_file
from vigie.core.types import Detections, Event, Frame, FrameResult, Track
from vigie.rules import CameraContext, CrowdMovement
from vigie.rules.crowd_movement import CrowdMovementConfig
from vigie.rules.flow import FlowMeter, RobustBaseline, _summarise

W, H = 640, 480
DT = 0.2
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PW, PH = 30, 80  # a person's box, pixels
WALK = 0.7 * PH  # pixels per second
RUN = 2.5 * PH


def texture(h: int, w: int, seed: int, lo: int, hi: int) -> npt.NDArray[np.uint8]:
    """Blocks of random grey, 4 px wide: something optical flow can follow."""
    rng = np.random.default_rng(seed)
    blocks = rng.integers(lo, hi, (h // 4 + 1, w // 4 + 1), dtype=np.uint8)
    grey = np.repeat(np.repeat(blocks, 4, axis=0), 4, axis=1)[:h, :w]
    return np.repeat(grey[:, :, None], 3, axis=2)


BACKGROUND = texture(H, W, 0, 40, 110)
LOOKS = [texture(PH, PW, 10 + i, 120, 255) for i in range(20)]

# speed(person index, time) in pixels per second
Speed = Callable[[int, float], float]


@dataclass
class Walker:
    x: float
    y: float
    dx: float
    dy: float


def crowd(n: int, seconds: float, speed: Speed, seed: int = 1,
          start: Callable[[int], tuple[float, float, float, float]] | None = None,
          shake: float = 0.0, flicker: float = 0.0,
          extra: Callable[[float], list[Track]] | None = None) -> list[FrameResult]:
    """Frames of ``n`` textured people walking in random directions, bouncing off the edges."""
    rng = np.random.default_rng(seed)
    people = []
    for i in range(n):
        if start is not None:
            people.append(Walker(*start(i)))
            continue
        a = rng.uniform(0, 2 * np.pi)
        people.append(Walker(rng.uniform(60, W - 60), rng.uniform(150, H - 20),
                             float(np.cos(a)), float(np.sin(a))))
    out = []
    for k in range(round(seconds / DT)):
        ts = k * DT
        image = BACKGROUND.copy()
        tracks = []
        for i, p in enumerate(people):
            v = speed(i, ts)
            p.x += p.dx * v * DT
            p.y += p.dy * v * DT
            if not 40 < p.x < W - 40:
                p.dx = -p.dx
            if not 120 < p.y < H - 5:
                p.dy = -p.dy
            p.x, p.y = float(np.clip(p.x, 40, W - 40)), float(np.clip(p.y, 120, H - 5))
            x1, y1 = int(p.x - PW / 2), int(p.y - PH)
            image[y1:y1 + PH, x1:x1 + PW] = LOOKS[i % len(LOOKS)]
            box = (float(x1), float(y1), float(x1 + PW), float(y1 + PH))
            tracks.append(Track(i + 1, "person", box, 0.8, (p.x / W, p.y / H), 0.0, ts,
                                velocity=(p.dx * v / W, p.dy * v / H)))
        if shake:
            image = np.roll(image, (int(rng.integers(-shake, shake + 1)),
                                    int(rng.integers(-shake, shake + 1))), axis=(0, 1))
        if flicker:
            image = np.clip(image.astype(np.int16) + int(flicker * np.sin(ts * 7)), 0,
                            255).astype(np.uint8)
        if extra is not None:
            tracks += extra(ts)
        frame = Frame("cam", k, ts, T0 + timedelta(seconds=ts), image)
        out.append(FrameResult(frame, Detections.empty(), tuple(tracks)))
    return out


def run(results: list[FrameResult], rule: CrowdMovement | None = None) -> list[Event]:
    rule = rule or CrowdMovement(CrowdMovementConfig(), CameraContext("cam"))
    return [e for r in results for e in rule.update(r)]


def walking_then(speed_after: float, at: float = 15.0, who: int = 99) -> Speed:
    """Everyone walks (give or take 20 %); from ``at`` s, the first ``who`` people change
    speed."""
    def speed(i: int, ts: float) -> float:
        if ts >= at and i < who:
            return speed_after
        return WALK * (1 + 0.2 * np.sin(ts + i))
    return speed


def test_a_walking_crowd_that_starts_running_raises_one_rush_alert() -> None:
    events = run(crowd(8, 20.0, walking_then(RUN)))
    assert len(events) == 1
    e = events[0]
    assert e.kind == "crowd_movement"
    assert e.details["reason"] == "rush"
    assert 15.8 <= e.ts <= 17.5
    assert e.details["people"] >= 4
    assert "rush" in e.explanation
    assert len(e.boxes) == e.details["people"]


def test_a_walking_crowd_raises_nothing() -> None:
    assert run(crowd(8, 30.0, walking_then(WALK))) == []


def test_one_runner_is_not_a_crowd_movement() -> None:
    assert run(crowd(8, 20.0, walking_then(RUN, who=1))) == []


def test_three_runners_are_fewer_than_min_people() -> None:
    assert run(crowd(3, 20.0, walking_then(RUN))) == []


def test_a_crowd_bursting_outwards_raises_one_alert() -> None:
    def cluster(i: int) -> tuple[float, float, float, float]:
        a = 2 * np.pi * i / 8
        return (320 + 60 * np.cos(a), 320 + 40 * np.sin(a), float(np.cos(a)), float(np.sin(a)))

    def speed(i: int, ts: float) -> float:  # shuffling on the spot, then everyone runs away
        return RUN if ts >= 15 else 8.0 * np.sin(ts * 3 + i)

    events = run(crowd(8, 18.0, speed, start=cluster))
    assert len(events) == 1
    assert events[0].details["reason"] in {"rush", "dispersal"}
    assert events[0].ts >= 15.8


def test_nothing_before_the_baseline_is_warm() -> None:
    assert run(crowd(8, 9.0, walking_then(RUN, at=4.0))) == []


def test_camera_shake_and_flicker_on_a_walking_crowd_raise_nothing() -> None:
    assert run(crowd(8, 25.0, walking_then(WALK), shake=3)) == []
    assert run(crowd(8, 25.0, walking_then(WALK), flicker=25)) == []


def test_fast_vehicles_are_not_people() -> None:
    def car(ts: float) -> list[Track]:
        x = (ts - 15) * 400 if ts >= 15 else -500.0
        return [Track(50, "car", (x, 20.0, x + 200, 110.0), 0.9, ((x + 100) / W, 110 / H),
                      0.0, ts, velocity=(400 / W, 0.0))]
    assert run(crowd(8, 20.0, walking_then(WALK), extra=car)) == []


def test_a_rush_outside_the_zone_raises_nothing() -> None:
    strip = ((0.0, 0.0), (1.0, 0.0), (1.0, 0.15), (0.0, 0.15))  # above everyone's feet
    rule = CrowdMovement(CrowdMovementConfig(zone="sky"), CameraContext("cam",
                                                                       zones={"sky": strip}))
    assert run(crowd(8, 20.0, walking_then(RUN)), rule) == []


def test_reset_needs_a_new_warm_up() -> None:
    rule = CrowdMovement(CrowdMovementConfig(), CameraContext("cam"))
    frames = crowd(8, 20.0, walking_then(RUN))
    run(frames[:70], rule)   # 14 s of walking: warm
    rule.reset()
    assert run(frames[70:], rule) == []


def test_flow_summary_of_a_translation_and_an_explosion() -> None:
    inside = np.ones((60, 80), bool)
    ys, xs = np.mgrid[0:60, 0:80].astype(np.float32)
    shift = np.zeros((60, 80, 2), np.float32)
    shift[..., 0] = 0.2
    moving = _summarise(shift, inside)
    assert moving.coherence == pytest.approx(1.0, abs=1e-3)
    assert abs(moving.outward) < 0.05
    radial = np.stack([xs - 40, ys - 30], axis=2) / 100
    burst = _summarise(radial, inside)
    assert burst.outward > 0.95
    assert burst.coherence < 0.1


def test_flow_meter_measures_widths_per_second() -> None:
    meter = FlowMeter(width=160)
    assert meter.update(0.0, BACKGROUND) is None
    stats = meter.update(0.2, np.roll(BACKGROUND, 8, axis=1), np.ones((120, 160), bool))
    # the whole view moved: the median motion (camera) is taken away
    assert stats is not None
    assert stats.moving_share < 0.05


def test_baseline_is_a_windowed_median() -> None:
    b = RobustBaseline(window_s=10)
    for t in range(100):
        b.add(float(t), 100.0 if t < 50 else 1.0)
    assert b.median() == 1.0
    assert b.span() == 10.0


@pytest.mark.slow
@pytest.mark.parametrize("clip", ["pets09_s2l1/vtest.avi",
                                  "tracking/TUD-Stadtmitte/TUD-Stadtmitte.mp4"])
def test_walkers_on_real_footage_raise_nothing(clip: str, nanodet_models_dir: Path) -> None:
    from vigie.config.site import SiteConfig
    from vigie.detect.factory import build_detector
    from vigie.runtime.replay import replay

    camera = {"id": "cam", "source": {"url": str(shared_file(clip)), "realtime": False},
              "analytics": [{"kind": "crowd_movement"}]}
    site = SiteConfig.model_validate({"version": 1, "site": {"name": "t"}, "cameras": [camera],
                                      "detector": {"models_dir": str(nanodet_models_dir)}})
    assert replay(site, "cam", build_detector(site.detector)).alerts == []
