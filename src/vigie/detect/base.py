"""The Detector protocol every object-detector backend satisfies, and its options."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from vigie.core import Detections
from vigie.detect.session import DEFAULT_RUNTIME, RuntimeOptions

if TYPE_CHECKING:
    from vigie.config import DetectorConfig

__all__ = ["DEFAULT_OPTIONS", "Detector", "DetectorOptions", "ImageArray", "check_image"]

ImageArray = npt.NDArray[np.uint8]


@runtime_checkable
class Detector(Protocol):
    """Finds objects in BGR images.

    Attributes:
        labels: Class names of the model; ``Detections.class_id`` indexes them.
        input_size: (width, height) of the model input.

    Example:
        >>> det: Detector = build_detector(DetectorConfig())  # doctest: +SKIP
        >>> dets = det.detect(frame.image)  # doctest: +SKIP
        >>> people = dets[dets.class_names == "person"]  # doctest: +SKIP
    """

    @property
    def labels(self) -> tuple[str, ...]:
        """Class names of the model."""
        ...

    @property
    def input_size(self) -> tuple[int, int]:
        """(width, height) of the model input."""
        ...

    def detect(self, image: ImageArray) -> Detections:
        """Boxes in one (H, W, 3) uint8 BGR image, in its pixel coordinates."""
        ...

    def detect_batch(self, images: Sequence[ImageArray]) -> list[Detections]:
        """Boxes in several images (one model call when the model takes a batch)."""
        ...


@dataclass(frozen=True, slots=True)
class DetectorOptions:
    """What every object detector backend accepts.

    Attributes:
        confidence: Minimum score kept.
        nms_iou: IoU above which a lower-scoring box of the same class is dropped.
        classes: Class names kept; None keeps every class of the model.
        max_detections: Most boxes returned per image.
        runtime: onnxruntime threads and providers.
    """

    confidence: float = 0.35
    nms_iou: float = 0.5
    classes: tuple[str, ...] | None = None
    max_detections: int = 300
    runtime: RuntimeOptions = DEFAULT_RUNTIME

    @classmethod
    def from_config(cls, cfg: DetectorConfig) -> DetectorOptions:
        """Options from the site's detector configuration (an empty ``classes`` keeps all)."""
        providers = tuple(cfg.providers) if cfg.providers is not None else None
        return cls(confidence=cfg.confidence, nms_iou=cfg.nms_iou,
                   classes=tuple(cfg.classes) or None,
                   runtime=RuntimeOptions(threads=cfg.threads, providers=providers))


def check_image(image: ImageArray) -> ImageArray:
    """``image`` as a C-contiguous (H, W, 3) uint8 array; ValueError for anything else."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 BGR image, got {image.shape} "
                         f"{image.dtype}")
    return np.ascontiguousarray(image)


#: Options used when none are given: threshold 0.35, NMS IoU 0.5, every class, 2 threads.
DEFAULT_OPTIONS = DetectorOptions()
