"""Login throttling per client address: a sliding window, on top of per-account lockout."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

__all__ = ["LoginThrottle"]


class LoginThrottle:
    """Refuse a client that failed too many logins recently, whatever accounts it tried.

    Args:
        max_failures: Failures allowed per window.
        window_s: Length of the window.
        clock: Monotonic seconds (injected by tests).

    Example:
        >>> t = LoginThrottle(max_failures=2, window_s=60, clock=lambda: 0.0)
        >>> t.fail("10.0.0.1"); t.fail("10.0.0.1"); t.retry_after("10.0.0.1")
        60.0
    """

    def __init__(self, max_failures: int = 10, window_s: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def fail(self, client: str) -> None:
        """Record a failed login from ``client``."""
        with self._lock:
            self._failures.setdefault(client, deque()).append(self._clock())

    def retry_after(self, client: str) -> float:
        """Seconds before ``client`` may try again; 0 when it may now."""
        now = self._clock()
        with self._lock:
            times = self._failures.get(client)
            if not times:
                return 0.0
            while times and now - times[0] >= self.window_s:
                times.popleft()
            if len(times) < self.max_failures:
                return 0.0
            return times[0] + self.window_s - now

    def succeed(self, client: str) -> None:
        """Forget ``client``'s failures after a successful login."""
        with self._lock:
            self._failures.pop(client, None)
