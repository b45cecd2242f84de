"""Recent paths of watched objects inside a zone, continued across tracker ID switches."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from vigie.core.types import VEHICLE_CLASSES, Track
from vigie.geometry import Homography, points_in_polygon, prepared_polygon
from vigie.rules.directions import fitted_displacement

__all__ = ["Path", "PathBook", "Sample"]

Point = tuple[float, float]

#: Seconds a path survives without its object inside the zone (stepping out, occlusion),
#: and the longest gap a tracker ID switch may leave for the new id to continue the path.
KEEP_S = 2.0
#: A new id continues a vanished path when it appears within this many box heights of where
#: that path's object should be by now.
HANDOVER_HEIGHTS = 0.6


@dataclass(frozen=True, slots=True)
class Sample:
    """One sighting: where (in measurement units and in pixels) and how big."""

    ts: float
    point: Point   # metres on the ground when calibrated, else pixels
    pixel: Point   # anchor in pixels
    height: float  # box height in pixels


@dataclass
class Path:
    """One object's recent movement inside a zone, possibly seen under several track ids.

    Attributes:
        key: Id of the path on its book (the first track id it was seen under).
        label: The object's label when the path began.
        first_seen: Stream time the tracker first saw the object (its first id).
        samples: Sightings inside the zone, oldest first, within the book's window.
        track_ids: Every id the object was seen under, in order.
        last_inside: Stream time of the last sighting inside the zone.
        fired: Whether a rule already raised its event for this path.
    """

    key: int
    label: str
    first_seen: float
    samples: deque[Sample] = field(default_factory=deque)
    track_ids: list[int] = field(default_factory=list)
    last_inside: float = 0.0
    fired: bool = False

    def arrays(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """(N,) times and (N, 2) points of the samples."""
        ts = np.array([s.ts for s in self.samples], np.float64)
        return ts, np.array([s.point for s in self.samples], np.float64).reshape(-1, 2)

    def pixel_velocity(self) -> Point:
        """Pixels per second over the last second of samples."""
        recent = [s for s in self.samples if s.ts >= self.last_inside - 1.0]
        dx, dy = fitted_displacement([s.ts for s in recent], [s.pixel for s in recent])
        span = recent[-1].ts - recent[0].ts if len(recent) > 1 else 0.0
        return (dx / span, dy / span) if span > 0 else (0.0, 0.0)


class PathBook:
    """Keeps the path of every watched object inside one zone (or the whole frame).

    Only fresh sightings count (a track held by the tracker between detector runs adds no
    sample). An object that steps out, or vanishes behind an obstacle, keeps its path for
    ``KEEP_S``. A new track id (one the tracker created less than ``KEEP_S`` ago) appearing
    where a vanished path's object should be by now, moving along its last velocity, continues
    that path: an ID switch neither restarts the path nor joins two objects' positions into a
    fake reversal.

    Args:
        polygon: Zone vertices, normalised; None = the whole frame.
        window_s: Seconds of samples kept per path.
        homography: Image (normalised) to ground (metres) mapping; None = measure in pixels.
    """

    def __init__(self, polygon: Sequence[Point] | None, window_s: float,
                 homography: Homography | None = None) -> None:
        self._polygon = prepared_polygon(polygon) if polygon is not None else None
        self._window_s = window_s
        self._homography = homography
        self._paths: dict[int, Path] = {}  # by track id; several ids may share one path

    def update(self, tracks: Sequence[Track], ts: float,
               frame_size: tuple[int, int]) -> list[tuple[Track, Path]]:
        """Record this frame's fresh sightings; return each object inside with its path."""
        fresh = [t for t in tracks if t.last_seen >= ts]
        inside = [t for t, m in zip(fresh, self._inside(fresh), strict=True) if m]
        points = self._measure([t.anchor for t in inside], frame_size)
        out = []
        for track, point in zip(inside, points, strict=True):
            path = self._paths.get(track.track_id) or self._adopt(track, ts, frame_size)
            self._paths[track.track_id] = path
            if track.track_id not in path.track_ids:
                path.track_ids.append(track.track_id)
            w, h = frame_size
            pixel = (track.anchor[0] * w, track.anchor[1] * h)
            path.samples.append(Sample(ts, point, pixel, track.box[3] - track.box[1]))
            while path.samples and path.samples[0].ts < ts - self._window_s:
                path.samples.popleft()
            path.last_inside = ts
            out.append((track, path))
        self._expire(ts)
        return out

    def paths(self) -> list[Path]:
        """Every path not yet expired."""
        return list({id(p): p for p in self._paths.values()}.values())

    def reset(self) -> None:
        """Forget every path."""
        self._paths.clear()

    def _inside(self, tracks: Sequence[Track]) -> npt.NDArray[np.bool_]:
        if self._polygon is None or not tracks:
            return np.ones(len(tracks), bool)
        return points_in_polygon(np.array([t.anchor for t in tracks]), self._polygon)

    def _measure(self, anchors: Sequence[Point], frame_size: tuple[int, int]) -> list[Point]:
        if not anchors:
            return []
        if self._homography is not None:
            ground = self._homography.to_ground(anchors)
            return [(float(x), float(y)) for x, y in ground]
        w, h = frame_size
        return [(x * w, y * h) for x, y in anchors]

    def _adopt(self, track: Track, ts: float, frame_size: tuple[int, int]) -> Path:
        orphan = self._orphan_for(track, ts, frame_size) if track.age < KEEP_S else None
        if orphan is not None:
            for tid in orphan.track_ids:  # the old id, should it come back, is someone else
                self._paths.pop(tid, None)
            return orphan
        return Path(key=track.track_id, label=track.label, first_seen=track.first_seen)

    def _orphan_for(self, track: Track, ts: float, frame_size: tuple[int, int]) -> Path | None:
        """The vanished path whose object this new id most plausibly is, if any."""
        w, h = frame_size
        x, y = track.anchor[0] * w, track.anchor[1] * h
        best, best_d = None, HANDOVER_HEIGHTS * (track.box[3] - track.box[1])
        for path in self.paths():
            if path.last_inside >= ts or not _same_kind(path.label, track.label):
                continue
            last = path.samples[-1]
            vx, vy = path.pixel_velocity()
            dt = ts - last.ts
            d = float(np.hypot(last.pixel[0] + vx * dt - x, last.pixel[1] + vy * dt - y))
            if d <= best_d:
                best, best_d = path, d
        return best

    def _expire(self, ts: float) -> None:
        for tid in [t for t, p in self._paths.items() if ts - p.last_inside > KEEP_S]:
            del self._paths[tid]


def _same_kind(a: str, b: str) -> bool:
    return a == b or (a in VEHICLE_CLASSES and b in VEHICLE_CLASSES)
