"""Replay of the demo site on vtest.avi: the main-path tripwire against a count made by eye.

Ground truth (counted by eye over the whole clip): 12 crossings "in" (left to right) and 15
"out", at the times below. The tripwire of the demo is set to alert on both directions with no
cooldown here, so that every crossing the pipeline counts comes back with its time; counting
itself does not depend on that setting.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from vigie.detect.base import Detector
from vigie.detect.factory import build_detector
from vigie.runtime.replay import ReplayReport, replay

from .helpers import demo_site_data, load_site

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

EYE_COUNT: dict[str, list[float]] = {
    "in": [0.8, 9.5, 30.2, 32.2, 33.3, 34.0, 45.2, 66.7, 68.7, 73.2, 77.2, 77.8],
    "out": [6.8, 16.7, 18.8, 22.8, 26.6, 28.8, 30.2, 37.6, 50.0, 57.7, 65.3, 69.7, 71.8,
            76.0, 78.0],
}
COUNT_TOLERANCE = 2
TIME_TOLERANCE_S = 1.5
MIN_MATCHED = 0.9
RULE = "main-path-count"
MODES = ["gated", "naive"]

Replayed = Callable[[str], ReplayReport]


@pytest.fixture(scope="module")
def replayed(vtest_avi: Path, nanodet_models_dir: Path,
             tmp_path_factory: pytest.TempPathFactory) -> Replayed:
    """Replay of the demo site per mode ("gated": motion gating on; "naive": off), cached."""
    folder = tmp_path_factory.mktemp("replay")
    detector: list[Detector] = []
    reports: dict[str, ReplayReport] = {}

    def get(mode: str) -> ReplayReport:
        if mode not in reports:
            data = demo_site_data(vtest_avi, nanodet_models_dir)
            data["motion"] = {"enabled": mode == "gated"}
            rule = next(a for a in data["cameras"][0]["analytics"] if a["name"] == RULE)
            rule.update(alert_direction="both", cooldown_s=0)
            site = load_site(folder / mode, data)
            if not detector:
                detector.append(build_detector(site.detector))
            reports[mode] = replay(site, "pets-campus", detector[0])
        return reports[mode]

    return get


def crossings(report: ReplayReport, direction: str) -> list[float]:
    """Stream times (s) of the crossings the tripwire reported in one direction."""
    return sorted(e.ts for e in report.alerts
                  if e.rule_id == RULE and e.details.get("direction") == direction)


def matched(reported: list[float], truth: list[float], tolerance: float) -> int:
    """Most reported times that can be paired one to one with true times within tolerance."""
    if not reported or not truth:
        return 0
    gap = np.abs(np.subtract.outer(np.asarray(reported), np.asarray(truth)))
    cost = np.where(gap <= tolerance, gap, 1e6)
    rows, cols = linear_sum_assignment(cost)
    return int(np.sum(gap[rows, cols] <= tolerance))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("direction", ["in", "out"])
def test_counts_match_the_eye_count(replayed: Replayed, mode: str, direction: str) -> None:
    report = replayed(mode)
    expected = len(EYE_COUNT[direction])
    got = report.counts[RULE][direction]
    assert abs(got - expected) <= COUNT_TOLERANCE, \
        f"{mode}: {got} crossings {direction}, counted by eye {expected}"
    assert len(crossings(report, direction)) == got  # one event per counted crossing


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("direction", ["in", "out"])
def test_crossing_times_match_the_eye_count(replayed: Replayed, mode: str,
                                            direction: str) -> None:
    reported = crossings(replayed(mode), direction)
    assert reported, f"{mode}: no crossing {direction} reported"
    hits = matched(reported, EYE_COUNT[direction], TIME_TOLERANCE_S)
    assert hits >= MIN_MATCHED * len(reported), (
        f"{mode}: only {hits} of {len(reported)} crossings {direction} are within "
        f"{TIME_TOLERANCE_S} s of one counted by eye; reported {reported}, "
        f"eye {EYE_COUNT[direction]}")


@pytest.mark.parametrize("direction", ["in", "out"])
def test_gating_changes_the_counts_by_at_most_one(replayed: Replayed, direction: str) -> None:
    gated, naive = replayed("gated"), replayed("naive")
    assert abs(gated.counts[RULE][direction] - naive.counts[RULE][direction]) <= 1
    assert gated.frames == naive.frames
    assert gated.detector_runs < naive.detector_runs == naive.frames  # gating did skip frames


def test_matching_is_one_to_one() -> None:
    # Two reports near one true crossing pair with it only once.
    assert matched([10.0, 10.2], [10.1], 1.5) == 1
    assert matched([10.0, 13.0], [10.1, 12.0], 1.5) == 2
    assert matched([10.0], [12.0], 1.5) == 0


def test_region_mode_looks_through_windows_and_keeps_counting(
        vtest_avi: Path, nanodet_models_dir: Path, tmp_path: Path) -> None:
    """Experimental ``detector.regions``: cheaper runs, counts still within the tolerance."""
    data = demo_site_data(vtest_avi, nanodet_models_dir)
    data["detector"] = {**data.get("detector", {}), "regions": True}
    site = load_site(tmp_path, data)
    report = replay(site, "pets-campus", build_detector(site.detector))
    assert report.regional_runs > 0.2 * report.detector_runs
    for direction in ("in", "out"):
        assert abs(report.counts[RULE][direction] - len(EYE_COUNT[direction])) \
            <= COUNT_TOLERANCE
