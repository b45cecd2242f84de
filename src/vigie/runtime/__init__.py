"""The runtime: the only part that knows threads; wires stages into a running site."""

from vigie.runtime.pipeline import CameraPipeline
from vigie.runtime.replay import ReplayReport, replay
from vigie.runtime.site import SiteRunner

__all__ = ["CameraPipeline", "ReplayReport", "SiteRunner", "replay"]
