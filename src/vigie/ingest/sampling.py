"""Analysis-rate sampling and real-time pacing, both on the stream clock."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["FrameSampler", "Pacer"]


class FrameSampler:
    """Keeps a frame when the stream time advanced by one analysis period since the last kept.

    Working on timestamps rather than frame counts keeps the analysis rate right for variable
    frame rates, dropped frames and reconnections. A tolerance of 1 % of the period absorbs
    timestamp rounding (a 30 fps camera sampled at 10 fps keeps one frame in three, not one in
    four when a PTS lands a tick early).

    Args:
        fps: Analysis rate; None or 0 keeps every frame.

    Example:
        >>> sampler = FrameSampler(5.0)
        >>> [sampler.keep(i / 10) for i in range(5)]
        [True, False, True, False, True]
    """

    def __init__(self, fps: float | None) -> None:
        self._period = 1.0 / fps if fps else 0.0
        self._slack = self._period * 0.01
        self._last: float | None = None

    @property
    def period(self) -> float:
        """Seconds between analysed frames (0.0: every frame)."""
        return self._period

    def keep(self, ts: float) -> bool:
        """Whether the frame stamped ``ts`` is analysed; remembers it when it is."""
        if self._last is not None and ts - self._last < self._period - self._slack:
            return False
        self._last = ts
        return True


class Pacer:
    """Holds frames back until their stream time is due, to replay a file as a live camera.

    When the decoder falls more than ``max_lag_s`` behind (slow machine, resumed after a
    pause), the pacer re-anchors instead of rushing to catch up, as a live camera would.

    Args:
        wait: Sleeps up to the given seconds; returns True when interrupted (``Event.wait``).
        max_lag_s: Lateness beyond which the schedule restarts from now.
        monotonic: Clock; injectable for tests.
    """

    def __init__(self, wait: Callable[[float], bool], max_lag_s: float = 1.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._wait = wait
        self._max_lag = max_lag_s
        self._monotonic = monotonic
        self._anchor: tuple[float, float] | None = None

    def reset(self) -> None:
        """Forget the schedule; the next frame is due at once."""
        self._anchor = None

    def pace(self, ts: float) -> bool:
        """Wait until the frame stamped ``ts`` is due.

        Returns:
            False when the wait was interrupted, True otherwise.
        """
        now = self._monotonic()
        if self._anchor is None or ts < self._anchor[1]:
            self._anchor = (now, ts)
            return True
        due = self._anchor[0] + (ts - self._anchor[1])
        if due > now:
            return not self._wait(due - now)
        if now - due > self._max_lag:
            self._anchor = (now, ts)
        return True
