"""Statistics of one local day: counters and alerts summed in SQL per hour (or 15 minutes).

Only anonymous figures come out of here: sums of the ``counts`` table and numbers of alerts,
never pictures, track ids or free text. The day is a day of the site's time zone, so it lasts
23, 24 or 25 hours; bins are fixed lengths of time from local midnight, converted to UTC
ranges that the indexes on ``counts.bucket_start`` and ``alerts.raised_at`` serve.

Counter series are recognised by the names the rules give them (``details["direction"]``):

- ``in`` / ``out``: tripwire crossings (the series' name is the line);
- ``persons`` / ``samples``: crowd_density occupancy samples (mean persons = persons / samples);
- ``mask`` / ``no_mask``: mask_share (share = mask / (mask + no_mask));
- anything else is reported as it is, under ``other``.
"""

from __future__ import annotations

import builtins
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, func, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from vigie.store.db import Database
from vigie.store.models import Alert, Count
from vigie.store.stats_records import (
    AlertKindStats,
    CountSeries,
    DayStats,
    KindSeries,
    MaskSeries,
    OccupancySeries,
)
from vigie.store.stats_window import BIN_MINUTES, DayWindow
from vigie.store.types import AlertStatus

__all__ = [
    "BIN_MINUTES",
    "CROSSING",
    "MASK",
    "OCCUPANCY",
    "AlertBin",
    "AlertKindStats",
    "CountBin",
    "CountSeries",
    "DayStats",
    "DayWindow",
    "KindSeries",
    "MaskSeries",
    "OccupancySeries",
    "PeakBin",
    "alert_bins",
    "alert_kinds",
    "count_bins",
    "day_stats",
    "occupancy_peaks",
]

CROSSING = ("in", "out")
OCCUPANCY = ("persons", "samples")
MASK = ("mask", "no_mask")


class _Epoch(FunctionElement[int]):
    """Seconds since the Unix epoch of a UTC datetime column, on SQLite and PostgreSQL."""

    type = Integer()
    inherit_cache = True
    name = "vigie_epoch"


