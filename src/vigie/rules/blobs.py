"""Moving regions followed from frame to frame, for views where the detector sees no objects."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vigie.core.types import Track

__all__ = ["BlobFollower", "MOTION_LABEL"]

#: Label of the tracks made from moving regions.
MOTION_LABEL = "motion"

Box = tuple[float, float, float, float]


@dataclass
class _Blob:
    blob_id: int
    box: Box
    first_seen: float
    last_seen: float
    velocity: tuple[float, float] = (0.0, 0.0)  # pixels per second

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2)

    def predicted(self, ts: float) -> tuple[float, float]:
        dt = ts - self.last_seen
        cx, cy = self.centre
        return (cx + self.velocity[0] * dt, cy + self.velocity[1] * dt)

    @property
    def size(self) -> float:
        return max(self.box[2] - self.box[0], self.box[3] - self.box[1])


class BlobFollower:
    """Gives the motion boxes of successive frames stable ids, as a crude class-agnostic tracker.

    A box continues the blob whose predicted centre (last centre moved along its velocity) is
    nearest, if that is within the larger side of the blob's last box; other boxes start
    new blobs; a blob unseen for ``max_gap_s`` ends. The tracks it returns are labelled
    ``motion`` and anchored at the box centre (a moving region has no feet).

    Args:
        max_gap_s: Seconds a blob may go unseen and still continue.

    Example:
        >>> f = BlobFollower()
        >>> size = (100, 100)
        >>> _ = f.update(np.array([[10, 40, 30, 60]], np.float32), 0.0, size)
        >>> [t.track_id for t in f.update(np.array([[18, 40, 38, 60]], np.float32), 0.2, size)]
        [1]
    """

    def __init__(self, max_gap_s: float = 0.6) -> None:
        self._max_gap_s = max_gap_s
        self._blobs: dict[int, _Blob] = {}
        self._next_id = 1

    def update(self, boxes: npt.NDArray[np.float32], ts: float,
               frame_size: tuple[int, int]) -> tuple[Track, ...]:
        """Associate this frame's motion boxes (M, 4 pixels) with blobs; return the tracks."""
        self._blobs = {i: b for i, b in self._blobs.items()
                       if ts - b.last_seen <= self._max_gap_s}
        matched = self._match(boxes, ts)
        out = []
        for row, box in enumerate(boxes):
            new_box: Box = (float(box[0]), float(box[1]), float(box[2]), float(box[3]))
            blob = self._blobs.get(matched.get(row, -1))
            if blob is None:
                blob = _Blob(self._next_id, new_box, ts, ts)
                self._blobs[blob.blob_id] = blob
                self._next_id += 1
            else:
                self._move(blob, new_box, ts)
            out.append(_track(blob, frame_size))
        return tuple(out)

    def reset(self) -> None:
        """Forget every blob."""
        self._blobs.clear()

    def _match(self, boxes: npt.NDArray[np.float32], ts: float) -> dict[int, int]:
        """Box row -> blob id, greedily by distance to each blob's predicted centre."""
        blobs = [b for b in self._blobs.values() if b.last_seen < ts]
        if not len(boxes) or not blobs:
            return {}
        centres = np.stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2], 1)
        guess = np.array([b.predicted(ts) for b in blobs])
        dist = np.hypot(*(centres[:, None, :] - guess[None, :, :]).transpose(2, 0, 1))
        gate = np.array([b.size for b in blobs])[None, :]
        pairs: dict[int, int] = {}
        used: set[int] = set()
        for flat in np.argsort(dist, axis=None):
            row, col = divmod(int(flat), len(blobs))
            if dist[row, col] > gate[0, col]:
                break
            if row in pairs or col in used:
                continue
            pairs[row] = blobs[col].blob_id
            used.add(col)
        return pairs

    @staticmethod
    def _move(blob: _Blob, box: Box, ts: float) -> None:
        dt = ts - blob.last_seen
        old = blob.centre
        blob.box, blob.last_seen = box, ts
        new = blob.centre
        v = ((new[0] - old[0]) / dt, (new[1] - old[1]) / dt)
        blob.velocity = (0.5 * (blob.velocity[0] + v[0]), 0.5 * (blob.velocity[1] + v[1])) \
            if blob.velocity != (0.0, 0.0) else v


def _track(blob: _Blob, frame_size: tuple[int, int]) -> Track:
    w, h = frame_size
    cx, cy = blob.centre
    return Track(track_id=blob.blob_id, label=MOTION_LABEL, box=blob.box, confidence=1.0,
                 anchor=(cx / w, cy / h), first_seen=blob.first_seen, last_seen=blob.last_seen,
                 velocity=(blob.velocity[0] / w, blob.velocity[1] / h))
