"""Synthetic clips for the ingest tests, written with PyAV so no shared footage is needed."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

__all__ = ["make_audio_only", "make_clip"]


def make_clip(path: Path, frames: int = 20, fps: int = 10, size: tuple[int, int] = (160, 120),
              codec: str = "mpeg4") -> Path:
    """Write a clip whose frame ``i`` shows a bar at column ``4 * i``; return its path."""
    width, height = size
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=fps)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.gop_size = fps
        for i in range(frames):
            image = np.full((height, width, 3), 30, np.uint8)
            x = (4 * i) % (width - 8)
            image[:, x:x + 8] = 230
            out.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        out.mux(stream.encode(None))
    return path


def make_audio_only(path: Path, seconds: float = 1.0) -> Path:
    """Write a file with one audio stream and no video; return its path."""
    rate = 8000
    with av.open(str(path), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=rate)
        assert isinstance(stream, av.AudioStream)
        samples = np.zeros((1, int(rate * seconds)), np.int16)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate, frame.time_base = rate, Fraction(1, rate)
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path
