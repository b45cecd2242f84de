"""ModelProvider: the secondary models some rules need (pose, faces, masks), loaded on first use.

The object detector runs for every camera in the pipeline; pose estimation and face detection
run only when a rule asks (a person who may be down, faces to count masks on). One provider
is shared by every camera of a site, so each model is loaded once; onnxruntime sessions may be
run from several threads at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from vigie.detect.base import DetectorOptions
from vigie.detect.faces import FACE_OPTIONS, FaceDetector
from vigie.detect.mask import MaskClassifier
from vigie.detect.pose import POSE_OPTIONS, PoseEstimator
from vigie.detect.session import RuntimeOptions
from vigie.models.registry import resolve_model

__all__ = ["ModelProvider"]

T = TypeVar("T")


class ModelProvider:
    """Secondary models by role, each built on first use from the models folder.

    Args:
        models_dir: The model cache (None: the default cache, as for the detector).
        runtime: onnxruntime threads and providers for every model built here.

    Raises:
        ModelError: (on first use of a role) the model is missing or corrupt; the message
            names the ``vigie models fetch`` command that fixes it.

    Example:
        >>> models = ModelProvider(None)  # doctest: +SKIP
        >>> people = models.pose().detect(crop)  # doctest: +SKIP
    """

    def __init__(self, models_dir: Path | None,
                 runtime: RuntimeOptions | None = None) -> None:
        self.models_dir = models_dir
        self.runtime = runtime or RuntimeOptions(threads=1)
        self._built: dict[str, Any] = {}
        self._lock = threading.Lock()

    def pose(self) -> PoseEstimator:
        """MoveNet MultiPose at 256x256, meant for person crops."""
        return self._get("pose", lambda: PoseEstimator(
            resolve_model("movenet-multipose", self.models_dir),
            self._options(POSE_OPTIONS), input_size=(256, 256)))

    def faces(self) -> FaceDetector:
        """CenterFace, for blurring faces and counting masks (never for identification)."""
        return self._get("faces", lambda: FaceDetector(
            resolve_model("centerface", self.models_dir), self._options(FACE_OPTIONS)))

    def mask_classifier(self) -> MaskClassifier:
        """MobileNetV2 mask / no-mask classifier for face crops (counts only, no identity)."""
        return self._get("mask_classifier", lambda: MaskClassifier(
            resolve_model("mask_clf", self.models_dir), self.runtime))

    def _options(self, base: DetectorOptions) -> DetectorOptions:
        return DetectorOptions(base.confidence, base.nms_iou, base.classes,
                               base.max_detections, self.runtime)

    def _get(self, role: str, build: Callable[[], T]) -> T:
        with self._lock:
            if role not in self._built:
                self._built[role] = build()
            model: T = self._built[role]
            return model
