"""Mask image-set evaluator: confusion counts by hand, the no-face fallback, real photos."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from tests.conftest import shared_file
from vigie.core.types import Detections
from vigie.detect.mask import face_crops
from vigie.evaluate.datasets import detect_kind, evaluator_for
from vigie.evaluate.masks import binary_metrics, evaluate_masks
from vigie.evaluate.types import EvalContext

Image = npt.NDArray[np.uint8]


class BrightFaces:
    """Finds a face (the central quarter) in images whose green channel is above 100."""

    def detect(self, image: Image) -> Detections:
        h, w = image.shape[:2]
        if image[0, 0, 1] <= 100:
            return Detections.empty(("face",))
        return Detections.from_arrays([[w / 4, h / 4, 3 * w / 4, 3 * h / 4], [0, 0, 4, 4]],
                                      [0.9, 0.9], [0, 0], labels=("face",))


class RedMeansMask:
    """p(mask) = red level / 255 of the crop's first pixel."""

    def classify(self, crops: Sequence[Image]) -> npt.NDArray[np.float32]:
        p = np.asarray([c[0, 0, 2] / 255 for c in crops], np.float32)
        return np.stack([p, 1 - p], axis=1)

    def mask_probability(self, image: Image, boxes: npt.ArrayLike,
                         margin: float = 0.25) -> npt.NDArray[np.float32]:
        return self.classify(face_crops(image, boxes, margin))[:, 0]


class FakeModels:
    def faces(self) -> BrightFaces:
        return BrightFaces()

    def mask_classifier(self) -> RedMeansMask:
        return RedMeansMask()


def write(path: Path, green: int, red: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.dstack([np.zeros((64, 64), np.uint8), np.full((64, 64), green,
                                      np.uint8), np.full((64, 64), red, np.uint8)]))


def test_binary_metrics_match_hand_computation() -> None:
    truth = [True, True, True, False, False]
    pred = [True, True, False, True, False]
    m = binary_metrics(truth, pred)
    assert (m["tp"], m["fp"], m["fn"], m["tn"]) == (2, 1, 1, 1)
    assert m["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["accuracy"] == pytest.approx(0.6)
    assert binary_metrics([False], [False])["precision"] == 1.0


def test_evaluator_scores_a_hand_made_set(tmp_path: Path) -> None:
    folder = tmp_path / "masks"
    write(folder / "with_mask" / "a.png", green=200, red=250)  # face, masked: TP
    write(folder / "with_mask" / "b.png", green=200, red=10)  # face, bare: FN
    write(folder / "with_mask" / "c.png", green=50, red=240)  # no face, whole image: TP
    write(folder / "without_mask" / "d.png", green=200, red=5)  # TN
    write(folder / "without_mask" / "e.png", green=50, red=200)  # no face: FP
    (folder / "without_mask" / "notes.txt").write_text("not an image")
    assert detect_kind(folder) == "mask"
    ctx = EvalContext(object(), FakeModels())  # type: ignore[arg-type]
    score = evaluator_for("mask")(folder, ctx)
    m = score.metrics
    assert (m["tp"], m["fp"], m["fn"], m["tn"]) == (2, 1, 1, 1)
    assert m["fallbacks"] == 2
    assert m["images"] == 5
    assert m["precision"] == pytest.approx(2 / 3, abs=1e-4)
    rows = {r["image"]: r for r in score.rows}
    assert rows["with_mask/c.png"]["face"] is False
    assert rows["with_mask/a.png"]["p_mask"] == pytest.approx(250 / 255, abs=1e-3)
    assert rows["without_mask/e.png"]["predicted"] is True


def test_an_empty_set_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "with_mask").mkdir()
    (tmp_path / "without_mask").mkdir()
    with pytest.raises(ValueError, match="no image"):
        evaluate_masks(tmp_path, EvalContext(object(), FakeModels()))  # type: ignore[arg-type]


def test_real_models_on_real_photos(tmp_path: Path, nanodet_models_dir: Path) -> None:
    from vigie.evaluate.run import build_context

    folder = tmp_path / "real"
    picks = {"with_mask": ["306.jpg", "0_0_53.jpg", "206.jpg"],  # 206: no face found
             "without_mask": ["0_0_liyapeng_0144.jpg", "0_0_pubajia_0042.jpg"]}
    for sub, names in picks.items():
        (folder / sub).mkdir(parents=True)
        for name in names:
            (folder / sub / name).symlink_to(shared_file(f"face_mask/{sub}/{name}"))
    score = evaluate_masks(folder, build_context(nanodet_models_dir))
    m = score.metrics
    assert (m["tp"], m["fp"], m["fn"], m["tn"]) == (3, 0, 0, 2)
    assert m["fallbacks"] == 1
