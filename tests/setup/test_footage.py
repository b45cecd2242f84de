"""Footage for the scene editor: recordings offered, stills to draw on, one test at a time."""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.setup.media import write_clip
from vigie.config.loader import parse_config
from vigie.config.site import CameraConfig, SourceConfig
from vigie.core.types import COCO_CLASSES, Detections
from vigie.detect.base import Detector
from vigie.errors import SourceError
from vigie.setup.footage import (
    Recording,
    TrialBusyError,
    TrialRunner,
    choose_recording,
    placeholder_jpeg,
    recordings,
    still_jpeg,
)


def camera_on(url: str) -> CameraConfig:
    return CameraConfig(id="hall", source=SourceConfig(url=url))


def test_recordings_are_the_camera_file_then_media_files_never_outside(tmp_path: Path) -> None:
    own = write_clip(tmp_path / "media" / "hall.mp4", 1)
    write_clip(tmp_path / "media" / "night" / "b.avi", 1)
    (tmp_path / "media" / "notes.txt").write_text("not a video")
    secret = write_clip(tmp_path / "elsewhere.mp4", 1)
    (tmp_path / "media" / "escape.mp4").symlink_to(secret)
    found = recordings(camera_on(str(own)), tmp_path)
    assert [r.key for r in found] == ["source", "media/night/b.avi"]
    assert found[0].label == "camera source (hall.mp4)"
    assert [r.key for r in recordings(camera_on("rtsp://cam/1"), tmp_path)] == [
        "media/hall.mp4", "media/night/b.avi"]
    assert recordings(camera_on("rtsp://cam/1"), None) == []


def test_a_recording_is_chosen_from_the_list_only(tmp_path: Path) -> None:
    choices = [Recording("source", "camera source", tmp_path / "a.mp4"),
               Recording("media/b.mp4", "media/b.mp4", tmp_path / "media" / "b.mp4")]
    assert choose_recording(choices, None) is choices[0]
    assert choose_recording(choices, "media/b.mp4") is choices[1]
    for attempt in ("../../etc/passwd", "media/../site.yaml", str(tmp_path / "a.mp4"), ""):
        with pytest.raises(KeyError, match="is not among the recordings"):
            choose_recording(choices, attempt)
    with pytest.raises(KeyError, match="no recording to test on"):
        choose_recording([], None)


def test_the_still_is_taken_two_seconds_in(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "a.mp4", seconds=3.0)
    image = cv2.imdecode(np.frombuffer(still_jpeg(str(clip)), np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (240, 320, 3)
    assert abs(float(image.mean()) - (20 + 5 * 20)) < 6  # frame 20 = 2.0 s
    short = write_clip(tmp_path / "short.mp4", seconds=1.0)
    image = cv2.imdecode(np.frombuffer(still_jpeg(str(short)), np.uint8), cv2.IMREAD_COLOR)
    assert abs(float(image.mean()) - (20 + 5 * 9)) < 6  # the last frame
    with pytest.raises(SourceError, match="cannot read a picture from missing.mp4"):
        still_jpeg(str(tmp_path / "missing.mp4"))
    (tmp_path / "junk.mp4").write_bytes(b"not a video at all" * 10)
    with pytest.raises(SourceError, match="junk.mp4"):
        still_jpeg(str(tmp_path / "junk.mp4"))


def test_the_placeholder_is_a_grey_16_9_picture() -> None:
    image = cv2.imdecode(np.frombuffer(placeholder_jpeg("no picture"), np.uint8),
                         cv2.IMREAD_COLOR)
    assert image.shape == (720, 1280, 3)
    assert 60 < float(image.mean()) < 90


class GatedDetector:
    """Finds nothing, once ``gate`` is set: holds a test running for as long as needed."""

    labels = COCO_CLASSES
    input_size = (320, 320)

    def __init__(self, gate: threading.Event) -> None:
        self.gate = gate

    def detect(self, image: np.ndarray) -> Detections:
        self.gate.wait(30)
        return Detections.empty()

    def detect_batch(self, images: list[np.ndarray]) -> list[Detections]:
        return [self.detect(i) for i in images]


@pytest.mark.timeout(60)
def test_one_test_at_a_time_then_its_report(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "a.mp4", seconds=2.0)
    site = parse_config(f"site: {{name: t}}\nstorage: {{data_dir: {tmp_path / 'data'}}}\n"
                        f"motion: {{enabled: false}}\n"
                        f"cameras:\n  - id: hall\n    source: {{url: {clip}}}\n")
    gate = threading.Event()
    built: list[Detector] = []

    def make() -> Detector:
        built.append(GatedDetector(gate))
        return built[-1]

    runner = TrialRunner(make)
    recording = Recording("source", "camera source", clip)
    job = runner.start(site, "hall", 7, recording)
    assert job.state == "running"
    with pytest.raises(TrialBusyError, match=f"already running \\(job {job.id}\\)"):
        runner.start(site, "hall", 8, recording)
    gate.set()
    assert runner.wait(30)
    done = runner.get(job.id)
    assert done.state == "done", done.message
    assert done.progress == 1.0
    assert done.result is not None
    assert done.result["video"] == "source"  # the choice, not the server's path
    assert done.result["frames"] > 5
    assert done.result["alerts"] == []
    second = runner.start(site, "hall", 8, Recording("x", "x", tmp_path / "gone.mp4"))
    assert runner.wait(30)
    failed = runner.get(second.id)
    assert failed.state == "failed"
    assert "gone.mp4" in failed.message
    assert len(built) == 1  # the detector is built once
    with pytest.raises(KeyError, match="no test job 'nope'"):
        runner.get("nope")
