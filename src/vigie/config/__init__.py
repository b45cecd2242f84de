"""Site configuration: validated models (`vigie.config.site`) and the YAML loader.

Names are imported lazily: rule plug-ins import `vigie.config.base` while `vigie.config.site`
imports the rules' configuration models.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "AlertsConfig",
    "CalibrationConfig",
    "CameraConfig",
    "ConsoleConfig",
    "DetectorConfig",
    "LineConfig",
    "MotionConfig",
    "NoticeConfig",
    "PrivacyConfig",
    "RetentionConfig",
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

_HOME = {"VigieModel": "base", "load_config": "loader", "parse_config": "loader"}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'vigie.config' has no attribute {name!r}")
    return getattr(importlib.import_module(f"vigie.config.{_HOME.get(name, 'site')}"), name)
