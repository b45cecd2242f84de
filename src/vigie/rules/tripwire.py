"""tripwire: counts crossings of a directed virtual line, per direction; may alert on one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vigie.core.types import Event, FrameResult, Track
from vigie.geometry import segments_intersect, side_of_line
from vigie.rules.base import CameraContext, Rule, register_rule
from vigie.rules.configs import TripwireConfig

__all__ = ["Tripwire"]

Point = tuple[float, float]


@dataclass
class _Side:
    side: int
    point: Point
    last_seen: float


class Tripwire(Rule[TripwireConfig]):
    """Counts a crossing only when a track goes from *clearly* one side to *clearly* the other.

    Hysteresis: the anchor must be at least ``margin`` (fraction of the frame diagonal) from
    the line on both sides, so box flicker on the line never counts. The path between the two
    confirmed positions must cut the drawn segment, not its extension. A track has no side
    until it has been confirmed on one, so a new id born after an ID switch never produces a
    crossing it did not make, and a track must be ``min_track_age_s`` old to count.
    Crossing from the right of start->end (as seen on screen) to its left is ``in``.
    """

    kind = "tripwire"
    config_model = TripwireConfig

    def __init__(self, config: TripwireConfig, camera: CameraContext) -> None:
        super().__init__(config, camera)
        self._line = camera.lines[config.line]
        self._sides: dict[int, _Side] = {}
        self.counts: dict[str, int] = {"in": 0, "out": 0}

    def update(self, result: FrameResult) -> list[Event]:  # noqa: D102
        w, h = result.frame.size
        start, end = _px(self._line[0], w, h), _px(self._line[1], w, h)
        margin = self.config.margin * float(np.hypot(w, h))
        events = []
        for track in self.watched(result):
            if track.last_seen < result.ts:
                continue  # held from an earlier detector run: no new position
            point = _px(track.anchor, w, h)
            side = float(side_of_line([point], start, end)[0])
            crossed = self._observe(track, point, side, margin, (start, end))
            if crossed is not None:
                events.append(self._event(track, crossed, result))
        self._forget(result.ts)
        return events

    def _observe(self, track: Track, point: Point, dist: float, margin: float,
                 line: tuple[Point, Point]) -> str | None:
        if abs(dist) < margin:
            return None
        side = 1 if dist > 0 else -1
        prev = self._sides.get(track.track_id)
        self._sides[track.track_id] = _Side(side, point, track.last_seen)
        if prev is None or prev.side == side:
            return None
        if track.age < self.config.min_track_age_s:
            return None
        if not segments_intersect(prev.point, point, *line):
            return None
        direction = "in" if prev.side > 0 else "out"
        self.counts[direction] += 1
        return direction

    def _event(self, track: Track, direction: str, result: FrameResult) -> Event:
        c = self.config
        n = self.counts["in"] + self.counts["out"]
        return Event(
            kind=self.kind, rule_id=self.rule_id, camera_id=result.camera_id, ts=result.ts,
            wall=result.frame.wall, started_at=result.ts, confidence=round(track.confidence, 3),
            explanation=(f"{track.label} crossed line '{c.line}' going {direction} "
                         f"(count in {self.counts['in']}, out {self.counts['out']})"),
            incident_key=f"{self.rule_id}:{track.track_id}:{n}", zone=c.line,
            track_ids=(track.track_id,), boxes=(track.box,),
            details={"label": track.label, "direction": direction,
                     "count_in": self.counts["in"], "count_out": self.counts["out"]},
            alert=c.alert_direction in (direction, "both"),
        )

    def _forget(self, ts: float) -> None:
        for tid in [t for t, s in self._sides.items() if ts - s.last_seen > 30.0]:
            del self._sides[tid]

    def reset(self) -> None:  # noqa: D102
        self._sides.clear()
        self.counts = {"in": 0, "out": 0}


def _px(p: Point, w: int, h: int) -> Point:
    return (p[0] * w, p[1] * h)


register_rule(Tripwire)
