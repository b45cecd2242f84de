"""User-supplied Ultralytics YOLOv8/v11 ONNX: output (1, 4 + nc, N) = cx, cy, w, h, scores."""

from __future__ import annotations

import ast
from pathlib import Path

import cv2
import numpy as np
import onnx

from vigie.core import COCO_CLASSES, Detections
from vigie.detect.base import DEFAULT_OPTIONS, DetectorOptions, ImageArray
from vigie.detect.onnx import OnnxDetector, Tensor
from vigie.detect.postprocess import BoxTransform, letterbox, to_detections
from vigie.errors import ModelError

__all__ = ["YoloDetector", "read_labels_file", "read_yolo_labels"]

DEFAULT_SIZE = 640


class YoloDetector(OnnxDetector):
    """An Ultralytics YOLOv8/v11 detection export (``yolo export format=onnx``).

    Input: (B, 3, H, W) RGB 0..1, letterboxed with grey 114. Output (B, 4 + nc, N): box centre,
    width and height in input pixels, then one score per class (no objectness).

    Class names come from ``labels_file`` (one per line), else from the ONNX metadata ``names``
    that Ultralytics writes, else COCO when nc is 80.

    Args:
        model_path: The .onnx export.
        options: Thresholds, class filter, runtime.
        labels_file: Class names, one per line.

    Raises:
        ModelError: The output layout is not (1, 4 + nc, N) or the names cannot be found.

    Example:
        >>> det = YoloDetector(Path("yolo11n.onnx"))  # doctest: +SKIP
    """

    def __init__(
        self,
        model_path: Path,
        options: DetectorOptions = DEFAULT_OPTIONS,
        *,
        labels_file: Path | None = None,
    ) -> None:
        super().__init__(model_path, read_yolo_labels(model_path, labels_file),
                         (DEFAULT_SIZE, DEFAULT_SIZE), options)
        shape = self.session.get_inputs()[0].shape
        if isinstance(shape[2], int) and isinstance(shape[3], int):
            self.input_size = (shape[3], shape[2])

    def _preprocess(self, image: ImageArray) -> tuple[Tensor, BoxTransform]:
        resized, transform = letterbox(image, self.input_size, pad_value=114)
        rgb = cv2.cvtColor(resized, cv2.COLOR_BGR2RGB)
        tensor = (rgb.astype(np.float32) / 255.0).transpose(2, 0, 1)[None]
        return np.ascontiguousarray(tensor), transform

    def _decode(self, outputs: list[Tensor], transform: BoxTransform) -> Detections:
        pred = outputs[0][0].T  # (N, 4 + nc)
        scores = pred[:, 4:]
        class_id = scores.argmax(axis=1)
        best = scores[np.arange(len(pred)), class_id]
        cxcy, wh = pred[:, :2], pred[:, 2:4]
        xyxy = np.concatenate([cxcy - wh / 2, cxcy + wh / 2], axis=1)
        o = self.options
        return to_detections(xyxy, best, class_id, labels=self.labels, transform=transform,
                             confidence=o.confidence, nms_iou=o.nms_iou,
                             keep_classes=self.keep_classes, max_detections=o.max_detections)


def read_labels_file(path: Path) -> tuple[str, ...]:
    """Class names from a text file, one per line; blank lines are skipped.

    Raises:
        ModelError: The file cannot be read.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ModelError(f"cannot read labels file {path}: {exc}") from exc
    return tuple(s.strip() for s in lines if s.strip())


def _metadata_names(meta: dict[str, str]) -> tuple[str, ...] | None:
    """Ultralytics stores ``names`` as a Python dict literal ``{0: 'person', ...}``."""
    raw = meta.get("names")
    if raw is None:
        return None
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return None
    if isinstance(value, dict):
        return tuple(str(value[k]) for k in sorted(value))
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return None


def read_yolo_labels(model_path: Path, labels_file: Path | None = None) -> tuple[str, ...]:
    """Class names of a YOLOv8/v11 export, checking its output layout.

    Args:
        model_path: The .onnx export.
        labels_file: Names, one per line; else the ``names`` metadata, else COCO when the
            model has 80 classes.

    Raises:
        ModelError: The file cannot be parsed, the layout is not (1, 4 + nc, N), or no names
            match the class count.
    """
    try:
        model = onnx.load(str(model_path), load_external_data=False)
    except Exception as exc:  # protobuf DecodeError and OSError
        raise ModelError(f"{model_path} is not a readable ONNX file: {exc}") from exc
    dims = model.graph.output[0].type.tensor_type.shape.dim
    out = [d.dim_value if d.HasField("dim_value") else d.dim_param for d in dims]
    end_to_end = len(out) == 3 and out[2] == 6 and isinstance(out[1], int) and out[1] > 6
    if len(out) != 3 or not isinstance(out[1], int) or out[1] <= 4 or end_to_end:
        raise ModelError(f"{model_path}: output shape {out} is not the YOLOv8/v11 layout "
                         "(1, 4 + classes, boxes); export with `yolo export format=onnx` "
                         "and nms=False (end-to-end exports, (1, 300, 6), are not supported)")
    nc = out[1] - 4
    meta = {p.key: p.value for p in model.metadata_props}
    labels = (read_labels_file(labels_file) if labels_file is not None
              else _metadata_names(meta))
    if labels is None and nc == len(COCO_CLASSES):
        labels = COCO_CLASSES
    if labels is None:
        raise ModelError(f"{model_path} has {nc} classes but no names in its metadata; give "
                         "detector.labels_file (one class name per line)")
    if len(labels) != nc:
        raise ModelError(f"{model_path} has {nc} classes but {len(labels)} names were given")
    return labels
