"""abandoned_object: scripted scenes drawn pixel by pixel, and the ABODA clip end to end."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest
from pydantic import ValidationError

from tests.conftest import shared_file
from vigie.core.types import Detections, Event, Frame, FrameResult, Track
from vigie.motion.static import StaticForeground, StaticParams
from vigie.rules.abandoned import AbandonedObject, AbandonedObjectConfig
from vigie.rules.base import CameraContext

W, H, DT = 320, 240, 0.2
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
BAG = (200.0, 150.0, 216.0, 164.0)  # where scripted bags are set down (pixels)
BAG_COLOUR = (35, 30, 30)
PERSON_COLOUR = (60, 50, 150)

Path = Callable[[float], tuple[float, float] | None]  # time -> feet (x, y) in pixels, or away


def _background(seed: int = 1) -> np.ndarray:
    """A smooth, paving-like scene: low-frequency colour blotches."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(90, 170, (6, 8, 3)).astype(np.uint8)
    return cv2.resize(coarse, (W, H), interpolation=cv2.INTER_CUBIC)


def _route(*keys: tuple[float, float, float]) -> Path:
    """Feet position interpolated between (t, x, y) key points; absent outside them."""
    ts = [k[0] for k in keys]

    def at(t: float) -> tuple[float, float] | None:
        if t < ts[0] or t > ts[-1]:
            return None
        return (float(np.interp(t, ts, [k[1] for k in keys])),
                float(np.interp(t, ts, [k[2] for k in keys])))
    return at


@dataclass
class Person:
    """A drawn person (16 x 48 px) and, when ``tracked`` says so, their track."""

    track_id: int
    path: Path
    tracked: Callable[[float], bool] = lambda t: True
    lies_from: float = float("inf")  # then drawn lying (48 x 16 px)

    def box(self, t: float) -> tuple[float, float, float, float] | None:
        feet = self.path(t)
        if feet is None:
            return None
        if t >= self.lies_from:
            return (feet[0] - 24, feet[1] - 16, feet[0] + 24, feet[1])
        return (feet[0] - 8, feet[1] - 48, feet[0] + 8, feet[1])

    def track(self, t: float) -> Track | None:
        box = self.box(t)
        if box is None or not self.tracked(t):
            return None
        past = [(s, feet) for k in range(50, -1, -1)
                if (s := round(t - k * DT, 6)) >= 0 and (feet := self.path(s)) is not None]
        history = tuple((s, x / W, y / H) for s, (x, y) in past)
        recent = [h for h in history if h[0] >= t - 1.0]
        vx = vy = 0.0
        if len(recent) >= 2:
            span = recent[-1][0] - recent[0][0]
            vx, vy = (recent[-1][1] - recent[0][1]) / span, (recent[-1][2] - recent[0][2]) / span
        return Track(self.track_id, "person", box, 0.8, ((box[0] + box[2]) / 2 / W, box[3] / H),
                     first_seen=history[0][0], last_seen=t, history=history, velocity=(vx, vy))


@dataclass
class Scene:
    """Everything drawn on the scripted camera, with noise and light changes."""

    people: list[Person] = field(default_factory=list)
    bags: list[tuple[float, float, tuple[float, float, float, float]]] = field(
        default_factory=list)  # (set down, taken away, box)
    noise: float = 2.0
    gain: Callable[[float], float] = lambda t: 1.0
    extra_tracks: Callable[[float], list[Track]] = lambda t: []
    flicker: Callable[[float], np.ndarray] | None = None  # bag pixels showing the ground
    lamp: float = float("inf")  # from then on, a lamp lights a 60 x 40 patch (+35 %)
    seed: int = 7

    def frames(self, duration: float) -> list[FrameResult]:
        rng = np.random.default_rng(self.seed)
        back = _background().astype(np.float32)
        noise = rng.normal(0, self.noise, (17, H, W, 3)).astype(np.float32)  # cycled
        out = []
        for i in range(round(duration / DT) + 1):
            t = i * DT
            img = back.copy()
            for start, end, (x1, y1, x2, y2) in self.bags:
                if start <= t < end:
                    patch = img[int(y1):int(y2), int(x1):int(x2)]
                    ground = patch.copy()
                    patch[:] = BAG_COLOUR
                    if self.flicker is not None:
                        holes = self.flicker(t)
                        patch[holes] = ground[holes]
            for p in self.people:
                b = p.box(t)
                if b is not None:
                    img[max(int(b[1]), 0):int(b[3]), max(int(b[0]), 0):int(b[2])] = PERSON_COLOUR
            if t >= self.lamp:
                img[40:80, 100:160] *= 1.35
            img = img * self.gain(t) + noise[i % len(noise)]
            frame = Frame("cam", i, t, T0 + timedelta(seconds=t),
                          np.clip(img, 0, 255).astype(np.uint8))
            tracks = [tr for p in self.people if (tr := p.track(t)) is not None]
            out.append(FrameResult(frame, Detections.empty(), (*tracks, *self.extra_tracks(t))))
        return out


