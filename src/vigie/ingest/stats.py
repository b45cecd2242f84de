"""Reader statistics, rate measurement and the reconnection back-off policy."""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from vigie.ingest.base import ReaderState

__all__ = ["RateMeter", "ReaderStats", "ReconnectPolicy"]


@dataclass(frozen=True, slots=True)
class ReaderStats:
    """A snapshot of one camera reader.

    Attributes:
        camera_id: The camera.
        state: Current state.
        since: UTC time of the last state change.
        reason: Why the camera is down or ended ('' while up).
        frames_decoded: Frames out of the decoder.
        frames_sampled_out: Decoded frames skipped to hold the analysis rate.
        frames_published: Frames put in the buffer for analysis.
        frames_dropped_backlog: Published frames dropped because the consumer was too slow.
        frames_consumed: Frames taken by the consumer (``get``).
        bad_packets: Corrupt packets skipped.
        connections: Successful opens (reconnections and file loops included).
        failed_attempts: Opens or reads that failed (each one followed by a back-off).
        decoded_fps: Decoded frames per second over the last few seconds.
        analysed_fps: Frames taken by the consumer per second over the last few seconds.
        lag_s: For the last frame taken: seconds between its decoding and its consumption.
        buffered: Frames waiting in the buffer.
        decode_s: Seconds the decoder spent decoding and converting frames.
    """

    camera_id: str
    state: ReaderState
    since: datetime
    reason: str
    frames_decoded: int
    frames_sampled_out: int
    frames_published: int
    frames_dropped_backlog: int
    frames_consumed: int
    bad_packets: int
    connections: int
    failed_attempts: int
    decoded_fps: float
    analysed_fps: float
    lag_s: float
    buffered: int
    decode_s: float = 0.0


class RateMeter:
    """Events per second over a sliding window, from samples of a cumulative count.

    Args:
        window_s: Length of the window in seconds.

    Example:
        >>> meter = RateMeter(window_s=5.0)
        >>> meter.sample(0.0, 0); meter.sample(2.0, 20)
        >>> meter.rate(2.0)
        10.0
    """

    def __init__(self, window_s: float = 5.0) -> None:
        self._window = window_s
        self._samples: deque[tuple[float, int]] = deque()
        self._lock = threading.Lock()

    def sample(self, now: float, count: int) -> None:
        """Record the cumulative ``count`` at monotonic time ``now``."""
        with self._lock:
            self._samples.append((now, count))
            self._trim(now)

    def rate(self, now: float) -> float:
        """Events per second between the oldest kept sample and ``now`` (0.0 if unknown)."""
        with self._lock:
            self._trim(now)
            if len(self._samples) < 2:
                return 0.0
            (t0, c0), (_, c1) = self._samples[0], self._samples[-1]
            return (c1 - c0) / (now - t0) if now > t0 else 0.0

    def _trim(self, now: float) -> None:
        while len(self._samples) > 1 and now - self._samples[1][0] >= self._window:
            self._samples.popleft()


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """Exponential back-off between reconnection attempts, with jitter.

    The n-th wait (n from 0) is ``min_s * 2**n`` capped at ``max_s``, shortened by up to
    ``jitter`` (a fraction) at random so many cameras behind one failed switch do not
    reconnect in lock-step; it never goes below ``min_s``.

    Attributes:
        min_s: First wait.
        max_s: Longest wait.
        jitter: Random fraction taken off each wait, 0..1.

    Example:
        >>> policy = ReconnectPolicy(1.0, 8.0, jitter=0.0)
        >>> [policy.delay(n, random.Random(0)) for n in range(5)]
        [1.0, 2.0, 4.0, 8.0, 8.0]
    """

    min_s: float = 1.0
    max_s: float = 30.0
    jitter: float = 0.25

    def __post_init__(self) -> None:
        if not 0 < self.min_s <= self.max_s:
            raise ValueError(f"need 0 < min_s <= max_s, got {self.min_s}, {self.max_s}")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError(f"jitter must be within 0..1, got {self.jitter}")

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (``attempt`` failures so far - 1)."""
        base = min(self.max_s, self.min_s * 2.0 ** min(attempt, 62))
        return max(self.min_s, base * (1.0 - self.jitter * rng.random()))
