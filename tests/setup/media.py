"""Small synthetic clips for the scene editor tests."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np


def write_clip(path: Path, seconds: float = 3.0, fps: int = 10,
               size: tuple[int, int] = (320, 240)) -> Path:
    """A small MPEG-4 clip whose brightness tells the time (frame i has level 20 + 5 i)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    width, height = size
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(int(seconds * fps)):
            image = np.full((height, width, 3), min(250, 20 + 5 * i), np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        out.mux(stream.encode())
    return path
