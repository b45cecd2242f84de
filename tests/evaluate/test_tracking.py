"""Tracking evaluation: synthetic sequences check frame alignment; TUD checks the real figures."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from vigie.evaluate.tracking import evaluate_tracking

from ..conftest import shared_file
from .helpers import SIZE, box_context, write_box_video

FPS = 25
# One person moving 6 px a frame: were frames off by one, IoU would be 10/22 < 0.5 (a miss).
BOXES = [(10 + 6 * i, 30, 26 + 6 * i, 90) for i in range(20)]


def make_sequence(folder: Path, as_images: bool) -> Path:
    """A MOT15 folder: gt/gt.txt, seqinfo.ini, and a video or img1/ frames."""
    (folder / "gt").mkdir(parents=True)
    rows = [f"{i + 1},1,{x1},{y1},{x2 - x1},{y2 - y1},1,-1,-1,-1"
            for i, (x1, y1, x2, y2) in enumerate(BOXES)]
    (folder / "gt" / "gt.txt").write_text("\n".join(rows) + "\n")
    (folder / "seqinfo.ini").write_text(f"[Sequence]\nname=synthetic\nframeRate={FPS}\n"
                                        f"seqLength={len(BOXES)}\n")
    if not as_images:
        write_box_video(folder / "synthetic.mp4", BOXES, fps=FPS)
        return folder
    (folder / "img1").mkdir()
    for i, (x1, y1, x2, y2) in enumerate(BOXES):
        image = np.zeros((SIZE[1], SIZE[0], 3), np.uint8)
        image[y1:y2, x1:x2] = 255
        cv2.imwrite(str(folder / "img1" / f"{i + 1:06d}.png"), image)
    return folder


@pytest.mark.parametrize("as_images", [False, True], ids=["video", "img1"])
def test_synthetic_sequence_scores_near_perfect(tmp_path: Path, as_images: bool) -> None:
    score = evaluate_tracking(make_sequence(tmp_path / "seq", as_images), box_context())
    assert score.kind == "tracking"
    assert score.name == "synthetic"
    every, product = score.rows
    # 20 boxes; the tracker confirms the track on its second sighting: 1 miss, no false box.
    # MOTA = 1 - 1/20 = 0.95.
    assert (every["tp"], every["fn"], every["fp"], every["id_switches"]) == (19, 1, 0, 0)
    assert score.metrics["mota"] == pytest.approx(0.95)
    # Product mode: frames 1, 6, 11, 16 analysed (5 fps of 25). The 16 px box moves 30 px
    # between them: no overlap, so the IoU tracker starts a new track each time and never
    # confirms one (a real limit of IoU association at 5 fps for small, fast objects).
    assert product["frames"] == 4
    assert product["analysis_fps"] == 5.0
    assert (product["tp"], product["fn"], product["fp"]) == (0, 4, 0)
    assert set(score.metrics) == {"mota", "idf1", "hota", "mota_5fps", "idf1_5fps", "hota_5fps"}


def test_folder_without_video_or_frames(tmp_path: Path) -> None:
    folder = make_sequence(tmp_path / "seq", as_images=False)
    (folder / "synthetic.mp4").unlink()
    with pytest.raises(ValueError, match="no video"):
        evaluate_tracking(folder, box_context())


@pytest.mark.slow
def test_tud_campus_with_the_product_detector(nanodet_models_dir: Path) -> None:
    """Regression guard on real footage: the figures measured when the harness was written."""
    from vigie.evaluate.run import build_context

    folder = shared_file("tracking/TUD-Campus/gt/gt.txt").parent.parent
    score = evaluate_tracking(folder, build_context(nanodet_models_dir))
    assert score.rows[0]["frames"] == 71
    assert 0.2 <= score.metrics["mota"] <= 1.0
    assert 0.4 <= score.metrics["idf1"] <= 1.0
