"""Console area: statistics of a day (page, JSON for the plots, CSV export).

Every role may see them: they are anonymous figures (counts per line, zone and hour, alerts
per type and decision), never pictures or track ids. A day is a day of the site's time zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, StreamingResponse

from vigie.api.csvexport import Cell, csv_filename, csv_response
from vigie.api.deps import ContextDep, require
from vigie.api.pages import render
from vigie.api.permissions import Permission
from vigie.api.schemas.stats import StatsOut
from vigie.store.stats import BIN_MINUTES, DayWindow, day_stats
from vigie.store.users import SessionRecord

__all__ = ["router"]

router = APIRouter()

CanView = Annotated[SessionRecord, Depends(require(Permission.STATS_VIEW))]
DayQuery = Annotated[date | None, Query(description="Local day, YYYY-MM-DD (default today).")]
CameraQuery = Annotated[str | None, Query(max_length=63, description="One camera, or all.")]
ZoneQuery = Annotated[str | None, Query(max_length=64, description="One zone or line.")]
BinQuery = Annotated[int, Query(description="Bin length in minutes: 15, 30 or 60.")]

CSV_HEADER = ("date", "bin", "bin_start_utc", "series", "camera_id", "rule_id", "name",
              "direction", "value")


@router.get("/stats", response_class=HTMLResponse, include_in_schema=False)
def stats_page(request: Request, session: CanView) -> HTMLResponse:
    """Statistics of the day: cards, plots, CSV export."""
    return render(request, "stats.html", session, title="Statistics", script="stats.js")


def _unprocessable(message: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, message)


def _figures(ctx: ContextDep, day: date | None, camera: str | None,
             zone: str | None, bin_minutes: int) -> StatsOut:
    if bin_minutes not in BIN_MINUTES:
        raise _unprocessable(f"bin: must be one of {', '.join(map(str, BIN_MINUTES))} minutes, "
                             f"not {bin_minutes}")
    site = ctx.site
    ids = [c.id for c in site.cameras]
    if camera is not None and camera not in ids:
        raise _unprocessable(f"camera: no camera {camera!r} on this site "
                             f"({', '.join(ids)})")
    zone = zone or None
    timezone = site.site.timezone
    day = day or datetime.now(ZoneInfo(timezone)).date()
    window = DayWindow.of(day, timezone, bin_minutes)
    stats = day_stats(ctx.db, window, camera_id=camera, zone=zone)
    return StatsOut.of(stats, site, camera, zone)


@router.get("/api/stats")
def stats(session: CanView, ctx: ContextDep, day: DayQuery = None, camera: CameraQuery = None,
          zone: ZoneQuery = None, bin: BinQuery = 60) -> StatsOut:
    """One day's figures, per bin, for the plots and cards."""
    return _figures(ctx, day, camera, zone, bin)


def _csv_rows(out: StatsOut) -> Iterator[tuple[Cell, ...]]:
    day = out.day.isoformat()
    starts = [s.isoformat() for s in out.bin_starts]

    def per_bin(series: str, camera: str, rule: str, name: str, direction: str,
                values: list[int] | list[float | None]) -> Iterator[tuple[Cell, ...]]:
        for label, start, value in zip(out.labels, starts, values, strict=True):
            yield day, label, start, series, camera, rule, name, direction, value

    everywhere = out.camera_id or ""
    yield from per_bin("entries", everywhere, "", out.zone or "", "in", out.attendance.entries)
    yield from per_bin("exits", everywhere, "", out.zone or "", "out", out.attendance.exits)
    yield from per_bin("net_present", everywhere, "", out.zone or "", "",
                       out.attendance.net_present)
    for c in out.crossings:
        yield from per_bin("crossings", c.camera_id, c.rule_id, c.name, c.direction, c.values)
    for o in out.occupancy:
        yield from per_bin("occupancy_mean", o.camera_id, o.rule_id, o.name, "", o.mean)
        yield from per_bin("occupancy_peak", o.camera_id, o.rule_id, o.name, "", o.peak)
    for m in out.masks:
        yield from per_bin("mask", m.camera_id, m.rule_id, m.name, "mask", m.masked)
        yield from per_bin("mask", m.camera_id, m.rule_id, m.name, "no_mask", m.unmasked)
        yield from per_bin("mask_share", m.camera_id, m.rule_id, m.name, "", m.share)
    for c in out.other:
        yield from per_bin("count", c.camera_id, c.rule_id, c.name, c.direction, c.values)
    for k in out.alerts_per_bin:
        yield from per_bin("alerts", everywhere, "", k.kind, "", k.values)
    for a in out.alerts:
        for field in ("total", "new", "acknowledged", "validated", "dismissed",
                      "validated_share", "mean_handling_s"):
            yield day, "day", "", f"alerts_{field}", everywhere, "", a.kind, "", \
                getattr(a, field)


@router.get("/api/stats.csv")
def stats_csv(session: CanView, ctx: ContextDep, day: DayQuery = None,
              camera: CameraQuery = None, zone: ZoneQuery = None,
              bin: BinQuery = 60) -> StreamingResponse:
    """The same figures as CSV: one row per bin and series, then the day's alert figures."""
    out = _figures(ctx, day, camera, zone, bin)
    name = csv_filename("vigie-stats", out.day.isoformat(), camera, out.zone)
    return csv_response(name, CSV_HEADER, _csv_rows(out))
