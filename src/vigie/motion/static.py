"""Static foreground: what entered the scene and then stopped (dual background model).

After Porikli, Ivanov and Haga, "Robust abandoned object detection using dual foregrounds"
(EURASIP JASP 2008): a long-term background holds the empty scene, a short-term one absorbs
whatever stops within seconds. A pixel that differs from the long-term background but not
from the short-term one belongs to something that arrived and stays still; how long it has
done so is accumulated per pixel, in seconds of stream time.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

__all__ = ["Blob", "StaticForeground", "StaticParams"]

Mask = npt.NDArray[np.bool_]
Image = npt.NDArray[np.float32]
Box = tuple[float, float, float, float]

_KERNEL3 = np.ones((3, 3), np.uint8)
_KERNEL5 = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
_MAX_STEP_S = 1.0  # a longer gap between frames counts as this much time
_SAME_VIEW = 0.8   # share of a region's pixels that must match an older view
_SUBSAMPLE = 8     # every n-th pixel in each direction for frame-wide statistics


@dataclass(frozen=True)
class StaticParams:
    """Settings of the dual background model; times in seconds of stream time.

    Attributes:
        width: Working width in pixels (the frame is shrunk to it, keeping its aspect).
        short_s: Time constant of the short-term background: a thing still for about this
            long stops being foreground in it.
        long_s: Time constant with which the long-term background follows slow changes
            (daylight) where it sees background.
        absorb_s: Time constant with which foreground fades into the long-term background;
            bounds how long anything can stay "static foreground".
        learn_s: Warm-up after a start or reset: the long-term background learns fast, no
            static evidence is gathered.
        min_diff: Smallest colour difference (0-255 levels) that counts as foreground.
        noise_k: The threshold is at least this many times the frame's noise level.
        decay: Static evidence fades this many times faster than it grows once a pixel is
            background again.
        confirm_s: Seconds a pixel must have matched the long-term background before
            anything static there counts: a background learnt while people walked through it
            (smeared) is first corrected, at the ``long_s`` pace, instead of being taken for
            something left.
        snapshot_s: Seconds between snapshots of the short-term background; the last
            ``snapshots`` are kept (two minutes by default) to tell something new from a
            place that merely looks again as it looked before (see :meth:`seen_before`).
    """

    width: int = 320
    short_s: float = 2.0
    long_s: float = 30.0
    absorb_s: float = 600.0
    learn_s: float = 5.0
    min_diff: float = 25.0
    noise_k: float = 4.0
    decay: float = 2.0
    confirm_s: float = 3.0
    snapshot_s: float = 10.0
    snapshots: int = 12


@dataclass(frozen=True)
class Blob:
    """A connected region of static foreground, at working resolution.

    Attributes:
        x, y: Top-left corner of ``mask`` in working pixels.
        mask: (h, w) the region's pixels inside its bounding box.
        static_s: Seconds its pixels have been static (a high percentile of their evidence).
    """

    x: int
    y: int
    mask: Mask
    static_s: float

    @property
    def area(self) -> int:
        """Pixels in the region."""
        return int(self.mask.sum())

    def box(self, scale: float) -> Box:
        """Bounding box in frame pixels, for a working scale (working px per frame px)."""
        h, w = self.mask.shape
        return (self.x / scale, self.y / scale, (self.x + w) / scale, (self.y + h) / scale)


class StaticForeground:
    """Per-pixel static evidence from a long-term and a short-term background; one per camera.

    Example:
        >>> sf = StaticForeground(StaticParams(width=64, learn_s=1.0, short_s=0.5, confirm_s=0.5))
        >>> empty = np.full((48, 64, 3), 100, np.uint8)
        >>> for i in range(10):
        ...     sf.update(empty, i * 0.2)
        >>> bag = empty.copy(); bag[20:30, 20:30] = 20
        >>> for i in range(10, 40):
        ...     sf.update(bag, i * 0.2)
        >>> [(b.x, b.y, b.mask.shape) for b in sf.blobs(min_static_s=2.0)]
        [(20, 20, (10, 10))]
    """

    def __init__(self, params: StaticParams) -> None:
        self.params = params
        self.scale = 1.0
        self._started: float | None = None
        self._last: float | None = None
        self._frame: Image | None = None
        self._short: Image | None = None
        self._long: Image | None = None
        self._evidence = np.zeros((0, 0), np.float32)
        self._fg_long = np.zeros((0, 0), bool)
        self._known = np.zeros((0, 0), np.float32)
        self._fg_short = np.zeros((0, 0), bool)
        self._threshold = self.params.min_diff
        self._snapshots: deque[tuple[float, npt.NDArray[np.uint8]]] = deque(
            maxlen=self.params.snapshots)

    def reset(self) -> None:
        """Forget both backgrounds and all evidence (the view changed)."""
        self.__init__(self.params)  # type: ignore[misc]

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width) of the working resolution; (0, 0) before the first frame."""
        h, w = self._evidence.shape[:2]
        return int(h), int(w)

    @property
    def ready(self) -> bool:
        """Whether the warm-up is over and evidence is being gathered."""
        return (self._started is not None and self._last is not None
                and self._last - self._started >= self.params.learn_s)

    def update(self, image: npt.NDArray[np.uint8], ts: float) -> None:
        """Feed one BGR frame taken at stream time ``ts`` (s)."""
        frame = self._shrink(image)
        if self._short is None or self._long is None or self._frame is None \
                or frame.shape != self._frame.shape:
            self._start(frame, ts)
            return
        dt = min(max(ts - (self._last or ts), 0.0), _MAX_STEP_S)
        self._last, self._frame = ts, frame
        short, long_ = self._short, self._long
        d_short = _diff(frame, short)
        d_long = _diff(frame, long_ * self._gain(frame, long_))
        thr = max(self.params.min_diff, self.params.noise_k * _noise(d_short))
        fg_short, fg_long = d_short > thr, d_long > thr
        self._threshold, self._fg_short = thr, fg_short
        self._fg_long = fg_long
        _blend(short, frame, _rate(dt, self.params.short_s))
        if not self.ready:
            _blend(long_, frame, _rate(dt, self.params.short_s))
            return
        confirmed = self._known >= self.params.confirm_s
        self._gather(fg_long, fg_short, confirmed, dt)
        self._known[~fg_long] = np.minimum(self._known[~fg_long] + dt, self.params.confirm_s)
        held = fg_long & confirmed
        _blend(long_, frame, _rate(dt, self.params.absorb_s), held.astype(np.uint8))
        _blend(long_, frame, _rate(dt, self.params.long_s), (~held & ~fg_short).astype(np.uint8))
        if not self._snapshots or ts - self._snapshots[-1][0] >= self.params.snapshot_s:
            self._snapshots.append((ts, np.clip(short, 0, 255).astype(np.uint8)))

    def blobs(self, min_static_s: float, min_area_px: int = 4) -> list[Blob]:
        """Regions still there whose pixels have been static for at least ``min_static_s``."""
        if not self.ready:
            return []
        now = cv2.dilate(self._fg_long.astype(np.uint8), _KERNEL3).astype(bool)
        seed = cv2.morphologyEx(((self._evidence >= min_static_s) & now).astype(np.uint8),
                                cv2.MORPH_CLOSE, _KERNEL5)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(seed, connectivity=8)
        out = []
        for i in range(1, n):
            x, y, w, h, area = (int(v) for v in stats[i])
            if area < min_area_px:
                continue
            mask = labels[y:y + h, x:x + w] == i
            ev = self._evidence[y:y + h, x:x + w][mask]
            out.append(Blob(x, y, mask, float(np.percentile(ev, 90))))
        return out

    def presence(self, blob: Blob) -> float:
        """Share (0..1) of a region's pixels that still differ from the long-term background."""
        fg = self._crop(self._fg_long, blob)
        return float(fg[blob.mask].mean()) if fg.size and blob.mask.any() else 0.0

    def static_s(self, blob: Blob) -> float:
        """Seconds a region's pixels have been static, now."""
        ev = self._crop(self._evidence, blob).astype(np.float32)
        return float(np.percentile(ev[blob.mask], 90)) if ev.size and blob.mask.any() else 0.0

    def absorb(self, blob: Blob) -> None:
        """Make a region part of the long-term background now and drop its evidence."""
        if self._long is None or self._frame is None:
            return
        h, w = blob.mask.shape
        sl = (slice(blob.y, blob.y + h), slice(blob.x, blob.x + w))
        self._long[sl][blob.mask] = self._frame[sl][blob.mask]
        self._evidence[sl][blob.mask] = 0.0

    def seen_before(self, blob: Blob, before: float) -> bool:
        """Whether the region looks now as it did in a snapshot taken by ``before`` (s).

        Something left there was not there before it arrived; a region that matches an older
        view almost everywhere (80 % of its pixels) is the scene itself, wrongly remembered
        by the long-term background (a smear of passers-by, a ghost).
        """
        if self._frame is None:
            return False
        h, w = blob.mask.shape
        sl = (slice(blob.y, blob.y + h), slice(blob.x, blob.x + w))
        now = self._frame[sl][blob.mask]
        for ts, snap in self._snapshots:
            if ts > before:
                break
            diff = np.abs(now - snap[sl][blob.mask].astype(np.float32)).max(axis=1)
            if diff.size and float((diff < self._threshold).mean()) >= _SAME_VIEW:
                return True
        return False

    def is_ghost(self, blob: Blob) -> bool:
        """Whether the region is a hole left by something that was in the long-term background.

        A real object stands out from what surrounds it now, more than the long-term
        background there stood out from its own surroundings. A ghost (someone who stood
        there while the background was learnt, then left) is the other way round: the
        ground now continues across the region.
        """
        margin = 4
        cur, bg = self._patches(blob, margin=margin)
        if cur is None or bg is None:
            return False
        inner = np.pad(blob.mask, margin)
        ring = cv2.dilate(inner.astype(np.uint8), _KERNEL3, iterations=3).astype(bool) & ~inner
        c_cur = abs(float(cur[inner].mean()) - float(cur[ring].mean()))
        c_bg = abs(float(bg[inner].mean()) - float(bg[ring].mean()))
        return c_cur < 0.5 * c_bg

    def quiet(self, blob: Blob, grow: float = 0.5, max_moving: float = 0.02) -> bool:
        """Whether nothing moves on or around a region (judging it is then reliable)."""
        if self._fg_short.size == 0:
            return False
        h, w = blob.mask.shape
        gy, gx = round(h * grow), round(w * grow)
        area = self._fg_short[max(blob.y - gy, 0):blob.y + h + gy,
                              max(blob.x - gx, 0):blob.x + w + gx]
        return bool(area.size) and float(area.mean()) <= max_moving

    def is_lighting(self, blob: Blob, min_ncc: float = 0.8) -> bool:
        """Whether the region is the same texture under other light (shadow, lamp, reflection).

        The normalised cross-correlation of the current frame with the long-term background
        over the region stays high when only the light changed.
        """
        cur, bg = self._patches(blob, margin=0)
        if cur is None or bg is None:
            return False
        a, b = cur[blob.mask].astype(np.float64), bg[blob.mask].astype(np.float64)
        a, b = a - a.mean(), b - b.mean()
        if a.std() < 3.0 or b.std() < 3.0:
            return False
        return bool((a * b).mean() / (a.std() * b.std()) >= min_ncc)

    def _start(self, frame: Image, ts: float) -> None:
        self._started = self._last = ts
        self._frame, self._short, self._long = frame, frame.copy(), frame.copy()
        self._evidence = np.zeros(frame.shape[:2], np.float32)
        self._fg_long = np.zeros(frame.shape[:2], bool)
        self._known = np.zeros(frame.shape[:2], np.float32)

    def _gather(self, fg_long: Mask, fg_short: Mask, confirmed: Mask, dt: float) -> None:
        """Grow evidence where static, hold it where occluded, let it fade where background.

        Static pixels are closed then opened (a pixel of a low-contrast object that dips
        under the threshold keeps growing; lone specks of noise do not). Evidence fades only
        where both backgrounds agree again, away from any foreground pixel: a one-frame
        dropout holds it (object removal is judged per object, see :meth:`presence`).
        """
        static = (fg_long & ~fg_short & confirmed).astype(np.uint8)
        static = cv2.morphologyEx(cv2.morphologyEx(static, cv2.MORPH_CLOSE, _KERNEL3),
                                  cv2.MORPH_OPEN, _KERNEL3).astype(bool)
        ev = self._evidence
        ev[static] += dt
        gone = ~cv2.dilate(fg_long.astype(np.uint8), _KERNEL3).astype(bool) & ~fg_short
        ev[gone] = np.maximum(ev[gone] - self.params.decay * dt, 0.0)

    def _shrink(self, image: npt.NDArray[np.uint8]) -> Image:
        """The frame at working width, smoothed (halvings by area averaging are cheap)."""
        h, w = image.shape[:2]
        self.scale = min(1.0, self.params.width / w)
        size = (max(1, round(w * self.scale)), max(1, round(h * self.scale)))
        small = np.asarray(image)
        while small.shape[1] >= 2 * size[0]:
            small = np.asarray(cv2.resize(small, None, fx=0.5, fy=0.5,
                                          interpolation=cv2.INTER_AREA))
        if small.shape[1] != size[0]:
            small = np.asarray(cv2.resize(small, size, interpolation=cv2.INTER_LINEAR))
        return cv2.GaussianBlur(small, (5, 5), 0).astype(np.float32)

    def _gain(self, frame: Image, background: Image) -> float:
        """Global brightness ratio frame / background (automatic exposure, dusk)."""
        f = float(np.median(frame[::_SUBSAMPLE, ::_SUBSAMPLE]))
        b = float(np.median(background[::_SUBSAMPLE, ::_SUBSAMPLE]))
        return min(2.0, max(0.5, f / b)) if b > 1.0 else 1.0

    def _patches(self, blob: Blob, margin: int) -> tuple[Image | None, Image | None]:
        """Grey current frame and long-term background around a region, grown by ``margin``."""
        if self._frame is None or self._long is None:
            return None, None
        h, w = blob.mask.shape
        box = (blob.x - margin, blob.y - margin, w + 2 * margin, h + 2 * margin)
        return _window(self._frame, box), _window(self._long, box)

    def _crop(self, arr: npt.NDArray[np.generic], blob: Blob) -> npt.NDArray[np.generic]:
        h, w = blob.mask.shape
        out = arr[blob.y:blob.y + h, blob.x:blob.x + w]
        return out if out.shape == (h, w) else np.zeros((0, 0), arr.dtype)


