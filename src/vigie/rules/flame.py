"""Flame cues on a small copy of the frame: flame-coloured regions and how they flicker in place.

Classic video fire detection (Chen et al. 2004, Celik & Demirel 2009, Toreyin et al. 2006):

* **colour**: flame pixels are bright and orange to yellow, ``R >= G >= B`` with a clear gap
  between red and blue; a flame also has a hot core, near-white or bright yellow pixels
  (``R >= 240, G >= 200``) in or next to it, which red clothing, brake lights and most
  orange paint lack;
* **flicker in place**: a flame keeps its place while its pixels change from one analysed
  frame to the next. Each region is compared with itself one frame earlier *after* shifting
  it by the move of its centroid, so a red object that translates rigidly (a car's lights, a
  walker in orange) scores near zero, a static orange object (sign, lamp, low sun) scores
  near zero, and a flame keeps a large share of changed pixels;
* **steady presence**: the region is there in most analysed frames (a light blinking on and
  off is absent half of the time and, when on, has the same shape).

Regions are followed from frame to frame by overlap; each gets an id so that one fire is one
incident. Boxes of a detector's fire or smoke classes can join as extra cues.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import cv2
import numpy as np
import numpy.typing as npt

__all__ = ["Cue", "FlameObservation", "FlameRegion", "FlameTracker", "changed_share", "crop",
           "flame_mask", "hot_mask", "overlap"]

BoolArray = npt.NDArray[np.bool_]
ImageArray = npt.NDArray[np.uint8]
Box = tuple[int, int, int, int]
A = TypeVar("A", BoolArray, ImageArray)
#: A detector's box (frame pixels ``x1, y1, x2, y2``) of a fire class, and its score.
Cue = tuple[tuple[float, float, float, float], float]

#: Smallest red level of a flame pixel (flames saturate the red channel on CCTV).
MIN_RED = 190
#: Smallest share of red that green must reach (orange to yellow; pure red lights fail).
MIN_GREEN_SHARE = 0.35
#: Smallest chromatic saturation ``(R - B) / R`` (white cores, skin and grey fail).
MIN_SATURATION = 0.45
#: Red and green levels of a flame's hot core (near-white or bright yellow).
HOT_RED, HOT_GREEN = 240, 200
#: Most regions followed at once (bounds the cost on a scene full of orange).
MAX_REGIONS = 32


def flame_mask(image: ImageArray) -> BoolArray:
    """(H, W) whether each pixel of a BGR image has a flame's colour.

    Bright (``R >= MIN_RED``), ordered ``R >= G >= B``, orange to yellow
    (``G >= MIN_GREEN_SHARE * R``) and saturated (``R - B >= MIN_SATURATION * R``).
    """
    b, g, r = (image[..., i].astype(np.int16) for i in range(3))
    mask: BoolArray = ((r >= MIN_RED) & (r >= g) & (g >= b)
                       & (g * 100 >= round(MIN_GREEN_SHARE * 100) * r)
                       & ((r - b) * 100 >= round(MIN_SATURATION * 100) * r))
    return mask


def hot_mask(image: ImageArray) -> BoolArray:
    """(H, W) near-white or bright yellow pixels, as in a flame's core."""
    hot: BoolArray = (image[..., 2] >= HOT_RED) & (image[..., 1] >= HOT_GREEN)
    return hot


def crop(array: A, box: Box) -> A:
    """The pixels of ``array`` in ``box`` (x1, y1, x2, y2); zero where the box leaves it."""
    h, w = array.shape[:2]
    x1, y1, x2, y2 = box
    out: A = np.zeros((max(0, y2 - y1), max(0, x2 - x1), *array.shape[2:]), array.dtype)
    sx1, sy1, sx2, sy2 = max(0, x1), max(0, y1), min(w, x2), min(h, y2)
    if sx1 < sx2 and sy1 < sy2:
        out[sy1 - y1:sy2 - y1, sx1 - x1:sx2 - x1] = array[sy1:sy2, sx1:sx2]
    return out


def changed_share(now: tuple[BoolArray, ImageArray], before: tuple[BoolArray, ImageArray],
                  shift: tuple[int, int], level: int) -> float:
    """Share of changed pixels in the union of two flame masks, the earlier moved by ``shift``.

    Args:
        now: (mask, BGR pixels) of this frame.
        before: (mask, BGR pixels) of the previous analysed frame.
        shift: (dx, dy) pixels the earlier frame is moved by before comparing.
        level: Difference (0..255, any channel) that counts a pixel as changed.
    """
    dx, dy = shift
    a, b = _bounds(now[0]), _bounds(before[0])
    box = (min(a[0], b[0] + dx), min(a[1], b[1] + dy), max(a[2], b[2] + dx),
           max(a[3], b[3] + dy))
    back = (box[0] - dx, box[1] - dy, box[2] - dx, box[3] - dy)
    union = crop(now[0], box) | crop(before[0], back)
    diff = np.abs(crop(now[1], box).astype(np.int16)
                  - crop(before[1], back).astype(np.int16)).max(axis=2)
    changed = int(np.count_nonzero(union & (diff >= level)))
    return changed / max(1, int(np.count_nonzero(union)))


