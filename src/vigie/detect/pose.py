"""MoveNet MultiPose Lightning: up to 6 people, 17 COCO keypoints each, for person-down rules."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from vigie.core import Detections
from vigie.detect.base import DetectorOptions, ImageArray
from vigie.detect.onnx import OnnxDetector, Tensor
from vigie.detect.postprocess import BoxTransform, letterbox, nms

__all__ = ["KEYPOINT_NAMES", "PoseEstimator"]

KEYPOINT_NAMES: tuple[str, ...] = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
)  # fmt: skip
POSE_OPTIONS = DetectorOptions(confidence=0.2, nms_iou=0.6)
_K = len(KEYPOINT_NAMES)


class PoseEstimator(OnnxDetector):
    """MoveNet MultiPose on onnxruntime, as person Detections with keypoints.

    Input: (1, H, W, 3) int32 RGB 0..255, H and W multiples of 32 (the image is letterboxed).
    Output (1, 6, 56): per person 17 x (y, x, score) normalised to the input, then the box
    ymin, xmin, ymax, xmax normalised, then the person score.

    ``detections.data["keypoints"]`` is (N, 17, 3): x, y in image pixels and the keypoint score,
    in :data:`KEYPOINT_NAMES` order. Keypoints on the padding get score 0.

    Args:
        model_path: movenet-multipose.onnx.
        options: Minimum person score and NMS IoU (``classes`` is ignored).
        input_size: (width, height), multiples of 32: 512x384 finds far-away people,
            256x192 is four times faster.

    Example:
        >>> people = PoseEstimator(resolve_model("movenet-multipose", None)).detect(img)
        ... # doctest: +SKIP
        >>> hips = people.data["keypoints"][:, 11:13]  # doctest: +SKIP
    """

    def __init__(
        self,
        model_path: Path,
        options: DetectorOptions = POSE_OPTIONS,
        *,
        input_size: tuple[int, int] = (512, 384),
    ) -> None:
        if input_size[0] % 32 or input_size[1] % 32:
            raise ValueError(f"MoveNet input size {input_size} must be multiples of 32")
        super().__init__(model_path, ("person",), input_size,
                         DetectorOptions(options.confidence, options.nms_iou, None,
                                         options.max_detections, options.runtime))

    def _preprocess(self, image: ImageArray) -> tuple[Tensor, BoxTransform]:
        resized, transform = letterbox(image, self.input_size, pad_value=0)
        rgb = cv2.cvtColor(resized, cv2.COLOR_BGR2RGB).astype(np.int32)
        return rgb[None], transform

    def _decode(self, outputs: list[Tensor], transform: BoxTransform) -> Detections:
        people = outputs[0].reshape(-1, 3 * _K + 5).astype(np.float32)
        people = people[people[:, -1] >= self.options.confidence]
        w, h = self.input_size
        kp = people[:, :3 * _K].reshape(-1, _K, 3)
        kx = (kp[:, :, 1] * w - transform.pad_x) / transform.scale_x
        ky = (kp[:, :, 0] * h - transform.pad_y) / transform.scale_y
        iw, ih = transform.image_size
        inside = (kx >= 0) & (kx <= iw) & (ky >= 0) & (ky <= ih)
        keypoints = np.stack([kx, ky, np.where(inside, kp[:, :, 2], 0.0)], axis=2)
        box = people[:, 3 * _K:3 * _K + 4][:, [1, 0, 3, 2]] * np.array([w, h, w, h], np.float32)
        box[:, [0, 2]] = np.clip((box[:, [0, 2]] - transform.pad_x) / transform.scale_x, 0, iw)
        box[:, [1, 3]] = np.clip((box[:, [1, 3]] - transform.pad_y) / transform.scale_y, 0, ih)
        keep = nms(box, people[:, -1], self.options.nms_iou)
        return Detections(box[keep], people[keep, -1], np.zeros(len(keep), np.int64),
                          labels=self.labels,
                          data={"keypoints": keypoints[keep].astype(np.float32)})
