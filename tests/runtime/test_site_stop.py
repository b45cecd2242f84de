"""Stopping analysis per camera and globally: at once, stored, audited, kept on restart."""

from __future__ import annotations

import time
from pathlib import Path

import av
import numpy as np
import pytest

from vigie.config.loader import parse_config
from vigie.config.site import SiteConfig
from vigie.core.types import COCO_CLASSES, Detections
from vigie.runtime.site import SiteRunner
from vigie.store import AuditRepository, CameraRepository, HealthRepository, open_database


class EmptyDetector:
    """Finds nothing, instantly: these tests are about the runtime, not perception."""

    labels = COCO_CLASSES
    input_size = (416, 416)

    def detect(self, image: np.ndarray) -> Detections:
        return Detections.empty()

    def detect_batch(self, images: list[np.ndarray]) -> list[Detections]:
        return [Detections.empty() for _ in images]


def _clip(path: Path) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for i in range(50):
            img = np.full((120, 160, 3), (i * 5) % 255, np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="bgr24")))
        out.mux(stream.encode())
    return path


def _site(tmp_path: Path) -> SiteConfig:
    clip = _clip(tmp_path / "loop.mp4")
    cams = "".join(f"  - id: cam-{i}\n    source: {{url: {clip}, loop: true}}\n"
                   for i in range(2))
    return parse_config(f"site: {{name: t}}\nstorage: {{data_dir: {tmp_path / 'data'}}}\n"
                        f"cameras:\n{cams}")


def _analysed(runner: SiteRunner, camera_id: str) -> int:
    return runner.workers[camera_id].pipeline.frames


def _grows(runner: SiteRunner, camera_id: str, seconds: float = 1.0) -> bool:
    before = _analysed(runner, camera_id)
    time.sleep(seconds)
    return _analysed(runner, camera_id) > before


@pytest.mark.timeout(60)
def test_camera_and_global_stop(tmp_path: Path) -> None:
    site = _site(tmp_path)
    runner = SiteRunner(site, detector=EmptyDetector())
    runner.start()
    try:
        time.sleep(1.0)
        runner.set_camera_stopped("cam-0", True, "alice", "privacy request")
        time.sleep(0.5)  # effective within a second
        assert not _grows(runner, "cam-0")
        assert _grows(runner, "cam-1")
        runner.set_camera_stopped("cam-0", False, "alice", "resumed")
        assert _grows(runner, "cam-0", 1.5)
        runner.set_all_stopped(True, "bob", "major incident")
        time.sleep(0.5)
        assert not _grows(runner, "cam-0")
        assert not _grows(runner, "cam-1", 0.1)
        with pytest.raises(KeyError, match="running: \\['cam-0', 'cam-1'\\]"):
            runner.set_camera_stopped("cam-9", True, "bob", "typo")
    finally:
        runner.stop()
    db = open_database(site.storage.resolved_url())
    try:
        assert all(c.analysis_stopped for c in CameraRepository(db).list())
        actions = [(e.actor, e.action) for e in AuditRepository(db).list(limit=100)]
        assert ("alice", "camera.stop") in actions
        assert ("alice", "camera.resume") in actions
        assert ("bob", "camera.stop_all") in actions
        assert AuditRepository(db).verify_chain() is None
        assert {h.state for h in HealthRepository(db).current().values()} == {"stopped"}
    finally:
        db.close()
    restarted = SiteRunner(site, detector=EmptyDetector())
    restarted.start()
    try:
        time.sleep(1.0)
        assert _analysed(restarted, "cam-0") == 0  # the operator's stop survived the restart
    finally:
        restarted.stop()