@dataclass(frozen=True, slots=True)
class FlameObservation:
    """One region in one analysed frame.

    Attributes:
        ts: Stream time (s).
        area: Flame-coloured pixels of the region, as a fraction of the frame.
        centroid: Centre of those pixels, normalised 0..1 (None: only a detector cue).
        change: Share of the region's pixels that changed since the previous analysed frame,
            as they are or once the centroid's move is undone, whichever is less (a static
            region partly hidden shifts its centroid without moving; None: nothing to
            compare with).
        hot: Hot-core pixels in or next to the region, per flame-coloured pixel.
        cue: Best score of a detector's fire box on the region (0: none).
    """

    ts: float
    area: float
    centroid: tuple[float, float] | None
    change: float | None
    hot: float
    cue: float = 0.0


@dataclass(eq=False)
class FlameRegion:
    """A place where flame-coloured pixels (or a detector's fire box) are found.

    Attributes:
        region_id: Id given by the tracker, unique while it runs, for the incident key.
        box: Working-resolution pixel box ``x1, y1, x2, y2`` of the last observation.
        first_seen: Stream time (s) of the first observation.
        last_seen: Stream time (s) of the last frame the region was there.
        history: Observations of the frames the region was there, oldest first.
        seen: (ts, present) per analysed frame since the region appeared, for presence.
        mask: Flame pixels of the last frame when it was there in that frame, else None.
        pixels: The working copy of that frame.
    """

    region_id: int
    box: Box
    first_seen: float
    last_seen: float
    history: deque[FlameObservation] = field(default_factory=deque)
    seen: deque[tuple[float, bool]] = field(default_factory=deque)
    mask: BoolArray | None = None
    pixels: ImageArray | None = None

    def forget_before(self, ts: float) -> None:
        """Drop observations older than ``ts``."""
        while self.history and self.history[0].ts < ts:
            self.history.popleft()
        while self.seen and self.seen[0][0] < ts:
            self.seen.popleft()


