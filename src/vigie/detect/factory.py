"""Build the configured detector: a registered model by name, or a user's YOLO export by path."""

from __future__ import annotations

from pathlib import Path

from vigie.config import DetectorConfig
from vigie.core import COCO_CLASSES
from vigie.detect.base import Detector, DetectorOptions
from vigie.detect.centernet import CenterNetDetector
from vigie.detect.faces import FaceDetector
from vigie.detect.nanodet import NanoDetDetector
from vigie.detect.onnx import OnnxDetector
from vigie.detect.pose import PoseEstimator
from vigie.detect.yolo import YoloDetector, read_yolo_labels
from vigie.errors import ModelError
from vigie.models.manifest import MANIFESTS
from vigie.models.registry import resolve_model

__all__ = ["OBJECT_DETECTORS", "build_detector", "open_registered"]

#: Registered models that ``detector.model`` may name.
OBJECT_DETECTORS: dict[str, type[NanoDetDetector] | type[CenterNetDetector]] = {
    "nanodet": NanoDetDetector,
    "centernet": CenterNetDetector,
}
_OTHERS: dict[str, type[FaceDetector] | type[PoseEstimator]] = {
    "centerface": FaceDetector,
    "movenet-multipose": PoseEstimator,
}


def open_registered(name: str, path: Path, options: DetectorOptions) -> OnnxDetector:
    """The adapter of a registered model, on the file at ``path`` (no resolution, no check).

    Raises:
        ModelError: ``name`` has no detector adapter.
    """
    if name in OBJECT_DETECTORS:
        return OBJECT_DETECTORS[name](path, options)
    if name in _OTHERS:
        return _OTHERS[name](path, options)
    raise ModelError(f"model {name!r} has no detector adapter; detectors: "
                     f"{', '.join([*OBJECT_DETECTORS, *_OTHERS])}")


def _options(cfg: DetectorConfig, labels: tuple[str, ...]) -> DetectorOptions:
    """Options from config; the default class list is narrowed to the labels the model has."""
    options = DetectorOptions.from_config(cfg)
    if "classes" in cfg.model_fields_set or labels == COCO_CLASSES:
        return options
    kept = tuple(c for c in cfg.classes if c in labels)
    return DetectorOptions(options.confidence, options.nms_iou, kept or None,
                           options.max_detections, options.runtime)


def build_detector(cfg: DetectorConfig) -> Detector:
    """The detector the site configuration asks for.

    ``cfg.model`` is a registered name (``nanodet``, ``centernet``) looked up in the models
    folder, or a path to an Ultralytics YOLOv8/v11 ONNX export (class names from
    ``cfg.labels_file`` or the file's metadata). When ``classes`` is left at its default and a
    custom model lacks some of those COCO names, the filter keeps the ones it has (all classes
    if it has none); an explicit ``classes`` list must only name the model's classes.

    Args:
        cfg: The ``detector`` section of the site configuration.

    Returns:
        A ready detector.

    Raises:
        ModelError: The model is missing (the message gives the ``vigie models fetch``
            command), corrupt, or not a supported layout.
        ValueError: ``cfg.classes`` names a class the model does not have.

    Example:
        >>> det = build_detector(DetectorConfig(model="nanodet", threads=2))  # doctest: +SKIP
    """
    path = resolve_model(cfg.model, cfg.models_dir)
    if cfg.model == "nanodet" and cfg.regions:
        from vigie.detect.regions import RegionDetector

        return RegionDetector.from_path(path, _options(cfg, COCO_CLASSES))
    if cfg.model in OBJECT_DETECTORS:
        return OBJECT_DETECTORS[cfg.model](path, _options(cfg, COCO_CLASSES))
    if cfg.model in MANIFESTS:
        raise ModelError(f"model {cfg.model!r} is not an object detector; detector.model must "
                         f"be one of {', '.join(OBJECT_DETECTORS)} or a path to a YOLO export")
    labels = read_yolo_labels(path, cfg.labels_file)
    return YoloDetector(path, _options(cfg, labels), labels_file=cfg.labels_file)
