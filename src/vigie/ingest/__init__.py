"""Ingest: decode video files and live streams into timestamped, sampled frames, per camera.

Build one :class:`CameraReader` per camera (``CameraReader.from_config(camera, on_health=...)``),
``start()`` it and take frames with ``get(timeout)``; ``stats()`` gives rates, drops, lag and
state; ``stop()`` ends it. :class:`PyAVSource` is the FFmpeg-based :class:`FrameSource`.
"""

from vigie.ingest.base import FrameSource, Health, HealthCallback, ReaderState, SourceCounters
from vigie.ingest.buffer import DropOldestBuffer
from vigie.ingest.clock import StreamClock
from vigie.ingest.pyav import PyAVSource, SourceOptions, is_live_url, redact_url
from vigie.ingest.sampling import FrameSampler, Pacer
from vigie.ingest.stats import RateMeter, ReaderStats, ReconnectPolicy
from vigie.ingest.worker import CameraReader

__all__ = [
    "CameraReader",
    "DropOldestBuffer",
    "FrameSampler",
    "FrameSource",
    "Health",
    "HealthCallback",
    "Pacer",
    "PyAVSource",
    "RateMeter",
    "ReaderState",
    "ReaderStats",
    "ReconnectPolicy",
    "SourceCounters",
    "SourceOptions",
    "StreamClock",
    "is_live_url",
    "redact_url",
]
