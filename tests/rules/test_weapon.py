"""Weapon: k of n detector runs, score threshold, held-by-person severity, id switches."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from pydantic import ValidationError

from vigie.core.types import Detections, Event, Frame, FrameResult, Track
from vigie.rules import CameraContext
from vigie.rules.weapon import Weapon, WeaponConfig, held_by_person

W, H = 640, 480
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
_IMAGE = np.zeros((H, W, 3), np.uint8)
KNIFE_BOX = (400.0, 200.0, 430.0, 215.0)
PERSON_BOX = (300.0, 100.0, 380.0, 400.0)  # the knife is 20 px right of it: within reach
FAR_PERSON = (20.0, 100.0, 100.0, 400.0)

# One step: (detector ran?, tracks as (id, label, box, score, matched now?)).
Obj = tuple[int, str, tuple[float, float, float, float], float, bool]


def knife(tid: int = 9, score: float = 0.6, box: tuple[float, ...] = KNIFE_BOX,
          matched: bool = True, label: str = "knife") -> Obj:
    return tid, label, box, score, matched  # type: ignore[return-value]


def person(box: tuple[float, float, float, float] = PERSON_BOX, tid: int = 1) -> Obj:
    return tid, "person", box, 0.9, True


def replay(rule: Weapon, steps: Sequence[tuple[bool, Sequence[Obj]]],
           dt: float = 0.2) -> list[Event]:
    events: list[Event] = []
    for i, (detected, objs) in enumerate(steps):
        ts = i * dt
        tracks = tuple(
            Track(tid, label, box, score, ((box[0] + box[2]) / 2 / W, box[3] / H),
                  first_seen=0.0, last_seen=ts if matched else ts - dt)
            for tid, label, box, score, matched in objs)
        frame = Frame("cam", i, ts, T0 + timedelta(seconds=ts), _IMAGE)
        events += rule.update(FrameResult(frame, Detections.empty(), tracks, detected=detected))
    return events


def weapon(**kw: object) -> Weapon:
    camera = kw.pop("camera", CameraContext("cam"))
    return Weapon(WeaponConfig(**kw), camera)  # type: ignore[arg-type]


def test_knife_seen_three_of_five_runs_alerts_once() -> None:
    steps = [(True, [knife()]), (True, []), (True, [knife()]), (True, []), (True, [knife()]),
             (True, [knife()]), (True, [knife()])]
    events = replay(weapon(), steps)
    assert len(events) == 1
    event = events[0]
    assert event.kind == "weapon"
    assert event.ts == pytest.approx(0.8)  # the third sighting
    assert event.details["severity"] == "presence"
    assert event.details["sightings"] == 3
    assert event.boxes == (KNIFE_BOX,)
    assert "3 of the last 5" in event.explanation


def test_sparse_sightings_do_not_reach_k_of_n() -> None:
    steps = [(True, [knife()]), (True, []), (True, []), (True, [knife()]), (True, []),
             (True, []), (True, [knife()]), (True, []), (True, [])]
    assert replay(weapon(), steps) == []


def test_low_scores_are_ignored() -> None:
    assert replay(weapon(), [(True, [knife(score=0.3)])] * 10) == []
    assert len(replay(weapon(min_score=0.25), [(True, [knife(score=0.3)])] * 10)) == 1


def test_frames_without_detection_neither_count_nor_miss() -> None:
    """Coasting tracks on gated frames are no sightings, and the run count waits."""
    steps = [(True, [knife()]), (False, [knife(matched=False)]), (False, []),
             (True, [knife()]), (False, [knife(matched=False)]), (True, [knife()])]
    events = replay(weapon(), steps)
    assert len(events) == 1
    assert events[0].details["runs"] == 3


def test_coasting_track_on_a_detector_run_is_a_miss() -> None:
    steps = [(True, [knife()]), (True, [knife(matched=False)]), (True, [knife(matched=False)]),
             (True, [knife(matched=False)]), (True, [knife(matched=False)]), (True, [knife()])]
    assert replay(weapon(), steps) == []


def test_knife_next_to_a_person_is_use() -> None:
    steps = [(True, [knife(), person(), person(FAR_PERSON, 2)])] * 3
    events = replay(weapon(), steps)
    assert len(events) == 1
    assert events[0].details["severity"] == "use"
    assert "held by a person" in events[0].explanation


def test_knife_far_from_people_is_presence() -> None:
    events = replay(weapon(), [(True, [knife(), person(FAR_PERSON, 2)])] * 3)
    assert events[0].details["severity"] == "presence"
    assert replay(weapon(reach=0.0), [(True, [knife(), person()])] * 3)[0] \
        .details["severity"] == "presence"  # without reach the 20 px gap is not "held"


def test_id_switch_keeps_adding_to_the_same_spot() -> None:
    moved = (405.0, 205.0, 435.0, 220.0)
    steps = [(True, [knife(9)]), (True, [knife(10, box=moved)]), (True, [knife(11)])]
    events = replay(weapon(), steps)
    assert len(events) == 1
    assert events[0].track_ids == (9, 10, 11)


def test_two_knives_apart_are_two_incidents() -> None:
    other = (50.0, 400.0, 80.0, 415.0)
    events = replay(weapon(), [(True, [knife(1), knife(2, box=other)])] * 4)
    assert len(events) == 2
    assert events[0].incident_key != events[1].incident_key


def test_other_labels_are_not_weapons_and_custom_classes_are() -> None:
    assert replay(weapon(), [(True, [knife(label="cell phone")])] * 5) == []
    events = replay(weapon(), [(True, [knife(label="pistol")])] * 3)
    assert events[0].details["label"] == "pistol"


def test_zone_limits_where_weapons_count() -> None:
    left = CameraContext("cam", zones={"left": ((0, 0), (0.5, 0), (0.5, 1), (0, 1))})
    assert replay(weapon(camera=left, zone="left"), [(True, [knife()])] * 5) == []
    right = CameraContext("cam", zones={"right": ((0.5, 0), (1, 0), (1, 1), (0.5, 1))})
    assert len(replay(weapon(camera=right, zone="right"), [(True, [knife()])] * 5)) == 1


def test_reset_forgets_sightings() -> None:
    rule = weapon()
    replay(rule, [(True, [knife()])] * 2)
    rule.reset()
    assert replay(rule, [(True, [knife()])]) == []


def test_spot_forgotten_after_the_gap_starts_again() -> None:
    steps = [(True, [knife()])] * 2 + [(True, [])] * 20 + [(True, [knife()])]
    assert replay(weapon(k=3, n=30), steps) == []


def test_k_larger_than_n_is_refused() -> None:
    with pytest.raises(ValidationError, match="must not exceed"):
        WeaponConfig(k=6, n=5)


@pytest.mark.parametrize(("box", "expected"), [
    pytest.param((340.0, 200.0, 360.0, 210.0), True, id="inside"),
    pytest.param((390.0, 200.0, 410.0, 210.0), True, id="within-reach"),
    pytest.param((420.0, 200.0, 440.0, 210.0), False, id="beyond-reach"),
    pytest.param((340.0, 420.0, 360.0, 440.0), False, id="below-feet"),
])
def test_held_by_person(box: tuple[float, float, float, float], expected: bool) -> None:
    assert held_by_person(box, [PERSON_BOX], reach=0.25) is expected
