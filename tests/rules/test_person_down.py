"""person_down: falls vs bending, sitting, walking out of view; lost detections; ID switches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from tests.conftest import shared_file
from vigie.core.types import Detections, Frame, FrameResult, Track
from vigie.detect.provider import ModelProvider
from vigie.rules import CameraContext, PersonDown
from vigie.rules.falls import FallParams, FallTracker
from vigie.rules.person_down import PersonDownConfig
from vigie.rules.posture import (
    Box,
    Posture,
    Sighting,
    measure_posture,
    pose_sightings,
    square_window,
)

SIZE = (640, 480)
DT = 0.2
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
UPRIGHT = Posture(torso_deg=3.0, axis_deg=2.0, legs_upright=True, points=17)
LYING = Posture(torso_deg=88.0, axis_deg=85.0, legs_upright=False, points=15)
BENT = Posture(torso_deg=80.0, axis_deg=40.0, legs_upright=True, points=17)
STAND = (300.0, 100.0, 350.0, 300.0)    # 200 px tall standing person
DOWN = (250.0, 250.0, 400.0, 305.0)     # the same person lying at their feet


def seen(ts: float, box: Box, posture: Posture | None = UPRIGHT, tid: int | None = None,
         ) -> Sighting:
    return Sighting(ts, box, 0.8, posture, tid, SIZE)


def timeline(*phases: tuple[int, Box, Posture | None]) -> list[list[Sighting]]:
    """Frames every 0.2 s: each phase is (frames, box, posture)."""
    frames: list[list[Sighting]] = []
    for n, box, posture in phases:
        frames += [[seen(len(frames) * DT + i * DT, box, posture)] for i in range(n)]
    return frames


def feed(tracker: FallTracker, frames: list[list[Sighting]],
         images: list[npt.NDArray[np.uint8]] | None = None) -> list[tuple[float, int]]:
    """Run a tracker; return (time, subject key) of each alert."""
    fired = []
    for i, sightings in enumerate(frames):
        ts = i * DT
        tracker.scene.add(ts, images[i] if images else BACKGROUND)
        fired += [(ts, s.key) for s in tracker.update(sightings, ts)]
    return fired


def noisy_background(seed: int = 0) -> npt.NDArray[np.uint8]:
    rng = np.random.default_rng(seed)
    base = rng.integers(60, 120, (SIZE[1] // 8, SIZE[0] // 8, 3), dtype=np.uint8)
    return np.repeat(np.repeat(base, 8, axis=0), 8, axis=1)


BACKGROUND = noisy_background()


def with_blob(box: Box, value: int = 230) -> npt.NDArray[np.uint8]:
    image = BACKGROUND.copy()
    x1, y1, x2, y2 = (int(v) for v in box)
    image[y1:y2, x1:x2] = value
    return image


# --- the fall logic on scripted sightings -------------------------------------------------

def test_a_fall_then_lying_raises_one_alert_after_min_down() -> None:
    fired = feed(FallTracker(FallParams()), timeline((10, STAND, UPRIGHT), (20, DOWN, LYING)))
    assert len(fired) == 1
    assert fired[0][0] == pytest.approx(3.0)  # first seen down at 2.0 s, min_down_s 1.0


def test_getting_up_before_min_down_raises_nothing() -> None:
    frames = timeline((10, STAND, UPRIGHT), (4, DOWN, LYING), (10, STAND, UPRIGHT))
    assert feed(FallTracker(FallParams()), frames) == []


def test_a_second_fall_after_getting_up_is_a_new_incident() -> None:
    frames = timeline((10, STAND, UPRIGHT), (8, DOWN, LYING), (10, STAND, UPRIGHT),
                      (8, DOWN, LYING))
    fired = feed(FallTracker(FallParams()), frames)
    assert len(fired) == 2


def test_bending_over_with_legs_upright_is_not_a_fall() -> None:
    bent = (295.0, 210.0, 365.0, 300.0)  # top drops 0.55 heights, feet in place
    assert feed(FallTracker(FallParams()), timeline((10, STAND, UPRIGHT),
                                                    (20, bent, BENT))) == []


@pytest.mark.parametrize("top", [150.0, 180.0], ids=["bench", "squat"])
def test_sitting_or_squatting_is_not_a_fall(top: float) -> None:
    low = (295.0, top, 360.0, 300.0)
    sitting = Posture(torso_deg=15.0, axis_deg=35.0, legs_upright=False, points=17)
    assert feed(FallTracker(FallParams()), timeline((10, STAND, UPRIGHT),
                                                    (30, low, sitting))) == []


def test_sitting_down_on_the_ground_is_not_a_fall() -> None:
    # Quick, but the torso stays upright in a narrow box, the head at about half height
    # (a seated adult is about 0.52 of their standing height: the top drops 0.48-0.55).
    on_floor = (295.0, 208.0, 370.0, 300.0)
    sitting = Posture(torso_deg=10.0, axis_deg=20.0, legs_upright=False, points=15)
    assert feed(FallTracker(FallParams(unseen_down_s=None)),
                timeline((10, STAND, UPRIGHT), (30, on_floor, sitting))) == []


def test_lying_down_slowly_is_not_a_seen_fall() -> None:
    # The top of the body goes down by 0.75 heights over 4 s: slower than min_fall_speed.
    frames = timeline((10, STAND, UPRIGHT))
    kneeling = Posture(torso_deg=50.0, axis_deg=40.0, legs_upright=False, points=15)
    for i in range(20):
        top = 100 + 150 * (i + 1) / 20
        frames.append([seen(len(frames) * DT, (290.0, top, 360.0, 300.0), kneeling)])
    frames += [[seen(len(frames) * DT + i * DT, DOWN, LYING)] for i in range(10)]
    assert feed(FallTracker(FallParams(unseen_down_s=None)), frames) == []


def test_flickering_detections_still_raise_one_alert() -> None:
    frames = timeline((10, STAND, UPRIGHT), (20, DOWN, LYING))
    flicker = [f if i < 10 or i % 2 else [] for i, f in enumerate(frames)]
    fired = feed(FallTracker(FallParams()), flicker)
    assert len(fired) == 1


def test_camera_noise_on_a_standing_person_raises_nothing() -> None:
    rng = np.random.default_rng(3)
    frames = []
    for i in range(100):
        jitter = rng.normal(0, 6, 4)
        box = tuple(float(v) for v in np.add(STAND, jitter))
        frames.append([seen(i * DT, box, UPRIGHT if i % 7 else None)])  # type: ignore[arg-type]
    assert feed(FallTracker(FallParams()), frames) == []


def test_an_id_switch_at_the_fall_keeps_one_incident() -> None:
    frames = [[seen(i * DT, STAND, UPRIGHT, tid=1)] for i in range(10)]
    frames += [[seen((10 + i) * DT, DOWN, LYING, tid=7 if i < 10 else 9)] for i in range(30)]
    fired = feed(FallTracker(FallParams()), frames)
    assert len(fired) == 1


def test_the_same_person_found_again_raises_no_second_alert() -> None:
    tracker = FallTracker(FallParams(unseen_down_s=3.0, hold_s=0.0))
    frames = timeline((10, STAND, UPRIGHT), (10, DOWN, LYING))
    frames += [[] for _ in range(25)]                      # lost 5 s: the subject expires
    frames += [[seen((len(frames) + i) * DT, DOWN, LYING)] for i in range(40)]  # found again
    fired = feed(tracker, frames)
    assert len(fired) == 1
    assert len({key for _, key in fired} | {s.key for s in tracker.subjects}) == 2


def test_a_lying_person_lost_by_the_detectors_is_kept_by_the_scene() -> None:
    frames = timeline((10, STAND, UPRIGHT), (1, DOWN, LYING)) + [[] for _ in range(15)]
    images = [with_blob(STAND)] * 10 + [with_blob(DOWN)] * 16
    fired = feed(FallTracker(FallParams()), frames, images)
    assert [round(t, 1) for t, _ in fired] == [3.0]


def test_a_person_who_drops_out_of_view_and_leaves_raises_nothing() -> None:
    # Walking out at the bottom of the frame: the box is cut and its top drops fast, then the
    # place is empty again.
    exit_box = (300.0, 400.0, 360.0, 480.0)
    frames = timeline((10, (300.0, 250.0, 350.0, 450.0), UPRIGHT), (2, exit_box, LYING))
    frames += [[] for _ in range(20)]
    images = [with_blob((300, 250, 350, 450))] * 10 + [with_blob(exit_box)] * 2 + \
        [BACKGROUND] * 20
    assert feed(FallTracker(FallParams()), frames, images) == []


def test_someone_found_lying_alerts_only_after_unseen_down_s() -> None:
    frames = timeline((120, DOWN, LYING))
    fired = feed(FallTracker(FallParams(unseen_down_s=15.0)), frames)
    assert [round(t, 1) for t, _ in fired] == [15.0]
    assert feed(FallTracker(FallParams(unseen_down_s=None)), frames) == []


def test_a_lying_shape_cut_by_the_border_is_not_an_unseen_fall() -> None:
    cut = (0.0, 300.0, 200.0, 380.0)
    assert feed(FallTracker(FallParams(unseen_down_s=2.0)), timeline((40, cut, LYING))) == []


def test_reset_forgets_the_standing_history() -> None:
    tracker = FallTracker(FallParams(unseen_down_s=None))
    feed(tracker, timeline((10, STAND, UPRIGHT)))
    tracker.reset()
    assert tracker.subjects == []
    assert feed(tracker, timeline((20, DOWN, LYING))) == []


# --- posture -------------------------------------------------------------------------------

def skeleton(points: dict[int, tuple[float, float]]) -> npt.NDArray[np.float32]:
    kp = np.zeros((17, 3), np.float32)
    for i, (x, y) in points.items():
        kp[i] = (x, y, 0.9)
    return kp


STANDING_KP = {0: (50, 10), 5: (42, 30), 6: (58, 30), 11: (45, 60), 12: (55, 60),
               13: (45, 80), 14: (55, 80), 15: (45, 100), 16: (55, 100)}


def test_posture_of_a_standing_skeleton() -> None:
    p = measure_posture(skeleton(STANDING_KP))
    assert p is not None
    assert p.torso_deg == pytest.approx(0.0, abs=1)
    assert p.axis_deg is not None
    assert p.axis_deg < 5
    assert p.legs_upright


def test_posture_of_a_skeleton_lying_across_the_view() -> None:
    lying = {i: (y, 100 - x) for i, (x, y) in STANDING_KP.items()}  # rotated 90 degrees
    p = measure_posture(skeleton(lying))
    assert p is not None
    assert p.torso_deg == pytest.approx(90, abs=2)
    assert not p.legs_upright


def test_posture_head_towards_the_camera_reads_past_90_degrees() -> None:
    upside_down = {i: (x, 110 - y) for i, (x, y) in STANDING_KP.items()}
    p = measure_posture(skeleton(upside_down))
    assert p is not None
    assert p.torso_deg is not None
    assert p.torso_deg > 150


def test_too_few_keypoints_give_no_posture() -> None:
    assert measure_posture(skeleton({0: (1, 1), 5: (2, 2), 6: (3, 3)})) is None


def test_square_window_stays_in_the_frame() -> None:
    assert square_window((600, 400, 640, 480), (640, 480)) == (520, 360, 640, 480)
    x1, y1, x2, y2 = square_window((100, 100, 120, 200), (640, 480))
    assert x2 - x1 == y2 - y1 == 150


class ScriptedPose:
    """Returns the same person (in window coordinates) in whatever it is shown."""

    def __init__(self, boxes: list[Box], keypoints: npt.NDArray[np.float32] | None = None):
        self.boxes = boxes
        self.keypoints = keypoints if keypoints is not None else skeleton(STANDING_KP)
        self.shapes: list[tuple[int, ...]] = []

    def detect(self, image: npt.NDArray[np.uint8]) -> Detections:
        self.shapes.append(image.shape)
        d = Detections.from_arrays(self.boxes, [0.6] * len(self.boxes), [0] * len(self.boxes))
        d.data["keypoints"] = np.repeat(self.keypoints[None], len(self.boxes), axis=0)
        return d


def test_pose_sightings_are_moved_back_to_frame_coordinates() -> None:
    model = ScriptedPose([(10, 20, 60, 120)])
    image = np.zeros((480, 640, 3), np.uint8)
    [found] = pose_sightings(model, image, [(100, 50, 300, 250)], ts=1.0, min_score=0.2)
    assert found[0].box == (110, 70, 160, 170)
    assert found[0].posture is not None
    assert found[0].posture.legs_upright
    assert model.shapes == [(200, 200, 3)]


# --- the rule on frames ----------------------------------------------------------------------

class FakeModels(ModelProvider):
    """A provider whose pose model is scripted."""

    def __init__(self, pose: ScriptedPose) -> None:
        super().__init__(None)
        self._scripted = pose

    def pose(self) -> ScriptedPose:  # type: ignore[override]
        return self._scripted


def frame_result(i: int, tracks: list[Track], image: npt.NDArray[np.uint8] = BACKGROUND,
                 ) -> FrameResult:
    ts = i * DT
    frame = Frame("cam", i, ts, T0 + timedelta(seconds=ts), image.copy())
    return FrameResult(frame, Detections.empty(), tuple(tracks))


def track(tid: int, box: Box, ts: float, label: str = "person") -> Track:
    return Track(tid, label, box, 0.8, ((box[0] + box[2]) / 2 / SIZE[0], box[3] / SIZE[1]),
                 0.0, ts)


def rule(zone: tuple[tuple[float, float], ...] | None = None, **kw: object) -> PersonDown:
    zones = {"yard": zone} if zone else {}
    cfg = PersonDownConfig(zone="yard" if zone else None, scan_interval_s=0,
                           **kw)  # type: ignore[arg-type]
    return PersonDown(cfg, CameraContext("cam", zones=zones, models=FakeModels(ScriptedPose([]))))


def fall_frames(label: str = "person") -> list[FrameResult]:
    """A tracked person stands 2 s, falls (the tracker gives a new id), lies 4 s."""
    out = [frame_result(i, [track(1, STAND, i * DT, label)], with_blob(STAND)) for i in range(10)]
    out += [frame_result(i, [track(2, DOWN, i * DT, label)], with_blob(DOWN))
            for i in range(10, 30)]
    return out


def test_rule_alerts_once_with_box_key_and_explanation() -> None:
    r = rule()
    events = [e for f in fall_frames() for e in r.update(f)]
    assert len(events) == 1
    e = events[0]
    assert e.kind == "person_down"
    assert e.ts == pytest.approx(3.0)
    assert e.boxes == (DOWN,)
    assert e.track_ids == (1, 2)
    assert e.incident_key.startswith("person_down:")
    assert "dropped" in e.explanation
    assert "heights/s" in e.explanation
    assert e.details["seen_fall"] == 1
    assert 0.5 <= e.confidence <= 0.95


def test_rule_ignores_vehicles_and_falls_outside_its_zone() -> None:
    assert [e for f in fall_frames("car") for e in rule().update(f)] == []
    top_left = ((0.0, 0.0), (0.3, 0.0), (0.3, 0.3), (0.0, 0.3))
    assert [e for f in fall_frames() for e in rule(zone=top_left).update(f)] == []


def test_rule_needs_the_pose_model() -> None:
    with pytest.raises(ValueError, match="secondary models"):
        PersonDown(PersonDownConfig(), CameraContext("cam"))


def test_rule_reset_forgets_a_fall_in_progress() -> None:
    r = rule(unseen_down_s=None)
    frames = fall_frames()
    for f in frames[:12]:
        r.update(f)
    r.reset()
    assert [e for f in frames[12:] for e in r.update(f)] == []


def test_rule_scans_the_zone_for_people_the_detector_missed() -> None:
    model = ScriptedPose([(10, 10, 60, 210)])
    zone = ((0.25, 0.0), (0.75, 0.0), (0.75, 1.0), (0.25, 1.0))
    r = PersonDown(PersonDownConfig(zone="yard"),
                   CameraContext("cam", zones={"yard": zone}, models=FakeModels(model)))
    r.update(frame_result(0, []))
    assert model.shapes == [(480, 320, 3)]  # the zone's bounding box, not the whole frame
    [subject] = r._falls.subjects
    assert subject.last.box == (170, 10, 220, 210)


# --- real footage --------------------------------------------------------------------------

def replay_clip(clip: str, models_dir: Path, zone: list[list[float]] | None = None,
                ) -> list[tuple[float, tuple[float, ...]]]:
    from vigie.config.site import SiteConfig
    from vigie.detect.factory import build_detector
    from vigie.runtime.replay import replay

    video = shared_file(clip)
    camera = {"id": "cam", "source": {"url": str(video), "realtime": False},
              "analytics": [{"kind": "person_down", **({"zone": "floor"} if zone else {})}],
              "zones": [{"name": "floor", "points": zone}] if zone else []}
    site = SiteConfig.model_validate({"version": 1, "site": {"name": "t"}, "cameras": [camera],
                                      "detector": {"models_dir": str(models_dir)}})
    report = replay(site, "cam", build_detector(site.detector), models=ModelProvider(models_dir))
    return [(e.ts, e.boxes[0]) for e in report.alerts if e.kind == "person_down"]


@pytest.mark.slow
def test_urfall_fall01_raises_one_alert_on_the_lying_person(nanodet_models_dir: Path) -> None:
    # RGB half only (x >= 320 of 640); labels: lying from frame 113 (3.77 s) to 160 (5.33 s).
    alerts = replay_clip("urfall/fall-01-cam0.mp4", nanodet_models_dir,
                         zone=[[0.5, 0.0], [1.0, 0.0], [1.0, 1.0], [0.5, 1.0]])
    assert len(alerts) == 1
    t, (x1, y1, x2, y2) = alerts[0]
    assert 113 / 30 <= t <= 160 / 30  # lying from frame 113 to the end
    assert 400 <= (x1 + x2) / 2 <= 560
    assert (y1 + y2) / 2 >= 150


@pytest.mark.slow
def test_phone_fall02_raises_one_alert_on_the_lying_person(nanodet_models_dir: Path) -> None:
    # By eye: falls from 3.9 s, on the floor (left half, y 460-570 px) from 4.6 s to the end.
    alerts = replay_clip("falls_phone/Fall02.mp4", nanodet_models_dir)
    assert len(alerts) == 1
    t, (x1, y1, x2, y2) = alerts[0]
    assert 4.5 <= t <= 7.0
    assert (x1 + x2) / 2 < 200
    assert 440 <= (y1 + y2) / 2 <= 600


@pytest.mark.slow
def test_a_street_with_walkers_raises_nothing(nanodet_models_dir: Path) -> None:
    assert replay_clip("tracking/TUD-Campus/TUD-Campus.mp4", nanodet_models_dir) == []
