"""A small bounded buffer that drops the oldest item when full, for live frames."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Generic, TypeVar

__all__ = ["DropOldestBuffer"]

T = TypeVar("T")


class DropOldestBuffer(Generic[T]):
    """Thread-safe FIFO of at most ``size`` items; a full buffer drops its oldest item.

    A slow consumer thus always gets the freshest frames, and the drops are counted instead of
    building a backlog (latency) or blocking the decoder.

    Args:
        size: Capacity, at least 1.

    Example:
        >>> buf = DropOldestBuffer[int](2)
        >>> for i in range(3):
        ...     _ = buf.put(i)
        >>> buf.get(0), buf.get(0), buf.dropped
        (1, 2, 1)
    """

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"buffer size must be >= 1, got {size}")
        self._items: deque[T] = deque(maxlen=size)
        self._cond = threading.Condition()
        self._dropped = 0
        self._closed = False

    @property
    def dropped(self) -> int:
        """Items dropped because the buffer was full."""
        return self._dropped

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: T, block: bool = False) -> bool:
        """Append ``item``; return True when the oldest item was dropped to make room.

        Args:
            item: What to append.
            block: Wait for room instead of dropping (recorded footage replayed as fast as
                possible must lose nothing); a closed buffer stops the wait.
        """
        with self._cond:
            while block and len(self._items) == self._items.maxlen and not self._closed:
                self._cond.wait()
            full = len(self._items) == self._items.maxlen
            if full:
                self._dropped += 1
            self._items.append(item)
            self._cond.notify()
            return full

    def get(self, timeout: float | None = None) -> T | None:
        """Take the oldest item, waiting up to ``timeout`` seconds (None: until one comes).

        Returns:
            The item, or None on timeout or when the buffer is closed and empty.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self._items:
                if self._closed:
                    return None
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return None
                self._cond.wait(left)
            item = self._items.popleft()
            self._cond.notify_all()
            return item

    def clear(self) -> int:
        """Drop every item without counting them; return how many there were."""
        with self._cond:
            n = len(self._items)
            self._items.clear()
            return n

    def close(self) -> None:
        """Wake every waiting consumer; items still in the buffer can be taken."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
