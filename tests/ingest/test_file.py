"""Decoding files with the PyAV source and the camera reader: counts, clock, sampling, damage."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import pytest

from vigie.config.site import CameraConfig, SourceConfig
from vigie.core import Frame
from vigie.errors import SourceError
from vigie.ingest import CameraReader, Health, PyAVSource, ReaderState, SourceOptions

from .conftest import HealthLog
from .media import make_audio_only, make_clip

START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def read_all(path: Path, **options: object) -> tuple[list[Frame], PyAVSource]:
    source = PyAVSource(str(path), "cam", SourceOptions(start_wall=START, **options))  # type: ignore[arg-type]
    source.open()
    try:
        return list(source), source
    finally:
        source.close()


def pts_seconds(path: Path) -> list[float]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [float(f.pts * f.time_base) for f in container.decode(stream)]


def drain(reader: CameraReader, timeout: float = 20.0) -> list[Frame]:
    frames: list[Frame] = []
    deadline = time.monotonic() + timeout
    while not reader.done and time.monotonic() < deadline:
        frame = reader.get(timeout=0.2)
        if frame is not None:
            frames.append(frame)
    return frames


def file_camera(path: Path, fps: float = 5.0, **source: object) -> CameraConfig:
    return CameraConfig(id="cam", source=SourceConfig(url=str(path), **source),  # type: ignore[arg-type]
                        analysis_fps=fps)


@pytest.mark.parametrize("ext", ["mp4", "avi", "mkv", "mov"])
def test_container_decodes_every_frame_with_pts_time(clip_dir: Path, ext: str) -> None:
    path = make_clip(clip_dir / f"count.{ext}", frames=15, fps=10)
    frames, source = read_all(path)
    assert len(frames) == 15
    assert source.counters.decoded == 15
    assert [f.seq for f in frames] == list(range(15))
    expected = pts_seconds(path)
    assert [f.ts for f in frames] == pytest.approx([t - expected[0] for t in expected], abs=1e-6)
    assert all(b.ts > a.ts for a, b in zip(frames, frames[1:], strict=False))
    assert frames[3].wall == START + timedelta(seconds=frames[3].ts)
    image = frames[0].image
    assert (image.shape, image.dtype, image.flags.writeable) == ((120, 160, 3), "uint8", False)


def test_pixels_are_bgr_and_follow_the_content(clip10: Path) -> None:
    frames, _ = read_all(clip10)
    columns = [int(f.image[60].max(axis=1).argmax()) for f in frames[:5]]
    assert columns == pytest.approx([0, 4, 8, 12, 16], abs=2)


def test_sampling_5fps_of_a_10fps_file_keeps_every_other_frame(clip_dir: Path) -> None:
    path = make_clip(clip_dir / "sample.mp4", frames=25, fps=10)
    frames, source = read_all(path, analysis_fps=5.0)
    assert len(frames) == math.ceil(25 / 2)
    assert [f.seq for f in frames] == list(range(0, 25, 2))
    assert source.counters.sampled_out == 25 - len(frames)


def test_vtest_frames_and_sampling(vtest_avi: Path) -> None:
    frames, source = read_all(vtest_avi, analysis_fps=5.0)
    assert source.counters.decoded == 795
    assert len(frames) == 398  # frames 0, 2, ..., 794 of a 10 fps file
    assert frames[-1].ts == pytest.approx(79.4)
    assert frames[0].size == (768, 576)


def test_realtime_takes_about_the_video_duration(clip10: Path) -> None:
    start = time.monotonic()
    frames, _ = read_all(clip10, realtime=True)
    elapsed = time.monotonic() - start
    assert len(frames) == 20
    assert elapsed >= 0.8 * frames[-1].ts
    assert elapsed < frames[-1].ts + 1.5


def test_loop_restarts_with_time_still_increasing(clip_dir: Path) -> None:
    path = make_clip(clip_dir / "loop.mp4", frames=8, fps=10)
    source = PyAVSource(str(path), "cam", SourceOptions(loop=True))
    source.open()
    frames = []
    for frame in source:
        frames.append(frame)
        if len(frames) == 20:
            break
    source.close()
    steps = [b.ts - a.ts for a, b in zip(frames, frames[1:], strict=False)]
    assert steps == pytest.approx([0.1] * 19, abs=1e-6)
    assert [f.seq for f in frames] == list(range(20))
    assert source.counters.connections == 3


def test_reader_from_config_delivers_a_file_then_ends(clip10: Path, health: HealthLog) -> None:
    reader = CameraReader.from_config(file_camera(clip10, realtime=False), on_health=health,
                                      buffer_size=64, start_wall=START)
    with reader:
        frames = drain(reader)
    assert len(frames) == 10
    assert health.states() == [Health.UP, Health.DOWN]
    assert "end of file" in health.events[-1][3]
    stats = reader.stats()
    assert (stats.state, stats.frames_decoded, stats.frames_sampled_out) == (
        ReaderState.ENDED, 20, 10)
    assert stats.frames_consumed == stats.frames_published == 10


def truncate(src: Path, dst: Path, keep: float) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * keep)])
    return dst


def garbage(path: Path) -> Path:
    path.write_bytes(bytes(range(256)) * 400)
    return path


def damage_middle(src: Path, dst: Path) -> Path:
    data = bytearray(src.read_bytes())
    mid = len(data) // 2
    data[mid:mid + 4000] = bytes(range(256)) * 15 + bytes(160)
    dst.write_bytes(bytes(data))
    return dst


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda d: garbage(d / "garbage.mp4"), "invalid data"),
        (lambda d: d / "missing.mp4", "no such file"),
        (lambda d: make_audio_only(d / "audio.wav"), "no video stream"),
        (lambda d: truncate(make_clip(d / "full.mkv", frames=60), d / "cut.mkv", 0.4),
         "truncated"),
        (lambda d: truncate(make_clip(d / "full.mp4", frames=60), d / "cut.mp4", 0.9),
         "truncated"),
    ],
    ids=["garbage", "missing", "audio-only", "truncated-mkv", "mp4-without-index"],
)
def test_broken_file_is_down_with_reason_while_another_camera_runs(
        tmp_path: Path, clip_dir: Path, health: HealthLog, make: object, problem: str) -> None:
    bad = make(tmp_path)  # type: ignore[operator]
    clip = make_clip(clip_dir / "one-second.mp4", frames=10)
    good = CameraReader(PyAVSource(str(clip), "good", SourceOptions(realtime=True)),
                        buffer_size=64)
    broken = CameraReader(PyAVSource(str(bad), "bad"), on_health=health)
    with good, broken:
        reason = health.wait_for(Health.DOWN, timeout=10)
        assert good.get(timeout=5) is not None
        good_frames = 1 + len(drain(good))
    assert problem in reason
    assert bad.name in reason
    assert broken.stats().state is ReaderState.DOWN
    assert good_frames == 10


def test_truncated_vtest_delivers_what_it_can_then_is_down(
        vtest_avi: Path, tmp_path: Path, health: HealthLog) -> None:
    cut = truncate(vtest_avi, tmp_path / "vtest-cut.avi", 0.5)
    reader = CameraReader(PyAVSource(str(cut), "cam"), on_health=health, buffer_size=1000)
    with reader:
        frames = drain(reader)
    reason = health.wait_for(Health.DOWN)
    assert 300 < len(frames) < 795
    assert "truncated" in reason
    assert "vtest-cut.avi" in reason


def test_damage_in_the_middle_is_skipped_then_reported(clip_dir: Path, tmp_path: Path) -> None:
    damaged = damage_middle(make_clip(clip_dir / "long.avi", frames=120, fps=10),
                            tmp_path / "damaged.avi")
    source = PyAVSource(str(damaged), "cam")
    source.open()
    frames: list[Frame] = []
    with pytest.raises(SourceError, match="damaged.avi: truncated or corrupt"):
        frames.extend(source)
    source.close()
    assert len(frames) >= 100  # the damaged region is skipped, the rest decoded
    assert frames[-1].ts > 11.0  # up to the end of the 12 s clip
    assert all(b.ts > a.ts for a, b in zip(frames, frames[1:], strict=False))


def test_reasons_never_show_stream_credentials() -> None:
    source = PyAVSource("rtsp://admin:s3cret@127.0.0.1:1/stream", "cam",
                        SourceOptions(open_timeout_s=2, read_timeout_s=2))
    with pytest.raises(SourceError) as caught:
        source.open()
    assert "s3cret" not in str(caught.value)
    assert "rtsp://***@127.0.0.1:1/stream" in str(caught.value)
