"""Synthetic footage for the evaluation harness: a white box on black, and a detector that sees it.

The fake detector makes harness tests deterministic and model-free: the product's pipeline,
tracker, rules, alert policy and the harness run for real on a video whose truth is known.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt
from ruamel.yaml import YAML

from vigie.core.types import Detections
from vigie.detect.provider import ModelProvider
from vigie.evaluate.types import EvalContext

Box = tuple[int, int, int, int]
SIZE = (160, 120)


class BoxDetector:
    """Sees the bright pixels of a frame as one person (a stand-in for NanoDet)."""

    labels: tuple[str, ...] = ("person",)
    input_size: tuple[int, int] = SIZE

    def detect(self, image: npt.NDArray[np.uint8]) -> Detections:
        """One person box around the pixels brighter than mid-grey, or none."""
        ys, xs = np.nonzero(image[:, :, 1] > 128)
        if not len(xs):
            return Detections.empty(self.labels)
        return Detections.from_arrays([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]], [0.9],
                                      [0], labels=self.labels)

    def detect_batch(self, images: Sequence[npt.NDArray[np.uint8]]) -> list[Detections]:
        """Each image on its own."""
        return [self.detect(i) for i in images]


def box_context() -> EvalContext:
    """An evaluation context on the box detector (no model file needed)."""
    return EvalContext(BoxDetector(), ModelProvider(None), detector_model="box")  # type: ignore[arg-type]


def write_box_video(path: Path, boxes: Sequence[Box | None], fps: int = 10) -> Path:
    """An MPEG-4 clip: frame i shows a white rectangle at ``boxes[i]`` (None: empty frame)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=fps)
        stream.width, stream.height = SIZE
        stream.pix_fmt = "yuv420p"
        for box in boxes:
            image = np.zeros((SIZE[1], SIZE[0], 3), np.uint8)
            if box is not None:
                x1, y1, x2, y2 = box
                image[y1:y2, x1:x2] = 255
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def walk_in_and_out(fps: int = 10) -> list[Box | None]:
    """12 s: a person stands left (0-4 s), stands in the right half (4-7 s), is gone after."""
    left, right = (20, 40, 36, 100), (110, 40, 126, 100)
    return [left if i < 4 * fps else right if i < 7 * fps else None for i in range(12 * fps)]


def zone_site(folder: Path) -> Path:
    """A one-camera site: zone intrusion (1 s dwell) in the right half; detector every frame."""
    data: dict[str, Any] = {
        "site": {"name": "synthetic"},
        "motion": {"enabled": False},
        "cameras": [{
            "id": "cam-right", "source": {"url": "unused.mp4"},
            "zones": [{"name": "right", "points": [[0.5, 0], [1, 0], [1, 1], [0.5, 1]]}],
            "analytics": [{"kind": "zone_intrusion", "zone": "right", "min_dwell_s": 1.0}],
        }],
    }
    return write_yaml(folder / "site.yaml", data)


def write_yaml(path: Path, data: object) -> Path:
    """Write plain data as YAML."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        YAML(typ="safe").dump(data, f)
    return path
