"""Matching alerts to ground truth: small hand-made cases scored by hand (see the comments)."""

from __future__ import annotations

import pytest

from vigie.evaluate.match import alert_outcomes, match_clip, match_type, merge_scores
from vigie.evaluate.types import TypeScore

KEYS = ["tp", "fp", "fn", "duplicates", "precision", "recall", "f1", "mean_delay_s",
        "max_delay_s", "false_alarms_per_hour"]


def test_one_event_one_early_alert_one_duplicate_one_false_alarm() -> None:
    # Event [10, 20]; window with the 2 s tolerance is [8, 22].
    # 9.0  -> inside, event open       -> TP, delay 9 - 10 = -1.0
    # 21.5 -> inside, event taken      -> duplicate
    # 22.5 -> outside every window     -> FP
    # 3.0  -> outside                  -> FP
    # TP 1, FP 2, FN 0, dup 1; P = 1/3, R = 1/1, F1 = 2*(1/3)*1/(4/3) = 0.5.
    # 0.01 h of footage: 2 FP / 0.01 h = 200 false alarms per hour.
    s = match_type([(10.0, 20.0)], [21.5, 9.0, 22.5, 3.0], hours=0.01)
    assert s.as_dict() == {"tp": 1, "fp": 2, "fn": 0, "duplicates": 1, "precision": 0.3333,
                           "recall": 1.0, "f1": 0.5, "mean_delay_s": -1.0, "max_delay_s": -1.0,
                           "false_alarms_per_hour": 200.0}


def test_window_edges_are_inclusive() -> None:
    # Event [5, 6]: window [3, 8]. 3.0 is on the edge -> TP (delay -2); 8.0 on the edge ->
    # duplicate; 8.01 just outside -> FP.
    s = match_type([(5.0, 6.0)], [3.0, 8.0, 8.01])
    assert (s.tp, s.duplicates, s.fp, s.fn) == (1, 1, 1, 0)
    assert s.delays_s == [-2.0]


def test_missed_events_and_no_alert() -> None:
    # Two events, no alert: FN 2, TP 0. P defaults to 1.0 (no false alarm), R = 0, F1 = 0.
    s = match_type([(0.0, 1.0), (30.0, 40.0)], [])
    d = s.as_dict()
    assert (d["tp"], d["fn"], d["fp"], d["precision"], d["recall"], d["f1"]) == \
        (0, 2, 0, 1.0, 0.0, 0.0)
    assert d["mean_delay_s"] is None
    assert d["max_delay_s"] is None


def test_overlapping_windows_give_the_most_matches() -> None:
    # Event A [0, 10] (window [-2, 12]) and B [11, 12] (window [9, 14]).
    # Alerts 9.5 and 11.5. Taking 9.5 for B (window closes at 14) would leave 11.5 for A too
    # (fine), but the rule "closest deadline first" must give 9.5 -> A (closes 12) and
    # 11.5 -> B: 2 TP, delays 9.5 - 0 = 9.5 and 11.5 - 11 = 0.5; mean 5.0, max 9.5.
    s = match_type([(0.0, 10.0), (11.0, 12.0)], [11.5, 9.5])
    assert (s.tp, s.fp, s.fn, s.duplicates) == (2, 0, 0, 0)
    assert s.as_dict()["mean_delay_s"] == 5.0
    assert s.as_dict()["max_delay_s"] == 9.5


def test_greedy_by_deadline_beats_first_come() -> None:
    # A [0, 20] (window [-2, 22]) and B [0, 1] (window [-2, 3]); alerts at 1.0 and 15.0.
    # Alert 1.0 is in both windows: it must go to B (closes at 3), so that 15.0 can take A.
    # Giving 1.0 to A would leave B missed and 15.0 a duplicate. Expected: TP 2, FN 0.
    s = match_type([(0.0, 20.0), (0.0, 1.0)], [1.0, 15.0])
    assert (s.tp, s.fn, s.duplicates) == (2, 0, 0)


def test_alert_outcomes_keep_the_input_order() -> None:
    # Event [10, 20]: 40 -> fp, 15 -> tp (first in time inside), 16 -> duplicate.
    assert alert_outcomes([(10.0, 20.0)], [40.0, 16.0, 15.0]) == ["fp", "duplicate", "tp"]


def test_clip_scores_each_type_alone() -> None:
    # fire [0, 25.8] and person_down [30, 40]; alerts: fire at 3 (TP, delay 3), person_down at
    # 12 (outside [28, 42] -> FP), weapon at 5 (no weapon event -> FP).
    # Watched crowd_movement: no event, no alert -> an all-zero score is still listed.
    scores = match_clip([("fire", 0.0, 25.8), ("person_down", 30.0, 40.0)],
                        [("fire", 3.0), ("person_down", 12.0), ("weapon", 5.0)],
                        hours=0.5, watched=["crowd_movement"])
    assert sorted(scores) == ["crowd_movement", "fire", "person_down", "weapon"]
    assert (scores["fire"].tp, scores["fire"].delays_s) == (1, [3.0])
    assert (scores["person_down"].fp, scores["person_down"].fn) == (1, 1)
    assert scores["weapon"].as_dict()["false_alarms_per_hour"] == 2.0  # 1 FP / 0.5 h
    assert scores["crowd_movement"].tp + scores["crowd_movement"].fp == 0


def test_merge_adds_counts_delays_and_hours() -> None:
    # Clip 1: TP 1 (delay 2), FP 1, 0.25 h. Clip 2: TP 1 (delay 4), FN 1, dup 1, 0.25 h.
    # Total: TP 2, FP 1, FN 1, dup 1; P = 2/3, R = 2/3, F1 = 2/3; mean delay 3, max 4;
    # 1 FP / 0.5 h = 2 false alarms per hour.
    a = TypeScore(tp=1, fp=1, delays_s=[2.0], hours=0.25)
    b = TypeScore(tp=1, fn=1, duplicates=1, delays_s=[4.0], hours=0.25)
    d = merge_scores([a, b]).as_dict()
    assert list(d) == KEYS
    assert d == {"tp": 2, "fp": 1, "fn": 1, "duplicates": 1, "precision": 0.6667,
                 "recall": 0.6667, "f1": 0.6667, "mean_delay_s": 3.0, "max_delay_s": 4.0,
                 "false_alarms_per_hour": 2.0}


@pytest.mark.parametrize(("tolerance", "expected"), [(0.0, (0, 1, 1)), (2.0, (1, 0, 0))],
                         ids=["strict", "default"])
def test_tolerance_is_a_parameter(tolerance: float, expected: tuple[int, int, int]) -> None:
    # Alert 1 s after the end of [0, 5]: a FP and a FN with no tolerance, a TP with 2 s.
    s = match_type([(0.0, 5.0)], [6.0], tolerance_s=tolerance)
    assert (s.tp, s.fp, s.fn) == expected
