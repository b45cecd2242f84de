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
    velocity: Point = (0.0, 0.0)  # pixels per second

    def predicted(self, ts: float) -> Point:
        """Where the anchor should be at ``ts`` if the object kept its speed."""
        dt = min(ts - self.last_seen, _HANDOVER_S)
        return (self.point[0] + self.velocity[0] * dt, self.point[1] + self.velocity[1] * dt)


_HANDOVER_S = 2.0
_EPS = 1e-6


class Tripwire(Rule[TripwireConfig]):
    """Counts a crossing only when a track goes from *clearly* one side to *clearly* the other.

    Hysteresis: the anchor must be at least ``margin`` (fraction of the frame diagonal) from
    the line on both sides, so box flicker on the line never counts. The path between the two
    confirmed positions must cut the drawn segment, not its extension. A track must be
    ``min_track_age_s`` old to count.

    ID switches: a new id has no side of its own; it takes over the side of a track that
    vanished less than 2 s ago when it appears where that track should be by now (within half
    a box height of its predicted position). So a crossing split between two ids counts once,
    and a new id never counts a crossing nobody made.
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
            crossed = self._observe(track, point, side, margin, (start, end), (w, h))
            if crossed is not None:
                events.append(self._event(track, crossed, result))
        self._forget(result.ts)
        return events

    def _observe(self, track: Track, point: Point, dist: float, margin: float,
                 line: tuple[Point, Point], frame_size: tuple[int, int]) -> str | None:
        if abs(dist) < margin:
            return None
        side = 1 if dist > 0 else -1
        prev = self._sides.get(track.track_id)
        continued = prev is None and (prev := self._hand_over(track, point)) is not None
        too_young = track.age < self.config.min_track_age_s - _EPS and not continued
        if prev is not None and prev.side != side and too_young:
            return None  # keep the old side: the crossing counts once the track is old enough
        w, h = frame_size
        velocity = (track.velocity[0] * w, track.velocity[1] * h)
        self._sides[track.track_id] = _Side(side, point, track.last_seen, velocity)
        if prev is None or prev.side == side:
            return None
        if not segments_intersect(prev.point, point, *line):
            return None
        direction = "in" if prev.side > 0 else "out"
        self.counts[direction] += 1
        return direction

    def _hand_over(self, track: Track, point: Point) -> _Side | None:
        """The side of a vanished track that this new id plausibly continues, if any."""
        now, best, best_d = track.last_seen, None, 0.5 * (track.box[3] - track.box[1])
        current = {t for t, s in self._sides.items() if s.last_seen >= now}
        for tid, state in self._sides.items():
            if tid in current or now - state.last_seen > _HANDOVER_S:
                continue
            guess = state.predicted(now)
            d = float(np.hypot(guess[0] - point[0], guess[1] - point[1]))
            if d <= best_d:
                best, best_d = tid, d
        return None if best is None else self._sides.pop(best)

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