@compiles(_Epoch, "sqlite")
def _epoch_sqlite(element: _Epoch, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps naive UTC text; strftime('%s') reads it as UTC.
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(_Epoch, "postgresql")
def _epoch_postgresql(element: _Epoch, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


def _epoch(column: Any) -> ColumnElement[int]:
    return _Epoch(column)


@dataclass(frozen=True, slots=True)
class CountBin:
    """A counter summed over one bin."""

    bin: int
    camera_id: str
    rule_id: str
    name: str
    direction: str
    count: int


@dataclass(frozen=True, slots=True)
class PeakBin:
    """The highest one-minute mean occupancy of a crowd_density series within one bin."""

    bin: int
    camera_id: str
    rule_id: str
    name: str
    peak: float


@dataclass(frozen=True, slots=True)
class AlertBin:
    """Alerts of one type raised within one bin."""

    bin: int
    kind: str
    count: int


def _bin_of(window: DayWindow, column: Any) -> ColumnElement[int]:
    # Integers written into the SQL (not bound), so that PostgreSQL sees the same expression
    # in SELECT and GROUP BY.
    start = literal_column(str(int(window.start.timestamp())), Integer())
    return (_epoch(column) - start) // literal_column(str(window.seconds), Integer())


def _count_filters(window: DayWindow, camera_id: str | None,
                   name: str | None) -> list[ColumnElement[bool]]:
    where = [Count.bucket_start >= window.start, Count.bucket_start < window.end]
    if camera_id is not None:
        where.append(Count.camera_id == camera_id)
    if name is not None:
        where.append(Count.name == name)
    return where


def count_bins(db: Database, window: DayWindow, *, camera_id: str | None = None,
               name: str | None = None) -> list[CountBin]:
    """Every counter of the day summed per bin (empty bins are absent).

    Args:
        db: The database.
        window: The day and its bins.
        camera_id: One camera, or all.
        name: One line or zone, or all.

    Returns:
        Sums ordered by camera, rule, name, direction and bin.
    """
    bin_ = _bin_of(window, Count.bucket_start).label("bin")
    keys = (Count.camera_id, Count.rule_id, Count.name, Count.direction)
    query = (select(bin_, *keys, func.sum(Count.count))
             .where(*_count_filters(window, camera_id, name))
             .group_by(bin_, *keys).order_by(*keys, bin_))
    with db.read() as session:
        return [CountBin(int(b), c, r, n, d, int(total))
                for b, c, r, n, d, total in session.execute(query)]


def occupancy_peaks(db: Database, window: DayWindow, *, camera_id: str | None = None,
                    name: str | None = None) -> list[PeakBin]:
    """Per bin, the highest one-minute mean persons of each crowd_density series."""
    persons = func.sum(case((Count.direction == "persons", Count.count), else_=0))
    samples = func.sum(case((Count.direction == "samples", Count.count), else_=0))
    keys = (Count.camera_id, Count.rule_id, Count.name)
    minutes = (select(Count.bucket_start, *keys, persons.label("persons"),
                      samples.label("samples"))
               .where(*_count_filters(window, camera_id, name),
                      Count.direction.in_(OCCUPANCY))
               .group_by(Count.bucket_start, *keys).having(samples > 0).subquery())
    bin_ = _bin_of(window, minutes.c.bucket_start).label("bin")
    mean = minutes.c.persons * 1.0 / minutes.c.samples
    inner = (minutes.c.camera_id, minutes.c.rule_id, minutes.c.name)
    query = (select(bin_, *inner, func.max(mean)).group_by(bin_, *inner)
             .order_by(*inner, bin_))
    with db.read() as session:
        return [PeakBin(int(b), c, r, n, float(peak))
                for b, c, r, n, peak in session.execute(query)]


def _alert_filters(since: datetime, until: datetime, camera_id: str | None,
                   zone: str | None) -> list[ColumnElement[bool]]:
    where = [Alert.raised_at >= since, Alert.raised_at < until]
    if camera_id is not None:
        where.append(Alert.camera_id == camera_id)
    if zone is not None:
        where.append(Alert.zone == zone)
    return where


def alert_bins(db: Database, window: DayWindow, *, camera_id: str | None = None,
               zone: str | None = None) -> list[AlertBin]:
    """Alerts raised per bin and type (empty bins are absent)."""
    bin_ = _bin_of(window, Alert.raised_at).label("bin")
    query = (select(bin_, Alert.kind, func.count())
             .where(*_alert_filters(window.start, window.end, camera_id, zone))
             .group_by(bin_, Alert.kind).order_by(Alert.kind, bin_))
    with db.read() as session:
        return [AlertBin(int(b), kind, int(n)) for b, kind, n in session.execute(query)]


def alert_kinds(db: Database, since: datetime, until: datetime, *,
                camera_id: str | None = None,
                zone: str | None = None) -> builtins.list[AlertKindStats]:
    """Alerts raised in ``[since, until)`` per type: counts per status, mean handling time.

    The handling time is ``decided_at - raised_at``, averaged over decided alerts.
    """
    decided = and_(Alert.decided_at.is_not(None),
                   Alert.status.in_([AlertStatus.VALIDATED, AlertStatus.DISMISSED]))
    handling = case((decided, _epoch(Alert.decided_at) - _epoch(Alert.raised_at)))
    query = (select(Alert.kind, Alert.status, func.count(), func.sum(handling),
                    func.count(handling))
             .where(*_alert_filters(since, until, camera_id, zone))
             .group_by(Alert.kind, Alert.status))
    by_kind: defaultdict[str, dict[str, int]] = defaultdict(dict)
    handled: defaultdict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    with db.read() as session:
        for kind, status, n, seconds, n_decided in session.execute(query):
            by_kind[kind][AlertStatus(status).value] = int(n)
            handled[kind][0] += float(seconds or 0)
            handled[kind][1] += int(n_decided or 0)
    result = []
    for kind in sorted(by_kind):
        total_s, n = handled[kind]
        result.append(AlertKindStats(kind=kind, **by_kind[kind],
                                     mean_handling_s=total_s / n if n else None))
    return result


def _dense(n: int, points: dict[int, Any], default: Any = 0) -> tuple[Any, ...]:
    return tuple(points.get(i, default) for i in range(n))


def day_stats(db: Database, window: DayWindow, *, camera_id: str | None = None,
              zone: str | None = None) -> DayStats:
    """Every figure of the day (four GROUP BY queries), ready to plot.

    Args:
        db: The database.
        window: The day and its bins.
        camera_id: One camera, or all.
        zone: One zone or line name, or all.
    """
    n = len(window.bins)
    series: defaultdict[tuple[str, str, str], dict[str, dict[int, int]]] = \
        defaultdict(lambda: defaultdict(dict))
    for row in count_bins(db, window, camera_id=camera_id, name=zone):
        series[(row.camera_id, row.rule_id, row.name)][row.direction][row.bin] = row.count
    peaks: defaultdict[tuple[str, str, str], dict[int, float]] = defaultdict(dict)
    for peak in occupancy_peaks(db, window, camera_id=camera_id, name=zone):
        peaks[(peak.camera_id, peak.rule_id, peak.name)][peak.bin] = peak.peak
    crossings, occupancy, masks, other = [], [], [], []
    for key, by_direction in series.items():
        if by_direction.keys() & set(OCCUPANCY):
            occupancy.append(OccupancySeries(
                *key, persons=_dense(n, by_direction.get("persons", {})),
                samples=_dense(n, by_direction.get("samples", {})),
                peak=_dense(n, peaks[key], None)))
        if by_direction.keys() & set(MASK):
            masks.append(MaskSeries(*key, masked=_dense(n, by_direction.get("mask", {})),
                                    unmasked=_dense(n, by_direction.get("no_mask", {}))))
        for direction, points in by_direction.items():
            if direction in CROSSING:
                crossings.append(CountSeries(*key, direction, _dense(n, points)))
            elif direction not in (*OCCUPANCY, *MASK):
                other.append(CountSeries(*key, direction, _dense(n, points)))
    kinds: defaultdict[str, dict[int, int]] = defaultdict(dict)
    for a in alert_bins(db, window, camera_id=camera_id, zone=zone):
        kinds[a.kind][a.bin] = a.count
    return DayStats(
        window=window, crossings=tuple(crossings), occupancy=tuple(occupancy),
        masks=tuple(masks), other=tuple(other),
        alerts_per_bin=tuple(KindSeries(k, _dense(n, v)) for k, v in sorted(kinds.items())),
        alerts=tuple(alert_kinds(db, window.start, window.end, camera_id=camera_id,
                                 zone=zone)))
