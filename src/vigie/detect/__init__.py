"""Detector backends on onnxruntime: the Detector protocol, adapters, and the factory."""

from vigie.detect.base import Detector, DetectorOptions, ImageArray
from vigie.detect.centernet import CenterNetDetector
from vigie.detect.faces import FaceDetector
from vigie.detect.factory import OBJECT_DETECTORS, build_detector, open_registered
from vigie.detect.mask import MaskClassifier
from vigie.detect.nanodet import NanoDetDetector
from vigie.detect.pose import KEYPOINT_NAMES, PoseEstimator
from vigie.detect.session import RuntimeOptions, create_session, default_providers
from vigie.detect.yolo import YoloDetector, read_labels_file, read_yolo_labels

__all__ = [
    "KEYPOINT_NAMES",
    "OBJECT_DETECTORS",
    "CenterNetDetector",
    "Detector",
    "DetectorOptions",
    "FaceDetector",
    "ImageArray",
    "MaskClassifier",
    "NanoDetDetector",
    "PoseEstimator",
    "RuntimeOptions",
    "YoloDetector",
    "build_detector",
    "create_session",
    "default_providers",
    "open_registered",
    "read_labels_file",
    "read_yolo_labels",
]
