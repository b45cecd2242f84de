"""Statistics of a day and the registers' queries, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from vigie.store import AlertRepository, AuditRepository, CountRepository, Database
from vigie.store.registers import (
    AuditQuery,
    RegisterQuery,
    audit_extent,
    audit_facets,
    audit_page,
    iter_audit,
    iter_register,
    like_pattern,
    register_extent,
    register_kinds,
    register_page,
)
from vigie.store.stats import (
    AlertKindStats,
    DayWindow,
    alert_bins,
    alert_kinds,
    count_bins,
    day_stats,
    occupancy_peaks,
)

from .helpers import new_alert

PARIS = "Europe/Paris"
DAY = date(2026, 3, 14)  # 24 h, UTC+1: local midnight is 23:00 UTC the day before
MIDNIGHT = datetime(2026, 3, 13, 23, 0, tzinfo=UTC)


def at(hour: float) -> datetime:
    """``hour`` hours after local midnight of DAY."""
    return MIDNIGHT + timedelta(hours=hour)


@pytest.mark.parametrize(("day", "hours", "third"), [
    (date(2026, 3, 14), 24, "02:00"),
    (date(2026, 3, 29), 23, "03:00"),   # spring forward: 02:00-03:00 does not exist
    (date(2026, 10, 25), 25, "02:00 UTC+02"),  # fall back: 02:00-03:00 happens twice
], ids=["plain", "dst-start", "dst-end"])
def test_a_paris_day_lasts_23_24_or_25_hours(day: date, hours: int, third: str) -> None:
    window = DayWindow.of(day, PARIS)
    assert window.end - window.start == timedelta(hours=hours)
    assert len(window.bins) == len(window.labels) == hours
    assert window.labels[0] == "00:00"
    assert window.labels[-1] == "23:00"
    assert window.labels[2] == third
    if hours == 25:
        assert window.labels[3] == "02:00 UTC+01"
    assert len(DayWindow.of(day, PARIS, 15).bins) == hours * 4


def test_window_refuses_odd_bins() -> None:
    with pytest.raises(ValueError, match="bin must be one of"):
        DayWindow.of(DAY, PARIS, 20)


def test_empty_database_gives_empty_figures(db: Database) -> None:
    window = DayWindow.of(DAY, PARIS)
    assert count_bins(db, window) == []
    assert occupancy_peaks(db, window) == []
    assert alert_bins(db, window) == []
    assert alert_kinds(db, window.start, window.end) == []
    stats = day_stats(db, window)
    assert stats.is_empty
    assert stats.entries == stats.exits == stats.net_present == (0,) * 24


def fill_counts(db: Database) -> None:
    counts = CountRepository(db)
    counts.increment("hall", "door", "door", "in", at(8.1), 3)
    counts.increment("hall", "door", "door", "in", at(8.9), 2)
    counts.increment("hall", "door", "door", "out", at(9.5), 4)
    counts.increment("hall", "door", "door", "in", at(23.99), 1)   # last minute of the day
    counts.increment("hall", "door", "door", "in", at(24), 100)    # next day: not counted
    counts.increment("hall", "door", "door", "in", at(-0.01), 100)  # day before
    counts.increment("yard", "gate", "gate", "in", at(8.5), 7)
    for minute, (persons, samples) in enumerate([(10, 2), (30, 3), (0, 1)]):
        when = at(10) + timedelta(minutes=minute)
        counts.increment("hall", "crowd", "platform", "persons", when, persons)
        counts.increment("hall", "crowd", "platform", "samples", when, samples)
    counts.increment("hall", "masks", "platform", "mask", at(11.2), 3)
    counts.increment("hall", "masks", "platform", "no_mask", at(11.3), 1)
    counts.increment("hall", "masks", "platform", "no_mask", at(12.3), 2)
    counts.increment("hall", "cars", "road", "car", at(7), 5)


def test_counts_are_summed_per_local_hour(db: Database) -> None:
    fill_counts(db)
    window = DayWindow.of(DAY, PARIS)
    door = [(b.bin, b.direction, b.count) for b in count_bins(db, window, camera_id="hall")
            if b.rule_id == "door"]
    assert door == [(8, "in", 5), (23, "in", 1), (9, "out", 4)]
    assert [(b.camera_id, b.count) for b in count_bins(db, window, name="gate")] == [("yard", 7)]
    quarter = DayWindow.of(DAY, PARIS, 15)
    assert [(b.bin, b.count) for b in count_bins(db, quarter, camera_id="hall")
            if b.rule_id == "door" and b.direction == "in"][:2] == [(32, 3), (35, 2)]


def test_occupancy_peak_is_the_highest_minute_mean(db: Database) -> None:
    fill_counts(db)
    peaks = occupancy_peaks(db, DayWindow.of(DAY, PARIS))
    assert [(p.bin, p.name, p.peak) for p in peaks] == [(10, "platform", 10.0)]


def test_day_stats_series(db: Database) -> None:
    fill_counts(db)
    stats = day_stats(db, DayWindow.of(DAY, PARIS))
    assert not stats.is_empty
    assert {(s.camera_id, s.name, s.direction, s.total) for s in stats.crossings} == {
        ("hall", "door", "in", 6), ("hall", "door", "out", 4), ("yard", "gate", "in", 7)}
    assert stats.entries[8] == 12
    assert stats.exits[9] == 4
    assert stats.net_present[8] == 12
    assert stats.net_present[9] == 8
    assert stats.net_present[-1] == 9
    (occupancy,) = stats.occupancy
    assert occupancy.mean[10] == pytest.approx(40 / 6)
    assert occupancy.mean[9] is None
    assert occupancy.mean_day == pytest.approx(40 / 6)
    assert occupancy.peak_day == 10.0
    (mask,) = stats.masks
    assert mask.share[11] == pytest.approx(0.75)
    assert mask.share[12] == 0.0
    assert mask.share[0] is None
    assert mask.share_day == pytest.approx(0.5)
    assert [(s.name, s.direction, s.values[7]) for s in stats.other] == [("road", "car", 5)]
    only_yard = day_stats(db, DayWindow.of(DAY, PARIS), camera_id="yard")
    assert [s.total for s in only_yard.crossings] == [7]
    assert not only_yard.occupancy


def test_counts_on_the_dst_day_land_in_local_hours(db: Database) -> None:
    window = DayWindow.of(date(2026, 10, 25), PARIS)  # 25 hours, midnight = 22:00 UTC
    counts = CountRepository(db)
    counts.increment("hall", "door", "door", "in", datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
    counts.increment("hall", "door", "door", "in", datetime(2026, 10, 25, 1, 30, tzinfo=UTC))
    counts.increment("hall", "door", "door", "in", datetime(2026, 10, 25, 22, 59, tzinfo=UTC))
    stats = day_stats(db, window)
    (door,) = stats.crossings
    assert len(door.values) == 25
    assert door.total == 3
    assert window.labels[2] == "02:00 UTC+02"
    assert door.values[2] == 1
    assert window.labels[3] == "02:00 UTC+01"
    assert door.values[3] == 1
    assert window.labels[24] == "23:00"
    assert door.values[24] == 1


def fill_alerts(db: Database) -> list[int]:
    repo = AlertRepository(db)
    ids = []
    for i, (kind, hour) in enumerate([("zone_intrusion", 8.2), ("zone_intrusion", 8.7),
                                      ("zone_intrusion", 9.1), ("tripwire", 9.3),
                                      ("zone_intrusion", 25.0)]):
        alert = repo.create(new_alert(camera_id="yard" if kind == "tripwire" else "hall",
                                      kind=kind, raised_at=at(hour),
                                      started_at=at(hour) - timedelta(seconds=3),
                                      explanation=f"alert {i}"))
        ids.append(alert.id)
    repo.transition(ids[0], "validate", "op1", 1, at=at(8.2) + timedelta(seconds=40),
                    follow_up="intervention")
    repo.transition(ids[1], "dismiss", "op2", 1, at=at(8.7) + timedelta(seconds=20),
                    reason="false_positive", comment="a shadow, 100% sure")
    repo.transition(ids[2], "acknowledge", "op1", 1, at=at(9.2))
    return ids


def test_alerts_per_type_and_status(db: Database) -> None:
    fill_alerts(db)
    window = DayWindow.of(DAY, PARIS)
    kinds = alert_kinds(db, window.start, window.end)
    assert kinds == [
        AlertKindStats("tripwire", new=1),
        AlertKindStats("zone_intrusion", acknowledged=1, validated=1, dismissed=1,
                       mean_handling_s=30.0)]
    intrusion = kinds[1]
    assert (intrusion.total, intrusion.open, intrusion.decided) == (3, 1, 2)
    assert intrusion.validated_share == 0.5
    assert kinds[0].validated_share is None
    assert [(b.bin, b.kind, b.count) for b in alert_bins(db, window)] == [
        (9, "tripwire", 1), (8, "zone_intrusion", 2), (9, "zone_intrusion", 1)]
    assert [k.kind for k in alert_kinds(db, window.start, window.end, camera_id="yard")] == [
        "tripwire"]
    stats = day_stats(db, window, camera_id="hall")
    assert [(s.kind, s.values[8], sum(s.values)) for s in stats.alerts_per_bin] == [
        ("zone_intrusion", 2, 3)]


def test_like_pattern_escapes_wildcards() -> None:
    assert like_pattern("a%b_c\\d") == "%a\\%b\\_c\\\\d%"


def test_register_filters_and_search(db: Database) -> None:
    ids = fill_alerts(db)
    total, rows = register_page(db, RegisterQuery())
    assert total == 5
    assert [r.id for r in rows] == ids[::-1]
    first = next(r for r in rows if r.id == ids[0])
    assert first.camera_name == "Hall"
    assert first.handling_s == 40.0
    assert first.follow_up == "intervention"
    assert first.operator == "op1"
    assert register_page(db, RegisterQuery(status="open"))[0] == 3
    assert register_page(db, RegisterQuery(status="dismissed"))[1][0].id == ids[1]
    assert register_page(db, RegisterQuery(kind="tripwire", camera_id="yard"))[0] == 1
    assert register_page(db, RegisterQuery(since=at(8.5), until=at(9.2)))[0] == 2
    assert [r.id for r in register_page(db, RegisterQuery(q="SHADOW"))[1]] == [ids[1]]
    assert register_page(db, RegisterQuery(q="100%"))[0] == 1
    assert register_page(db, RegisterQuery(q="0%"))[0] == 1
    assert register_page(db, RegisterQuery(q="%"))[0] == 1   # a literal percent sign
    assert register_page(db, RegisterQuery(q="_"))[0] == 0   # no underscore anywhere
    assert register_page(db, RegisterQuery(q="op2"))[0] == 1
    assert register_page(db, RegisterQuery(q="alert 3"))[0] == 1
    assert register_page(db, RegisterQuery(), limit=2, offset=1)[1][0].id == ids[3]
    assert register_kinds(db) == ["tripwire", "zone_intrusion"]


def test_register_comment_in_follow_up_register_is_searched(db: Database) -> None:
    ids = fill_alerts(db)
    AlertRepository(db).transition(ids[3], "comment", "op1", 1, comment="Called the guard")
    assert [r.id for r in register_page(db, RegisterQuery(q="guard"))[1]] == [ids[3]]


def test_register_export_batches_and_stops_at_the_counted_rows(db: Database) -> None:
    ids = fill_alerts(db)
    total, top = register_extent(db, RegisterQuery(status="open"))
    assert (total, top) == (3, ids[-1])
    AlertRepository(db).create(new_alert(camera_id="hall", raised_at=at(30)))
    rows = list(iter_register(db, RegisterQuery(status="open"), up_to_id=top, batch=2))
    assert [r.id for r in rows] == [ids[4], ids[3], ids[2]]
    assert len(list(iter_register(db, RegisterQuery(), batch=2))) == 6


def test_audit_pages_filters_and_export(db: Database) -> None:
    audit = AuditRepository(db)
    base, _ = audit_page(db, AuditQuery())  # the cameras' registration
    for i in range(5):
        audit.append("sup1" if i % 2 else "op1", "camera.stop" if i < 3 else "user.login",
                     f"camera:{i}", {"i": i}, at=at(i))
    total, entries = audit_page(db, AuditQuery(), limit=2)
    assert total == base + 5
    assert [e.id for e in entries] == [base + 5, base + 4]
    assert audit_page(db, AuditQuery(actor="sup1"))[0] == 2
    assert audit_page(db, AuditQuery(action="camera.", actor="op1"))[0] == 2
    assert audit_page(db, AuditQuery(action="camera"))[0] == 0
    assert audit_page(db, AuditQuery(since=at(1), until=at(3)))[0] == 2
    assert audit_extent(db, AuditQuery(action="user.login")) == (2, base + 5)
    assert [e.id for e in iter_audit(db, AuditQuery(actor="op1"), up_to_id=base + 4,
                                     batch=1)] == [base + 3, base + 1]
    assert len(list(iter_audit(db, AuditQuery(), batch=2))) == base + 5
    actors, actions = audit_facets(db)
    assert {"op1", "sup1"} <= set(actors)
    assert {"camera.stop", "user.login"} <= set(actions)
    assert actions == sorted(actions)
    assert audit_page(db, AuditQuery())[1][0].details == {"i": 4}
