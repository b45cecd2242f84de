"""The registered models on the bundled check images, through the public detector API."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from vigie.config import DetectorConfig
from vigie.detect import (
    CenterNetDetector,
    Detector,
    DetectorOptions,
    FaceDetector,
    MaskClassifier,
    NanoDetDetector,
    PoseEstimator,
    build_detector,
)

Image = npt.NDArray[np.uint8]


@pytest.mark.parametrize("model_file", ["nanodet"], indirect=True)
def test_nanodet_finds_the_pedestrians(model_file: Path, vtest_frame: Image) -> None:
    dets = NanoDetDetector(model_file).detect(vtest_frame)
    people = dets[(dets.class_names == "person") & (dets.confidence >= 0.35)]
    assert len(people) >= 5
    assert dets.labels[0] == "person"
    h, w = vtest_frame.shape[:2]
    assert (people.xyxy >= 0).all()
    assert (people.xyxy[:, [0, 2]] <= w).all()
    assert (people.xyxy[:, [1, 3]] <= h).all()
    # pedestrians are taller than wide
    hw = (people.xyxy[:, 3] - people.xyxy[:, 1]) / (people.xyxy[:, 2] - people.xyxy[:, 0])
    assert np.median(hw) > 1.5


@pytest.mark.parametrize("model_file", ["centernet"], indirect=True)
def test_centernet_finds_the_pedestrians(model_file: Path, vtest_frame: Image) -> None:
    dets = CenterNetDetector(model_file).detect(vtest_frame)
    assert int((dets.class_names == "person").sum()) >= 5


@pytest.mark.parametrize("model_file", ["nanodet"], indirect=True)
def test_batch_gives_the_same_as_one_by_one(model_file: Path, vtest_frame: Image) -> None:
    det = NanoDetDetector(model_file)
    flipped = np.ascontiguousarray(vtest_frame[:, ::-1])
    batch = det.detect_batch([vtest_frame, flipped])
    for image, got in zip([vtest_frame, flipped], batch, strict=True):
        one = det.detect(image)
        np.testing.assert_allclose(got.xyxy, one.xyxy, atol=1e-3)
        np.testing.assert_array_equal(got.class_id, one.class_id)


@pytest.mark.parametrize("model_file", ["nanodet"], indirect=True)
def test_class_filter(model_file: Path, vtest_frame: Image) -> None:
    dets = NanoDetDetector(model_file, DetectorOptions(classes=("car", "truck"))).detect(
        vtest_frame)
    assert set(dets.class_names.tolist()) <= {"car", "truck"}


def test_build_detector_from_config(models_dir: Path, vtest_frame: Image) -> None:
    if not (models_dir / "nanodet.onnx").is_file():
        pytest.skip("nanodet not available")
    det = build_detector(DetectorConfig(model="nanodet", models_dir=models_dir, threads=1))
    assert isinstance(det, Detector)
    assert det.input_size == (416, 416)
    dets = det.detect(vtest_frame)
    assert set(dets.class_names.tolist()) <= set(DetectorConfig().classes)
    assert int((dets.class_names == "person").sum()) >= 5
    with pytest.raises(ValueError, match="known classes: person, bicycle"):
        build_detector(DetectorConfig(model="nanodet", models_dir=models_dir,
                                      classes=["person", "pistol"]))


@pytest.mark.parametrize("model_file", ["centerface"], indirect=True)
def test_faces_on_the_astronaut(model_file: Path, astronaut_head: Image) -> None:
    faces = FaceDetector(model_file).detect(astronaut_head)
    assert len(faces) == 1
    x1, y1, x2, y2 = faces.xyxy[0]
    np.testing.assert_allclose([x1, y1, x2, y2], [85, 57, 174, 179], atol=15)
    marks = faces.data["landmarks"][0]
    assert marks.shape == (5, 2)
    assert ((marks[:, 0] > x1) & (marks[:, 0] < x2)).all()
    # fixed input size and batching give the same face
    fixed = FaceDetector(model_file, input_size=(256, 256))
    again = fixed.detect_batch([astronaut_head, astronaut_head])
    assert [len(f) for f in again] == [1, 1]
    np.testing.assert_allclose(again[1].xyxy, faces.xyxy, atol=1.0)
    with pytest.raises(ValueError, match="multiples of 32"):
        FaceDetector(model_file, input_size=(100, 100))


@pytest.mark.parametrize("model_file", ["centerface"], indirect=True)
def test_no_face_on_a_blank_image(model_file: Path) -> None:
    assert len(FaceDetector(model_file).detect(np.full((96, 128, 3), 128, np.uint8))) == 0


@pytest.mark.parametrize("model_file", ["movenet-multipose"], indirect=True)
def test_pose_keypoints_in_image_pixels(model_file: Path, vtest_frame: Image) -> None:
    people = PoseEstimator(model_file).detect(vtest_frame)
    assert len(people) >= 4
    kp = people.data["keypoints"]
    assert kp.shape == (len(people), 17, 3)
    confident = kp[:, :, 2] > 0.3
    inside = ((kp[:, :, 0] >= people.xyxy[:, None, 0] - 10)
              & (kp[:, :, 0] <= people.xyxy[:, None, 2] + 10)
              & (kp[:, :, 1] >= people.xyxy[:, None, 1] - 10)
              & (kp[:, :, 1] <= people.xyxy[:, None, 3] + 10))
    assert inside[confident].mean() > 0.9
    # heads above ankles: y grows downwards
    nose_y, ankle_y = kp[:, 0, 1], kp[:, 15:17, 1].mean(axis=1)
    assert (nose_y < ankle_y).mean() >= 0.75


@pytest.mark.parametrize("model_file", ["mask_clf"], indirect=True)
def test_mask_classifier_on_a_bare_face(model_file: Path, astronaut_head: Image) -> None:
    probs = MaskClassifier(model_file).classify([astronaut_head[57:179, 85:174]])
    assert probs.shape == (1, 2)
    assert probs[0, 1] > 0.8