def _diff(a: Image, b: Image) -> Image:
    """Largest absolute difference over the colour channels."""
    c0, c1, c2 = cv2.split(cv2.absdiff(a, b))
    return np.asarray(cv2.max(cv2.max(c0, c1), c2), np.float32)


def _noise(diff: Image) -> float:
    """Robust noise level of a difference image (scaled median absolute difference)."""
    return 1.4826 * float(np.median(diff[::_SUBSAMPLE, ::_SUBSAMPLE]))


def _rate(dt: float, tau: float) -> float:
    """Blend weight of a new sample for a running average with time constant ``tau`` (s)."""
    return 1.0 - math.exp(-dt / tau) if tau > 0 else 1.0


def _blend(background: Image, frame: Image, rate: float,
           mask: npt.NDArray[np.uint8] | None = None) -> None:
    """Running average in place: ``background += rate * (frame - background)`` (where mask)."""
    cv2.accumulateWeighted(frame, background, rate, mask)


def _window(image: Image, box: tuple[int, int, int, int]) -> Image:
    """Grey (h, w) window ``x, y, w, h`` of a BGR image, its border replicated past the edges."""
    x, y, w, h = box
    height, width = image.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, width), min(y + h, height)
    grey = cv2.cvtColor(image[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY)
    return np.asarray(cv2.copyMakeBorder(grey, y0 - y, y + h - y1, x0 - x, x + w - x1,
                                         cv2.BORDER_REPLICATE), np.float32)
