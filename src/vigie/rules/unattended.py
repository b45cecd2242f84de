"""Who is near a left object: recent sightings of people, distances, stillness, the owner."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from vigie.core.types import Track
from vigie.geometry import Homography

__all__ = ["PERSON_HEIGHT_M", "PeopleMemory", "Proximity", "Sighting", "overlap", "pace",
           "proximity"]

Box = tuple[float, float, float, float]

#: Height of a standing person, the yardstick of distances on an uncalibrated camera.
PERSON_HEIGHT_M = 1.7


@dataclass(frozen=True)
class Sighting:
    """One person track seen in one frame.

    Attributes:
        ts: Stream time (s).
        track_id: The tracker's id (no identity: ids change when tracking breaks).
        box: Pixel box.
        pace: Speed in box heights per second over the last second (a walker makes about
            0.5-1, someone standing still under 0.2); None for a track seen only once.
    """

    ts: float
    track_id: int
    box: Box
    pace: float | None


Attends = Callable[[Sighting], bool]
Distance = Callable[[Sighting], float | None]


@dataclass(frozen=True)
class Proximity:
    """How far a person is from an object.

    Attributes:
        metres: Ground distance, measured (calibrated) or estimated from the person's height.
        near: Whether that is within the attending radius.
    """

    metres: float
    near: bool


def pace(track: Track, frame_size: tuple[int, int]) -> float | None:
    """A track's speed in its own box heights per second; None when seen only once.

    Box heights make the speed comparable across the depth of the view: a person walks
    about half to one of their own heights per second, less when walking along the line of
    sight.
    """
    if len(track.history) < 2:
        return None
    w, h = frame_size
    px = float(np.hypot(track.velocity[0] * w, track.velocity[1] * h))
    return px / max(track.box[3] - track.box[1], 1.0)


def proximity(person: Box, obj: Box, frame_size: tuple[int, int], radius_m: float,
              relative_radius: float, homography: Homography | None) -> Proximity:
    """Distance from a person (the bottom-centre of their box) to an object's box.

    Calibrated: metres on the ground between the person's feet and the object's base.
    Otherwise the pixel distance to the object's box is turned into metres with the person's
    own box height standing for 1.7 m; the person is also near within ``relative_radius``
    object widths. Perspective shortens distances along the line of sight, so the estimate
    errs towards "near" (fewer alerts, never more).
    """
    ax, ay = (person[0] + person[2]) / 2, person[3]
    if homography is not None:
        w, h = frame_size
        g = homography.to_ground([(ax / w, ay / h), ((obj[0] + obj[2]) / 2 / w, obj[3] / h)])
        metres = float(np.hypot(*(g[0] - g[1])))
        return Proximity(metres, metres <= radius_m)
    dx = max(obj[0] - ax, 0.0, ax - obj[2])
    dy = max(obj[1] - ay, 0.0, ay - obj[3])
    pixels = math.hypot(dx, dy)
    metres = pixels / max(person[3] - person[1], 1.0) * PERSON_HEIGHT_M
    near = metres <= radius_m or pixels <= relative_radius * (obj[2] - obj[0])
    return Proximity(metres, near)


def overlap(a: Box, b: Box, grow: float = 0.0) -> float:
    """Area of ``a`` inside ``b`` (grown by ``grow`` of its size on each side), as a share of a."""
    pw, ph = (b[2] - b[0]) * grow, (b[3] - b[1]) * grow
    x1, y1 = max(a[0], b[0] - pw), max(a[1], b[1] - ph)
    x2, y2 = min(a[2], b[2] + pw), min(a[3], b[3] + ph)
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    area = max((a[2] - a[0]) * (a[3] - a[1]), 1e-9)
    return inter / area


class PeopleMemory:
    """The person tracks of the last ``keep_s`` seconds, to find an object's owner afterwards.

    An object is only recognised seconds after it was set down, once it stands clear of
    the person who brought it; by then that person may have walked away.
    """

    def __init__(self, keep_s: float) -> None:
        self.keep_s = keep_s
        self._seen: deque[Sighting] = deque()

    def reset(self) -> None:
        """Forget everyone."""
        self._seen.clear()

    def add(self, ts: float, tracks: Iterable[Track], frame_size: tuple[int, int]) -> None:
        """Record this frame's person tracks and forget the oldest sightings."""
        self._seen.extend(Sighting(ts, t.track_id, t.box, pace(t, frame_size)) for t in tracks)
        while self._seen and self._seen[0].ts < ts - self.keep_s:
            self._seen.popleft()

    def at(self, ts: float) -> list[Sighting]:
        """The sightings of the frame at ``ts``."""
        return [s for s in self._seen if s.ts == ts]

    def owner(self, since: float, distance: Distance, window_s: float = 5.0) -> Sighting | None:
        """The person closest to the object around the time it stopped, if near enough.

        Args:
            since: When the object became still (s).
            distance: Metres from a person to the object, None when not near.
            window_s: How far from ``since`` a sighting may be.
        """
        near = [(d, abs(s.ts - since), s) for s in self._seen
                if abs(s.ts - since) <= window_s and (d := distance(s)) is not None]
        return min(near, key=lambda x: (x[0], x[1]))[2] if near else None

    def last_attended(self, attends: Attends) -> float | None:
        """When a person last attended the object, if within memory."""
        times = [s.ts for s in self._seen if attends(s)]
        return max(times) if times else None

    def largest(self, near: Attends) -> float:
        """Largest box area (px2) among the remembered sightings ``near`` accepts; 0 if none."""
        return max(((s.box[2] - s.box[0]) * (s.box[3] - s.box[1]) for s in self._seen
                    if near(s)), default=0.0)

    def latest(self, track_id: int) -> Sighting | None:
        """The last sighting of a track."""
        for s in reversed(self._seen):
            if s.track_id == track_id:
                return s
        return None

