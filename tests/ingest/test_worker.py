"""CameraReader behaviour on files: slow consumer, pause and resume, callbacks, statistics."""

from __future__ import annotations

import statistics
import time
from datetime import datetime
from pathlib import Path

import pytest

from vigie.config.site import CameraConfig, SourceConfig
from vigie.core import Frame
from vigie.ingest import CameraReader, Health, PyAVSource, ReaderState, SourceOptions

from .conftest import HealthLog
from .media import make_clip


def realtime_reader(path: Path, **kwargs: object) -> CameraReader:
    return CameraReader(PyAVSource(str(path), "cam", SourceOptions(realtime=True)),
                        **kwargs)  # type: ignore[arg-type]


def test_slow_consumer_gets_fresh_frames_and_drops_are_counted(clip10: Path) -> None:
    with realtime_reader(clip10, buffer_size=2) as reader:
        taken: list[Frame] = []
        lags: list[float] = []
        while not reader.done:
            frame = reader.get(timeout=0.5)
            if frame is not None:
                taken.append(frame)
                lags.append(reader.stats().lag_s)
                time.sleep(0.35)  # analysis slower than the 10 fps camera
        stats = reader.stats()
    assert stats.frames_published == 20
    assert stats.frames_dropped_backlog == 20 - len(taken)
    assert stats.frames_dropped_backlog >= 8
    assert stats.frames_consumed == len(taken)
    assert statistics.median(lags) < 0.4  # the freshest frames, not a growing backlog
    assert all(b.seq > a.seq for a, b in zip(taken, taken[1:], strict=False))


def test_fast_consumer_drops_nothing(clip10: Path) -> None:
    with realtime_reader(clip10, buffer_size=2) as reader:
        count = 0
        while not reader.done:
            count += reader.get(timeout=0.5) is not None
        stats = reader.stats()
    assert (count, stats.frames_dropped_backlog) == (20, 0)
    assert 6.0 <= stats.analysed_fps <= 14.0


def test_file_pause_holds_position_and_resume_continues(clip10: Path, health: HealthLog) -> None:
    with realtime_reader(clip10, on_health=health, buffer_size=1) as reader:
        first = reader.get(timeout=2)
        reader.pause()
        time.sleep(0.1)
        while reader.get(timeout=0) is not None:
            pass
        assert reader.get(timeout=0.6) is None
        assert reader.state is ReaderState.PAUSED
        decoded_while_paused = reader.stats().frames_decoded
        time.sleep(0.3)
        assert reader.stats().frames_decoded == decoded_while_paused
        reader.resume()
        after = reader.get(timeout=2)
        assert reader.state is ReaderState.UP
    assert first is not None
    assert after is not None
    assert after.seq <= first.seq + 4  # the file kept its place: nothing was skipped
    assert health.states()[0] is Health.UP
    assert Health.DOWN not in health.states()[:-1]


def test_pause_before_start_publishes_nothing_until_resume(clip10: Path) -> None:
    reader = realtime_reader(clip10)
    reader.pause()
    with reader:
        assert reader.get(timeout=0.4) is None
        reader.resume()
        frame = reader.get(timeout=2)
    assert frame is not None
    assert frame.seq == 0


def test_failing_health_callback_does_not_stop_the_camera(clip10: Path) -> None:
    def explode(camera_id: str, state: Health, at: datetime, reason: str) -> None:
        raise RuntimeError("callback bug")

    reader = CameraReader(PyAVSource(str(clip10), "cam"), on_health=explode, buffer_size=64)
    with reader:
        frames = [f for f in iter(lambda: reader.get(timeout=2), None)]
    assert len(frames) == 20
    assert reader.state is ReaderState.ENDED


def test_from_config_maps_source_settings(tmp_path: Path) -> None:
    path = make_clip(tmp_path / "c.mp4", frames=4)
    camera = CameraConfig(id="gate", analysis_fps=2.0, source=SourceConfig(
        url=str(path), realtime=False, loop=True, reconnect_min_s=0.5, reconnect_max_s=2.0,
        stall_timeout_s=3.0))
    reader = CameraReader.from_config(camera, buffer_size=8)
    with reader:
        frames = [reader.get(timeout=2) for _ in range(4)]
    assert reader.camera_id == "gate"
    assert [f.ts if f else None for f in frames] == pytest.approx([0.0, 0.5, 1.0, 1.5])
    assert reader.state is ReaderState.STOPPED


def test_start_after_stop_is_refused(clip10: Path) -> None:
    reader = realtime_reader(clip10)
    reader.stop()
    reader.stop()
    with pytest.raises(RuntimeError, match="stopped"):
        reader.start()


def test_disabled_camera_starts_paused(clip10: Path) -> None:
    camera = CameraConfig(id="off", enabled=False, source=SourceConfig(url=str(clip10)))
    with CameraReader.from_config(camera) as reader:
        assert reader.get(timeout=0.3) is None
        assert reader.state is ReaderState.PAUSED
        reader.resume()
        assert reader.get(timeout=2) is not None
