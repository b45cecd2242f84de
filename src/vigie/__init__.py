"""Vigie: privacy-by-design augmented video-protection for city CCTV control rooms.

Names are imported on first use, so that `vigie --help` stays fast.

Example:
    >>> from vigie import load_config, SiteRunner  # doctest: +SKIP
    >>> runner = SiteRunner(load_config("site.yaml"))  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("vigie")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

_HOME = {
    "load_config": "vigie.config.loader",
    "parse_config": "vigie.config.loader",
    "SiteConfig": "vigie.config.site",
    "Detections": "vigie.core.types",
    "Event": "vigie.core.types",
    "Frame": "vigie.core.types",
    "FrameResult": "vigie.core.types",
    "Track": "vigie.core.types",
    "ConfigError": "vigie.errors",
    "ModelError": "vigie.errors",
    "SourceError": "vigie.errors",
    "StoreError": "vigie.errors",
    "VigieError": "vigie.errors",
    "CameraPipeline": "vigie.runtime.pipeline",
    "ReplayReport": "vigie.runtime.replay",
    "replay": "vigie.runtime.replay",
    "SiteRunner": "vigie.runtime.site",
}

__all__ = sorted([*_HOME, "__version__"])


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'vigie' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOME[name]), name)
