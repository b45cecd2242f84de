"""A still object watched by abandoned_object, and the tests on its region."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vigie.motion.static import Blob
from vigie.rules.unattended import Box, Sighting

__all__ = ["LeftObject", "box_area", "explained", "person_sized"]

_EXPLAINED = 0.5      # share of a region inside person/vehicle boxes that explains it
_PERSON_SIZED = 0.5   # an unnamed object this big next to the people near it may be one


@dataclass
class LeftObject:
    """One still object the rule watches, from the moment it stands clear until removed."""

    serial: int
    blob: Blob
    box: Box
    static_since: float
    attended_at: float
    owner: Sighting | None
    label: str | None = None
    score: float = 0.0
    missing_since: float | None = None
    alerted: bool = False
    judged: bool = False
    person_area: float = 0.0  # largest box (px2) of the people seen near it


def box_area(box: Box) -> float:
    """Area of a pixel box, px2."""
    return max(box[2] - box[0], 0.0) * max(box[3] - box[1], 0.0)


def person_sized(obj: LeftObject) -> bool:
    """Whether an unnamed object is as big as the people seen near it: maybe one of them.

    A person lying or sitting still whom the detector no longer recognises is a static
    region too; bags are much smaller than the person who carries them.
    """
    return obj.label is None and box_area(obj.box) >= _PERSON_SIZED * obj.person_area > 0


def explained(blob: Blob, scale: float, boxes: list[Box]) -> bool:
    """Whether most of a region lies inside person or vehicle boxes (standing, parked)."""
    if not boxes:
        return False
    ys, xs = np.nonzero(blob.mask)
    px = (xs + blob.x + 0.5) / scale
    py = (ys + blob.y + 0.5) / scale
    inside = np.zeros(len(xs), bool)
    for b in boxes:
        gx, gy = (b[2] - b[0]) * 0.1, (b[3] - b[1]) * 0.1
        inside |= (px >= b[0] - gx) & (px <= b[2] + gx) & (py >= b[1] - gy) & (py <= b[3] + gy)
    return bool(inside.mean() >= _EXPLAINED) if len(inside) else False
