"""Per-camera ring buffer of the last seconds of frames, for the clip before an alert."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from vigie.core.types import Frame, Track

__all__ = ["BufferedFrame", "FrameRingBuffer", "FrameRingBuffers"]


@dataclass(frozen=True, slots=True)
class BufferedFrame:
    """A frame and the tracks matched in it (to outline the alert's objects in the clip).

    Attributes:
        frame: The frame (read-only pixels, shared, never copied).
        tracks: Tracks of that frame; empty when the detector did not run.
    """

    frame: Frame
    tracks: tuple[Track, ...] = ()

    @property
    def nbytes(self) -> int:
        """Bytes of pixels held."""
        return int(self.frame.image.nbytes)


class FrameRingBuffer:
    """The most recent frames of one camera, bounded by time span and by memory.

    Frames are kept while ``newest.ts - oldest.ts <= max_seconds`` and their pixels take at
    most ``max_bytes`` (the newest frame is always kept). Frames are shared, not copied: a
    ``Frame``'s pixels are read-only. Safe to use from several threads.

    Args:
        camera_id: The camera; frames of another camera are refused.
        max_seconds: Time span kept, on the stream clock (``Frame.ts``).
        max_bytes: Memory bound for the pixels.

    Example:
        >>> import numpy as np
        >>> from datetime import UTC, datetime
        >>> buf = FrameRingBuffer("cam", max_seconds=1.0)
        >>> for i in range(30):
        ...     buf.append(Frame("cam", i, i * 0.25, datetime.now(UTC),
        ...                      np.zeros((4, 4, 3), np.uint8)))
        >>> len(buf), round(buf.span_s, 1)
        (5, 1.0)
    """

    def __init__(self, camera_id: str, max_seconds: float = 5.0,
                 max_bytes: int = 256 * 1024 * 1024) -> None:
        if max_seconds < 0 or max_bytes <= 0:
            raise ValueError("max_seconds must be >= 0 and max_bytes > 0")
        self.camera_id = camera_id
        self.max_seconds = max_seconds
        self.max_bytes = max_bytes
        self._items: deque[BufferedFrame] = deque()
        self._bytes = 0
        self._lock = threading.Lock()

    def append(self, frame: Frame, tracks: Sequence[Track] = ()) -> None:
        """Add the newest frame; evict what falls out of the time span or the memory bound.

        A frame older than the newest one means the stream restarted (file loop, camera
        reconnect with a new clock): the buffer starts over.

        Raises:
            ValueError: The frame belongs to another camera.
        """
        if frame.camera_id != self.camera_id:
            raise ValueError(f"frame of camera {frame.camera_id!r} in the buffer of "
                             f"{self.camera_id!r}")
        item = BufferedFrame(frame, tuple(tracks))
        with self._lock:
            if self._items and frame.ts < self._items[-1].frame.ts:
                self._items.clear()
                self._bytes = 0
            self._items.append(item)
            self._bytes += item.nbytes
            self._evict()

    def _evict(self) -> None:
        newest = self._items[-1].frame.ts
        while len(self._items) > 1 and (newest - self._items[0].frame.ts > self.max_seconds
                                        or self._bytes > self.max_bytes):
            self._bytes -= self._items.popleft().nbytes

    def since(self, ts: float) -> list[BufferedFrame]:
        """Buffered frames with ``frame.ts >= ts``, oldest first."""
        with self._lock:
            return [item for item in self._items if item.frame.ts >= ts]

    def snapshot(self) -> list[BufferedFrame]:
        """Every buffered frame, oldest first."""
        with self._lock:
            return list(self._items)

    @property
    def latest(self) -> BufferedFrame | None:
        """The newest frame, if any."""
        with self._lock:
            return self._items[-1] if self._items else None

    @property
    def span_s(self) -> float:
        """Seconds between the oldest and the newest frame."""
        with self._lock:
            return self._items[-1].frame.ts - self._items[0].frame.ts if self._items else 0.0

    @property
    def nbytes(self) -> int:
        """Bytes of pixels held."""
        return self._bytes

    def clear(self) -> None:
        """Forget every frame (analysis stopped: no picture is kept longer than needed)."""
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)


class FrameRingBuffers:
    """One ``FrameRingBuffer`` per camera, created on first use.

    Args:
        max_seconds: Time span kept per camera.
        max_bytes: Memory bound per camera.
    """

    def __init__(self, max_seconds: float = 5.0, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.max_seconds = max_seconds
        self.max_bytes = max_bytes
        self._buffers: dict[str, FrameRingBuffer] = {}
        self._lock = threading.Lock()

    def __getitem__(self, camera_id: str) -> FrameRingBuffer:
        """The camera's buffer (created empty if new)."""
        with self._lock:
            buffer = self._buffers.get(camera_id)
            if buffer is None:
                buffer = self._buffers[camera_id] = FrameRingBuffer(
                    camera_id, self.max_seconds, self.max_bytes)
            return buffer

    def append(self, frame: Frame, tracks: Sequence[Track] = ()) -> None:
        """Add a frame to its camera's buffer."""
        self[frame.camera_id].append(frame, tracks)

    @property
    def nbytes(self) -> int:
        """Bytes of pixels held by every camera."""
        with self._lock:
            return sum(b.nbytes for b in self._buffers.values())
