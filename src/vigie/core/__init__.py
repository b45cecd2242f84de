"""Central data types passed along the pipeline (numpy and stdlib only)."""

from vigie.core.types import (
    COCO_CLASSES,
    VEHICLE_CLASSES,
    Detections,
    Event,
    Frame,
    FrameResult,
    Track,
)

__all__ = [
    "COCO_CLASSES",
    "Detections",
    "Event",
    "Frame",
    "FrameResult",
    "Track",
    "VEHICLE_CLASSES",
]