class FlameTracker:
    """Flame-coloured regions of one camera and their per-frame cues.

    Args:
        work_width: Width (px) of the copy the cues are measured on.
        min_area: Smallest region, as a fraction of the frame area.
        change_level: Colour difference (0..255, any channel) that counts a pixel as changed.
        max_gap_s: Seconds a region may vanish before it is forgotten.
        window_s: Seconds of history kept per region.

    Example:
        >>> tracker = FlameTracker()
        >>> tracker.update(np.zeros((90, 160, 3), np.uint8), ts=0.0)
        []
    """

    def __init__(self, work_width: int = 192, min_area: float = 0.0005, change_level: int = 30,
                 max_gap_s: float = 1.5, window_s: float = 2.0) -> None:
        self.work_width = work_width
        self.min_area = min_area
        self.change_level = change_level
        self.max_gap_s = max_gap_s
        self.window_s = window_s
        self.regions: list[FlameRegion] = []
        self.scale = 1.0
        self._next_id = 1
        self._kernel: npt.NDArray[np.uint8] = np.asarray(
            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)), np.uint8)

    def reset(self) -> None:
        """Forget every region (ids keep increasing, so incident keys stay unique)."""
        self.regions = []

    def update(self, image: ImageArray, ts: float, allowed: BoolArray | None = None,
               cues: Sequence[Cue] = ()) -> list[FlameRegion]:
        """Measure one analysed frame; return the regions present in it.

        Args:
            image: The BGR frame.
            ts: Its stream time (s).
            allowed: (h, w) pixels of the working copy that may hold flames (the zone).
            cues: A detector's fire boxes with their scores.
        """
        small = self._shrink(image)
        mask = flame_mask(small)
        if allowed is not None:
            mask &= allowed
        parts = self._components(mask)
        boxes = [self._cue_part(box, mask.shape) for box, _ in cues]
        present = self._assign(parts + boxes, ts)
        hot = hot_mask(small)
        for region, part in present:
            cue = max((s for (_, s), b in zip(cues, boxes, strict=True) if (b & part).any()),
                      default=0.0)
            self._observe(region, mask & part, small, hot, ts, cue)
        self._age(ts, {r.region_id for r, _ in present})
        return [r for r, _ in present]

    def working_size(self, frame_size: tuple[int, int]) -> tuple[int, int]:
        """(w, h) of the working copy of a frame of ``frame_size`` (w, h)."""
        w, h = frame_size
        scale = min(1.0, self.work_width / w)
        return round(w * scale), max(1, round(h * scale))

    def _shrink(self, image: ImageArray) -> ImageArray:
        h, w = image.shape[:2]
        size = self.working_size((w, h))
        self.scale = size[0] / w
        if size[0] == w:
            return image
        return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)

    def _components(self, mask: BoolArray) -> list[BoolArray]:
        """Masks of the groups of nearby flame pixels large enough to measure."""
        grouped = cv2.dilate(mask.astype(np.uint8), self._kernel)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(grouped, connectivity=8)
        min_px = max(4.0, self.min_area * mask.size)
        big = [i for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= min_px]
        parts = [labels == i for i in big]
        return [p for p in parts if np.count_nonzero(p & mask) >= min_px]

    def _cue_part(self, box: tuple[float, float, float, float],
                  shape: tuple[int, ...]) -> BoolArray:
        part = np.zeros(shape[:2], bool)
        x1, y1, x2, y2 = (round(v * self.scale) for v in box)
        part[max(0, y1):max(y1 + 1, y2), max(0, x1):max(x1 + 1, x2)] = True
        return part

    def _assign(self, parts: list[BoolArray], ts: float) -> list[tuple[FlameRegion, BoolArray]]:
        """Each group joins the region whose (grown) box it overlaps most, or starts one."""
        joined: dict[int, tuple[FlameRegion, BoolArray]] = {}
        for part in parts:
            box = _bounds(part)
            best = max(self.regions, key=lambda r: overlap(_grown(r.box), box), default=None)
            if best is None or overlap(_grown(best.box), box) <= 0:
                if len(self.regions) >= MAX_REGIONS:
                    continue
                best = FlameRegion(self._next_id, box, ts, ts)
                self._next_id += 1
                self.regions.append(best)
            previous = joined.get(best.region_id)
            joined[best.region_id] = (best, part if previous is None else previous[1] | part)
        return list(joined.values())

    def _observe(self, region: FlameRegion, mask: BoolArray, small: ImageArray,
                 hot: BoolArray, ts: float, cue: float) -> None:
        ys, xs = np.nonzero(mask)
        h, w = mask.shape
        centroid = (float(xs.mean()) / w, float(ys.mean()) / h) if len(xs) else None
        last = region.history[-1] if region.history else None
        change = None
        if (centroid is not None and region.mask is not None and region.pixels is not None
                and last is not None and last.centroid is not None):
            dx = round((centroid[0] - last.centroid[0]) * w)
            dy = round((centroid[1] - last.centroid[1]) * h)
            change = min(changed_share((mask, small), (region.mask, region.pixels), shift,
                                       self.change_level) for shift in {(0, 0), (dx, dy)})
        hot_share = self._hot_share(mask, hot) / max(1, len(xs))
        region.history.append(FlameObservation(ts, len(xs) / mask.size, centroid, change,
                                               min(1.0, hot_share), cue))
        region.seen.append((ts, True))
        region.mask, region.pixels = (mask, small) if len(xs) else (None, None)
        region.box = _bounds(mask) if len(xs) else region.box
        region.last_seen = ts

    def _hot_share(self, mask: BoolArray, hot: BoolArray) -> float:
        """Hot-core pixels on or next to (2 px) the flame pixels of ``mask``."""
        x1, y1, x2, y2 = _bounds(mask)
        box = (x1 - 2, y1 - 2, x2 + 2, y2 + 2)
        near = cv2.dilate(crop(mask, box).astype(np.uint8), self._kernel).astype(bool)
        return float(np.count_nonzero(crop(hot, box) & near))

    def _age(self, ts: float, present: set[int]) -> None:
        """Note absences; forget old observations and regions gone for too long."""
        for region in self.regions:
            if region.region_id not in present:
                region.mask, region.pixels = None, None
                region.seen.append((ts, False))
            region.forget_before(ts - self.window_s)
        self.regions = [r for r in self.regions if ts - r.last_seen <= self.max_gap_s]


def _bounds(mask: BoolArray) -> Box:
    ys, xs = np.nonzero(mask)
    if not len(xs):
        return 0, 0, 0, 0
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _grown(box: Box) -> Box:
    """A region's box grown by a quarter of its size and 2 px, to catch nearby tongues."""
    mx, my = (box[2] - box[0]) // 4 + 2, (box[3] - box[1]) // 4 + 2
    return box[0] - mx, box[1] - my, box[2] + mx, box[3] + my


def overlap(a: Box, b: Box) -> int:
    """Area shared by two boxes (0 when apart)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(0, w) * max(0, h)
