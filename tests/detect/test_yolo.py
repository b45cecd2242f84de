"""YOLOv8/v11 adapter on tiny ONNX graphs built here with onnx.helper."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from vigie.config import DetectorConfig
from vigie.detect import DetectorOptions, YoloDetector, build_detector, read_yolo_labels
from vigie.errors import ModelError

# Four candidates in a 64x64 input, rows = cx, cy, w, h, score(cat), score(dog).
CANDIDATES = np.array([
    [32, 32, 16, 8, 0.90, 0.10],   # cat, kept
    [33, 32, 16, 8, 0.80, 0.05],   # same cat, lower score: removed by NMS
    [10, 20, 4, 8, 0.20, 0.70],    # dog, kept
    [50, 50, 8, 8, 0.10, 0.10],    # below the threshold
], np.float32).T[None]  # (1, 6, 4)


def make_yolo(path: Path, raw: npt.NDArray[np.float32], *, size: int = 64,
              names: str | None = "{0: 'cat', 1: 'dog'}") -> Path:
    """An ONNX model whose output is ``raw`` plus 0 x mean(input), so the input is used."""
    image = helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, size, size])
    out = helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(raw.shape))
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["mean"], axes=[1, 2, 3], keepdims=0),
        helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
        helper.make_node("Add", ["raw", "nothing"], ["output0"]),
    ]
    graph = helper.make_graph(nodes, "tiny_yolo", [image], [out], initializer=[
        numpy_helper.from_array(raw, "raw"),
        numpy_helper.from_array(np.zeros(1, np.float32), "zero"),
    ])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    if names is not None:
        helper.set_model_props(model, {"names": names})
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


@pytest.fixture
def tiny_yolo(tmp_path: Path) -> Path:
    return make_yolo(tmp_path / "tiny.onnx", CANDIDATES)


def test_decodes_boxes_classes_scores_exactly(tiny_yolo: Path) -> None:
    det = YoloDetector(tiny_yolo, DetectorOptions(confidence=0.5, nms_iou=0.5))
    assert det.labels == ("cat", "dog")
    assert det.input_size == (64, 64)
    # 128x64 image -> scale 0.5, 16 px of padding above and below
    dets = det.detect(np.zeros((64, 128, 3), np.uint8))
    np.testing.assert_allclose(dets.xyxy, [[48, 24, 80, 40], [16, 0, 24, 16]], atol=1e-4)
    np.testing.assert_allclose(dets.confidence, [0.9, 0.7], atol=1e-6)
    assert dets.class_names.tolist() == ["cat", "dog"]
    assert dets.labels == ("cat", "dog")


def test_class_filter_and_batch(tiny_yolo: Path) -> None:
    det = YoloDetector(tiny_yolo, DetectorOptions(confidence=0.5, classes=("dog",)))
    image = np.zeros((64, 128, 3), np.uint8)
    results = det.detect_batch([image, image])
    assert [r.class_names.tolist() for r in results] == [["dog"], ["dog"]]
    assert det.detect_batch([]) == []


def test_unknown_class_in_filter_lists_the_known_ones(tiny_yolo: Path) -> None:
    with pytest.raises(ValueError, match=r"'person'.*cat, dog"):
        YoloDetector(tiny_yolo, DetectorOptions(classes=("person",)))


def test_labels_file_overrides_metadata(tmp_path: Path) -> None:
    model = make_yolo(tmp_path / "tiny.onnx", CANDIDATES, names=None)
    labels = tmp_path / "labels.txt"
    labels.write_text("pistol\n\nknife\n", encoding="utf-8")
    assert read_yolo_labels(model, labels) == ("pistol", "knife")
    with pytest.raises(ModelError, match="no names"):
        read_yolo_labels(model)


def test_label_count_mismatch(tmp_path: Path) -> None:
    model = make_yolo(tmp_path / "tiny.onnx", CANDIDATES, names="{0: 'cat'}")
    with pytest.raises(ModelError, match="2 classes but 1 names"):
        YoloDetector(model)


def test_wrong_layout_is_a_model_error(tmp_path: Path) -> None:
    model = make_yolo(tmp_path / "bad.onnx", np.zeros((1, 300, 6), np.float32))
    with pytest.raises(ModelError, match="not the YOLOv8/v11 layout"):
        YoloDetector(model)


def test_unreadable_file_is_a_model_error(tmp_path: Path) -> None:
    bad = tmp_path / "garbage.onnx"
    bad.write_bytes(b"\x08\x01garbage" * 10)
    with pytest.raises(ModelError):
        YoloDetector(bad)


def test_build_detector_takes_a_path(tiny_yolo: Path) -> None:
    det = build_detector(DetectorConfig(model=str(tiny_yolo), confidence=0.5))
    # the default class list names COCO classes this model lacks: the filter keeps all
    assert det.detect(np.zeros((64, 64, 3), np.uint8)).class_names.tolist() == ["cat", "dog"]
    with pytest.raises(ValueError, match="known classes: cat, dog"):
        build_detector(DetectorConfig(model=str(tiny_yolo), classes=["person"]))


def test_build_detector_missing_path() -> None:
    with pytest.raises(ModelError, match="does not exist"):
        build_detector(DetectorConfig(model="/nonexistent/yolo.onnx"))
