"""Anonymisation of stored pictures: faces found by CenterFace, heads of tracked persons, whole
persons; snapshots and clips are blurred before they reach the disk."""

from __future__ import annotations

import uuid
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from tests.events.test_evidence import WALL, read_clip
from vigie.core import Detections, Frame, Track
from vigie.detect.faces import FaceDetector
from vigie.events.anonymise import Anonymiser, PrivacySettings, blur_regions
from vigie.events.evidence import ClipRecorder, ClipRequest, ClipResult
from vigie.models.registry import resolve_model

ASSETS = Path(__file__).resolve().parents[2] / "src" / "vigie" / "models" / "assets"
PERSON = (100.0, 40.0, 160.0, 220.0)  # x1, y1, x2, y2


def _texture(h: int = 240, w: int = 320) -> npt.NDArray[np.uint8]:
    """Fine detail everywhere, so that any blur shows."""
    rng = np.random.default_rng(7)
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


def _detail(image: npt.NDArray[np.uint8], box: tuple[float, ...]) -> float:
    x1, y1, x2, y2 = (int(v) for v in box)
    grey = cv2.cvtColor(np.ascontiguousarray(image[y1:y2, x1:x2]), cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def _colours(image: npt.NDArray[np.uint8], box: tuple[float, ...]) -> int:
    x1, y1, x2, y2 = (int(v) for v in box)
    return len(np.unique(image[y1:y2, x1:x2].reshape(-1, 3), axis=0))


def _person(box: tuple[float, float, float, float] = PERSON) -> Track:
    return Track(3, "person", box, 0.9, (0.4, 0.9), 0.0, 0.0)


def test_heads_of_tracked_persons_are_blurred_the_rest_is_untouched() -> None:
    image = _texture()
    out = Anonymiser(PrivacySettings(faces=False), faces=None)(image, [_person()])
    head = (105, 45, 155, 70)
    assert _detail(out, head) < 0.05 * _detail(image, head)
    assert np.array_equal(out[150:220, 100:160], image[150:220, 100:160])
    assert np.array_equal(out[:, 200:], image[:, 200:])
    assert out is not image
    assert not np.array_equal(out, image)


def test_whole_persons_on_request_and_other_objects_never() -> None:
    image = _texture()
    car = Track(4, "car", (200.0, 100.0, 300.0, 200.0), 0.9, (0.8, 0.8), 0.0, 0.0)
    out = Anonymiser(PrivacySettings(faces=False, persons=True), faces=None)(
        image, [_person(), car])
    assert _detail(out, (105, 120, 155, 200)) < 0.05 * _detail(image, (105, 120, 155, 200))
    assert np.array_equal(out[100:200, 200:300], image[100:200, 200:300])


def test_nothing_asked_nothing_changed() -> None:
    image = _texture()
    off = PrivacySettings(faces=False, heads=False, persons=False)
    assert Anonymiser(off, faces=None)(image, [_person()]) is image


def test_boxes_at_the_frame_edge_are_clipped() -> None:
    image = _texture()
    out = blur_regions(image, [(-50.0, -50.0, 10.0, 10.0), (315.0, 235.0, 400.0, 300.0)])
    assert out.shape == image.shape
    assert not np.array_equal(out[:10, :10], image[:10, :10])


@pytest.fixture(scope="module")
def centerface(models_dir: Path) -> FaceDetector:
    if not (models_dir / "centerface.onnx").is_file():
        pytest.skip("centerface.onnx not in the shared models")
    return FaceDetector(resolve_model("centerface", models_dir))


def test_a_real_face_is_found_and_blurred(centerface: FaceDetector) -> None:
    image = cv2.imread(str(ASSETS / "astronaut_head.jpg"))
    assert image is not None
    faces = centerface.detect(image)
    assert len(faces) >= 1
    face = tuple(float(v) for v in faces.xyxy[0])
    out = Anonymiser(PrivacySettings(heads=False), faces=centerface)(image, [])
    assert _colours(image, face) > 1000
    assert _colours(out, face) <= 64  # a few flat blocks: nothing of the face is left
    assert centerface.detect(out).xyxy.shape[0] == 0  # nothing left to recognise as a face


def test_clips_are_blurred_before_encoding(tmp_path: Path) -> None:
    results: list[ClipResult] = []
    anonymise = Anonymiser(PrivacySettings(faces=False), faces=None)
    recorder = ClipRecorder(before_s=1.0, after_s=0.4, on_done=results.append,
                            anonymise=anonymise)
    texture = _texture()
    for i in range(10):
        frame = Frame("cam", i, i * 0.2, WALL, texture.copy())
        recorder.on_frame(frame, [_person()])
    recorder.start(ClipRequest(uuid.uuid4(), "cam", alert_ts=1.0, highlight_from_ts=1.0,
                               path=tmp_path / "clip.webm"))
    recorder.close()
    assert results[0].ok, results[0].error
    _, images, _ = read_clip(tmp_path / "clip.webm")
    head, legs = (108, 48, 152, 66), (108, 150, 152, 215)
    for image in images:
        assert _detail(image, head) < 0.2 * _detail(image, legs)


class _OneFace:
    """A face finder that always answers one fixed box, counting its calls."""

    def __init__(self, box: tuple[float, float, float, float]) -> None:
        self.box, self.calls, self.widths = box, 0, []

    def detect(self, image: npt.NDArray[np.uint8]) -> Detections:
        self.calls += 1
        self.widths.append(image.shape[1])
        scale = image.shape[1] / 320
        return Detections(xyxy=np.array([[v * scale for v in self.box]], np.float32),
                          confidence=np.array([0.9], np.float32),
                          class_id=np.zeros(1, np.int64))


def test_a_clip_looks_for_faces_on_one_frame_in_three_and_blurs_every_frame() -> None:
    finder = _OneFace((20.0, 20.0, 60.0, 60.0))
    blur = Anonymiser(PrivacySettings(heads=False), faces=finder).sequence(face_every=3)
    texture = _texture()
    outputs = [blur(texture, []) for _ in range(7)]
    assert finder.calls == 3  # frames 0, 3 and 6
    for out in outputs:
        assert _detail(out, (22, 22, 58, 58)) < 0.05 * _detail(texture, (22, 22, 58, 58))


def test_faces_are_looked_for_on_a_smaller_copy_and_mapped_back() -> None:
    finder = _OneFace((20.0, 20.0, 60.0, 60.0))
    big = cv2.resize(_texture(), (1280, 960))
    faces = Anonymiser(PrivacySettings(), faces=finder, face_width=480).faces(big)
    assert finder.widths == [480]
    assert faces[0] == pytest.approx((80.0, 80.0, 240.0, 240.0), abs=1.0)
