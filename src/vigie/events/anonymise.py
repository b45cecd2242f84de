"""Anonymise evidence pictures before anything is kept: blur faces, heads, or whole persons.

Faces are found by CenterFace (detection only: nothing is measured, compared or kept of a
face). CCTV faces are often too small for any face detector, so the head of every tracked
person (the top of its box) is blurred too; whole persons can be blurred on request. The
blur is a heavy pixelation that cannot be undone.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np
import numpy.typing as npt

from vigie.core import Detections
from vigie.core.types import Track

__all__ = ["Anonymiser", "FaceFinder", "PrivacySettings", "blur_regions"]

log = logging.getLogger(__name__)

ImageArray = npt.NDArray[np.uint8]
Box = tuple[float, float, float, float]

#: Share of a person box, from its top, that holds the head.
HEAD_SHARE = 0.22
#: Blocks across the blurred region: few enough that nothing can be recognised.
_BLOCKS = 6
_MARGIN = 0.15


class FaceFinder(Protocol):
    """What the anonymiser needs of a face detector (``vigie.detect.FaceDetector`` fits)."""

    def detect(self, image: ImageArray) -> Detections:
        """Face boxes in pixels."""


@dataclass(frozen=True, slots=True)
class PrivacySettings:
    """What to blur in stored pictures.

    Attributes:
        faces: Faces found by the face detector.
        heads: The head of every tracked person (catches faces too small to detect).
        persons: Every tracked person, whole.
    """

    faces: bool = True
    heads: bool = True
    persons: bool = False

    @property
    def active(self) -> bool:
        """Whether anything is blurred at all."""
        return self.faces or self.heads or self.persons


class Anonymiser:
    """Blur what ``settings`` asks in a picture, given the tracks of that frame.

    Args:
        settings: What to blur.
        faces: The face detector; None blurs heads and persons only (logged once).

    Example:
        >>> anonymise = Anonymiser(PrivacySettings(), faces=None)
        >>> image = np.full((100, 100, 3), 255, np.uint8)
        >>> anonymise(image, []).shape
        (100, 100, 3)
    """

    def __init__(self, settings: PrivacySettings, faces: FaceFinder | None) -> None:
        self.settings = settings
        self._faces = faces if settings.faces else None
        if settings.faces and faces is None:
            log.warning("no face detector: stored pictures get heads and persons blurred only")

    def regions(self, image: ImageArray, tracks: Sequence[Track]) -> list[Box]:
        """The pixel boxes that must be blurred in ``image``."""
        boxes: list[Box] = []
        if self._faces is not None:
            found = self._faces.detect(image)
            boxes += [tuple(map(float, b)) for b in found.xyxy]  # type: ignore[misc]
        persons = [t.box for t in tracks if t.label == "person"]
        if self.settings.persons:
            boxes += persons
        elif self.settings.heads:
            boxes += [_head(box) for box in persons]
        return boxes

    def __call__(self, image: ImageArray, tracks: Sequence[Track]) -> ImageArray:
        """A blurred copy of ``image`` (the input is never modified)."""
        if not self.settings.active:
            return image
        return blur_regions(image, self.regions(image, tracks))


def _head(box: Box) -> Box:
    x1, y1, x2, y2 = box
    height = y2 - y1
    return (x1, y1 - 0.05 * height, x2, y1 + HEAD_SHARE * height)


def blur_regions(image: ImageArray, boxes: Sequence[Box]) -> ImageArray:
    """Pixelate each box (grown by a margin) in a copy of ``image``.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> img = rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)
        >>> out = blur_regions(img, [(10, 10, 30, 30)])
        >>> bool((out[12:28, 12:28] != img[12:28, 12:28]).any()), bool((out[:5] == img[:5]).all())
        (True, True)
    """
    out = image.copy()
    h, w = out.shape[:2]
    for x1, y1, x2, y2 in boxes:
        mx, my = (x2 - x1) * _MARGIN, (y2 - y1) * _MARGIN
        left, top = max(0, int(x1 - mx)), max(0, int(y1 - my))
        right, bottom = min(w, int(np.ceil(x2 + mx))), min(h, int(np.ceil(y2 + my)))
        if right - left < 2 or bottom - top < 2:
            continue
        region = out[top:bottom, left:right]
        small = cv2.resize(region, (_BLOCKS, max(1, _BLOCKS * (bottom - top)
                                                 // max(1, right - left))),
                           interpolation=cv2.INTER_AREA)
        out[top:bottom, left:right] = cv2.resize(small, (right - left, bottom - top),
                                                 interpolation=cv2.INTER_NEAREST)
    return out
