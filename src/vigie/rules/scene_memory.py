"""Small grey copies of the last seconds of frames: does a region still differ from before?"""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np
import numpy.typing as npt

from vigie.rules.posture import Box

__all__ = ["SceneMemory", "Snapshot"]

Grey = npt.NDArray[np.uint8]
Snapshot = tuple[float, Grey]

#: Grey-level difference (0..255) above which a thumbnail pixel counts as changed.
_CHANGED = 22


class SceneMemory:
    """Keeps a thumbnail per analysed frame for ``keep_s`` seconds.

    A detector often loses a person lying on the ground; comparing where they fell with the
    same place before the fall tells whether someone is still there (a person who walked away
    leaves the place as it was). A global brightness shift (auto-exposure) is discounted.

    Args:
        keep_s: Seconds of history kept.
        width: Thumbnail width in pixels.

    Example:
        >>> memory = SceneMemory(keep_s=5)
        >>> empty = np.zeros((120, 160, 3), np.uint8)
        >>> memory.add(0.0, empty)
        >>> someone = empty.copy()
        >>> someone[60:90, 20:100] = 200
        >>> memory.add(1.0, someone)
        >>> memory.changed_share(memory.before(0.5), (20, 60, 100, 90))
        1.0
    """

    def __init__(self, keep_s: float, width: int = 160) -> None:
        self._keep_s = keep_s
        self._width = width
        self._frames: deque[Snapshot] = deque()
        self._scale = 1.0

    def add(self, ts: float, image: npt.NDArray[np.uint8]) -> None:
        """Remember a (H, W, 3) BGR frame."""
        h, w = image.shape[:2]
        self._scale = min(1.0, self._width / w)
        size = (max(1, round(w * self._scale)), max(1, round(h * self._scale)))
        grey = cv2.cvtColor(cv2.resize(image, size, interpolation=cv2.INTER_AREA),
                            cv2.COLOR_BGR2GRAY)
        blurred: Grey = np.asarray(cv2.GaussianBlur(grey, (3, 3), 0), np.uint8)
        self._frames.append((ts, blurred))
        while self._frames and self._frames[0][0] < ts - self._keep_s:
            self._frames.popleft()

    def before(self, ts: float) -> Snapshot | None:
        """The latest thumbnail taken at or before ``ts``, else the oldest kept."""
        if not self._frames:
            return None
        best = self._frames[0]
        for snap in self._frames:
            if snap[0] > ts:
                break
            best = snap
        return best

    def changed_share(self, reference: Snapshot | None, box: Box) -> float:
        """Share (0..1) of the box's inner pixels that differ between ``reference`` and now."""
        mask = self._changed(reference)
        if mask is None:
            return 0.0
        x1, y1, x2, y2 = self._to_thumb(box, mask.shape, shrink=0.1)
        return float(mask[y1:y2, x1:x2].mean()) if x2 > x1 and y2 > y1 else 0.0

    def changed_region(self, reference: Snapshot | None, box: Box, grow: float = 0.5,
                       exclude: Box | None = None) -> tuple[float, Box | None]:
        """What changed around a box since ``reference``, outside ``exclude``.

        ``exclude`` is where the person stood in the reference: their leaving that place is
        a change too, and not the one looked for.

        Returns:
            The changed area in the box grown by ``grow`` of its size on each side, as a share
            of the box's own area, and the pixel bounding box of those changes (None: none).
        """
        mask = self._changed(reference)
        if mask is None:
            return 0.0, None
        if exclude is not None:
            ex1, ey1, ex2, ey2 = self._to_thumb(exclude, mask.shape, shrink=-0.1)
            mask[ey1:ey2, ex1:ex2] = False
        w, h = box[2] - box[0], box[3] - box[1]
        grown = (box[0] - grow * w, box[1] - grow * h, box[2] + grow * w, box[3] + grow * h)
        x1, y1, x2, y2 = self._to_thumb(grown, mask.shape, shrink=0.0)
        inner = cv2.morphologyEx(mask[y1:y2, x1:x2].astype(np.uint8), cv2.MORPH_OPEN,
                                 np.ones((2, 2), np.uint8))
        ys, xs = np.nonzero(inner)
        area = max(w * h * self._scale ** 2, 1.0)
        if not len(xs):
            return 0.0, None
        found = ((x1 + xs.min()) / self._scale, (y1 + ys.min()) / self._scale,
                 (x1 + xs.max() + 1) / self._scale, (y1 + ys.max() + 1) / self._scale)
        return float(len(xs) / area), found

    def _changed(self, reference: Snapshot | None) -> npt.NDArray[np.bool_] | None:
        """Pixels of the latest thumbnail that differ from ``reference`` (brightness shift
        discounted); None without a comparable reference."""
        if reference is None or not self._frames:
            return None
        now, ref = self._frames[-1][1], reference[1]
        if now.shape != ref.shape:
            return None
        diff = now.astype(np.int16) - ref.astype(np.int16)
        diff -= np.int16(np.median(diff))
        changed: npt.NDArray[np.bool_] = np.abs(diff) > _CHANGED
        return changed

    def _to_thumb(self, box: Box, shape: tuple[int, ...],
                  shrink: float) -> tuple[int, int, int, int]:
        """The box in thumbnail pixels, shrunk by ``shrink`` of its size on each side."""
        w, h = box[2] - box[0], box[3] - box[1]
        x1, y1 = (box[0] + shrink * w) * self._scale, (box[1] + shrink * h) * self._scale
        x2, y2 = (box[2] - shrink * w) * self._scale, (box[3] - shrink * h) * self._scale
        return (max(0, int(x1)), max(0, int(y1)), min(shape[1], int(np.ceil(x2))),
                min(shape[0], int(np.ceil(y2))))

    def reset(self) -> None:
        """Forget every frame."""
        self._frames.clear()
