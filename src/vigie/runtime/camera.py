"""CameraWorker: the thread that takes one camera's frames through its pipeline and alert sink."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from vigie.config.site import CameraConfig
from vigie.core.types import Frame, FrameResult
from vigie.ingest import CameraReader
from vigie.runtime.alerting import AlertSink, Evidence
from vigie.runtime.pipeline import CameraPipeline

__all__ = ["CameraStatus", "CameraWorker", "LiveFrame"]

log = logging.getLogger(__name__)
_KEEP = 2000
_MAX_FAILURES = 25  # frames in a row that fail before the camera is stopped
_GAP_RESET_S = 10.0  # a longer gap in stream time resets tracks and rules


@dataclass(frozen=True)
class CameraStatus:
    """What the status line and the benchmark show of one camera."""

    camera_id: str
    state: str
    analysed: int
    fps: float
    lag_s: float
    dropped: int
    detector_runs: int
    alerts: int
    reason: str = ""
    decoded: int = 0
    decode_s: float = 0.0
    stages_ms: dict[str, list[float]] = field(default_factory=dict)
    latency_ms: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class LiveFrame:
    """The latest analysed frame of a running camera, for the console's live view.

    Attributes:
        camera_id: The camera.
        camera: Its configuration as the pipeline runs it (zones and lines to draw).
        result: The latest analysed frame, None before the first one.
        state: The reader's state (``up``, ``paused``, ``down``...) or ``error``.
        reason: Why the camera is down, ended or in error ('' while up).
    """

    camera_id: str
    camera: CameraConfig
    result: FrameResult | None
    state: str
    reason: str = ""


class CameraWorker:
    """Runs reader -> pipeline -> evidence -> alerts for one camera in its own thread.

    Args:
        reader: The camera's decoder (already built, not started).
        pipeline: Motion, detection, tracking and rules of the camera.
        sink: Where the camera's events go.
        evidence: The camera's ring buffer and clip maker.
    """

    def __init__(self, reader: CameraReader, pipeline: CameraPipeline, sink: AlertSink,
                 evidence: Evidence) -> None:
        self.camera_id = pipeline.camera.id
        self.reader = reader
        self.pipeline = pipeline
        self._sink = sink
        self._evidence = evidence
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"vigie-cam-{self.camera_id}",
                                        daemon=True)
        self._stages: dict[str, deque[float]] = {}
        self._latency: deque[float] = deque(maxlen=_KEEP)
        self._started = 0.0
        self.error: str | None = None
        self.last_error: str | None = None
        self._last_ts: float | None = None
        self.latest: FrameResult | None = None  # replaced whole (atomic) for the live view

    def start(self) -> None:
        """Start decoding and analysing."""
        self._started = time.monotonic()
        self.reader.start()
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop decoding, finish the frame in hand, and return."""
        self._stop.set()
        self.reader.stop()
        self._thread.join(timeout)

    @property
    def finished(self) -> bool:
        """Whether the worker has nothing more to do (a file ended, or stopped)."""
        return not self._thread.is_alive()

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            frame = self.reader.get(timeout=0.2)
            if frame is None:
                if self.reader.done:
                    return
                continue
            try:
                self._analyse(frame)
                failures = 0
            except Exception as exc:  # one camera's bad frame must not take the site down
                failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("camera %s: frame %d skipped", self.camera_id, frame.seq)
                if failures >= _MAX_FAILURES:
                    self.error = f"{failures} frames in a row failed; last: {self.last_error}"
                    log.error("camera %s stopped: %s", self.camera_id, self.error)
                    self.reader.stop()
                    return

    def _analyse(self, frame: Frame) -> None:
        if self._last_ts is not None and frame.ts - self._last_ts > _GAP_RESET_S:
            self.pipeline.reset()  # resumed or reconnected after a long gap: start afresh
        self._last_ts = frame.ts
        result, events = self.pipeline.process(frame)
        self.latest = result
        self._evidence.push(result)
        self._sink.handle(events, frame)
        self._record(result.stages_ms)
        if frame.decoded_at:
            self._latency.append((time.monotonic() - frame.decoded_at) * 1000)

    def _record(self, stages: Mapping[str, float]) -> None:
        for name, ms in stages.items():
            self._stages.setdefault(name, deque(maxlen=_KEEP)).append(ms)

    def live(self) -> LiveFrame:
        """The latest analysed frame with the camera's state (cheap: no copy of pixels)."""
        stats = self.reader.stats()
        return LiveFrame(self.camera_id, self.pipeline.camera, self.latest,
                         "error" if self.error else str(stats.state), self.error or stats.reason)

    def status(self) -> CameraStatus:
        """A snapshot of the camera's figures."""
        stats = self.reader.stats()
        return CameraStatus(
            camera_id=self.camera_id, state="error" if self.error else str(stats.state),
            analysed=self.pipeline.frames, fps=stats.analysed_fps, lag_s=stats.lag_s,
            dropped=stats.frames_dropped_backlog, detector_runs=self.pipeline.detector_runs,
            alerts=self._sink.alerts, reason=self.error or stats.reason,
            decoded=stats.frames_decoded, decode_s=stats.decode_s,
            stages_ms={k: list(v) for k, v in self._stages.items()},
            latency_ms=list(self._latency),
        )
