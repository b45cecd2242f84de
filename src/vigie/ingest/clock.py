"""Stream clock: decoder timestamps in, a stream time that never goes backwards out."""

from __future__ import annotations

import time
from collections.abc import Callable
from fractions import Fraction

__all__ = ["StreamClock"]

#: Smallest step between two frames' times, so rules never divide by a zero time difference.
MIN_STEP_S = 1e-6


class StreamClock:
    """Maps PTS to seconds on one camera's stream clock, across reconnections and loops.

    Files: ``ts = (pts - first_pts) * time_base``, so the first frame is at 0.0 and frame times
    follow the video's own (possibly variable) rate; a loop continues one frame interval after
    the last frame. Live streams: the PTS is followed while it is sane; each connection starts
    at the monotonic time elapsed since the first one, so a reconnection never moves time back.

    A PTS is not sane when it is missing, goes backwards (wrap, encoder restart), jumps forward
    by more than ``max_jump_s``, or (live) drifts from real time by more than ``max_jump_s``;
    the clock then falls back (files: last time + one frame interval; live: monotonic time) and
    re-anchors on the new PTS.

    Args:
        live: Whether the source is a live stream.
        max_jump_s: Largest PTS step, and (live) largest drift from real time, taken as sane.
        monotonic: Clock used for live sources; injectable for tests.

    Example:
        >>> clock = StreamClock(live=False)
        >>> clock.start_segment()
        >>> [clock.stamp(p, Fraction(1, 10)) for p in (100, 101, 102)]
        [0.0, 0.1, 0.2]
    """

    def __init__(self, *, live: bool, max_jump_s: float = 5.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._live = live
        self._max_jump = max_jump_s
        self._monotonic = monotonic
        self._origin: float | None = None
        self._anchor_pts: int | None = None
        self._anchor_ts = 0.0
        self._last: float | None = None
        self._interval = 0.04

    @property
    def last(self) -> float | None:
        """Time of the last stamped frame, None before the first."""
        return self._last

    @property
    def interval(self) -> float:
        """Last observed frame interval in seconds (0.04 until two frames were seen)."""
        return self._interval

    def start_segment(self, nominal_interval: float | None = None) -> None:
        """Begin a new connection or a new pass over a file; its first frame re-anchors.

        Args:
            nominal_interval: The container's frame interval, used until one is observed.
        """
        if nominal_interval and nominal_interval > 0 and self._last is None:
            self._interval = nominal_interval
        if self._origin is None:
            self._origin = self._monotonic()
        self._anchor_pts = None
        self._anchor_ts = self._fallback()

    def stamp(self, pts: int | None, time_base: Fraction | None) -> float:
        """Return the stream time of the next decoded frame.

        Args:
            pts: The frame's presentation timestamp, None when the stream has none.
            time_base: Seconds per PTS unit.

        Returns:
            Seconds on the stream clock, strictly greater than the previous frame's.
        """
        if self._origin is None:
            self.start_segment()
        if pts is None or not time_base:
            ts = self._fallback()
        elif self._anchor_pts is None:
            self._anchor_pts, ts = pts, self._anchor_ts
        else:
            ts = self._anchor_ts + float((pts - self._anchor_pts) * time_base)
            if not self._sane(ts):
                ts = self._fallback()
                self._anchor_pts, self._anchor_ts = pts, ts
        return self._advance(ts)

    def _sane(self, ts: float) -> bool:
        if self._last is not None and not 0.0 < ts - self._last <= self._max_jump:
            return False
        return not self._live or abs(ts - self._elapsed()) <= self._max_jump

    def _fallback(self) -> float:
        if self._live:
            return max(self._elapsed(), self._next_min())
        return 0.0 if self._last is None else self._last + self._interval

    def _advance(self, ts: float) -> float:
        ts = max(ts, self._next_min())
        if self._last is not None and 0.0 < ts - self._last <= self._max_jump:
            self._interval = ts - self._last
        self._last = ts
        return ts

    def _next_min(self) -> float:
        return 0.0 if self._last is None else self._last + MIN_STEP_S

    def _elapsed(self) -> float:
        origin = self._origin if self._origin is not None else self._monotonic()
        return self._monotonic() - origin
