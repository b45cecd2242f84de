"""Vigie: privacy-by-design augmented video-protection for city CCTV control rooms.

Example:
    >>> from vigie import load_config, SiteRunner  # doctest: +SKIP
    >>> runner = SiteRunner(load_config("site.yaml"))  # doctest: +SKIP
"""

from importlib.metadata import PackageNotFoundError, version

from vigie.config.loader import load_config, parse_config
from vigie.config.site import SiteConfig
from vigie.core.types import Detections, Event, Frame, FrameResult, Track
from vigie.errors import ConfigError, ModelError, SourceError, StoreError, VigieError
from vigie.runtime import CameraPipeline, ReplayReport, SiteRunner, replay

try:
    __version__ = version("vigie")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "CameraPipeline",
    "ConfigError",
    "Detections",
    "Event",
    "Frame",
    "FrameResult",
    "ModelError",
    "ReplayReport",
    "SiteConfig",
    "SiteRunner",
    "SourceError",
    "StoreError",
    "Track",
    "VigieError",
    "__version__",
    "load_config",
    "parse_config",
    "replay",
]
