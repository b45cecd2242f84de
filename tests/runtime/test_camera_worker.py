"""CameraWorker keeps a camera going through a bad frame and stops it when errors persist."""

from __future__ import annotations

import time
from pathlib import Path

import av
import numpy as np
import pytest

from vigie.config.loader import parse_config
from vigie.core.types import Detections
from vigie.events.alerts import AlertPolicy
from vigie.ingest import CameraReader
from vigie.runtime.alerting import AlertSink
from vigie.runtime.camera import CameraWorker
from vigie.runtime.pipeline import CameraPipeline


class _NullWriter:
    def submit(self, command: object) -> None:
        raise AssertionError("no event expected")


class _NullEvidence:
    def push(self, result: object) -> None:
        return None


def _clip(path: Path, frames: int = 40) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for i in range(frames):
            img = np.full((120, 160, 3), (i * 5) % 255, np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="bgr24")))
        out.mux(stream.encode())
    return path


def _worker(tmp_path: Path, detect: object) -> CameraWorker:
    site = parse_config(f"site: {{name: t}}\nmotion: {{enabled: false}}\ncameras:\n"
                        f"  - id: cam\n    source: {{url: {_clip(tmp_path / 'c.mp4')}, "
                        "realtime: false}\n")
    camera = site.cameras[0]
    pipeline = CameraPipeline(camera, site, detect)  # type: ignore[arg-type]
    sink = AlertSink(AlertPolicy(30), _NullWriter(), _NullEvidence())  # type: ignore[arg-type]
    return CameraWorker(CameraReader.from_config(camera), pipeline, sink,
                        _NullEvidence())  # type: ignore[arg-type]


def _run(worker: CameraWorker) -> None:
    worker.start()
    deadline = time.monotonic() + 20
    while not worker.finished and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.stop()


@pytest.mark.timeout(60)
def test_one_failing_frame_is_skipped_and_the_camera_goes_on(tmp_path: Path) -> None:
    calls = {"n": 0}

    def flaky(image: np.ndarray) -> Detections:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("detector hiccup")
        return Detections.empty()

    worker = _worker(tmp_path, flaky)
    _run(worker)
    assert worker.error is None
    assert worker.last_error == "RuntimeError: detector hiccup"
    assert worker.pipeline.frames >= 15  # 40 frames at 10 fps, analysed at 5 fps, one lost


@pytest.mark.timeout(60)
def test_persistent_errors_stop_the_camera_with_the_reason(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vigie.runtime.camera._MAX_FAILURES", 5)

    def broken(image: np.ndarray) -> Detections:
        raise RuntimeError("model gone")

    worker = _worker(tmp_path, broken)
    _run(worker)
    assert worker.error is not None
    assert "model gone" in worker.error
    assert worker.error.startswith("5 frames in a row failed")
    assert worker.status().state == "error"
