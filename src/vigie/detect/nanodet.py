"""NanoDet (COCO 80) from the Human models package: GFL distribution-box decode on 3 strides."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from vigie.core import COCO_CLASSES, Detections
from vigie.detect.base import DEFAULT_OPTIONS, DetectorOptions, ImageArray
from vigie.detect.onnx import OnnxDetector, Tensor
from vigie.detect.postprocess import BoxTransform, letterbox, softmax, to_detections
from vigie.errors import ModelError

__all__ = ["NanoDetDetector"]

STRIDES = (8, 16, 32)
REG_BINS = 11  # distribution bins per box side (reg_max + 1)


class NanoDetDetector(OnnxDetector):
    """NanoDet-m 416x416 on onnxruntime.

    Input: RGB, channels first, normalised as (x - 127) / 128; the image is stretched to
    416x416 (the model's training set-up) unless ``keep_aspect`` is set.
    Outputs: per stride 8/16/32 a class-score map (1, N, 80) already in 0..1 and a box
    distribution (1, N, 44) = 4 sides x 11 bins. Each grid point (col * stride, row * stride)
    gets distances left/top/right/bottom = softmax expectation over the bins x stride.

    Args:
        model_path: nanodet.onnx.
        options: Thresholds, class filter, runtime.
        keep_aspect: Letterbox instead of stretching.

    Example:
        >>> det = NanoDetDetector(resolve_model("nanodet", None))  # doctest: +SKIP
        >>> det.detect(image).class_names  # doctest: +SKIP
    """

    def __init__(
        self,
        model_path: Path,
        options: DetectorOptions = DEFAULT_OPTIONS,
        *,
        keep_aspect: bool = False,
    ) -> None:
        super().__init__(model_path, COCO_CLASSES, (416, 416), options)
        self.keep_aspect = keep_aspect
        shape = self.session.get_inputs()[0].shape
        if isinstance(shape[2], int) and isinstance(shape[3], int):
            self.input_size = (shape[3], shape[2])
        self._points = {s: _grid(self.input_size, s) for s in STRIDES}
        shapes = {tuple(o.shape[1:]) for o in self.session.get_outputs()}
        wanted = {(len(p), n) for p in self._points.values()
                  for n in (len(COCO_CLASSES), 4 * REG_BINS)}
        if not wanted <= shapes:
            raise ModelError(f"{model_path} does not have NanoDet's outputs (per stride a "
                             f"(1, N, 80) score map and a (1, N, 44) box map); it has {shapes}")

    def _preprocess(self, image: ImageArray) -> tuple[Tensor, BoxTransform]:
        resized, transform = letterbox(image, self.input_size, keep_aspect=self.keep_aspect,
                                       pad_value=127)
        rgb = cv2.cvtColor(resized, cv2.COLOR_BGR2RGB).astype(np.float32)
        tensor = ((rgb - 127.0) / 128.0).transpose(2, 0, 1)[None]
        return np.ascontiguousarray(tensor), transform

    def _decode(self, outputs: list[Tensor], transform: BoxTransform) -> Detections:
        boxes, scores = [], []
        for stride in STRIDES:
            cls_map, reg_map = self._maps_for(outputs, len(self._points[stride]))
            boxes.append(_distances_to_boxes(reg_map, self._points[stride], stride))
            scores.append(cls_map)
        all_scores = np.concatenate(scores)
        class_id = all_scores.argmax(axis=1)
        best = all_scores[np.arange(len(class_id)), class_id]
        o = self.options
        return to_detections(np.concatenate(boxes), best, class_id, labels=self.labels,
                             transform=transform, confidence=o.confidence, nms_iou=o.nms_iou,
                             keep_classes=self.keep_classes, max_detections=o.max_detections)

    @staticmethod
    def _maps_for(outputs: list[Tensor], n: int) -> tuple[Tensor, Tensor]:
        """The (N, 80) score map and (N, 44) box map with N grid points."""
        found = {o.shape[-1]: o.reshape(n, -1) for o in outputs if o.shape[1] == n}
        return found[len(COCO_CLASSES)], found[4 * REG_BINS]


def _grid(size: tuple[int, int], stride: int) -> Tensor:
    """(N, 2) points (col * stride, row * stride), row-major."""
    w, h = size
    ys, xs = np.mgrid[0:h // stride, 0:w // stride]
    return (np.stack([xs.ravel(), ys.ravel()], axis=1) * stride).astype(np.float32)


def _distances_to_boxes(reg: Tensor, points: Tensor, stride: int) -> Tensor:
    """(N, 4) xyxy boxes from (N, 44) bin logits around (N, 2) points."""
    prob = softmax(reg.reshape(-1, 4, REG_BINS).astype(np.float32))
    dist = (prob @ np.arange(REG_BINS, dtype=np.float32)) * stride  # (N, 4) l, t, r, b
    return np.concatenate([points - dist[:, :2], points + dist[:, 2:]], axis=1)
