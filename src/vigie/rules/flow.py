"""Dense optical flow on small grey frames, summed up per frame; robust running baselines.

Nothing here learns: the baseline is a median and a median absolute deviation over the last
minutes of measurements, a statistic that forgets what is older than its window.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

__all__ = ["FlowMeter", "FlowStats", "RobustBaseline"]

Grey = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]

#: Flow slower than this (frame widths per second) is noise, not motion.
MIN_FLOW = 0.05
#: Longest gap (s) between two frames for their flow to mean anything.
_MAX_GAP_S = 1.0


@dataclass(frozen=True)
class FlowStats:
    """Motion between two analysed frames, inside the watched area.

    Attributes:
        moving_share: Share (0..1) of the area's pixels that move.
        speed: 80th percentile of the speed of the moving pixels, frame widths per second.
        coherence: Length of the mean motion vector over the mean speed (0..1): 1 when all
            moving pixels go the same way.
        outward: Mean cosine (-1..1) between each moving pixel's motion and the direction
            from the centre of the moving pixels to it: above 0.5 the motion spreads out.
        moving: (h, w) the moving pixels, at the meter's size.
    """

    moving_share: float
    speed: float
    coherence: float
    outward: float
    moving: Mask = field(repr=False, compare=False)


class FlowMeter:
    """Farneback optical flow between consecutive frames, shrunk to ``width`` pixels.

    The median motion of the whole area is taken away first, so that a small shake of the
    camera does not read as everyone moving.

    Args:
        width: Width in pixels at which the flow is computed.
    """

    def __init__(self, width: int = 160) -> None:
        self.width = width
        self._prev: tuple[float, Grey] | None = None
        self._mask: Mask | None = None

    def reset(self) -> None:
        """Forget the previous frame."""
        self._prev = None

    def update(self, ts: float, image: npt.NDArray[np.uint8],
               area: Mask | None = None) -> FlowStats | None:
        """Flow from the previous frame to this one; None for the first frame or after a gap.

        Args:
            ts: Stream time (s).
            image: (H, W, 3) BGR frame.
            area: Boolean mask of the watched pixels at the meter's size (None: all).
        """
        grey = self.shrink(image)
        prev, self._prev = self._prev, (ts, grey)
        if prev is None or prev[1].shape != grey.shape or not 0 < ts - prev[0] <= _MAX_GAP_S:
            return None
        raw = cv2.calcOpticalFlowFarneback(prev[1], grey, np.zeros((*grey.shape, 2), np.float32),
                                           0.5, 3, 13, 3, 5, 1.1, 0)
        flow = np.asarray(raw, np.float32) / ((ts - prev[0]) * grey.shape[1])  # widths/s
        inside = np.ones(grey.shape, bool) if area is None else area
        if not inside.any():
            return None
        flow = flow - np.median(flow[inside], axis=0)
        return _summarise(flow, inside)

    def shrink(self, image: npt.NDArray[np.uint8]) -> Grey:
        """The frame in grey at the meter's width."""
        h, w = image.shape[:2]
        size = (self.width, max(1, round(h * self.width / w)))
        grey = cv2.cvtColor(cv2.resize(image, size, interpolation=cv2.INTER_AREA),
                            cv2.COLOR_BGR2GRAY)
        return np.asarray(cv2.GaussianBlur(grey, (3, 3), 0), np.uint8)


def _summarise(flow: npt.NDArray[np.float32], inside: Mask) -> FlowStats:
    speed = np.hypot(flow[..., 0], flow[..., 1])
    moving = inside & (speed > MIN_FLOW)
    share = float(moving.sum() / inside.sum())
    if moving.sum() < 4:
        return FlowStats(share, 0.0, 0.0, 0.0, moving)
    v, s = flow[moving], speed[moving]
    ys, xs = np.nonzero(moving)
    rx, ry = xs - xs.mean(), ys - ys.mean()
    r = np.hypot(rx, ry)
    far = r > 1.0
    outward = float(((v[far, 0] * rx[far] + v[far, 1] * ry[far]) / (r[far] * s[far])).mean()) \
        if far.any() else 0.0
    return FlowStats(moving_share=share, speed=float(np.percentile(s, 80)),
                     coherence=float(np.hypot(*v.mean(axis=0)) / s.mean()), outward=outward,
                     moving=moving)


class RobustBaseline:
    """Median and MAD of a measurement over the last ``window_s`` seconds.

    Example:
        >>> b = RobustBaseline(window_s=60)
        >>> for t in range(30):
        ...     b.add(float(t), 1.0 + 0.1 * (t % 3))
        >>> b.median(), round(b.mad(), 3), b.span()
        (1.1, 0.148, 29.0)
    """

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._values: deque[tuple[float, float]] = deque()

    def add(self, ts: float, value: float) -> None:
        """Record a value; forget those older than the window."""
        self._values.append((ts, value))
        while self._values and self._values[0][0] < ts - self.window_s:
            self._values.popleft()

    def median(self) -> float:
        """Median of the window (0 when empty)."""
        return float(np.median([v for _, v in self._values])) if self._values else 0.0

    def mad(self) -> float:
        """Median absolute deviation, scaled to match a normal standard deviation."""
        if not self._values:
            return 0.0
        values = np.asarray([v for _, v in self._values])
        return float(1.4826 * np.median(np.abs(values - np.median(values))))

    def span(self) -> float:
        """Seconds covered by the values kept."""
        return self._values[-1][0] - self._values[0][0] if self._values else 0.0

    def reset(self) -> None:
        """Forget every value."""
        self._values.clear()
