"""Tripwire: counts per direction, hysteresis, ID switches, segment extent."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.rules.scripted import run, walk
from vigie.rules import CameraContext, Tripwire
from vigie.rules.configs import TripwireConfig

# A vertical line at x=0.5 from top (0.5, 0.2) to bottom (0.5, 0.8): walking down the
# screen, the right-hand side is x < 0.5, so moving left-to-right is "in".
CAM = CameraContext("cam", lines={"gate": ((0.5, 0.2), (0.5, 0.8))})


def tripwire(**kw: object) -> Tripwire:
    return Tripwire(TripwireConfig(line="gate", **kw), CAM)  # type: ignore[arg-type]


def steps_of(*paths: list) -> list[list]:
    n = max(len(p) for p in paths)
    return [[p[i] for p in paths if i < len(p)] for i in range(n)]


def test_left_to_right_counts_one_in() -> None:
    rule = tripwire()
    events = run(rule, steps_of(walk(1, (0.2, 0.5), (0.8, 0.5), 12)))
    assert [e.details["direction"] for e in events] == ["in"]
    assert rule.counts == {"in": 1, "out": 0}


def test_there_and_back_counts_one_each_way() -> None:
    rule = tripwire()
    path = walk(1, (0.2, 0.5), (0.8, 0.5), 10) + walk(1, (0.8, 0.5), (0.2, 0.5), 10)
    run(rule, steps_of(path))
    assert rule.counts == {"in": 1, "out": 1}


def test_flicker_on_the_line_counts_nothing() -> None:
    rule = tripwire(margin=0.02)
    jitter = [(1, 0.5 + (0.012 if i % 2 else -0.012), 0.5) for i in range(40)]
    run(rule, steps_of(walk(1, (0.3, 0.5), (0.49, 0.5), 5) + jitter))
    assert rule.counts == {"in": 0, "out": 0}


def test_id_switch_after_crossing_does_not_count_twice() -> None:
    rule = tripwire()
    first = walk(1, (0.2, 0.5), (0.6, 0.5), 8)
    second = walk(2, (0.62, 0.5), (0.7, 0.5), 6)  # same person, new id, past the line
    run(rule, steps_of(first + second))
    assert rule.counts == {"in": 1, "out": 0}


def test_new_id_born_on_the_far_side_counts_nothing() -> None:
    rule = tripwire()
    run(rule, steps_of(walk(1, (0.3, 0.5), (0.45, 0.5), 4) + walk(2, (0.56, 0.5), (0.8, 0.5), 4)))
    assert rule.counts == {"in": 0, "out": 0}


def test_passing_beyond_the_end_of_the_segment_counts_nothing() -> None:
    rule = tripwire()
    run(rule, steps_of(walk(1, (0.2, 0.95), (0.8, 0.95), 12)))
    assert rule.counts == {"in": 0, "out": 0}


def test_occlusion_gap_across_the_line_still_counts() -> None:
    rule = tripwire()
    path = walk(1, (0.2, 0.5), (0.4, 0.5), 4)
    steps = steps_of(path) + [[]] * 5 + steps_of(walk(1, (0.6, 0.5), (0.8, 0.5), 4))
    run(rule, steps)
    assert rule.counts == {"in": 1, "out": 0}


def test_young_track_does_not_count() -> None:
    rule = tripwire(min_track_age_s=2.0)
    run(rule, steps_of(walk(1, (0.3, 0.5), (0.7, 0.5), 4)))  # 0.6 s old when it vanishes
    assert rule.counts == {"in": 0, "out": 0}


def test_young_track_counts_once_old_enough_if_still_across() -> None:
    rule = tripwire(min_track_age_s=1.0)
    path = walk(1, (0.3, 0.5), (0.7, 0.5), 4) + [(1, 0.7, 0.5)] * 5  # crosses at 0.4 s
    events = run(rule, steps_of(path))
    assert rule.counts == {"in": 1, "out": 0}
    assert events[0].ts == pytest.approx(1.0)


def test_id_switch_on_the_line_counts_the_crossing_once() -> None:
    rule = tripwire()
    before = walk(1, (0.2, 0.5), (0.46, 0.5), 8)  # 0.04 per step = 0.2 per second
    after = walk(2, (0.54, 0.5), (0.8, 0.5), 8)  # a new id where id 1 should be
    run(rule, steps_of(before + after))
    assert rule.counts == {"in": 1, "out": 0}


def test_new_id_far_from_a_lost_track_does_not_inherit_its_side() -> None:
    rule = tripwire()
    lost = walk(1, (0.2, 0.3), (0.45, 0.3), 6)
    stranger = walk(2, (0.6, 0.6), (0.8, 0.6), 6)  # appears elsewhere, past the line
    run(rule, steps_of(lost + stranger))
    assert rule.counts == {"in": 0, "out": 0}


def test_only_the_configured_direction_alerts() -> None:
    rule = tripwire(alert_direction="out")
    path = walk(1, (0.2, 0.5), (0.8, 0.5), 10) + walk(1, (0.8, 0.5), (0.2, 0.5), 10)
    events = run(rule, steps_of(path))
    assert [(e.details["direction"], e.alert) for e in events] == [("in", False), ("out", True)]


def test_unwatched_class_is_ignored() -> None:
    rule = tripwire(classes=["vehicle"])
    run(rule, steps_of(walk(1, (0.2, 0.5), (0.8, 0.5), 12)))
    assert rule.counts == {"in": 0, "out": 0}


@settings(max_examples=60, deadline=None)
@given(y=st.floats(0.25, 0.75), x0=st.floats(0.05, 0.4), x1=st.floats(0.6, 0.95),
       n=st.integers(3, 15))
def test_crossing_there_and_back_gives_one_in_and_one_out(y: float, x0: float, x1: float,
                                                          n: int) -> None:
    rule = tripwire()
    path = walk(1, (x0, y), (x1, y), n) + walk(1, (x1, y), (x0, y), n)
    run(rule, steps_of(path), first_seen={1: -10.0})  # an established track
    assert rule.counts == {"in": 1, "out": 1}
