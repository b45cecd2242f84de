"""Headings of moving objects: angle arithmetic, robust displacements, dominant directions.

Angles are in degrees in the image convention: 0 points right (+x), 90 points down the
image (+y, since image rows grow downwards), 180 left, 270 up. The same convention is used on
the ground plane with its own x and y axes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "DirectionEstimate",
    "angle_between",
    "dominant_direction",
    "fitted_displacement",
    "heading_deg",
    "path_length",
]

#: Headings within this many degrees of the dominant one count as agreeing with it.
AGREE_DEG = 45.0
#: Suggested tolerances stay in this range (degrees).
TOLERANCE_RANGE = (90.0, 160.0)


def heading_deg(dx: float, dy: float) -> float:
    """Direction of a displacement, 0..360 degrees (0 = +x/right, 90 = +y/down).

    Example:
        >>> heading_deg(1, 0), heading_deg(0, 1), heading_deg(-1, 0), heading_deg(0, -1)
        (0.0, 90.0, 180.0, 270.0)
    """
    return float(np.degrees(np.arctan2(dy, dx)) % 360.0)


def angle_between(a: float, b: float) -> float:
    """Smallest difference between two headings, 0..180 degrees.

    Example:
        >>> angle_between(350, 10), angle_between(0, 180), angle_between(90, 300)
        (20.0, 180.0, 150.0)
    """
    d = abs(a - b) % 360.0
    return float(min(d, 360.0 - d))


def fitted_displacement(ts: npt.ArrayLike, xy: npt.ArrayLike) -> tuple[float, float]:
    """Displacement over a run of samples from a least-squares straight-line fit.

    More robust to box jitter than last-minus-first: every sample weighs in.

    Args:
        ts: (N,) sample times in seconds.
        xy: (N, 2) positions.

    Returns:
        (dx, dy): the fitted velocity times the time span; (0, 0) for fewer than 2 samples.

    Example:
        >>> fitted_displacement([0, 1, 2], [(0, 0), (1.2, 0), (2, 0)])
        (2.0, 0.0)
    """
    t = np.asarray(ts, np.float64)
    p = np.asarray(xy, np.float64).reshape(-1, 2)
    if len(t) < 2:
        return (0.0, 0.0)
    tc = t - t.mean()
    denom = float((tc * tc).sum())
    if denom <= 0:
        return (0.0, 0.0)
    v = (tc[:, None] * (p - p.mean(axis=0))).sum(axis=0) / denom
    span = float(t[-1] - t[0])
    return (float(v[0] * span), float(v[1] * span))


def path_length(xy: npt.ArrayLike) -> float:
    """Sum of the step lengths along a polyline."""
    p = np.asarray(xy, np.float64).reshape(-1, 2)
    return float(np.hypot(*np.diff(p, axis=0).T).sum()) if len(p) > 1 else 0.0


@dataclass(frozen=True)
class DirectionEstimate:
    """The dominant direction of a set of observed movements.

    Attributes:
        direction_deg: Weighted circular mean of the headings that agree with the main peak.
        share: Fraction of the movements (by count) within 45 degrees of it.
        spread_deg: 95th percentile of the deviation of those agreeing movements.
        suggested_tolerance_deg: The 95th percentile of the deviation of ALL movements plus
            15, rounded to 5 and kept in 90..160: set-up footage shows normal traffic, so
            nearly all of it must stay allowed (people crossing the flow included), and a
            narrower cone than 90 would flag crossing it.
        opposite_share: Fraction of movements within 45 degrees of the reverse direction
            (a high value means two-way traffic: no single allowed direction).
        n: Number of movements.
    """

    direction_deg: float
    share: float
    spread_deg: float
    suggested_tolerance_deg: float
    opposite_share: float
    n: int


def dominant_direction(headings: Sequence[float],
                       weights: Sequence[float] | None = None) -> DirectionEstimate | None:
    """The main direction of travel among movements, with how many agree with it.

    The peak of a distance-weighted histogram of headings (10-degree bins, smoothed over
    three bins) is refined by the weighted circular mean of the headings within 45 degrees.

    Args:
        headings: Heading of each movement, degrees.
        weights: How much each movement counts (e.g. the distance travelled); default 1.

    Returns:
        The estimate, or None when there is no movement.

    Example:
        >>> est = dominant_direction([350, 5, 10, 2, 185])
        >>> round(est.direction_deg), est.share, est.opposite_share
        (2, 0.8, 0.2)
    """
    h = np.asarray(headings, np.float64) % 360.0
    if not len(h):
        return None
    w = np.ones_like(h) if weights is None else np.asarray(weights, np.float64)
    hist, _ = np.histogram(h, bins=36, range=(0.0, 360.0), weights=w)
    smooth = hist + 0.5 * (np.roll(hist, 1) + np.roll(hist, -1))
    peak = (float(np.argmax(smooth)) + 0.5) * 10.0
    near = _deviations(h, peak) <= AGREE_DEG
    rad = np.radians(h[near])
    mean = float(np.degrees(np.arctan2((w[near] * np.sin(rad)).sum(),
                                       (w[near] * np.cos(rad)).sum())) % 360.0)
    dev = _deviations(h, mean)
    agree = dev <= AGREE_DEG
    spread = float(np.percentile(dev[agree], 95)) if agree.any() else 180.0
    low, high = TOLERANCE_RANGE
    suggested = float(np.clip(5.0 * round((np.percentile(dev, 95) + 15.0) / 5.0), low, high))
    return DirectionEstimate(
        direction_deg=round(mean, 1), share=round(float(agree.mean()), 3),
        spread_deg=round(spread, 1), suggested_tolerance_deg=suggested,
        opposite_share=round(float((dev >= 180.0 - AGREE_DEG).mean()), 3), n=int(len(h)))


def _deviations(h: npt.NDArray[np.float64], ref: float) -> npt.NDArray[np.float64]:
    d = np.abs(h - ref) % 360.0
    return np.minimum(d, 360.0 - d)
