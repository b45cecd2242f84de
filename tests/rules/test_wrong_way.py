"""wrong_way: heading against the allowed direction, distance, jitter, gaps, ID switches."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO, shared_file
from tests.rules.scripted import T0, results, run, walk
from vigie.config import load_config
from vigie.config.site import SiteConfig
from vigie.core.types import Detections, Frame, FrameResult
from vigie.detect.factory import build_detector
from vigie.geometry import Homography
from vigie.rules import CameraContext, WrongWay
from vigie.rules.wrong_way import WrongWayConfig
from vigie.runtime.replay import replay

# Scripted boxes are 20 px high in a 100 x 100 frame: one box height = 0.2 of the frame.
LANE = ((0.0, 0.3), (1.0, 0.3), (1.0, 0.9), (0.0, 0.9))
CAM = CameraContext("cam", zones={"lane": LANE})


def wrong_way(cam: CameraContext = CAM, **kw: object) -> WrongWay:
    kw.setdefault("direction_deg", 0.0)
    return WrongWay(WrongWayConfig(zone="lane", **kw), cam)  # type: ignore[arg-type]


def steps_of(*paths: list) -> list[list]:
    n = max(len(p) for p in paths)
    return [[p[i] for p in paths if i < len(p) and p[i] is not None] for i in range(n)]


def heading_walk(tid: int, heading: float, length: float, n: int,
                 start: tuple[float, float] = (0.5, 0.6)) -> list:
    """n anchors along a heading (degrees, image convention), centred on start."""
    dx, dy = np.cos(np.radians(heading)) * length, np.sin(np.radians(heading)) * length
    return walk(tid, (start[0] - dx / 2, start[1] - dy / 2), (start[0] + dx / 2, start[1] + dy / 2),
                n)


def test_walking_against_the_direction_fires_once_with_the_measures() -> None:
    events = run(wrong_way(), steps_of(walk(1, (0.9, 0.6), (0.1, 0.6), 21)))  # 4 s, 4 boxes
    assert len(events) == 1
    e = events[0]
    assert e.kind == "wrong_way"
    assert e.zone == "lane"
    assert e.track_ids == (1,)
    assert e.incident_key == "wrong_way-lane:1"
    assert e.details["heading_deg"] == pytest.approx(180.0)
    assert e.details["deviation_deg"] == pytest.approx(180.0)
    assert e.details["distance"] >= 1.5
    assert e.ts == pytest.approx(1.6)  # 1.5 box heights at one box height per second
    assert "heading 180°" in e.explanation
    assert "allowed 0° ± 120°" in e.explanation
    assert "box heights" in e.explanation


def test_walking_with_the_direction_raises_nothing() -> None:
    assert run(wrong_way(), steps_of(walk(1, (0.1, 0.6), (0.9, 0.6), 21))) == []


def test_direction_not_set_raises_nothing() -> None:
    rule = WrongWay(WrongWayConfig(zone="lane"), CAM)
    assert run(rule, steps_of(walk(1, (0.9, 0.6), (0.1, 0.6), 21))) == []


@pytest.mark.parametrize(("heading", "fires"), [(105.0, False), (115.0, False), (125.0, True),
                                                (135.0, True), (-115.0, False),
                                                (-125.0, True)],
                         ids=["105", "115", "125", "135", "-115", "-125"])
def test_jittery_walk_near_the_tolerance_edge(heading: float, fires: bool) -> None:
    """The fitted heading of a jittery walk decides, 5 degrees either side of 120."""
    rng = np.random.default_rng(7)
    path = heading_walk(1, heading, 0.5, 21)
    noisy = [(t, x + rng.normal(0, 0.006), y + rng.normal(0, 0.006)) for t, x, y in path]
    assert bool(run(wrong_way(), steps_of(noisy))) is fires


def test_standing_still_with_box_jitter_raises_nothing() -> None:
    rng = np.random.default_rng(3)
    jitter = [(1, 0.5 + rng.normal(0, 0.02), 0.6 + rng.normal(0, 0.02)) for _ in range(100)]
    assert run(wrong_way(), steps_of(jitter)) == []


def test_slow_walker_below_the_distance_raises_nothing() -> None:
    # 0.12 of the frame in 4 s (0.6 box heights per window): against, but too short.
    slow = walk(1, (0.8, 0.6), (0.2, 0.6), 101)  # 20 s, 0.03 per second
    assert run(wrong_way(), steps_of(slow)) == []
    assert len(run(wrong_way(min_distance=0.5), steps_of(slow))) == 1


def test_young_track_waits_for_min_age() -> None:
    events = run(wrong_way(min_track_age_s=2.0), steps_of(walk(1, (0.9, 0.6), (0.1, 0.6), 21)))
    assert [e.ts for e in events] == [pytest.approx(2.0)]


def test_occlusion_gap_with_the_same_id_is_one_incident() -> None:
    before, after = walk(1, (0.9, 0.6), (0.6, 0.6), 5), walk(1, (0.45, 0.6), (0.1, 0.6), 8)
    events = run(wrong_way(), steps_of(before + [None] * 5 + after))
    assert len(events) == 1


def test_id_switch_mid_path_continues_the_incident() -> None:
    first, second = walk(1, (0.9, 0.6), (0.7, 0.6), 5), walk(2, (0.55, 0.6), (0.1, 0.6), 10)
    events = run(wrong_way(), steps_of(first + [None] * 2 + second))
    assert len(events) == 1
    assert events[0].track_ids == (1, 2)
    assert events[0].incident_key == "wrong_way-lane:1"


def test_id_switch_after_the_alert_raises_no_second_alert() -> None:
    first, second = walk(1, (0.95, 0.6), (0.5, 0.6), 10), walk(2, (0.45, 0.6), (0.05, 0.6), 9)
    assert len(run(wrong_way(), steps_of(first + second))) == 1


def test_new_id_appearing_behind_a_vanished_walker_is_no_reversal() -> None:
    # Walking with the flow; the new id's first box lands a little behind the old one.
    first = walk(1, (0.1, 0.6), (0.5, 0.6), 10)
    second = [(2, 0.47, 0.6)] + walk(2, (0.5, 0.6), (0.9, 0.6), 10)
    assert run(wrong_way(), steps_of(first + second)) == []


def test_id_swap_between_two_walkers_stitches_no_fake_reversal() -> None:
    """Two walkers meet; the ids swap; each id's path bends back: no alert for the one going
    the allowed way, one alert in all for the one going against it."""
    right = walk(1, (0.1, 0.6), (0.5, 0.6), 11)
    left = walk(2, (0.9, 0.62), (0.5, 0.62), 11)
    after_right = walk(2, (0.54, 0.6), (0.9, 0.6), 10)   # id 2 now on the right-goer
    after_left = walk(1, (0.46, 0.62), (0.1, 0.62), 10)  # id 1 now on the left-goer
    events = run(wrong_way(cooldown_s=0), steps_of(right + after_left, left + after_right))
    fired_on_right_goer = [e for e in events if e.ts >= 2.0 and 2 in e.track_ids]
    assert fired_on_right_goer == []
    assert 1 <= len(events) <= 2  # the left-goer, under its first id and maybe its second
    assert all(e.details["deviation_deg"] > 150 for e in events)


def test_two_walkers_against_are_two_incidents() -> None:
    events = run(wrong_way(), steps_of(walk(1, (0.9, 0.5), (0.1, 0.5), 21),
                                       walk(2, (0.95, 0.8), (0.2, 0.8), 21)))
    assert sorted(e.incident_key for e in events) == ["wrong_way-lane:1", "wrong_way-lane:2"]


def test_only_the_distance_inside_the_zone_counts() -> None:
    # Against the flow above the lane, then 0.1 inside it: too short a trip in the zone.
    outside_then_in = walk(1, (0.9, 0.1), (0.1, 0.1), 21) + walk(1, (0.1, 0.25), (0.1, 0.4), 4)
    assert run(wrong_way(), steps_of(outside_then_in)) == []


def test_flicker_across_the_zone_border_raises_nothing() -> None:
    flicker = [(1, 0.5, 0.3 + (0.02 if i % 2 else -0.02)) for i in range(60)]
    assert run(wrong_way(direction_deg=90.0), steps_of(flicker)) == []


def test_walking_along_the_border_in_and_out_still_fires() -> None:
    wobble = [(1, 0.9 - 0.04 * i, 0.3 + (0.01 if i % 3 else -0.01)) for i in range(21)]
    assert len(run(wrong_way(), steps_of(wobble))) == 1


def test_whole_frame_when_no_zone() -> None:
    rule = WrongWay(WrongWayConfig(direction_deg=90.0), CameraContext("cam"))
    events = run(rule, steps_of(walk(1, (0.5, 0.9), (0.5, 0.1), 21)))  # walking up
    assert len(events) == 1
    assert events[0].zone is None
    assert "in the frame" in events[0].explanation


@pytest.mark.parametrize(("label", "fires"), [("car", True), ("truck", True),
                                              ("person", True), ("handbag", False)])
def test_default_classes_are_people_and_vehicles(label: str, fires: bool) -> None:
    path = [(t, x, y, label) for t, x, y in walk(1, (0.9, 0.6), (0.1, 0.6), 21)]
    assert bool(run(wrong_way(), steps_of(path))) is fires


def test_schedule_silences_the_rule_outside_its_hours() -> None:
    path = steps_of(walk(1, (0.9, 0.6), (0.1, 0.6), 21))
    night = [{"start": "22:00", "end": "06:00"}]
    assert run(wrong_way(schedule=night), path) == []  # T0 is 12:00 UTC
    assert len(run(wrong_way(schedule=night), path, t0=T0.replace(hour=23))) == 1


def test_reset_forgets_the_paths() -> None:
    rule = wrong_way()
    frames = results(steps_of(walk(1, (0.9, 0.6), (0.1, 0.6), 21)))
    for r in frames[:5]:
        assert rule.update(r) == []
    rule.reset()
    assert [e for r in frames[5:8] for e in rule.update(r)] == []  # 2 samples since reset


# -- calibration ---------------------------------------------------------------------------

# Ground x = 10 m across the image, ground y = 100 m down it: a step down the image is ten
# times longer on the ground than a step across.
STRETCH = Homography.from_points([(0, 0), (1, 0), (1, 1), (0, 1)],
                                 [(0, 0), (10, 0), (10, 100), (0, 100)])
CAM_CAL = CameraContext("cam", zones={"lane": LANE}, homography=STRETCH)


def test_calibrated_distance_is_in_metres() -> None:
    across = steps_of(walk(1, (0.9, 0.6), (0.5, 0.6), 21))  # 4 m, 2 box heights
    assert len(run(wrong_way(), across)) == 1
    assert run(wrong_way(CAM_CAL, min_distance_m=5.0), across) == []
    assert len(run(wrong_way(CAM_CAL, min_distance_m=3.0), across)) == 1
    event = run(wrong_way(CAM_CAL, min_distance_m=3.0), across)[0]
    assert event.details["distance_unit"] == "m"
    assert " m heading" in event.explanation


def test_calibrated_headings_are_compared_on_the_ground() -> None:
    # Allowed 45 degrees on screen is 84 degrees on this ground; a walk at 170 degrees on
    # screen deviates 125 degrees on screen but only 35 degrees on the ground.
    steps = steps_of(heading_walk(1, 170.0, 0.5, 21))
    assert len(run(wrong_way(direction_deg=45.0), steps)) == 1
    assert run(wrong_way(CAM_CAL, direction_deg=45.0), steps) == []


# -- motion mode ---------------------------------------------------------------------------

def motion_results(boxes: list[list[tuple[float, float, float, float]]],
                   dt: float = 0.2) -> list[FrameResult]:
    image = np.zeros((100, 100, 3), np.uint8)
    t0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    return [FrameResult(Frame("cam", i, i * dt, t0 + timedelta(seconds=i * dt), image),
                        Detections.empty(), (), np.array(b, np.float32).reshape(-1, 4))
            for i, b in enumerate(boxes)]


def test_motion_mode_follows_moving_regions_without_detections() -> None:
    car = [[(85 - 4 * i, 50, 95 - 4 * i, 58)] for i in range(20)]  # leftwards, 8 px high
    rule = wrong_way(follow="motion")
    events = [e for r in motion_results(car) for e in rule.update(r)]
    assert len(events) == 1
    assert events[0].details["label"] == "motion"
    objects_rule = wrong_way()
    assert [e for r in motion_results(car) for e in objects_rule.update(r)] == []


# -- real footage --------------------------------------------------------------------------

def eval_site(tmp_path: Path, folder: str, video: Path, models_dir: Path) -> SiteConfig:
    """The evaluation site of eval/<folder>, on ``video``, with the test models."""
    text = (REPO / "eval" / folder / "site.yaml").read_text(encoding="utf-8")
    text = re.sub(r"url: \.\./\.\./\.\./shared/data/\S+}", f"url: {video}}}", text)
    path = tmp_path / "site.yaml"
    path.write_text(text + f"detector: {{models_dir: {models_dir}}}\n", encoding="utf-8")
    return load_config(path)


@pytest.mark.slow
def test_road_clip_every_car_against_the_reversed_lanes(nanodet_models_dir: Path,
                                                        tmp_path: Path) -> None:
    """Lower lanes declared right to left: each of the five cars is one alert, once it has
    driven 1.5 box heights; the upper lanes (true direction) stay silent."""
    video = shared_file("traffic/road_lanes.avi")
    site = eval_site(tmp_path, "road", video, nanodet_models_dir)
    report = replay(site, "road", build_detector(site.detector))
    alerts = [e for e in report.alerts if e.kind == "wrong_way"]
    assert {e.rule_id for e in alerts} == {"lower-wrong-way"}
    entered = [2.0, 3.5, 4.0, 6.5, 9.7]  # by eye, eval/road/road_lanes.yaml
    assert len(alerts) == len(entered)
    for e, t in zip(sorted(alerts, key=lambda e: e.ts), entered, strict=True):
        assert t < e.ts <= t + 2.0
        assert e.details["deviation_deg"] > 150


@pytest.mark.slow
def test_pets09_first_20_s_one_walker_against_the_path(vtest_head: Path,
                                                       nanodet_models_dir: Path,
                                                       tmp_path: Path) -> None:
    """Path declared one-way eastbound: in the first 20 s one man walks west through the
    zone from 15 s (the next one starts at 17 s and is reported at about 21 s)."""
    site = eval_site(tmp_path, "pets09", vtest_head, nanodet_models_dir)
    report = replay(site, "pets-campus", build_detector(site.detector))
    alerts = [e for e in report.alerts if e.kind == "wrong_way"]
    assert len(alerts) == 1
    assert 15.0 < alerts[0].ts < 20.0
    assert 150 < alerts[0].details["heading_deg"] < 210
