"""CenterNet MobileNetV3 (COCO 80) from the Human models package; the graph does its own top-k."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from vigie.core import COCO_CLASSES, Detections
from vigie.detect.base import DEFAULT_OPTIONS, DetectorOptions, ImageArray
from vigie.detect.onnx import OnnxDetector, Tensor
from vigie.detect.postprocess import BoxTransform, letterbox, to_detections
from vigie.errors import ModelError

__all__ = ["CenterNetDetector"]


class CenterNetDetector(OnnxDetector):
    """CenterNet 512x512 on onnxruntime.

    Input: (1, 512, 512, 3) RGB float 0..255, the image stretched to the input unless
    ``keep_aspect`` is set. Output ``tower_0/detections`` (1, 100, 6): x1, y1, x2, y2 in input
    pixels, score, class index (0-based COCO 80), best first.

    Args:
        model_path: centernet.onnx.
        options: Thresholds, class filter, runtime.
        keep_aspect: Letterbox instead of stretching.
    """

    def __init__(
        self,
        model_path: Path,
        options: DetectorOptions = DEFAULT_OPTIONS,
        *,
        keep_aspect: bool = False,
    ) -> None:
        super().__init__(model_path, COCO_CLASSES, (512, 512), options)
        self.keep_aspect = keep_aspect
        shape = self.session.get_inputs()[0].shape
        if isinstance(shape[1], int) and isinstance(shape[2], int):
            self.input_size = (shape[2], shape[1])
        found = [i for i, o in enumerate(self.session.get_outputs())
                 if len(o.shape) == 3 and o.shape[-1] == 6]
        if not found:
            raise ModelError(f"{model_path} has no (1, K, 6) detections output; it is not the "
                             "CenterNet model")
        self._det_index = found[0]

    def _preprocess(self, image: ImageArray) -> tuple[Tensor, BoxTransform]:
        resized, transform = letterbox(image, self.input_size, keep_aspect=self.keep_aspect,
                                       pad_value=0)
        rgb = cv2.cvtColor(resized, cv2.COLOR_BGR2RGB).astype(np.float32)
        return rgb[None], transform

    def _decode(self, outputs: list[Tensor], transform: BoxTransform) -> Detections:
        det = outputs[self._det_index].reshape(-1, 6)
        class_id = det[:, 5].astype(np.int64)
        valid = (class_id >= 0) & (class_id < len(self.labels))
        det, class_id = det[valid], class_id[valid]
        o = self.options
        return to_detections(det[:, :4], det[:, 4], class_id, labels=self.labels,
                             transform=transform, confidence=o.confidence, nms_iou=o.nms_iou,
                             keep_classes=self.keep_classes, max_detections=o.max_detections)