def _rule(**kw: object) -> AbandonedObject:
    return AbandonedObject(AbandonedObjectConfig(**kw), CameraContext("cam"))  # type: ignore[arg-type]


def _play(rule: AbandonedObject, frames: Sequence[FrameResult]) -> list[Event]:
    return [e for r in frames for e in rule.update(r)]


def _iou(a: Sequence[float], b: Sequence[float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _owner_leaves(drop: float = 10.0, leave: float = 14.0) -> Person:
    """Walks in from the left, stands beside the bag from ``drop`` to ``leave``, walks off."""
    return Person(1, _route((4.0, 10, 200), (drop, 190, 166), (leave, 190, 166),
                            (leave + 5, 10, 230)))


def test_bag_left_by_its_owner_alerts_once() -> None:
    scene = Scene(people=[_owner_leaves()], bags=[(10.0, 999, BAG)])
    events = _play(_rule(), scene.frames(45))
    assert len(events) == 1
    e = events[0]
    assert e.kind == "abandoned_object"
    assert e.alert
    # still 20 s from the drop (plus the short-term background's ~2 s), owner gone at 14 s
    assert 30.0 <= e.ts <= 34.0
    assert _iou(e.boxes[0], BAG) > 0.5
    assert e.track_ids == (1,)
    assert e.details["owner_track"] == 1
    assert len(e.boxes) == 2  # the object and its owner's last box
    assert e.details["static_s"] >= 20
    assert e.details["unattended_s"] >= 10
    assert "brought by track 1" in e.explanation
    assert "20 s still" in e.explanation
    assert 14.0 <= e.started_at <= 16.0


def test_flickering_object_is_one_incident() -> None:
    """A low-contrast bag: a quarter of its pixels drop under the threshold on every frame,
    and the whole of it for one frame every 2 s (compression glitch): still one alert."""
    rng = np.random.default_rng(3)
    scene = Scene(people=[_owner_leaves()], bags=[(10.0, 999, BAG)],
                  flicker=lambda t: (rng.random((14, 16)) < (1.0 if round(t / DT) % 10 == 0
                                                              else 0.25)))
    events = _play(_rule(), scene.frames(50))
    assert len(events) == 1
    assert events[0].ts <= 36.0


@pytest.mark.parametrize("tracked", [lambda t: True, lambda t: round(t / DT) % 3 != 0],
                         ids=["tracked", "track-flickers"])
def test_person_standing_still_never_alerts(tracked: Callable[[float], bool]) -> None:
    still = Person(3, _route((5.0, 10, 180), (10.0, 180, 180), (70.0, 180, 180)), tracked)
    assert _play(_rule(), Scene(people=[still]).frames(70)) == []


def test_person_lying_still_is_not_an_object() -> None:
    """Someone falls and lies still; the detector stops recognising them (a common miss)."""
    faller = Person(5, _route((4.0, 10, 180), (10.0, 160, 180), (70.0, 160, 180)),
                    tracked=lambda t: t < 10.4, lies_from=10.4)
    assert _play(_rule(), Scene(people=[faller]).frames(70)) == []


@pytest.mark.parametrize("seen", [lambda t: True, lambda t: round(t / DT) % 4 != 0],
                         ids=["detected", "detection-flickers"])
def test_vehicle_waiting_is_explained(seen: Callable[[float], bool]) -> None:
    """A car stopped for a minute (a red light) is no abandoned object, even if its box
    drops out one frame in four."""
    car_box = (60.0, 60.0, 90.0, 80.0)  # small enough to be a plausible object size

    def tracks(t: float) -> list[Track]:
        if t < 6.0 or not seen(t):
            return []
        return [Track(9, "car", car_box, 0.9, (75 / W, 80 / H), 6.0, t)]
    scene = Scene(bags=[(6.0, 999, car_box)], extra_tracks=tracks)
    assert _play(_rule(), scene.frames(60)) == []


def test_removed_object_clears_and_a_new_one_alerts_again() -> None:
    second = (80.0, 120.0, 96.0, 134.0)
    scene = Scene(people=[_owner_leaves()], bags=[(10.0, 40.0, BAG), (50.0, 999, second)])
    rule = _rule()
    frames = scene.frames(85)
    events = _play(rule, frames[:round(42 / DT)])
    assert len(events) == 1
    assert rule._objects == []
    events += _play(rule, frames[round(42 / DT):])
    assert len(events) == 2
    assert events[0].incident_key != events[1].incident_key
    assert _iou(events[1].boxes[0], second) > 0.5
    assert events[1].details["owner_track"] == -1
    assert events[1].track_ids == ()


def test_object_taken_back_before_the_threshold_never_alerts() -> None:
    scene = Scene(people=[_owner_leaves()], bags=[(10.0, 25.0, BAG)])
    assert _play(_rule(), scene.frames(60)) == []


def test_passer_by_does_not_restart_the_clock_but_someone_staying_does() -> None:
    bags = [(10.0, 999, BAG)]
    walker = Person(5, _route((24.0, 10, 170), (32.0, 310, 170)))  # walks past the bag
    events = _play(_rule(), Scene(people=[_owner_leaves(), walker], bags=bags).frames(45))
    assert len(events) == 1
    assert events[0].ts <= 34.0
    stays = Person(6, _route((24.0, 10, 170), (26.0, 180, 166), (40.0, 180, 166),
                             (44.0, 10, 230)))
    late = _play(_rule(), Scene(people=[_owner_leaves(), stays], bags=bags).frames(70))
    assert len(late) == 1
    assert late[0].ts >= 50.0


@pytest.mark.parametrize(("noise", "gain"), [
    (8.0, lambda t: 1.0),                                   # night-time sensor noise
    (2.0, lambda t: 1.0 if t < 20 else 1.3),                # lights switched on
    (2.0, lambda t: 1.0 + 0.15 * np.sin(t / 3)),            # automatic exposure breathing
], ids=["noise", "light-step", "exposure"])
def test_camera_noise_and_light_changes_stay_silent(noise: float,
                                                    gain: Callable[[float], float]) -> None:
    walker = Person(2, _route((5.0, 0, 150), (25.0, 320, 150)))
    assert _play(_rule(), Scene(people=[walker], noise=noise, gain=gain).frames(60)) == []


def test_a_lamp_lighting_part_of_the_scene_stays_silent() -> None:
    """A light patch of 3 % of the view (a lamp, a reflection) keeps the ground's texture."""
    assert _play(_rule(), Scene(lamp=20.0).frames(60)) == []


def test_someone_standing_when_the_camera_starts_leaves_no_ghost() -> None:
    """A person still in view while the background is learnt, untracked, then gone."""
    ghost = Person(4, _route((0.0, 150, 180), (12.0, 150, 180), (16.0, 10, 230)),
                   tracked=lambda t: False)
    assert _play(_rule(), Scene(people=[ghost]).frames(60)) == []


def test_zone_and_recognised_only() -> None:
    scene = Scene(people=[_owner_leaves()], bags=[(10.0, 999, BAG)])
    ctx = CameraContext("cam", zones={"left": ((0, 0), (0.5, 0), (0.5, 1), (0, 1))})
    in_left = AbandonedObject(AbandonedObjectConfig(zone="left"), ctx)
    assert _play(in_left, scene.frames(45)) == []
    strict = _rule(unknown_objects=False)
    assert _play(strict, scene.frames(45)) == []


def test_a_detected_bag_names_the_object() -> None:
    bag = Track(8, "backpack", BAG, 0.55, (208 / W, 164 / H), 11.0, 11.0)
    scene = Scene(people=[_owner_leaves()], bags=[(10.0, 999, BAG)],
                  extra_tracks=lambda t: [bag] if 11.0 <= t <= 13.0 else [])
    events = _play(_rule(unknown_objects=False), scene.frames(45))
    assert len(events) == 1
    assert events[0].details["label"] == "backpack"
    assert "backpack" in events[0].explanation


def test_reset_forgets_everything() -> None:
    frames = Scene(people=[_owner_leaves()], bags=[(10.0, 999, BAG)]).frames(45)
    rule = _rule()
    _play(rule, frames[:round(28 / DT)])
    assert rule._objects
    rule.reset()
    assert rule._objects == []
    assert not rule._static.ready
    assert _play(rule, frames[round(28 / DT):]) == []  # the bag is now part of the scene


def test_config_checks_and_units() -> None:
    with pytest.raises(ValidationError):
        AbandonedObjectConfig(min_area=0.1, max_area=0.05)
    with pytest.raises(ValidationError):
        AbandonedObjectConfig(static_s=0)
    c = AbandonedObjectConfig()
    assert c.classes == ["backpack", "handbag", "suitcase"]
    assert c.zone is None
    assert (c.static_s, c.unattended_s, c.radius_m) == (20.0, 10.0, 3.0)


def test_static_foreground_ignores_a_smeared_background() -> None:
    """People walking through the warm-up leave a smear, which heals instead of alerting."""
    sf = StaticForeground(StaticParams(width=W))
    back = _background()
    for i in range(300):
        t = i * DT
        img = back.copy()
        if t < 8:
            x = int(20 + 30 * t)
            img[100:160, x:x + 20] = PERSON_COLOUR
        sf.update(img, t)
    assert sf.blobs(min_static_s=1.0) == []


def test_aboda_video4_end_to_end(nanodet_models_dir: object) -> None:
    """The real clip through the whole pipeline: one alert, on the bag, in the window."""
    from pathlib import Path as FsPath

    from vigie.config.site import CameraConfig, DetectorConfig, SiteConfig, SiteInfo, SourceConfig
    from vigie.detect.factory import build_detector
    from vigie.runtime.replay import replay

    video = shared_file("abandoned/aboda_video4.avi")
    camera = CameraConfig(id="aboda", source=SourceConfig(url=str(video)),
                          analytics=[AbandonedObjectConfig()])
    site = SiteConfig(site=SiteInfo(name="t"), cameras=[camera],
                      detector=DetectorConfig(models_dir=FsPath(str(nanodet_models_dir))))
    report = replay(site, "aboda", build_detector(site.detector))
    alerts = [a for a in report.alerts if a.kind == "abandoned_object"]
    assert len(alerts) == 1
    assert 19.5 - 2 <= alerts[0].ts <= 39.0 + 2  # eval/abandoned/aboda_video4.yaml
    # the annotated bag (450-505, 368-415) lies in the alert box, which may add its strap
    box = alerts[0].boxes[0]
    bag = (450.0, 368.0, 505.0, 415.0)
    inside = (max(0.0, min(box[2], bag[2]) - max(box[0], bag[0]))
              * max(0.0, min(box[3], bag[3]) - max(box[1], bag[1])))
    assert inside >= 0.7 * (bag[2] - bag[0]) * (bag[3] - bag[1])
    assert (box[2] - box[0]) * (box[3] - box[1]) <= 3 * (bag[2] - bag[0]) * (bag[3] - bag[1])


def test_proximity_and_pace() -> None:
    """Distances: metres on the ground when calibrated, else the person's height as 1.7 m."""
    from vigie.geometry import Homography
    from vigie.rules.unattended import pace, proximity

    obj = (200.0, 150.0, 216.0, 164.0)
    person = (150.0, 116.0, 166.0, 164.0)  # 48 px tall, feet 42 px left of the object
    near = proximity(person, obj, (W, H), radius_m=3.0, relative_radius=0.0, homography=None)
    assert near.near
    assert near.metres == pytest.approx(42 / 48 * 1.7)
    far = proximity((20.0, 116.0, 36.0, 164.0), obj, (W, H), 3.0, 0.0, None)
    assert not far.near  # 172 px = 6.1 m
    # calibrated: 1 normalised unit = 32 m across, 24 m down (10 px per metre)
    h = Homography.from_points([(0, 0), (1, 0), (1, 1), (0, 1)],
                               [(0, 0), (32, 0), (32, 24), (0, 24)])
    cal = proximity(person, obj, (W, H), 3.0, 0.0, h)
    assert cal.metres == pytest.approx(5.0, abs=0.01)  # feet at x=158, object base at x=208
    assert not cal.near
    walker = Person(1, _route((0.0, 10, 150), (10.0, 310, 150)))
    stander = Person(2, _route((0.0, 100, 150), (10.0, 100, 150)))
    walking = pace(walker.track(5.0), (W, H))  # type: ignore[arg-type]
    standing = pace(stander.track(5.0), (W, H))  # type: ignore[arg-type]
    assert walking is not None
    assert walking == pytest.approx(30 / 48, rel=0.01)
    assert standing == 0.0
    assert pace(stander.track(0.0), (W, H)) is None  # type: ignore[arg-type]
