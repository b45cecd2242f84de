"""The figures of one day, on the day's bins: what :func:`vigie.store.stats.day_stats` returns.

Plain frozen records, ready to plot or to write as CSV; every tuple has one value per bin.
"""

from __future__ import annotations

from dataclasses import dataclass

from vigie.store.stats_window import DayWindow

__all__ = ["AlertKindStats", "CountSeries", "DayStats", "KindSeries", "MaskSeries",
           "OccupancySeries"]


@dataclass(frozen=True, slots=True)
class AlertKindStats:
    """Alerts of one type over a period, by decision.

    ``validated_share`` is validated / decided: the precision that operators observe.
    """

    kind: str
    new: int = 0
    acknowledged: int = 0
    validated: int = 0
    dismissed: int = 0
    mean_handling_s: float | None = None

    @property
    def total(self) -> int:
        """Every alert of the type."""
        return self.new + self.acknowledged + self.validated + self.dismissed

    @property
    def open(self) -> int:
        """Alerts waiting for a decision."""
        return self.new + self.acknowledged

    @property
    def decided(self) -> int:
        """Alerts validated or dismissed."""
        return self.validated + self.dismissed

    @property
    def validated_share(self) -> float | None:
        """Validated / decided; None before any decision."""
        return self.validated / self.decided if self.decided else None


@dataclass(frozen=True, slots=True)
class CountSeries:
    """One counter over the day's bins (0 where nothing was counted)."""

    camera_id: str
    rule_id: str
    name: str
    direction: str
    values: tuple[int, ...]

    @property
    def total(self) -> int:
        """The day's sum."""
        return sum(self.values)


@dataclass(frozen=True, slots=True)
class OccupancySeries:
    """Persons in a zone (crowd_density samples): mean and one-minute peak per bin."""

    camera_id: str
    rule_id: str
    name: str
    persons: tuple[int, ...]
    samples: tuple[int, ...]
    peak: tuple[float | None, ...]

    @property
    def mean(self) -> tuple[float | None, ...]:
        """Mean persons per bin; None where no sample was taken."""
        return tuple(p / s if s else None for p, s in zip(self.persons, self.samples,
                                                          strict=True))

    @property
    def mean_day(self) -> float | None:
        """Mean persons over the day's samples."""
        samples = sum(self.samples)
        return sum(self.persons) / samples if samples else None

    @property
    def peak_day(self) -> float | None:
        """Highest one-minute mean of the day."""
        return max((p for p in self.peak if p is not None), default=None)


@dataclass(frozen=True, slots=True)
class MaskSeries:
    """Faces counted with and without a mask (mask_share) per bin."""

    camera_id: str
    rule_id: str
    name: str
    masked: tuple[int, ...]
    unmasked: tuple[int, ...]

    @property
    def share(self) -> tuple[float | None, ...]:
        """Masked / observed per bin; None where no face was seen."""
        return tuple(m / (m + u) if m + u else None for m, u in zip(self.masked, self.unmasked,
                                                                    strict=True))

    @property
    def share_day(self) -> float | None:
        """Masked / observed over the day."""
        seen = sum(self.masked) + sum(self.unmasked)
        return sum(self.masked) / seen if seen else None


@dataclass(frozen=True, slots=True)
class KindSeries:
    """Alerts of one type raised per bin."""

    kind: str
    values: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class DayStats:
    """Every figure of one day, on the window's bins."""

    window: DayWindow
    crossings: tuple[CountSeries, ...]
    occupancy: tuple[OccupancySeries, ...]
    masks: tuple[MaskSeries, ...]
    other: tuple[CountSeries, ...]
    alerts_per_bin: tuple[KindSeries, ...]
    alerts: tuple[AlertKindStats, ...]

    def _crossing_sum(self, direction: str) -> tuple[int, ...]:
        rows = [s.values for s in self.crossings if s.direction == direction]
        return tuple(sum(v) for v in zip(*rows, strict=True)) if rows \
            else (0,) * len(self.window.bins)

    @property
    def entries(self) -> tuple[int, ...]:
        """Crossings ``in`` per bin, all lines together."""
        return self._crossing_sum("in")

    @property
    def exits(self) -> tuple[int, ...]:
        """Crossings ``out`` per bin, all lines together."""
        return self._crossing_sum("out")

    @property
    def net_present(self) -> tuple[int, ...]:
        """In minus out since midnight, at the end of each bin (people still inside)."""
        total, out = 0, []
        for i, o in zip(self.entries, self.exits, strict=True):
            total += i - o
            out.append(total)
        return tuple(out)

    @property
    def is_empty(self) -> bool:
        """Nothing counted and no alert raised."""
        return not (self.crossings or self.occupancy or self.masks or self.other
                    or self.alerts)
