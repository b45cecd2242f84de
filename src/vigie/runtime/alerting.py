"""AlertSink: admitted events become stored alerts with a snapshot and a clip; counts are kept."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Protocol

from vigie.core.types import Event, Frame, FrameResult
from vigie.events.alerts import Admission, AlertPolicy
from vigie.store import AlertWriter, CreateAlert, IncrementCount, NewAlert, WriteResult

__all__ = ["AlertSink", "Evidence", "LatencyLog"]

log = logging.getLogger(__name__)


class Evidence(Protocol):
    """Keeps recent frames of one camera and writes an alert's snapshot and clip."""

    def push(self, result: FrameResult) -> None:
        """Remember a frame and its tracks (ring buffer); feed the clips being recorded."""

    def snapshot(self, event: Event, frame: Frame, relative: str) -> str | None:
        """Write the outlined snapshot at ``relative``; return it, or None on failure."""

    def clip(self, event: Event, frame: Frame, alert_uuid: uuid.UUID,
             relative: str) -> str | None:
        """Start recording the clip at ``relative``; return it, or None when disabled."""


@dataclass
class LatencyLog:
    """Seconds from a frame leaving the decoder to its alert being committed."""

    samples: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float) -> None:
        """Record one alert's latency."""
        with self.lock:
            self.samples.append(seconds)


class AlertSink:
    """Turns one camera's events into writes, through the single DB writer.

    Args:
        policy: Which events become alerts.
        writer: The DB writer.
        evidence: The camera's snapshot and clip maker.
        latency: Where to record frame-to-commit latencies.
        on_alert: Called with each admitted event (console output, tests).
    """

    def __init__(self, policy: AlertPolicy, writer: AlertWriter, evidence: Evidence,
                 latency: LatencyLog | None = None,
                 on_alert: Callable[[Event], None] | None = None) -> None:
        self._policy = policy
        self._writer = writer
        self._evidence = evidence
        self._latency = latency or LatencyLog()
        self._on_alert = on_alert
        self.alerts = 0
        self.suppressed = 0

    def handle(self, events: list[Event], frame: Frame) -> None:
        """Count, admit and store the events found on ``frame``."""
        for event in events:
            if event.kind == "tripwire" or not event.alert:
                self._count(event)
            admission = self._policy.admit(event)
            if admission is Admission.ALERT:
                self._raise(event, frame)
            elif admission in (Admission.DUPLICATE, Admission.COOLDOWN):
                self.suppressed += 1
                log.debug("%s %s: %s", event.camera_id, admission, event.explanation)

    def _count(self, event: Event) -> None:
        """Statistics: ``details["direction"]`` names the series, ``details["n"]`` adds n."""
        self._writer.submit(IncrementCount(
            camera_id=event.camera_id, rule_id=event.rule_id, name=event.zone or "",
            direction=str(event.details.get("direction", "")), at=event.wall,
            n=int(event.details.get("n", 1))))

    def _raise(self, event: Event, frame: Frame) -> None:
        alert_uuid = uuid.uuid4()
        stem = f"evidence/{event.camera_id}/{event.wall:%Y-%m-%d}/{alert_uuid}"
        snapshot = self._evidence.snapshot(event, frame, f"{stem}.jpg")
        clip = self._evidence.clip(event, frame, alert_uuid, f"{stem}.webm")
        new = NewAlert.from_event(event, snapshot_path=snapshot, clip_path=clip,
                                  alert_uuid=alert_uuid)
        future = self._writer.submit(CreateAlert(new))
        future.add_done_callback(self._committed_callback(frame.decoded_at))
        self.alerts += 1
        if self._on_alert is not None:
            self._on_alert(event)

    def _committed_callback(self, decoded_at: float) -> Callable[[Future[WriteResult]], None]:
        def done(future: Future[WriteResult]) -> None:
            if future.cancelled() or future.exception() is not None:
                return
            result = future.result()
            if result.committed and decoded_at:
                self._latency.add((result.committed_at or time.monotonic()) - decoded_at)
        return done
