"""Counting-set evaluator: ShanghaiTech ground truth, MAE/RMSE by hand, a real-model smoke run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest
import scipy.io

from tests.conftest import shared_file
from vigie.core.types import Detections
from vigie.evaluate.counting import counting_metrics, evaluate_counting, read_count
from vigie.evaluate.datasets import detect_kind, evaluator_for
from vigie.evaluate.types import EvalContext

Image = npt.NDArray[np.uint8]


def write_gt(path: Path, points: Sequence[tuple[float, float]], count: int | None = None) -> None:
    """A GT_*.mat file laid out as ShanghaiTech's: image_info{1}.location / .number."""
    record = np.zeros((1, 1), dtype=[("location", "O"), ("number", "O")])
    record[0, 0]["location"] = np.asarray(points, np.float64).reshape(-1, 2)
    record[0, 0]["number"] = np.asarray([[len(points) if count is None else count]], np.float64)
    cell = np.empty((1, 1), dtype=object)
    cell[0, 0] = record
    scipy.io.savemat(str(path), {"image_info": cell})


class GreyCounter:
    """A detector that sees (grey level // 10) persons side by side in an image."""

    labels = ("person", "car")
    input_size = (64, 64)

    def detect(self, image: Image) -> Detections:
        n = int(image[0, 0, 0]) // 10
        boxes = [[10 * i, 0, 10 * i + 8, 40] for i in range(n)] + [[0, 50, 30, 60]]
        return Detections.from_arrays(boxes, [0.9] * (n + 1), [0] * n + [1], labels=self.labels)

    def detect_batch(self, images: Sequence[Image]) -> list[Detections]:
        return [self.detect(i) for i in images]


class OneFace:
    """A face detector that finds one face, outside every person box."""

    def detect(self, image: Image) -> Detections:
        return Detections.from_arrays([[100, 100, 110, 112]], [0.8], [0], labels=("face",))


class FakeModels:
    def faces(self) -> OneFace:
        return OneFace()


def make_set(folder: Path, items: Sequence[tuple[str, int, int]]) -> Path:
    """(stem, grey level, true count) per image."""
    (folder / "images").mkdir(parents=True)
    (folder / "ground-truth").mkdir()
    for stem, grey, truth in items:
        cv2.imwrite(str(folder / "images" / f"{stem}.jpg"), np.full((128, 160, 3), grey, np.uint8))
        write_gt(folder / "ground-truth" / f"GT_{stem}.mat", [(5.0 + i, 6.0) for i in range(truth)])
    return folder


def test_read_count_reads_shanghaitech_files(tmp_path: Path) -> None:
    write_gt(tmp_path / "GT_IMG_1.mat", [(1, 2), (3, 4), (5, 6)])
    assert read_count(tmp_path / "GT_IMG_1.mat") == 3
    write_gt(tmp_path / "GT_IMG_2.mat", [(1, 2)], count=7)  # the number field wins
    assert read_count(tmp_path / "GT_IMG_2.mat") == 7
    scipy.io.savemat(str(tmp_path / "GT_bad.mat"), {"other": np.zeros(3)})
    with pytest.raises(ValueError, match="not a ShanghaiTech"):
        read_count(tmp_path / "GT_bad.mat")


def test_read_count_on_the_real_set() -> None:
    assert read_count(shared_file("crowd_train/ground-truth/GT_IMG_1.mat")) == 10


def test_metrics_match_hand_computation() -> None:
    m = counting_metrics([10, 4, 6], [7, 4, 8])
    assert m["mae"] == pytest.approx(5 / 3, abs=1e-4)
    assert m["rmse"] == pytest.approx(np.sqrt(13 / 3), abs=1e-4)
    assert m["bias"] == pytest.approx(-1 / 3, abs=1e-4)
    assert m["mean_count"] == pytest.approx(20 / 3, abs=1e-4)
    assert m["images"] == 3


def test_evaluator_scores_a_hand_made_set(tmp_path: Path) -> None:
    # Predicted = persons (grey // 10) + the one face outside them: 4, 7, 1 for truths 3, 9, 1.
    folder = make_set(tmp_path / "mini", [("IMG_1", 30, 3), ("IMG_2", 60, 9), ("IMG_10", 0, 1)])
    (folder / "images" / "IMG_3.jpg").write_bytes(b"")  # no ground truth: ignored
    ctx = EvalContext(GreyCounter(), FakeModels())  # type: ignore[arg-type]
    assert detect_kind(folder) == "counting"
    score = evaluator_for("counting")(folder, ctx)
    assert score.kind == "counting"
    assert score.name == "mini"
    assert [r["image"] for r in score.rows] == ["IMG_1.jpg", "IMG_2.jpg", "IMG_10.jpg"]
    assert [r["predicted"] for r in score.rows] == [4, 7, 1]
    assert [r["truth"] for r in score.rows] == [3, 9, 1]
    assert score.metrics["mae"] == pytest.approx(1.0)
    assert score.metrics["rmse"] == pytest.approx(np.sqrt(5 / 3), abs=1e-4)


def test_evaluator_refuses_a_set_without_pairs(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "ground-truth").mkdir()
    ctx = EvalContext(GreyCounter(), FakeModels())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no image"):
        evaluate_counting(tmp_path, ctx)


def test_real_models_on_three_photos(tmp_path: Path, nanodet_models_dir: Path) -> None:
    from vigie.evaluate.run import build_context

    folder = tmp_path / "three"
    (folder / "images").mkdir(parents=True)
    (folder / "ground-truth").mkdir()
    for n in (1, 8, 29):  # 10, 7 and 6 people, faces to the camera
        (folder / "images" / f"IMG_{n}.jpg").symlink_to(
            shared_file(f"crowd_train/images/IMG_{n}.jpg"))
        (folder / "ground-truth" / f"GT_IMG_{n}.mat").symlink_to(
            shared_file(f"crowd_train/ground-truth/GT_IMG_{n}.mat"))
    score = evaluate_counting(folder, build_context(nanodet_models_dir))
    assert [r["truth"] for r in score.rows] == [10, 7, 6]
    assert score.metrics["mae"] <= 1.0
