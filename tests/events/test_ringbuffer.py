"""The per-camera frame ring buffer: bounded by time span and by memory."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from vigie.core import Frame, Track
from vigie.events.ringbuffer import FrameRingBuffer, FrameRingBuffers

WALL = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)


def frame(ts: float, camera_id: str = "cam", seq: int = 0, size: tuple[int, int] = (8, 6)) -> Frame:
    """A small frame at stream time ``ts``."""
    return Frame(camera_id, seq, ts, WALL, np.zeros((size[1], size[0], 3), np.uint8))


def test_keeps_the_last_seconds() -> None:
    buf = FrameRingBuffer("cam", max_seconds=5.0)
    for i in range(101):  # 10 s at 10 fps
        buf.append(frame(i / 10, seq=i))
    assert buf.span_s <= 5.0
    assert len(buf) == 51
    assert buf.snapshot()[0].frame.seq == 50
    assert buf.latest is not None
    assert buf.latest.frame.seq == 100


def test_variable_intervals_are_bounded_by_time_not_count() -> None:
    buf = FrameRingBuffer("cam", max_seconds=2.0)
    for ts in [0.0, 0.1, 0.15, 1.4, 1.45, 2.1, 2.2, 3.9]:
        buf.append(frame(ts))
    assert [round(b.frame.ts, 2) for b in buf.snapshot()] == [2.1, 2.2, 3.9]


def test_memory_bound_keeps_the_newest() -> None:
    one = frame(0.0).image.nbytes
    buf = FrameRingBuffer("cam", max_seconds=60.0, max_bytes=3 * one)
    for i in range(10):
        buf.append(frame(i * 0.1, seq=i))
    assert [b.frame.seq for b in buf.snapshot()] == [7, 8, 9]
    assert buf.nbytes == 3 * one


def test_newest_frame_is_kept_even_when_too_big() -> None:
    buf = FrameRingBuffer("cam", max_bytes=10)
    buf.append(frame(0.0))
    assert len(buf) == 1


def test_since_returns_the_clip_start() -> None:
    buf = FrameRingBuffer("cam", max_seconds=5.0)
    track = Track(1, "person", (0, 0, 2, 2), 0.9, (0.1, 0.3), 0.0, 0.5)
    for i in range(20):
        buf.append(frame(i * 0.5, seq=i), tracks=[track] if i % 2 else [])
    picked = buf.since(7.0)
    assert [b.frame.seq for b in picked] == [14, 15, 16, 17, 18, 19]
    assert picked[1].tracks == (track,)


def test_stream_restart_starts_over() -> None:
    buf = FrameRingBuffer("cam")
    for i in range(5):
        buf.append(frame(100 + i))
    buf.append(frame(0.0))
    assert len(buf) == 1


def test_refuses_other_cameras_and_clears() -> None:
    buf = FrameRingBuffer("cam")
    with pytest.raises(ValueError, match="other"):
        buf.append(frame(0.0, camera_id="other"))
    buf.append(frame(0.0))
    buf.clear()
    assert (len(buf), buf.nbytes, buf.latest) == (0, 0, None)


def test_one_buffer_per_camera() -> None:
    buffers = FrameRingBuffers(max_seconds=1.0)
    buffers.append(frame(0.0, "a"))
    buffers.append(frame(0.0, "b"))
    buffers.append(frame(0.5, "b"))
    assert (len(buffers["a"]), len(buffers["b"]), len(buffers["c"])) == (1, 2, 0)
    assert buffers.nbytes == 3 * frame(0.0).image.nbytes
