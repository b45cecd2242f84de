"""Site configuration: validated models and the YAML loader."""

from vigie.config.base import VigieModel
from vigie.config.loader import load_config, parse_config
from vigie.config.site import (
    AlertsConfig,
    CalibrationConfig,
    CameraConfig,
    DetectorConfig,
    LineConfig,
    MotionConfig,
    SiteConfig,
    SiteInfo,
    SourceConfig,
    StorageConfig,
    TrackerConfig,
    ZoneConfig,
)

__all__ = [
    "AlertsConfig",
    "CalibrationConfig",
    "CameraConfig",
    "DetectorConfig",
    "LineConfig",
    "MotionConfig",
    "SiteConfig",
    "SiteInfo",
    "SourceConfig",
    "StorageConfig",
    "TrackerConfig",
    "VigieModel",
    "ZoneConfig",
    "load_config",
    "parse_config",
]
