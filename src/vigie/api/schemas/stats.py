"""Statistics API: one day's anonymous figures on its bins (counts only, never pictures)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from vigie.api.schemas.alerts import kind_label
from vigie.config.site import SiteConfig
from vigie.store.stats import (
    AlertKindStats,
    CountSeries,
    DayStats,
    MaskSeries,
    OccupancySeries,
)

__all__ = ["StatsOut"]


def _round(values: tuple[float | None, ...] | list[float | None], digits: int = 3
           ) -> list[float | None]:
    return [None if v is None else round(v, digits) for v in values]


def _opt(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


class CameraChoice(BaseModel):
    """A camera to filter on, with its zones and lines."""

    id: str
    name: str
    zones: list[str]
    lines: list[str]


class CountSeriesOut(BaseModel):
    """One counter (a line's crossings in one direction, or another counter) per bin."""

    camera_id: str
    rule_id: str
    name: str = Field(description="Line or zone name.")
    direction: str = Field(description="in / out for lines; the counter's name otherwise.")
    values: list[int]
    total: int

    @classmethod
    def of(cls, s: CountSeries) -> CountSeriesOut:
        """From the store's series."""
        return cls(camera_id=s.camera_id, rule_id=s.rule_id, name=s.name,
                   direction=s.direction, values=list(s.values), total=s.total)


class OccupancyOut(BaseModel):
    """Persons in a zone (crowd_density samples) per bin: mean and one-minute peak."""

    camera_id: str
    rule_id: str
    name: str
    mean: list[float | None]
    peak: list[float | None]
    mean_day: float | None
    peak_day: float | None

    @classmethod
    def of(cls, s: OccupancySeries) -> OccupancyOut:
        """From the store's series."""
        return cls(camera_id=s.camera_id, rule_id=s.rule_id, name=s.name,
                   mean=_round(s.mean, 2), peak=_round(s.peak, 2),
                   mean_day=_opt(s.mean_day, 2), peak_day=_opt(s.peak_day, 2))


class MaskOut(BaseModel):
    """Faces with and without a mask per bin (mask_share), and the share masked."""

    camera_id: str
    rule_id: str
    name: str
    masked: list[int]
    unmasked: list[int]
    share: list[float | None]
    share_day: float | None

    @classmethod
    def of(cls, s: MaskSeries) -> MaskOut:
        """From the store's series."""
        return cls(camera_id=s.camera_id, rule_id=s.rule_id, name=s.name,
                   masked=list(s.masked), unmasked=list(s.unmasked), share=_round(s.share),
                   share_day=_opt(s.share_day))


class KindSeriesOut(BaseModel):
    """Alerts of one type raised per bin."""

    kind: str
    label: str = Field(description="The type in plain words.")
    values: list[int]


class AlertKindOut(BaseModel):
    """Alerts of one type over the day, by decision."""

    kind: str
    label: str = Field(description="The type in plain words.")
    total: int
    new: int
    acknowledged: int
    validated: int
    dismissed: int
    open: int
    decided: int
    validated_share: float | None = Field(description="Validated / decided: the precision "
                                          "operators observe; null before any decision.")
    mean_handling_s: float | None = Field(description="Mean seconds from raising to the "
                                          "decision.")

    @classmethod
    def of(cls, s: AlertKindStats) -> AlertKindOut:
        """From the store's figures."""
        return cls(kind=s.kind, label=kind_label(s.kind), total=s.total, new=s.new,
                   acknowledged=s.acknowledged,
                   validated=s.validated, dismissed=s.dismissed, open=s.open,
                   decided=s.decided, validated_share=_opt(s.validated_share),
                   mean_handling_s=_opt(s.mean_handling_s, 1))


class Attendance(BaseModel):
    """All lines together: people counted in, out, and in minus out since midnight."""

    entries: list[int]
    exits: list[int]
    net_present: list[int]


class Summary(BaseModel):
    """The cards at the top of the page."""

    alerts: int
    open: int
    validated: int
    dismissed: int
    validated_share: float | None
    crossings_in: int
    crossings_out: int


class StatsOut(BaseModel):
    """Every figure of one day of the site's time zone."""

    day: date
    timezone: str
    bin_minutes: int
    camera_id: str | None
    zone: str | None
    labels: list[str] = Field(description="Local start time of each bin (HH:MM).")
    bin_starts: list[datetime] = Field(description="UTC start of each bin.")
    empty: bool
    summary: Summary
    attendance: Attendance
    crossings: list[CountSeriesOut]
    occupancy: list[OccupancyOut]
    masks: list[MaskOut]
    other: list[CountSeriesOut]
    alerts_per_bin: list[KindSeriesOut]
    alerts: list[AlertKindOut]
    cameras: list[CameraChoice]

    @classmethod
    def of(cls, stats: DayStats, site: SiteConfig, camera_id: str | None,
           zone: str | None) -> StatsOut:
        """Build from the store's figures and the site (for the filters' choices)."""
        window = stats.window
        kinds = [AlertKindOut.of(k) for k in stats.alerts]
        validated = sum(k.validated for k in kinds)
        decided = sum(k.decided for k in kinds)
        return cls(
            day=window.day, timezone=window.timezone, bin_minutes=window.seconds // 60,
            camera_id=camera_id, zone=zone, labels=list(window.labels),
            bin_starts=list(window.bins), empty=stats.is_empty,
            summary=Summary(alerts=sum(k.total for k in kinds),
                            open=sum(k.open for k in kinds), validated=validated,
                            dismissed=sum(k.dismissed for k in kinds),
                            validated_share=round(validated / decided, 3) if decided else None,
                            crossings_in=sum(stats.entries), crossings_out=sum(stats.exits)),
            attendance=Attendance(entries=list(stats.entries), exits=list(stats.exits),
                                  net_present=list(stats.net_present)),
            crossings=[CountSeriesOut.of(s) for s in stats.crossings],
            occupancy=[OccupancyOut.of(s) for s in stats.occupancy],
            masks=[MaskOut.of(s) for s in stats.masks],
            other=[CountSeriesOut.of(s) for s in stats.other],
            alerts_per_bin=[KindSeriesOut(kind=k.kind, label=kind_label(k.kind),
                                          values=list(k.values))
                            for k in stats.alerts_per_bin],
            alerts=kinds,
            cameras=[CameraChoice(id=c.id, name=c.name or c.id,
                                  zones=[z.name for z in c.zones],
                                  lines=[ln.name for ln in c.lines]) for c in site.cameras])
