"""Fire: flames flicker in place; static, translating and blinking orange things stay silent."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from tests.conftest import shared_file
from vigie.core.types import Detections, Event, Frame, FrameResult, Track
from vigie.rules import CameraContext
from vigie.rules.fire import Fire, FireConfig
from vigie.rules.flame import FlameTracker, flame_mask, hot_mask

Image = npt.NDArray[np.uint8]
W, H, FPS = 320, 240, 5.0
T0 = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
ORANGE, YELLOW_WHITE = (30, 140, 255), (170, 235, 255)  # BGR
RED = (40, 30, 220)
BG = 60


def background(rng: np.random.Generator | None = None, noise: float = 0.0) -> Image:
    """A grey scene with a little texture, optionally with sensor noise."""
    img = np.full((H, W, 3), BG, np.int16)
    img[:, ::16] += 25
    if rng is not None and noise:
        img += rng.normal(0, noise, img.shape).astype(np.int16)
    return np.clip(img, 0, 255).astype(np.uint8)


def flame(img: Image, rng: np.random.Generator, cx: int = 160, base: int = 200) -> Image:
    """A flame of random shape: orange tongues around a yellow-white core, anchored at base."""
    out = img.copy()
    for _ in range(4):
        x = cx + int(rng.integers(-18, 19))
        height = int(rng.integers(25, 70))
        cv2.ellipse(out, (x, base - height // 2), (int(rng.integers(6, 14)), height // 2),
                    float(rng.uniform(-20, 20)), 0, 360, ORANGE, -1)
    core_h = int(rng.integers(20, 40))
    cv2.ellipse(out, (cx + int(rng.integers(-5, 6)), base - core_h // 2),
                (int(rng.integers(7, 12)), core_h // 2), 0, 0, 360, YELLOW_WHITE, -1)
    return out


def lamp(img: Image, x: int, y: int = 150) -> Image:
    """A rigid flame-coloured object: orange box with a yellow-white centre (40x50 px)."""
    out = img.copy()
    cv2.rectangle(out, (x - 20, y - 25), (x + 20, y + 25), ORANGE, -1)
    cv2.rectangle(out, (x - 8, y - 10), (x + 8, y + 10), YELLOW_WHITE, -1)
    return out


def frames(make: Callable[[int], Image], seconds: float) -> Iterable[Frame]:
    for i in range(round(seconds * FPS)):
        ts = i / FPS
        yield Frame("cam", i, ts, T0 + timedelta(seconds=ts), make(i))


def replay(rule: Fire, make: Callable[[int], Image], seconds: float,
           tracks: Callable[[float], tuple[Track, ...]] = lambda ts: ()) -> list[Event]:
    events: list[Event] = []
    for frame in frames(make, seconds):
        events += rule.update(FrameResult(frame, Detections.empty(), tracks(frame.ts)))
    return events


def fire_rule(camera: CameraContext | None = None, **kw: object) -> Fire:
    return Fire(FireConfig(**kw), camera or CameraContext("cam"))  # type: ignore[arg-type]


def test_flickering_flame_alerts_once_after_persistence() -> None:
    rng = np.random.default_rng(1)
    bg = background()
    events = replay(fire_rule(), lambda i: flame(bg, rng), 12)
    assert len(events) == 1
    event = events[0]
    assert event.kind == "fire"
    assert 5.0 <= event.ts <= 6.0  # window_s = 2 s of cues, then persist_s = 3 s
    assert event.ts - event.started_at >= 3.0
    assert event.details["flicker"] >= 0.4
    assert event.details["score"] >= 0.5
    x1, y1, x2, y2 = event.boxes[0]
    assert x1 < 160 < x2
    assert y1 < 190 < y2
    assert "flicker" in event.explanation or "change" in event.explanation


def test_longer_persistence_delays_the_alert() -> None:
    rng = np.random.default_rng(2)
    bg = background()
    events = replay(fire_rule(persist_s=6.0), lambda i: flame(bg, rng), 12)
    assert len(events) == 1
    assert events[0].ts >= 6.0


def test_flame_shorter_than_persistence_stays_silent() -> None:
    rng = np.random.default_rng(3)
    bg = background()
    events = replay(fire_rule(), lambda i: flame(bg, rng) if i < 20 else bg, 12)
    assert events == []


@pytest.mark.parametrize("make", [
    pytest.param(lambda i: lamp(background(), 160), id="static-lamp"),
    pytest.param(lambda i: cv2.rectangle(background(), (140, 120), (180, 180), RED, -1),
                 id="static-red-rectangle"),
    pytest.param(lambda i: lamp(background(), 30 + 5 * i), id="lamp-translating"),
    pytest.param(lambda i: lamp(background(), 160) if (i // 3) % 2 else background(),
                 id="lamp-blinking-1.2s"),
    pytest.param(lambda i: lamp(background(), 160) if i % 2 else background(),
                 id="lamp-blinking-0.4s"),
])
def test_rigid_or_static_flame_coloured_objects_stay_silent(
        make: Callable[[int], Image]) -> None:
    assert replay(fire_rule(), make, 12) == []


def test_night_noise_stays_silent() -> None:
    rng = np.random.default_rng(4)
    dark = lambda i: np.clip(rng.normal(20, 12, (H, W, 3)), 0, 255).astype(np.uint8)  # noqa: E731
    assert replay(fire_rule(), dark, 12) == []


def test_noisy_static_lamp_stays_silent() -> None:
    rng = np.random.default_rng(5)
    assert replay(fire_rule(), lambda i: lamp(background(rng, noise=8), 160), 12) == []


@pytest.mark.parametrize(("amplitude", "zoom"), [(6, 0.0), (12, 0.0), (3, 0.15)],
                         ids=["shake-6px", "shake-12px", "zoom-15pct"])
def test_static_lamp_seen_by_a_shaking_camera_stays_silent(amplitude: int, zoom: float) -> None:
    """The rule keeps watching while the view moves: a hand-held view must not make flicker."""
    rng = np.random.default_rng(10)
    texture = cv2.GaussianBlur(np.clip(rng.normal(90, 40, (H, W, 3)), 0, 255)
                               .astype(np.uint8), (7, 7), 0)
    scene = lamp(texture, 160)

    def shaken(i: int) -> Image:
        dx, dy = rng.integers(-amplitude, amplitude + 1, 2)
        s = 1 + zoom * np.sin(i / 3)
        warp = np.float32([[s, 0, dx + (1 - s) * 160], [0, s, dy + (1 - s) * 120]])
        moved = cv2.warpAffine(scene, warp, (W, H), borderMode=cv2.BORDER_REFLECT)
        return cv2.blur(moved, (int(rng.integers(1, 4)) * 2 + 1, 1))  # motion blur

    assert Fire.needs_steady_view is False
    assert replay(fire_rule(), shaken, 15) == []


def test_orange_object_carried_across_the_frame_stays_silent() -> None:
    """A deforming orange object that travels (a walker in a hi-vis vest) drifts away."""
    rng = np.random.default_rng(6)
    bg = background()
    events = replay(fire_rule(), lambda i: flame(bg, rng, cx=20 + 15 * i, base=200), 4)
    assert events == []


def test_flame_outside_the_zone_is_ignored_inside_alerts() -> None:
    rng = np.random.default_rng(7)
    bg = background()
    left = CameraContext("cam", zones={"left": ((0, 0), (0.3, 0), (0.3, 1), (0, 1))})
    right = CameraContext("cam", zones={"right": ((0.3, 0), (1, 0), (1, 1), (0.3, 1))})
    assert replay(fire_rule(left, zone="left"), lambda i: flame(bg, rng), 10) == []
    events = replay(fire_rule(right, zone="right"), lambda i: flame(bg, rng), 10)
    assert len(events) == 1
    assert events[0].zone == "right"


def test_person_next_to_the_fire_does_not_hide_it() -> None:
    rng = np.random.default_rng(8)
    bg = background()
    person = Track(1, "person", (120.0, 60.0, 200.0, 230.0), 0.9, (0.5, 0.96), 0.0, 0.0)
    events = replay(fire_rule(), lambda i: flame(bg, rng), 10, tracks=lambda ts: (person,))
    assert len(events) == 1


def test_fire_hidden_for_a_while_is_still_one_incident() -> None:
    """Flames hidden for 2 s (the region is forgotten) come back: no second alert."""
    rng = np.random.default_rng(11)
    bg = background()
    rule = fire_rule()
    events = replay(rule, lambda i: bg if 40 <= i < 50 else flame(bg, rng), 20)
    assert len(events) == 1
    assert events[0].ts < 8


def test_second_fire_elsewhere_is_a_new_incident() -> None:
    rng = np.random.default_rng(12)
    bg = background()
    events = replay(fire_rule(), lambda i: flame(flame(bg, rng, cx=60), rng, cx=260)
                    if i >= 30 else flame(bg, rng, cx=60), 14)
    assert len(events) == 2
    assert events[0].incident_key != events[1].incident_key
    assert events[1].boxes[0][0] > 200  # the second alert outlines the new fire


def test_reset_forgets_the_fire_and_keys_stay_unique() -> None:
    rng = np.random.default_rng(9)
    bg = background()
    rule = fire_rule()
    first = replay(rule, lambda i: flame(bg, rng), 8)
    rule.reset()
    second = replay(rule, lambda i: flame(bg, rng), 8)
    assert len(first) == len(second) == 1
    assert first[0].incident_key != second[0].incident_key
    rule.reset()
    assert replay(rule, lambda i: flame(bg, rng), 4) == []  # cues and persistence restart


def test_detector_fire_box_is_a_cue_on_its_own() -> None:
    """A user model's ``fire`` box alerts even where the pixels show no flame (e.g. smoke)."""
    smoke = Track(3, "smoke", (100.0, 50.0, 220.0, 150.0), 0.7, (0.5, 0.6), 0.0, 0.0)
    events = replay(fire_rule(), lambda i: background(), 8, tracks=lambda ts: (smoke,))
    assert len(events) == 1
    assert events[0].details["detection"] == pytest.approx(0.7)
    assert "model" in events[0].explanation
    weak = Track(3, "smoke", (100.0, 50.0, 220.0, 150.0), 0.2, (0.5, 0.6), 0.0, 0.0)
    assert replay(fire_rule(), lambda i: background(), 8, tracks=lambda ts: (weak,)) == []


