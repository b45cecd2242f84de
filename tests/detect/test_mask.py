"""Mask classifier: crop geometry, downscaled face search, and real faces with and without masks."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from tests.conftest import shared_file
from vigie.detect.mask import MaskClassifier, detect_faces, face_crops
from vigie.detect.provider import ModelProvider

Image = npt.NDArray[np.uint8]


def read(path: Path) -> Image:
    image = cv2.imread(str(path))
    assert image is not None, path
    return np.asarray(image, np.uint8)


@pytest.fixture(scope="module")
def models(models_dir: Path) -> ModelProvider:
    for name in ("centerface.onnx", "mask_clf.onnx"):
        if not (models_dir / name).is_file():
            pytest.skip(f"{name} not among the shared models")
    return ModelProvider(models_dir)


def test_face_crops_widen_by_the_margin_and_stay_in_the_frame() -> None:
    image = np.zeros((100, 200, 3), np.uint8)
    inner, edge, outside = face_crops(image, [[50, 40, 70, 60], [0, 0, 20, 10],
                                              [300, 300, 320, 320]], margin=0.25)
    assert inner.shape[:2] == (30, 30)  # 20 px + 5 px each side
    assert edge.shape[:2] == (13, 25)  # clipped at the top-left corner
    assert outside.shape[:2] == (1, 1)
    assert face_crops(image, [[50, 40, 70, 60]], margin=0.0)[0].shape[:2] == (20, 20)


def test_an_empty_batch_gives_no_probabilities(models: ModelProvider) -> None:
    assert models.mask_classifier().classify([]).shape == (0, 2)


def test_provider_builds_the_classifier_once(models: ModelProvider) -> None:
    assert models.mask_classifier() is models.mask_classifier()
    assert isinstance(models.mask_classifier(), MaskClassifier)


def largest_face(models: ModelProvider, image: Image) -> npt.NDArray[np.float32]:
    faces = detect_faces(models.faces(), image)
    faces = faces[faces.confidence >= 0.5]
    assert len(faces) >= 1
    box: npt.NDArray[np.float32] = faces.xyxy[int(np.argmax(faces.area))][None]
    return box


def test_astronaut_wears_no_mask(models: ModelProvider) -> None:
    image = read(shared_file("stills/astronaut.jpg"))
    p = models.mask_classifier().mask_probability(image, largest_face(models, image))
    assert p.shape == (1,)
    assert p[0] < 0.2


@pytest.mark.parametrize("name", ["with_mask/306.jpg", "with_mask/0_0_53.jpg",
                                  "with_mask/1_0_5.jpg"])
def test_masked_faces_are_seen_masked(models: ModelProvider, name: str) -> None:
    image = read(shared_file(f"face_mask/{name}"))
    p = models.mask_classifier().mask_probability(image, largest_face(models, image))
    assert p[0] >= 0.5


def test_downscaled_face_search_gives_boxes_in_frame_pixels(models: ModelProvider) -> None:
    image = read(shared_file("stills/astronaut.jpg"))
    big = np.asarray(cv2.resize(image, None, fx=2.0, fy=2.0), np.uint8)
    native = largest_face(models, image)[0]
    faces = detect_faces(models.faces(), big, max_side=image.shape[1])
    box = faces.xyxy[int(np.argmax(faces.confidence))]
    assert box == pytest.approx(2 * native, abs=8)
    assert faces.data["landmarks"][0, :, 0].min() >= box[0] - 4


def test_large_batches_match_single_crops(models: ModelProvider) -> None:
    image = read(shared_file("stills/astronaut.jpg"))
    box = largest_face(models, image)
    clf = models.mask_classifier()
    one = clf.mask_probability(image, box)
    many = clf.mask_probability(image, np.repeat(box, 40, axis=0))
    assert many.shape == (40,)
    assert many == pytest.approx(np.full(40, one[0]), abs=1e-5)
