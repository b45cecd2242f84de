"""zone_intrusion and loitering: dwell, inertia, ID switches, borders, schedules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.rules.scripted import run, walk
from vigie.rules import CameraContext, Loitering, ZoneIntrusion
from vigie.rules.configs import LoiteringConfig, ZoneIntrusionConfig

SQUARE = ((0.4, 0.4), (0.6, 0.4), (0.6, 0.6), (0.4, 0.6))
CAM = CameraContext("cam", zones={"yard": SQUARE})


def intrusion(**kw: object) -> ZoneIntrusion:
    return ZoneIntrusion(ZoneIntrusionConfig(zone="yard", **kw), CAM)  # type: ignore[arg-type]


def stay(tid: int, n: int, x: float = 0.5, y: float = 0.5) -> list[list]:
    return [[(tid, x, y)] for _ in range(n)]


def test_short_visit_raises_nothing() -> None:
    assert run(intrusion(min_dwell_s=2.0), stay(1, 5)) == []  # 0.8 s inside


def test_long_stay_raises_exactly_one_event_with_explanation() -> None:
    events = run(intrusion(min_dwell_s=1.0), stay(1, 50))
    assert len(events) == 1
    e = events[0]
    assert e.kind == "zone_intrusion"
    assert e.zone == "yard"
    assert e.track_ids == (1,)
    assert e.ts == pytest.approx(1.0)
    assert e.started_at == 0.0
    assert "forbidden zone 'yard'" in e.explanation


def test_flicker_out_of_the_zone_within_grace_keeps_one_incident() -> None:
    steps = stay(1, 4) + [[(1, 0.65, 0.5)]] * 2 + stay(1, 4) + [[]] * 3 + stay(1, 20)
    assert len(run(intrusion(min_dwell_s=1.0, exit_grace_s=1.0), steps)) == 1


def test_leaving_longer_than_grace_starts_a_new_incident() -> None:
    steps = stay(1, 10) + [[]] * 15 + stay(1, 10)
    assert len(run(intrusion(min_dwell_s=1.0, exit_grace_s=1.0), steps)) == 2


def test_id_switch_inside_the_zone_is_one_incident() -> None:
    steps = stay(1, 8) + [[]] + stay(2, 20, x=0.51)
    events = run(intrusion(min_dwell_s=1.0), steps)
    assert len(events) == 1
    assert events[0].track_ids == (1,)


def test_two_people_are_two_incidents() -> None:
    steps = [[(1, 0.45, 0.5), (2, 0.55, 0.45)] for _ in range(10)]
    assert sorted(e.track_ids for e in run(intrusion(min_dwell_s=1.0), steps)) == [(1,), (2,)]


@pytest.mark.parametrize(("x", "inside"), [(0.4, True), (0.6, True), (0.3999, False),
                                           (0.6001, False)],
                         ids=["left-border", "right-border", "just-left", "just-right"])
def test_border_points(x: float, inside: bool) -> None:
    assert bool(run(intrusion(min_dwell_s=0.0), stay(1, 2, x=x))) is inside


def test_walking_through_quickly_raises_nothing() -> None:
    steps = [[p] for p in walk(1, (0.1, 0.5), (0.9, 0.5), 12)]
    assert run(intrusion(min_dwell_s=1.0), steps) == []


def test_vehicle_filter() -> None:
    steps = [[(1, 0.5, 0.5, "car"), (2, 0.45, 0.45, "person")] for _ in range(10)]
    events = run(intrusion(min_dwell_s=0.5, classes=["vehicle"]), steps)
    assert [e.details["label"] for e in events] == ["car"]


@pytest.mark.parametrize(("hour", "fires"), [(23, True), (3, True), (12, False)],
                         ids=["late-evening", "night", "midday"])
def test_schedule_across_midnight(hour: int, fires: bool) -> None:
    rule = intrusion(min_dwell_s=0.5, schedule=[{"start": "22:00", "end": "06:00"}])
    t0 = datetime(2026, 11, 23, hour, 0, tzinfo=UTC)  # camera context time zone is UTC
    assert bool(run(rule, stay(1, 10), t0=t0)) is fires


def test_loitering_fires_at_dwell_threshold() -> None:
    rule = Loitering(LoiteringConfig(zone="yard", dwell_s=5.0), CAM)
    events = run(rule, stay(1, 40))
    assert len(events) == 1
    assert events[0].ts == pytest.approx(5.0)
    assert events[0].details["dwell_s"] == pytest.approx(5.0)


def test_loitering_dwell_survives_an_id_switch() -> None:
    rule = Loitering(LoiteringConfig(zone="yard", dwell_s=5.0), CAM)
    events = run(rule, stay(1, 15) + stay(7, 15, x=0.52))
    assert len(events) == 1
    assert events[0].started_at == 0.0
    assert events[0].track_ids == (1, 7)
