"""Alert evidence: annotated snapshots, VP9 clips with true timestamps, the clip recorder."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt
import pytest

from vigie.core import Event, Frame, Track
from vigie.events.evidence import (
    ClipRecorder,
    ClipRequest,
    ClipResult,
    draw_overlay,
    encode_clip,
    evidence_paths,
    write_snapshot,
)

WALL = datetime(2026, 3, 14, 23, 30, tzinfo=UTC)
GREY = 128
BOX = (50.0, 60.0, 200.0, 220.0)


def grey_frame(ts: float = 0.0, seq: int = 0, size: tuple[int, int] = (320, 240)) -> Frame:
    """A uniform grey frame."""
    return Frame("cam", seq, ts, WALL, np.full((size[1], size[0], 3), GREY, np.uint8))


def is_red(pixel: npt.NDArray[np.uint8]) -> bool:
    """BGR pixel close to pure red (JPEG and VP9 are lossy)."""
    b, g, r = (int(v) for v in pixel)
    return r > 170 and b < 90 and g < 90


def read_clip(path: Path) -> tuple[list[float], list[npt.NDArray[np.uint8]], float]:
    """(frame times in s, BGR images, container duration in s)."""
    with av.open(str(path)) as container:
        times, images = [], []
        for f in container.decode(video=0):
            times.append(float(f.time or 0.0))
            images.append(f.to_ndarray(format="bgr24"))
        duration = (container.duration or 0) / 1_000_000
    return times, images, duration


def test_evidence_paths_use_the_utc_date(tmp_path: Path) -> None:
    alert = uuid.uuid4()
    paris = WALL.astimezone(timezone(timedelta(hours=1)))  # already 15 March in Paris
    paths = evidence_paths(tmp_path, "hall", paris, alert)
    assert paths.relative(paths.snapshot) == f"evidence/hall/2026-03-14/{alert}.jpg"
    assert paths.relative(paths.clip) == f"evidence/hall/2026-03-14/{alert}.webm"


def test_snapshot_outlines_the_box(tmp_path: Path) -> None:
    path = tmp_path / "evidence" / "cam" / "snap.jpg"
    write_snapshot(grey_frame(), [BOX], ["person #7"], None, path, quality=90)
    image = cv2.imread(str(path))
    assert image.shape == (240, 320, 3)
    x1, y1, x2, y2 = (int(v) for v in BOX)
    mid_x, mid_y = (x1 + x2) // 2, (y1 + y2) // 2
    for pixel in (image[mid_y, x1], image[mid_y, x2], image[y2, mid_x]):
        assert is_red(pixel)
    assert abs(int(image[mid_y, mid_x].mean()) - GREY) < 6  # inside stays untouched
    assert abs(int(image[5, 300].mean()) - GREY) < 6
    assert list(path.parent.iterdir()) == [path]  # no temporary file left


def test_zone_is_shaded_not_hidden() -> None:
    zone = [(200.0, 20.0), (310.0, 20.0), (310.0, 120.0), (200.0, 120.0)]
    image = draw_overlay(grey_frame().image, [], [], zone)
    inside, outside = image[70, 250].astype(int), image[200, 100].astype(int)
    assert list(outside) == [GREY] * 3
    assert inside[2] > GREY  # tinted towards amber (BGR 0, 191, 255)...
    assert inside[0] < GREY  # ...while the scene stays visible
    assert inside[0] > 50


def test_snapshot_on_real_footage(vtest_avi: Path, tmp_path: Path) -> None:
    with av.open(str(vtest_avi)) as container:
        image = next(container.decode(video=0)).to_ndarray(format="bgr24")
    frame = Frame("pets", 0, 0.0, WALL, image)
    path = tmp_path / "pets.jpg"
    write_snapshot(frame, [(300, 200, 360, 330)], ["person"], None, path, quality=85)
    snap = cv2.imread(str(path))
    assert is_red(snap[265, 300])
    assert is_red(snap[330, 330])


def test_clip_keeps_variable_frame_intervals(tmp_path: Path) -> None:
    offsets = [0.0, 0.1, 0.2, 0.45, 0.5, 0.9, 1.0, 1.1, 1.6, 1.7]
    frames = [(100.0 + t, grey_frame(t).image) for t in offsets]
    duration = encode_clip(frames, tmp_path / "vfr.webm")
    times, images, container_s = read_clip(tmp_path / "vfr.webm")
    assert len(images) == len(frames)
    assert times == pytest.approx(offsets, abs=0.002)
    assert duration == pytest.approx(1.8)
    assert container_s == pytest.approx(1.8, abs=0.002)
    assert images[0].shape == (240, 320, 3)


def test_clip_scales_wide_frames_to_even_sizes(tmp_path: Path) -> None:
    frames = [(i / 5, np.zeros((721, 1921, 3), np.uint8)) for i in range(3)]
    encode_clip(frames, tmp_path / "wide.webm")
    _, images, _ = read_clip(tmp_path / "wide.webm")
    assert images[0].shape == (480, 1280, 3)


def test_clip_without_frames_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one frame"):
        encode_clip([], tmp_path / "none.webm")


def _collect() -> tuple[list[ClipResult], threading.Event]:
    results: list[ClipResult] = []
    done = threading.Event()

    def on_done(result: ClipResult) -> None:
        results.append(result)
        done.set()

    return results, done


def test_recorder_clip_from_real_footage(vtest_avi: Path, tmp_path: Path) -> None:
    """5 s before and 5 s after an alert at 10 fps: 100 frames, 10 s, the person outlined."""
    results, done = _collect()
    recorder = ClipRecorder(before_s=5.0, after_s=5.0, on_done=results.append)
    person = (300.0, 200.0, 360.0, 330.0)
    alert_uuid, path = uuid.uuid4(), tmp_path / "clip.webm"
    slowest_feed = 0.0
    with av.open(str(vtest_avi)) as container:
        for seq, decoded in enumerate(container.decode(video=0)):
            ts = float(decoded.time or 0.0)
            frame = Frame("pets", seq, ts, WALL, decoded.to_ndarray(format="bgr24"))
            tracks = [Track(7, "person", person, 0.9, (0.43, 0.57), 6.0, ts)] if ts >= 6 else []
            started = time.perf_counter()
            recorder.on_frame(frame, tracks)
            if seq == 80:  # ts 8.0: the rule fires, the incident began at 6.0
                event = Event("zone_intrusion", "zi", "pets", ts, WALL, 6.0, 0.9, "why",
                              "zi:7", zone="yard", track_ids=(7,))
                recorder.start(ClipRequest.from_event(event, alert_uuid, path))
            slowest_feed = max(slowest_feed, time.perf_counter() - started)
            if ts >= 14.0:
                break
    recorder.close()
    assert slowest_feed < 0.2  # encoding happens on the worker, not in the analysis loop
    assert len(results) == 1
    result = results[0]
    assert result.ok, result.error
    assert (result.alert_uuid, result.path, result.frames) == (alert_uuid, path, 101)
    times, images, container_s = read_clip(path)
    assert len(images) == 101
    assert times[0] == pytest.approx(0.0)
    assert times[-1] == pytest.approx(10.0, abs=0.01)
    assert container_s == pytest.approx(10.0, abs=0.15)
    assert result.duration_s == pytest.approx(10.1)
    outlined, before = images[30], images[5]  # 6.0 s (track seen) and 3.5 s (not yet)
    assert is_red(outlined[265, 300])
    assert not is_red(before[265, 300])


def test_recorder_finishes_clips_of_a_silent_camera(tmp_path: Path) -> None:
    results, done = _collect()
    recorder = ClipRecorder(before_s=1.0, after_s=5.0, on_done=lambda r: (results.append(r),
                                                                        done.set()))
    for i in range(20):
        recorder.on_frame(grey_frame(i * 0.2, seq=i))
    recorder.start(ClipRequest(uuid.uuid4(), "cam", alert_ts=3.8, highlight_from_ts=3.0,
                               path=tmp_path / "short.webm", boxes=(BOX,), label="fire"))
    assert recorder.recording == 1
    recorder.close()  # the camera went silent: the clip ends with what it has
    assert done.is_set()
    assert results[0].ok
    assert results[0].frames == 6
    _, images, _ = read_clip(tmp_path / "short.webm")
    assert is_red(images[-1][140, 50])  # event boxes drawn up to the alert frame


def test_failed_clip_is_reported(tmp_path: Path) -> None:
    results, _ = _collect()
    (tmp_path / "blocker").write_text("a file where a folder should be")
    recorder = ClipRecorder(before_s=1.0, after_s=0.0, on_done=results.append)
    recorder.on_frame(grey_frame(0.0))
    recorder.start(ClipRequest(uuid.uuid4(), "cam", 0.0, 0.0, tmp_path / "blocker" / "x.webm"))
    recorder.close()
    assert not results[0].ok
    assert results[0].error
