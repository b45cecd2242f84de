"""Multi-object tracking: ByteTrack from roboflow `trackers`, wrapped into Vigie `Track`s."""

from vigie.track.bytetrack import ObjectTracker

__all__ = ["ObjectTracker"]
