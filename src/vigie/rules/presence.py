"""Who is in a zone and since when, robust to box flicker, short occlusions and ID switches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vigie.core.types import Track
from vigie.geometry import points_in_polygon, prepared_polygon

__all__ = ["Presence", "PresenceTracker"]

Point = tuple[float, float]


@dataclass
class Presence:
    """One incident: an object in the zone, possibly seen under several track ids."""

    key: str
    entered: float
    last_inside: float
    track: Track
    track_ids: list[int]
    fired: bool = False

    def dwell(self, ts: float) -> float:
        """Seconds since entry."""
        return ts - self.entered


class PresenceTracker:
    """Follows watched tracks inside one polygon.

    An incident survives the object stepping out or vanishing for up to ``grace_s``; a new
    track id appearing inside, close to where a vanished one was last seen, continues its
    incident (a tracker ID switch must not restart the clock nor raise a second alert).

    Args:
        polygon: Zone vertices, normalised.
        grace_s: Seconds an incident survives without its object inside.
        handover_distance: Greatest anchor distance (normalised) for an ID-switch handover.
    """

    def __init__(self, polygon: Sequence[Point], grace_s: float,
                 handover_distance: float = 0.06) -> None:
        self._polygon = prepared_polygon(polygon)
        self._grace_s = grace_s
        self._handover = handover_distance
        self._by_track: dict[int, Presence] = {}
        self._next_key = 0

    def update(self, tracks: Sequence[Track], ts: float) -> list[Presence]:
        """Record this frame's tracks; return the incidents whose object is inside now."""
        inside = self._inside(tracks)
        current: list[Presence] = []
        for track in inside:
            presence = self._by_track.get(track.track_id) or self._adopt(track, ts)
            presence.last_inside, presence.track = ts, track
            if track.track_id not in presence.track_ids:
                presence.track_ids.append(track.track_id)
            self._by_track[track.track_id] = presence
            current.append(presence)
        self._expire(ts)
        return list({id(p): p for p in current}.values())

    def active(self) -> list[Presence]:
        """Every incident not yet expired."""
        return list({id(p): p for p in self._by_track.values()}.values())

    def reset(self) -> None:
        """Forget everything."""
        self._by_track.clear()

    def _inside(self, tracks: Sequence[Track]) -> list[Track]:
        if not tracks:
            return []
        mask = points_in_polygon(np.array([t.anchor for t in tracks]), self._polygon)
        return [t for t, m in zip(tracks, mask, strict=True) if m]

    def _adopt(self, track: Track, ts: float) -> Presence:
        orphan = self._nearest_orphan(track, ts)
        if orphan is not None:
            return orphan
        self._next_key += 1
        return Presence(key=str(self._next_key), entered=ts, last_inside=ts, track=track,
                        track_ids=[])

    def _nearest_orphan(self, track: Track, ts: float) -> Presence | None:
        """An incident whose object was not seen this frame, last seen close to this track."""
        best, best_d = None, self._handover
        for presence in self.active():
            if presence.last_inside >= ts or presence.track.label != track.label:
                continue
            d = float(np.hypot(presence.track.anchor[0] - track.anchor[0],
                               presence.track.anchor[1] - track.anchor[1]))
            if d <= best_d:
                best, best_d = presence, d
        return best

    def _expire(self, ts: float) -> None:
        for tid, presence in list(self._by_track.items()):
            if ts - presence.last_inside > self._grace_s:
                del self._by_track[tid]
