"""A day of the site's time zone (23, 24 or 25 hours), cut into bins from local midnight."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["BIN_MINUTES", "DayWindow"]

BIN_MINUTES = (15, 30, 60)


@dataclass(frozen=True, slots=True)
class DayWindow:
    """One day of a time zone, cut into bins of equal length from local midnight.

    Attributes:
        day: The local date.
        timezone: IANA time zone name.
        start: Local midnight, in UTC.
        end: The next local midnight, in UTC (23, 24 or 25 hours later).
        bin: Length of a bin.

    Example:
        >>> w = DayWindow.of(date(2026, 3, 29), "Europe/Paris")
        >>> len(w.bins), w.labels[2]
        (23, '03:00')
    """

    day: date
    timezone: str
    start: datetime
    end: datetime
    bin: timedelta

    @classmethod
    def of(cls, day: date, timezone: str, bin_minutes: int = 60) -> DayWindow:
        """The window of ``day`` in ``timezone``, cut every ``bin_minutes`` (15, 30 or 60).

        Raises:
            ValueError: Another bin length.
            zoneinfo.ZoneInfoNotFoundError: Unknown time zone.
        """
        if bin_minutes not in BIN_MINUTES:
            raise ValueError(f"bin must be one of {BIN_MINUTES} minutes, got {bin_minutes}")
        zone = ZoneInfo(timezone)
        start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        return cls(day, timezone, start, end, timedelta(minutes=bin_minutes))

    @property
    def seconds(self) -> int:
        """Length of a bin in seconds."""
        return int(self.bin.total_seconds())

    @property
    def bins(self) -> tuple[datetime, ...]:
        """UTC start of each bin (the last one may be shorter on odd time-zone changes)."""
        n = -(-int((self.end - self.start).total_seconds()) // self.seconds)
        return tuple(self.start + i * self.bin for i in range(n))

    @property
    def labels(self) -> tuple[str, ...]:
        """Local ``HH:MM`` of each bin; a repeated hour (DST end) also shows its UTC offset."""
        zone = ZoneInfo(self.timezone)
        local = [b.astimezone(zone) for b in self.bins]
        plain = [f"{t:%H:%M}" for t in local]
        return tuple(f"{p} UTC{t:%z}"[:-2] if plain.count(p) > 1 else p
                     for p, t in zip(plain, local, strict=True))

    def index(self, at: datetime) -> int:
        """The bin holding ``at`` (UTC or aware)."""
        return int((at - self.start).total_seconds()) // self.seconds
