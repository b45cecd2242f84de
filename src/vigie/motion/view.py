"""ViewMonitor: tells a fixed camera's view from a moving one (pan, shake, hand-held) or a cut.

Rules reason in image coordinates over a fixed scene: zones, lines, directions and background
models are all wrong while the view moves, and meaningless across a cut. A moving view shows
as coherent motion of corner features spread over most of the frame; moving people or cars
move only the cells they cover. A cut shows as most features failing to track.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from vigie.core.types import STEADY, ViewState

__all__ = ["ViewMonitor"]

_WIDTH = 240
_GRID = (4, 3)
_CELL_SHIFT_PX = 0.6       # median feature shift (px at 240 wide) for a cell to count as moving
_MOVING_CELLS = 0.6        # share of textured cells moving together = the view moves
_LOST_FOR_CUT = 0.4        # share of features lost, with the histogram changed = a cut
_CHANGED_HISTOGRAM = 0.9   # grey-level histogram correlation below which the picture changed
_NEW_HISTOGRAM = 0.5       # ... below which it is another picture whatever the features say
_AGREEING = 0.5            # share of features that one global similarity transform explains




class ViewMonitor:
    """Watches one camera's view; feed it every analysed frame in order.

    Args:
        steady_s: Seconds without view motion before the view counts as steady again.

    Example:
        >>> mon = ViewMonitor()
        >>> rng = np.random.default_rng(0)
        >>> scene = (rng.random((180, 240)) * 255).astype(np.uint8)
        >>> scene = cv2.cvtColor(cv2.GaussianBlur(scene, (5, 5), 0), cv2.COLOR_GRAY2BGR)
        >>> mon.update(scene, 0.0).moving, mon.update(scene, 0.2).moving
        (False, False)
        >>> [mon.update(np.roll(scene, 4 * i, axis=1), 0.2 * i).moving for i in (2, 3, 4)]
        [False, False, True]
    """

    def __init__(self, steady_s: float = 1.0) -> None:
        self.steady_s = steady_s
        self._prev: npt.NDArray[np.uint8] | None = None
        self._moved_at: float | None = None
        self._streak = 0
        self._frames = 0

    def update(self, image: npt.NDArray[np.uint8], ts: float) -> ViewState:
        """The view's state at this frame (``image`` BGR, ``ts`` stream seconds)."""
        grey = _small_grey(image)
        prev, self._prev = self._prev, grey
        if prev is None or prev.shape != grey.shape:
            return STEADY
        self._frames += 1
        recent = self._moved_at is not None and ts - self._moved_at < self.steady_s
        similarity = _histogram_similarity(prev, grey)
        # A steady view is examined every other frame; any sign of motion, every frame.
        if self._streak or recent or similarity < _CHANGED_HISTOGRAM or self._frames % 2:
            moving_cells, lost = _coherent_motion(prev, grey)
            cut = similarity < _NEW_HISTOGRAM or (lost >= _LOST_FOR_CUT
                                                   and similarity < _CHANGED_HISTOGRAM)
            moving = cut or moving_cells >= _MOVING_CELLS
            self._streak = self._streak + 1 if moving else 0
        else:
            cut = similarity < _NEW_HISTOGRAM
        if cut or self._streak >= 2:  # one odd frame is not a moving camera
            self._moved_at = ts
        recent = self._moved_at is not None and ts - self._moved_at < self.steady_s
        return ViewState(moving=recent, cut=cut)

    def reset(self) -> None:
        """Forget the previous frame (the source restarted)."""
        self._prev, self._moved_at, self._streak, self._frames = None, None, 0, 0


def _small_grey(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    h, w = image.shape[:2]
    size = (_WIDTH, max(1, round(h * _WIDTH / w)))
    grey = cv2.cvtColor(cv2.resize(image, size, interpolation=cv2.INTER_LINEAR),
                        cv2.COLOR_BGR2GRAY)
    return np.asarray(grey, np.uint8)


def _histogram_similarity(prev: npt.NDArray[np.uint8], grey: npt.NDArray[np.uint8]) -> float:
    """Correlation of the grey-level histograms (1: same exposure and content mix)."""
    a, b = (cv2.calcHist([g], [0], None, [32], [0, 256]) for g in (prev, grey))
    return float(cv2.compareHist(a, b, cv2.HISTCMP_CORREL))


def _coherent_motion(prev: npt.NDArray[np.uint8],
                     grey: npt.NDArray[np.uint8]) -> tuple[float, float]:
    """(share of textured grid cells whose features moved, share of features lost).

    Cells count as moving only when one global motion (a similarity transform that itself
    moves) explains most features: cars in opposite lanes or a noisy half-picture do not.
    """
    points = cv2.goodFeaturesToTrack(prev, maxCorners=120, qualityLevel=0.01, minDistance=6)
    if points is None or len(points) < 8:
        return 0.0, 0.0
    moved, status, _ = cv2.calcOpticalFlowPyrLK(prev, grey, points, None,  # type: ignore[call-overload]
                                                winSize=(11, 11), maxLevel=2)
    ok = status.ravel() == 1
    start = points.reshape(-1, 2)
    shift = np.hypot(*(moved.reshape(-1, 2) - start).T)
    h, w = prev.shape
    cell = (np.minimum(start[:, 0] * _GRID[0] // w, _GRID[0] - 1) * _GRID[1]
            + np.minimum(start[:, 1] * _GRID[1] // h, _GRID[1] - 1)).astype(int)
    lost = float(1 - ok.mean())
    verdicts = [_cell_moved(shift[cell == c], ok[cell == c]) for c in range(_GRID[0] * _GRID[1])]
    textured = [v for v in verdicts if v is not None]
    share = sum(textured) / len(textured) if len(textured) >= 4 else 0.0
    if share >= _MOVING_CELLS and not _global_motion(start[ok], moved.reshape(-1, 2)[ok]):
        share = 0.0
    return share, lost


def _global_motion(start: npt.NDArray[np.float32], end: npt.NDArray[np.float32]) -> bool:
    """Whether most features follow one similarity transform that is not the identity."""
    if len(start) < 8:
        return True  # too few features tracked: the picture changed too much to say
    model, inliers = cv2.estimateAffinePartial2D(start, end, method=cv2.RANSAC,
                                                 ransacReprojThreshold=1.0)
    if model is None or inliers is None or inliers.mean() < _AGREEING:
        return False
    shift = float(np.hypot(model[0, 2], model[1, 2]))
    scale = float(np.hypot(model[0, 0], model[1, 0]))
    return shift > _CELL_SHIFT_PX or abs(scale - 1) > 0.01


def _cell_moved(shift: npt.NDArray[np.float32], ok: npt.NDArray[np.bool_]) -> bool | None:
    """Whether a cell's features moved; None for a cell with too few features to say."""
    if len(shift) < 3:
        return None
    if ok.sum() < 3:
        return True
    return bool(np.median(shift[ok]) > _CELL_SHIFT_PX)
