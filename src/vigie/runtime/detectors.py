"""One detector model shared by every camera, with a bounded number of concurrent runs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vigie.core.types import Detections
from vigie.detect.base import Detector
from vigie.detect.regions import Crop, RegionDetector

__all__ = ["SharedDetector"]


@dataclass
class _Stats:
    runs: int = 0
    busy_s: float = 0.0


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
        self.regional_runs = 0
        self.labels = detector.labels
        self._slots = threading.BoundedSemaphore(workers)
        self._lock = threading.Lock()
        self._stats = _Stats()

    def __call__(self, image: npt.NDArray[np.uint8]) -> Detections:
        """Detect objects in one BGR image (blocks while every slot is busy)."""
        return self._run(lambda: self.detector.detect(image))

    @property
    def regional(self) -> RegionDetector | None:
        """The detector, when it can look at windows of the frame only."""
        return self.detector if isinstance(self.detector, RegionDetector) else None

    def detect_crops(self, image: npt.NDArray[np.uint8], crops: Sequence[Crop],
                     regions: npt.NDArray[np.float32]) -> Detections:
        """Detect objects in windows of one BGR image (see ``RegionDetector.detect_crops``)."""
        regional = self.regional
        if regional is None:
            raise TypeError("this detector cannot work on windows")
        self.regional_runs += 1
        return self._run(lambda: regional.detect_crops(image, crops, regions))

    def _run(self, work: Callable[[], Detections]) -> Detections:
        with self._slots:
            started = time.perf_counter()
            detections = work()
            done = time.perf_counter()
        with self._lock:
            self._stats.runs += 1
            self._stats.busy_s += done - started
        return detections

    @property
    def runs(self) -> int:
        """Detector runs so far."""
        return self._stats.runs

    @property
    def busy_s(self) -> float:
        """Seconds spent inside the model so far, all workers added."""
        return self._stats.busy_s