def test_candle_still_is_a_flame_candidate_but_no_alert_without_flicker() -> None:
    image = cv2.imread(str(shared_file("stills/candle.jpg")))
    assert image is not None
    mask, hot = flame_mask(image), hot_mask(image)
    ys, xs = np.nonzero(mask & (np.arange(image.shape[1]) < 520)[None, :])  # left picture
    assert len(xs) > 50
    assert 150 < np.median(xs) < 220
    assert 130 < np.median(ys) < 230
    assert hot[150:220, 170:200].any()
    tracker = FlameTracker()
    regions = [tracker.update(image, i / FPS) for i in range(10)]
    assert regions[-1], "the flame is a candidate region"
    assert all(o.change is None or o.change < 0.05 for o in regions[-1][0].history)
    assert replay(fire_rule(), lambda i: image, 12) == []


def test_kitchen_fire_clip_raises_one_alert_in_the_annotated_window() -> None:
    from vigie.ingest.pyav import PyAVSource, SourceOptions

    path = shared_file("fire_dev/kitchen_sink_fire.mp4")
    source = PyAVSource(str(path), "cam", SourceOptions(analysis_fps=FPS))
    source.open()
    rule, events = fire_rule(), []
    for frame in source:
        events += rule.update(FrameResult(frame, Detections.empty(), ()))
    assert len(events) == 1
    assert 0.0 <= events[0].ts <= 8.0  # flames from 0 s; annotated window 0-17 s


def test_kitchen_fire_through_the_pipeline_with_its_view_guard() -> None:
    """The hand-held kitchen clip is a "moving view" most of the time: fire keeps watching."""
    from vigie.config.loader import parse_config
    from vigie.ingest.pyav import PyAVSource, SourceOptions
    from vigie.runtime.pipeline import CameraPipeline

    path = shared_file("fire_dev/kitchen_sink_fire.mp4")
    site = parse_config("site: {name: t}\ncameras:\n  - id: cam\n    source: {url: x.mp4}\n"
                        "    analytics: [{kind: fire}]\n")
    pipeline = CameraPipeline(site.cameras[0], site, lambda image: Detections.empty())
    source = PyAVSource(str(path), "cam", SourceOptions(analysis_fps=FPS))
    source.open()
    events, moving = [], 0
    for frame in source:
        result, found = pipeline.process(frame)
        events += found
        moving += result.view.moving
    assert moving > 20  # the guard does see a moving view
    assert [e.kind for e in events] == ["fire"]
    assert events[0].ts <= 8.0
