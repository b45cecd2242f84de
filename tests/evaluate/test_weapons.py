"""Weapon image-set evaluator: labels to truth, the rule's one-frame decision, the metrics."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from tests.conftest import SHARED
from vigie.core.types import Detections
from vigie.detect.provider import ModelProvider
from vigie.evaluate.types import EvalContext
from vigie.evaluate.weapons import (
    best_threshold,
    binary_metrics,
    evaluate_weapons,
    weapon_class_ids,
    weapon_images,
)

LABELS = ("person", "knife", "cell phone")


class BrightnessDetector:
    """Sees a knife whose score is the mean of the image's green channel / 255 (a fake)."""

    labels: tuple[str, ...] = LABELS
    input_size: tuple[int, int] = (64, 64)

    def detect(self, image: npt.NDArray[np.uint8]) -> Detections:
        score = float(image[:, :, 1].mean()) / 255
        return Detections.from_arrays([[1, 1, 20, 20], [0, 0, 5, 5]], [score, 0.99], [1, 2],
                                      labels=self.labels)

    def detect_batch(self, images: Sequence[npt.NDArray[np.uint8]]) -> list[Detections]:
        return [self.detect(i) for i in images]


def make_set(root: Path, images: dict[str, tuple[int, list[str]]],
             names: str = "[person, weapon]") -> Path:
    """A YOLO folder: image name -> (grey level, label lines)."""
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    (root / "data.yaml").write_text(f"names: {names}\n")
    for name, (level, lines) in images.items():
        cv2.imwrite(str(root / "images" / f"{name}.jpg"), np.full((64, 64, 3), level, np.uint8))
        if lines is not None:
            (root / "labels" / f"{name}.txt").write_text("".join(f"{x}\n" for x in lines))
    return root


def test_binary_metrics_by_hand() -> None:
    truth = [True, True, True, False, False, False, False]
    predicted = [True, True, False, True, False, False, False]
    m = binary_metrics(truth, predicted)
    assert (m["tp"], m["fp"], m["fn"], m["tn"]) == (2, 1, 1, 3)
    assert m["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["accuracy"] == pytest.approx(5 / 7, abs=1e-4)


def test_binary_metrics_edge_cases() -> None:
    nothing = binary_metrics([True, False], [False, False])
    assert (nothing["precision"], nothing["recall"], nothing["f1"]) == (1.0, 0.0, 0.0)
    perfect = binary_metrics([False, False], [False, False])
    assert perfect["f1"] == 1.0
    assert perfect["accuracy"] == 1.0


def test_best_threshold_picks_the_best_separating_score() -> None:
    f1, threshold = best_threshold([True, True, False, False], [0.3, 0.2, 0.25, 0.1])
    assert threshold == pytest.approx(0.2)
    assert f1 == pytest.approx(0.8)
    assert best_threshold([True], [0.0]) == (0.0, 1.0)


def test_labels_make_the_truth(tmp_path: Path) -> None:
    root = make_set(tmp_path / "set", {
        "a": (0, ["1 0.5 0.5 0.1 0.1"]),              # weapon
        "b": (0, ["0 0.5 0.5 0.2 0.6"]),              # person only
        "c": (0, ["0 0.5 0.5 0.2 0.6", "1 0.4 0.4 0.05 0.05"]),
        "d": (0, []),                                 # empty label file
    })
    (root / "images" / "notes.txt").write_text("not an image")
    (root / "labels" / "d.txt").write_text("\n")
    assert weapon_class_ids(root) == {1}
    assert [(p.stem, t) for p, t in weapon_images(root)] == [
        ("a", True), ("b", False), ("c", True), ("d", False)]


def test_weapon_class_found_in_a_names_dict(tmp_path: Path) -> None:
    root = make_set(tmp_path / "set", {"a": (0, ["0 0.5 0.5 0.1 0.1"])},
                    names="{0: Weapon, 1: person}")
    assert weapon_class_ids(root) == {0}
    assert weapon_images(root)[0][1] is True


def test_evaluator_uses_the_rule_threshold_on_weapon_labels_only(tmp_path: Path) -> None:
    # Knife score = grey / 255: 153 -> 0.6 (found), 51 -> 0.2 (below min_score 0.35).
    root = make_set(tmp_path / "weapons", {
        "pos-found": (153, ["1 0.5 0.5 0.1 0.1"]),
        "pos-missed": (51, ["1 0.5 0.5 0.1 0.1"]),
        "neg-false-alarm": (153, ["0 0.5 0.5 0.2 0.6"]),
        "neg-quiet": (25, []),
    })
    ctx = EvalContext(BrightnessDetector(), ModelProvider(None))  # type: ignore[arg-type]
    score = evaluate_weapons(root, ctx)
    assert score.kind == "weapon"
    assert score.name == "weapons"
    m = score.metrics
    assert (m["tp"], m["fp"], m["fn"], m["tn"]) == (1, 1, 1, 1)
    assert m["f1"] == pytest.approx(0.5)
    assert m["images"] == 4
    assert m["positives"] == 2
    rows = {r["name"]: r for r in score.rows}
    assert rows["pos-found.jpg"]["predicted"] is True
    assert rows["pos-found.jpg"]["label"] == "knife"  # the cell phone at 0.99 is no weapon
    assert rows["pos-missed.jpg"]["score"] == pytest.approx(0.2, abs=0.01)
    assert rows["neg-quiet.jpg"]["truth"] is False


def test_real_images_with_nanodet(tmp_path: Path, nanodet_models_dir: Path) -> None:
    """A few real images of the shared set run end to end through NanoDet."""
    source = SHARED / "data" / "weapons"
    if not (source / "images").is_dir():
        pytest.skip("shared weapons set absent")
    from vigie.config.site import DetectorConfig
    from vigie.detect.factory import build_detector

    picked = [p for p, truth in weapon_images(source) if truth][:2] + \
        [p for p, truth in weapon_images(source) if not truth][:2]
    root = tmp_path / "subset"
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    shutil.copy(source / "data.yaml", root / "data.yaml")
    for image in picked:
        shutil.copy(image, root / "images" / image.name)
        shutil.copy(source / "labels" / f"{image.stem}.txt", root / "labels")
    detector = build_detector(DetectorConfig(models_dir=nanodet_models_dir))
    ctx = EvalContext(detector, ModelProvider(nanodet_models_dir), nanodet_models_dir)
    score = evaluate_weapons(root, ctx)
    assert score.metrics["positives"] == 2
    assert len(score.rows) == 4
    for row in score.rows:
        assert row["best_score"] >= row["score"]  # type: ignore[operator]
        assert row["predicted"] == (row["score"] >= 0.35)  # type: ignore[operator]
