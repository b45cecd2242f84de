"""One detector model shared by every camera, with a bounded number of concurrent runs."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from vigie.core.types import Detections
from vigie.detect.base import Detector

__all__ = ["SharedDetector"]


@dataclass
class _Stats:
    runs: int = 0
    busy_s: float = 0.0
    waits_s: list[float] = field(default_factory=list)


class SharedDetector:
    """Lets many camera threads use one model instance.

    onnxruntime sessions are thread-safe and release the GIL while they run, so up to
    ``workers`` camera threads run the model at once (each run uses the session's own
    intra-op threads); the others wait their turn.

    Args:
        detector: The model.
        workers: Runs allowed at the same time.
    """

    def __init__(self, detector: Detector, workers: int = 1) -> None:
        self.detector = detector
        self.labels = detector.labels
        self._slots = threading.BoundedSemaphore(workers)
        self._lock = threading.Lock()
        self._stats = _Stats()

    def __call__(self, image: npt.NDArray[np.uint8]) -> Detections:
        """Detect objects in one BGR image (blocks while every slot is busy)."""
        asked = time.perf_counter()
        with self._slots:
            started = time.perf_counter()
            detections = self.detector.detect(image)
            done = time.perf_counter()
        with self._lock:
            self._stats.runs += 1
            self._stats.busy_s += done - started
            if len(self._stats.waits_s) < 100_000:
                self._stats.waits_s.append(started - asked)
        return detections

    @property
    def runs(self) -> int:
        """Detector runs so far."""
        return self._stats.runs

    @property
    def busy_s(self) -> float:
        """Seconds spent inside the model so far, all workers added."""
        return self._stats.busy_s
