"""zone_intrusion extras: per-class filters and active hours, end to end from the site file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.rules.scripted import run
from vigie.config import load_config
from vigie.core.types import VEHICLE_CLASSES
from vigie.rules import CameraContext, ZoneIntrusion
from vigie.rules.configs import ZoneIntrusionConfig
from vigie.runtime.pipeline import build_rules

SQUARE = ((0.4, 0.4), (0.6, 0.4), (0.6, 0.6), (0.4, 0.6))
PARIS = CameraContext("cam", zones={"yard": SQUARE}, timezone=ZoneInfo("Europe/Paris"))

SITE = """\
version: 1
site: {{name: test, timezone: {tz}}}
cameras:
  - id: cam
    source: {{url: x.avi}}
    zones:
      - name: yard
        points: [[0.4, 0.4], [0.6, 0.4], [0.6, 0.6], [0.4, 0.6]]
    analytics:
      - kind: zone_intrusion
        zone: yard
{rule}
"""


def site_rule(tmp_path: Path, rule: str, tz: str = "Europe/Paris") -> ZoneIntrusion:
    """The zone_intrusion rule of a site file, built as the pipeline builds it."""
    path = tmp_path / "site.yaml"
    path.write_text(SITE.format(tz=tz, rule=rule), encoding="utf-8")
    site = load_config(path)
    (rule_obj,) = build_rules(site.camera("cam"), site)
    assert isinstance(rule_obj, ZoneIntrusion)
    return rule_obj


def crowd(n: int = 10) -> list[list]:
    """One object of each kind standing in the zone."""
    labels = ["person", "car", "truck", "bus", "motorcycle", "bicycle", "backpack", "dog"]
    return [[(i + 1, 0.42 + 0.02 * i, 0.5, lab) for i, lab in enumerate(labels)]] * n


# -- classes -----------------------------------------------------------------------------

@pytest.mark.parametrize(("classes", "expected"), [
    (None, {"person"}),
    ("[vehicle]", set(VEHICLE_CLASSES)),
    ("[person, vehicle]", {"person"} | set(VEHICLE_CLASSES)),
    ("[car, backpack]", {"car", "backpack"}),
], ids=["default-person", "vehicle-group", "person-and-vehicle", "explicit-labels"])
def test_classes_from_the_site_file_select_the_labels(tmp_path: Path, classes: str | None,
                                                      expected: set[str]) -> None:
    rule = site_rule(tmp_path, f"        classes: {classes}" if classes else "")
    events = run(rule, crowd())
    assert {e.details["label"] for e in events} == expected
    assert len(events) == len(expected)  # one incident per object


def test_a_vehicle_group_rule_ignores_people_walking_through_a_parked_car(
        tmp_path: Path) -> None:
    rule = site_rule(tmp_path, "        classes: [vehicle]")
    steps = [[(1, 0.5, 0.5, "car"), (2, 0.48, 0.52)] for _ in range(10)]
    events = run(rule, steps)
    assert [e.track_ids for e in events] == [(1,)]


# -- schedule: local time of the site, windows across midnight ----------------------------

NIGHT = "        schedule: [{start: '22:00', end: '06:00'}]"


@pytest.mark.parametrize(("utc", "fires"), [
    (datetime(2026, 1, 15, 21, 30, tzinfo=UTC), True),    # 22:30 in Paris (winter, UTC+1)
    (datetime(2026, 1, 15, 20, 30, tzinfo=UTC), False),   # 21:30 in Paris
    (datetime(2026, 1, 15, 4, 30, tzinfo=UTC), True),     # 05:30 in Paris
    (datetime(2026, 1, 15, 5, 30, tzinfo=UTC), False),    # 06:30 in Paris
    (datetime(2026, 7, 15, 20, 30, tzinfo=UTC), True),    # 22:30 in Paris (summer, UTC+2)
    (datetime(2026, 7, 15, 3, 30, tzinfo=UTC), True),     # 05:30 in Paris, summer
    (datetime(2026, 7, 15, 4, 30, tzinfo=UTC), False),    # 06:30 in Paris, summer
], ids=["winter-evening", "winter-before", "winter-dawn", "winter-after", "summer-evening",
        "summer-dawn", "summer-after"])
def test_night_window_is_read_in_the_site_time_zone(tmp_path: Path, utc: datetime,
                                                    fires: bool) -> None:
    rule = site_rule(tmp_path, NIGHT)
    assert bool(run(rule, [[(1, 0.5, 0.5)]] * 10, t0=utc)) is fires


def test_same_instant_differs_with_the_time_zone(tmp_path: Path) -> None:
    at = datetime(2026, 1, 15, 21, 30, tzinfo=UTC)  # 22:30 Paris, 16:30 New York
    assert run(site_rule(tmp_path, NIGHT), [[(1, 0.5, 0.5)]] * 10, t0=at)
    assert not run(site_rule(tmp_path, NIGHT, tz="America/New_York"), [[(1, 0.5, 0.5)]] * 10,
                   t0=at)


def friday_night(**kw: object) -> ZoneIntrusion:
    window = {"start": "22:00", "end": "03:00", "days": ["fri"]}
    return ZoneIntrusion(ZoneIntrusionConfig(zone="yard", min_dwell_s=0.5, schedule=[window],
                                             **kw), PARIS)  # type: ignore[arg-type]


@pytest.mark.parametrize(("local", "fires"), [
    (datetime(2026, 1, 16, 23, 0), True),   # Friday 23:00
    (datetime(2026, 1, 17, 2, 0), True),    # Saturday 02:00: Friday's window, past midnight
    (datetime(2026, 1, 17, 23, 0), False),  # Saturday 23:00
    (datetime(2026, 1, 16, 2, 0), False),   # Friday 02:00: Thursday night, no window
], ids=["fri-23h", "sat-02h", "sat-23h", "fri-02h"])
def test_window_days_name_the_evening_it_starts(local: datetime, fires: bool) -> None:
    t0 = local.replace(tzinfo=ZoneInfo("Europe/Paris")).astimezone(UTC)
    assert bool(run(friday_night(), [[(1, 0.5, 0.5)]] * 10, t0=t0)) is fires


def test_someone_already_inside_when_the_window_opens_raises_it_at_the_opening() -> None:
    t0 = datetime(2026, 1, 16, 21, 59, 50, tzinfo=ZoneInfo("Europe/Paris")).astimezone(UTC)
    events = run(friday_night(), [[(1, 0.5, 0.5)]] * 100, t0=t0)  # 21:59:50 to 22:00:10
    assert len(events) == 1
    assert events[0].ts == pytest.approx(10.0)  # 22:00:00, the window's start
    assert events[0].started_at == 0.0          # the intrusion began before it


@pytest.mark.parametrize(("empty_steps", "fires"), [(5, True), (9, False)],
                         ids=["dwell-met-at-02:59:59.6", "dwell-met-at-03:00:00.2"])
def test_window_end_is_exclusive_and_closes_the_rule(empty_steps: int, fires: bool) -> None:
    t0 = datetime(2026, 1, 17, 2, 59, 58, tzinfo=ZoneInfo("Europe/Paris")).astimezone(UTC)
    steps = [[]] * empty_steps + [[(1, 0.5, 0.5)]] * 20  # 0.2 s a step; needs 0.5 s inside
    assert bool(run(friday_night(), steps, t0=t0)) is fires


# -- real footage ------------------------------------------------------------------------

@pytest.mark.slow
def test_vehicle_rule_sees_the_parked_van_of_pets09_and_the_person_rule_does_not(
        vtest_head: Path, nanodet_models_dir: Path, tmp_path: Path) -> None:
    from vigie.detect.factory import build_detector
    from vigie.runtime.replay import replay

    path = tmp_path / "site.yaml"
    path.write_text(f"""\
version: 1
site: {{name: pets}}
detector: {{models_dir: {nanodet_models_dir}}}
cameras:
  - id: cam
    source: {{url: {vtest_head}}}
    zones:
      # The top right corner where a white van and a car are parked.
      - name: car-park
        points: [[0.8, 0.05], [1.0, 0.05], [1.0, 0.21], [0.8, 0.21]]
    analytics:
      - {{kind: zone_intrusion, name: vehicles, zone: car-park, classes: [vehicle]}}
      - {{kind: zone_intrusion, name: people, zone: car-park}}
""", encoding="utf-8")
    site = load_config(path)
    report = replay(site, "cam", build_detector(site.detector))
    by_rule = {r: [e for e in report.alerts if e.rule_id == r] for r in ("vehicles", "people")}
    assert by_rule["vehicles"], "the van was not reported"
    assert all(e.details["label"] in VEHICLE_CLASSES for e in by_rule["vehicles"])
    assert by_rule["people"] == []
