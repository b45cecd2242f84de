"""Unit tests of the ingest building blocks: stream clock, sampler, pacer, buffer, back-off."""

from __future__ import annotations

import random
import threading
from fractions import Fraction

import pytest

from vigie.ingest import (
    DropOldestBuffer,
    FrameSampler,
    Pacer,
    RateMeter,
    ReconnectPolicy,
    StreamClock,
    is_live_url,
    redact_url,
)

TB = Fraction(1, 10)


class FakeClock:
    """A monotonic clock the test moves by hand; ``sleep`` advances it."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> bool:
        self.now += seconds
        return False


def stamps(clock: StreamClock, pts: list[int | None], tb: Fraction = TB) -> list[float]:
    return [round(clock.stamp(p, tb), 6) for p in pts]


def test_file_clock_follows_pts_from_first_frame() -> None:
    clock = StreamClock(live=False)
    clock.start_segment(0.1)
    assert stamps(clock, [50, 51, 52, 55]) == [0.0, 0.1, 0.2, 0.5]


@pytest.mark.parametrize(
    ("pts", "expected"),
    [
        ([0, 1, 1, 2], [0.0, 0.1, 0.2, 0.3]),  # duplicate PTS -> one interval later
        ([0, 1, None, 3], [0.0, 0.1, 0.2, 0.3]),  # missing PTS -> one interval later
        ([8, 9, 0, 1], [0.0, 0.1, 0.2, 0.3]),  # PTS goes back (wrap) -> re-anchored
        ([0, 1, 1000, 1001], [0.0, 0.1, 0.2, 0.3]),  # jump of 100 s -> re-anchored
    ],
    ids=["duplicate", "missing", "backwards", "jump"],
)
def test_file_clock_survives_broken_pts(pts: list[int | None], expected: list[float]) -> None:
    clock = StreamClock(live=False)
    clock.start_segment(0.1)
    assert stamps(clock, pts) == expected


def test_file_clock_loop_continues_one_interval_after_the_end() -> None:
    clock = StreamClock(live=False)
    clock.start_segment(0.1)
    first = stamps(clock, [0, 1, 2])
    clock.start_segment(0.1)
    assert first + stamps(clock, [0, 1]) == [0.0, 0.1, 0.2, 0.3, 0.4]


def test_live_clock_uses_pts_then_monotonic_on_wrap_and_reconnect() -> None:
    mono = FakeClock()
    clock = StreamClock(live=True, max_jump_s=2.0, monotonic=mono)
    clock.start_segment()
    mono.now += 1.0
    assert stamps(clock, [900, 901, 902]) == [0.0, 0.1, 0.2]  # anchored at connect time
    mono.now += 0.3
    assert stamps(clock, [2**33 % 7]) == [1.3]  # wrapped PTS: monotonic since connect
    assert stamps(clock, [2**33 % 7 + 1]) == [1.4]  # and PTS again from there
    mono.now += 10.0  # connection lost, reconnected 10 s later, PTS restarts at 0
    clock.start_segment()
    assert stamps(clock, [0, 1]) == [11.3, 11.4]


def test_live_clock_rejects_pts_drifting_from_real_time() -> None:
    mono = FakeClock()
    clock = StreamClock(live=True, max_jump_s=1.0, monotonic=mono)
    clock.start_segment()
    out = []
    for i in range(30):  # PTS runs 10x faster than real time
        out.append(clock.stamp(i * 10, TB))
        mono.now += 0.1
    assert out == sorted(out)
    assert abs(out[-1] - 2.9) <= 1.0


def test_sampler_keeps_half_of_10fps_at_5fps() -> None:
    sampler = FrameSampler(5.0)
    kept = [i for i in range(21) if sampler.keep(i / 10)]
    assert kept == list(range(0, 21, 2))


def test_sampler_tolerates_jittered_timestamps() -> None:
    sampler = FrameSampler(10.0)
    rng = random.Random(1)
    times = [i / 30 + rng.uniform(-0.0005, 0.0005) for i in range(300)]
    assert sum(sampler.keep(t) for t in times) == 100


def test_sampler_handles_variable_frame_rate() -> None:
    sampler = FrameSampler(2.0)
    times = [0.0, 0.1, 0.2, 1.5, 1.6, 1.7, 2.0, 2.05]  # a 1.3 s gap, then a burst
    assert [t for t in times if sampler.keep(t)] == [0.0, 1.5, 2.0]


def test_sampler_without_fps_keeps_everything() -> None:
    assert all(FrameSampler(None).keep(t / 100) for t in range(10))


def test_pacer_waits_for_stream_time_and_reanchors_when_late() -> None:
    mono = FakeClock()
    pacer = Pacer(mono.sleep, max_lag_s=1.0, monotonic=mono)
    start = mono.now
    for ts in (0.0, 0.5, 1.0):
        assert pacer.pace(ts)
    assert mono.now - start == pytest.approx(1.0)
    mono.now += 5.0  # consumer paused for 5 s
    assert pacer.pace(1.5)
    before = mono.now
    assert pacer.pace(2.0)
    assert mono.now - before == pytest.approx(0.5)


def test_pacer_reports_interruption() -> None:
    interrupted = threading.Event()
    interrupted.set()
    pacer = Pacer(interrupted.wait)
    assert pacer.pace(0.0)
    assert not pacer.pace(60.0)


def test_buffer_drops_oldest_and_counts() -> None:
    buf = DropOldestBuffer[int](2)
    assert [buf.put(i) for i in range(5)] == [False, False, True, True, True]
    assert (buf.get(0), buf.get(0), buf.get(0.01), buf.dropped) == (3, 4, None, 3)


def test_buffer_close_wakes_a_waiting_consumer() -> None:
    buf = DropOldestBuffer[int](2)
    got: list[int | None] = []
    thread = threading.Thread(target=lambda: got.append(buf.get(10)))
    thread.start()
    buf.close()
    thread.join(2)
    assert got == [None]


def test_buffer_rejects_zero_size() -> None:
    with pytest.raises(ValueError, match="size"):
        DropOldestBuffer[int](0)


def test_backoff_grows_to_max_with_bounded_jitter() -> None:
    policy = ReconnectPolicy(0.5, 4.0, jitter=0.25)
    rng = random.Random(3)
    for attempt, base in enumerate([0.5, 1.0, 2.0, 4.0, 4.0, 4.0]):
        delay = policy.delay(attempt, rng)
        assert max(0.5, base * 0.75) <= delay <= base


def test_rate_meter_measures_recent_rate() -> None:
    meter = RateMeter(window_s=2.0)
    for i in range(51):
        meter.sample(i * 0.1, i)
    assert meter.rate(5.0) == pytest.approx(10.0, rel=0.1)
    assert meter.rate(20.0) == 0.0


@pytest.mark.parametrize(
    ("url", "live", "shown"),
    [
        ("rtsp://admin:secret@10.0.0.7:554/s1", True, "rtsp://***@10.0.0.7:554/s1"),
        ("http://cam/live.ts", True, "http://cam/live.ts"),
        ("/data/clip.mp4", False, "/data/clip.mp4"),
        ("file:clip.avi", False, "file:clip.avi"),
    ],
    ids=["rtsp-credentials", "http", "path", "file-url"],
)
def test_urls_are_classified_and_redacted(url: str, live: bool, shown: str) -> None:
    assert is_live_url(url) is live
    assert redact_url(url) == shown


def test_pyav_source_satisfies_the_protocol() -> None:
    from vigie.ingest import FrameSource, PyAVSource

    assert isinstance(PyAVSource("clip.mp4", "cam"), FrameSource)


def test_blocking_put_waits_for_the_consumer_and_drops_nothing() -> None:
    import threading

    buf = DropOldestBuffer[int](2)
    taken: list[int] = []

    def consume() -> None:
        while (item := buf.get(timeout=2.0)) is not None:
            taken.append(item)
            if item == 9:
                return

    consumer = threading.Thread(target=consume)
    consumer.start()
    for i in range(10):
        buf.put(i, block=True)
    consumer.join(5.0)
    assert taken == list(range(10))
    assert buf.dropped == 0


def test_blocking_put_is_released_by_close() -> None:
    import threading

    buf = DropOldestBuffer[int](1)
    buf.put(0)
    producer = threading.Thread(target=lambda: buf.put(1, block=True))
    producer.start()
    buf.close()
    producer.join(2.0)
    assert not producer.is_alive()
