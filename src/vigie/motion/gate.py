"""When to run the detector: on unexplained motion at once, on tracked motion at a slower pace."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from vigie.config.site import MotionConfig


__all__ = ["DetectionScheduler", "MotionGate"]

Boxes = npt.NDArray[np.float32]


class MotionGate(Protocol):
    """Finds moving regions in a camera's frames."""

    def detect(self, image: npt.NDArray[np.uint8]) -> Boxes:
        """(M, 4) pixel boxes of moving regions."""

    def reset(self) -> None:
        """Forget the learnt background."""


class DetectionScheduler:
    """Decides, frame by frame, whether the detector must run (Frigate's motion gating).

    - motion gating off: every frame;
    - nothing detected for ``recheck_s``: run, so still objects stay confirmed;
    - motion outside every box the tracker follows (something new): run now;
    - new objects waiting for confirmation by a second sighting: run now;
    - motion where the detector looked less than ``recheck_s`` ago and found nothing
      (foliage, flags, shadows) counts as explained;
    - motion only on tracked objects: run every ``tracked_interval_s``;
    - no motion: hold the tracks as they are.
    """

    def __init__(self, config: MotionConfig) -> None:
        self._config = config
        self._last_run: float | None = None
        self._last_full: float | None = None
        self._empty = np.zeros((0, 4), np.float32)
        self._empty_at = np.zeros(0)

    def should_detect(self, ts: float, motion: Boxes, known: Boxes,
                      confirming: bool = False) -> bool:
        """Whether to run the detector on the frame at stream time ``ts``.

        Args:
            ts: Stream time of the frame (s).
            motion: (M, 4) pixel boxes of moving regions.
            known: (K, 4) pixel boxes of the objects the tracker already follows.
            confirming: The tracker holds new, unconfirmed objects: detect again at once so
                that they are confirmed (a new track needs two close sightings).
        """
        c = self._config
        since = np.inf if self._last_run is None else ts - self._last_run
        run = (not c.enabled or confirming or since >= c.recheck_s
               or (len(motion) > 0 and (since >= c.tracked_interval_s
                                        or not _explained(motion, self._known(ts, known)))))
        if run:
            self._last_run = ts
        return bool(run)

    def full_frame_due(self, ts: float) -> bool:
        """Whether the next run must see the whole frame: first run, or a periodic recheck."""
        return self._last_full is None or ts - self._last_full >= self._config.recheck_s

    def ran_full_frame(self, ts: float) -> None:
        """Record that the detector has just seen the whole frame."""
        self._last_full = ts

    def observed(self, ts: float, motion: Boxes, detections: Boxes) -> None:
        """After a detector run: remember the moving regions in which it found nothing."""
        empty = motion[~_covered(motion, detections)] if len(motion) else motion
        keep = ts - self._empty_at < self._config.recheck_s
        self._empty = np.concatenate([self._empty[keep], empty]).astype(np.float32)
        self._empty_at = np.concatenate([self._empty_at[keep], np.full(len(empty), ts)])

    def _known(self, ts: float, known: Boxes) -> Boxes:
        fresh = ts - self._empty_at < self._config.recheck_s
        return np.concatenate([known, self._empty[fresh]]).astype(np.float32)

    def reset(self) -> None:
        """Run the detector on the next frame; forget the empty regions."""
        self._last_run = self._last_full = None
        self._empty = np.zeros((0, 4), np.float32)
        self._empty_at = np.zeros(0)


def _explained(motion: Boxes, boxes: Boxes) -> bool:
    """Whether every moving region's centre lies in some known box (grown a little)."""
    return bool(_covered(motion, boxes).all())


def _covered(motion: Boxes, boxes: Boxes, grow: float = 0.25) -> npt.NDArray[np.bool_]:
    """(M,) whether each moving region's centre lies in some box grown by ``grow``."""
    if not len(boxes):
        return np.zeros(len(motion), bool)
    pad = (boxes[:, 2:] - boxes[:, :2]) * grow
    lo, hi = boxes[:, :2] - pad, boxes[:, 2:] + pad
    centres = (motion[:, :2] + motion[:, 2:]) / 2
    inside = ((centres[:, None, :] >= lo[None]) & (centres[:, None, :] <= hi[None])).all(axis=2)
    return np.asarray(np.any(inside, axis=1))
