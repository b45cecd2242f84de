"""Live streams against real servers: HTTP (MPEG-TS, garbage, silent, frozen) and RTSP over TCP."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from vigie.core import Frame
from vigie.ingest import (
    CameraReader,
    Health,
    PyAVSource,
    ReaderState,
    ReconnectPolicy,
    SourceOptions,
)

from .conftest import HealthLog, RtspServer
from .servers import LiveHTTPServer, serving

FAST_PROBE = {"analyzeduration": "500000"}


def live_reader(url: str, health: HealthLog | None = None, *, stall: float = 1.5,
                fps: float | None = None, buffer_size: int = 4) -> CameraReader:
    """A reader with test-sized timeouts and back-off (0.2 s doubling to 1 s)."""
    options = SourceOptions(analysis_fps=fps, open_timeout_s=stall, read_timeout_s=stall,
                            ffmpeg_options=FAST_PROBE)
    return CameraReader(PyAVSource(url, "live", options), on_health=health,
                        policy=ReconnectPolicy(0.2, 1.0, jitter=0.2), buffer_size=buffer_size,
                        rng=random.Random(0))


def take(reader: CameraReader, count: int, timeout: float = 10.0) -> list[Frame]:
    """``count`` frames from the reader, failing the test after ``timeout`` seconds."""
    frames: list[Frame] = []
    deadline = time.monotonic() + timeout
    while len(frames) < count:
        left = deadline - time.monotonic()
        assert left > 0, f"{len(frames)} of {count} frames in {timeout} s: {reader.stats()}"
        frame = reader.get(timeout=left)
        if frame is not None:
            frames.append(frame)
    return frames


def wait_until(predicate: object, timeout: float) -> float:
    """Seconds until ``predicate()`` held; fails after ``timeout``."""
    start = time.monotonic()
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() - start < timeout, f"condition not met within {timeout} s"
        time.sleep(0.02)
    return time.monotonic() - start


def assert_down_up_cycle(reader: CameraReader, health: HealthLog,
                         stop: object, restart: object) -> None:
    """Frames flow; the server dies -> DOWN; it comes back -> reconnect -> UP, time still rising."""
    before = take(reader, 5)
    assert health.wait_for(Health.UP) == "frames flowing"
    stop()  # type: ignore[operator]
    reason = health.wait_for(Health.DOWN, timeout=5)
    assert reader.state is ReaderState.DOWN
    time.sleep(0.8)  # a few reconnection attempts fail against the dead server
    failed_while_dead = reader.stats().failed_attempts
    restart()  # type: ignore[operator]
    health.wait_for(Health.UP, count=2, timeout=10)
    after = take(reader, 3)
    assert health.states() == [Health.UP, Health.DOWN, Health.UP]
    assert health.events[1][2] <= health.events[2][2]
    assert failed_while_dead >= 2
    assert reader.stats().connections >= 2
    assert after[0].ts > before[-1].ts
    assert after[0].seq > before[-1].seq
    assert reason


def test_http_stream_lost_then_reconnected(health: HealthLog) -> None:
    server = LiveHTTPServer("ts", fps=10)
    with serving(server), live_reader(server.url, health) as reader:
        assert_down_up_cycle(reader, health, server.stop, server.start)
        frame = reader.get(timeout=2)
        assert frame is not None
        assert frame.size == (160, 120)
        assert frame.wall.tzinfo is not None
    assert "127.0.0.1" in health.events[1][3]


def test_http_stream_sampled_rates_and_lag(health: HealthLog) -> None:
    server = LiveHTTPServer("ts", fps=10)
    with serving(server), live_reader(server.url, health, fps=5.0) as reader:
        frames = take(reader, 12)
        stats = reader.stats()
    gaps = [b.ts - a.ts for a, b in zip(frames[2:], frames[3:], strict=False)]
    assert min(gaps) >= 0.19
    assert stats.frames_sampled_out >= stats.frames_published - 2
    assert 5.0 <= stats.decoded_fps <= 15.0
    assert stats.lag_s < 0.5


def test_rtsp_stream_lost_then_reconnected(rtsp_server: RtspServer, health: HealthLog) -> None:
    with live_reader(rtsp_server.url, health, stall=3.0) as reader:
        assert_down_up_cycle(reader, health, rtsp_server.stop, rtsp_server.start)
        frame = reader.get(timeout=2)
    assert frame is not None
    assert frame.size == (320, 240)


def test_garbage_stream_is_down_and_retried(health: HealthLog) -> None:
    server = LiveHTTPServer("garbage")
    with serving(server), live_reader(server.url, health, stall=2.0) as reader:
        reason = health.wait_for(Health.DOWN, timeout=8)
        wait_until(lambda: server.accepted() >= 2, timeout=8)
        assert reader.get(timeout=0.1) is None
    assert "invalid data" in reason
    assert Health.UP not in health.states()


def test_silent_server_is_down_within_the_stall_timeout_and_retried(
        health: HealthLog, clip10: Path) -> None:
    server = LiveHTTPServer("silent")
    other = CameraReader(PyAVSource(str(clip10), "file", SourceOptions(realtime=True)))
    with serving(server), live_reader(server.url, health, stall=1.0) as reader, other:
        start = time.monotonic()
        reason = health.wait_for(Health.DOWN, timeout=5)
        assert time.monotonic() - start < 1.0 + 1.5
        wait_until(lambda: server.accepted() >= 2, timeout=5)
        assert other.get(timeout=2) is not None  # another camera is unaffected
    assert "open timeout" in reason
    assert reader.stats().failed_attempts >= 1


def test_frozen_stream_is_down_within_the_stall_timeout(health: HealthLog) -> None:
    server = LiveHTTPServer("freeze", freeze_after=15)
    with serving(server), live_reader(server.url, health, stall=1.0) as reader:
        health.wait_for(Health.UP, timeout=8)
        wait_until(lambda: reader.stats().frames_decoded >= 15, timeout=5)
        frozen_at = time.monotonic()
        reason = health.wait_for(Health.DOWN, timeout=5)
        assert time.monotonic() - frozen_at < 1.0 + 1.5
    assert "stalled" in reason


@pytest.mark.parametrize("mode", ["silent", "freeze"])
def test_stop_returns_promptly_while_blocked_on_a_read(mode: str) -> None:
    server = LiveHTTPServer(mode, freeze_after=20)  # type: ignore[arg-type]
    with serving(server):
        reader = live_reader(server.url, stall=2.0)
        reader.start()
        wait_until(lambda: server.accepted() >= 1, timeout=5)
        if mode == "freeze":
            wait_until(lambda: reader.stats().frames_decoded >= 15, timeout=5)
            time.sleep(0.7)  # the last frames were sent; the reader now waits for more
        start = time.monotonic()
        reader.stop()
        assert time.monotonic() - start < 1.3
        assert reader.state is ReaderState.STOPPED
        reader.stop()  # idempotent
        wait_until(lambda: not reader.running, timeout=3.5)  # the thread ends at the read timeout
    assert server.accepted() == 1


def test_live_pause_disconnects_and_resume_reconnects(health: HealthLog) -> None:
    server = LiveHTTPServer("ts", fps=10)
    with serving(server), live_reader(server.url, health) as reader:
        first = take(reader, 3)
        reader.pause()
        wait_until(lambda: reader.state is ReaderState.PAUSED, timeout=2)
        time.sleep(0.3)
        while reader.get(timeout=0) is not None:
            pass
        assert reader.get(timeout=0.5) is None
        reader.resume()
        after = take(reader, 3)
    assert server.accepted() == 2
    assert after[0].ts > first[-1].ts + 0.5
    assert health.states() == [Health.UP]
