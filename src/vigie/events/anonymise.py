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

__all__ = [
    "Anonymiser",
    "FaceFinder",
    "PrivacySettings",
    "SequenceAnonymiser",
    "blur_regions",
]

log = logging.getLogger(__name__)

ImageArray = npt.NDArray[np.uint8]
Box = tuple[float, float, float, float]

#: Share of a person box, from its top, that holds the head.
HEAD_SHARE = 0.22
#: Faces are looked for on a copy at most this wide: CenterFace costs about 3x less at 480 px
#: than at 768 (38 against 113 ms on the reference machine); faces too small to be found there
#: are covered by the head blur.
FACE_WIDTH = 480
#: In a clip, faces are looked for on one frame in this many; the boxes found are reused on
#: the frames between (0.6 s at 5 fps: a face moves less than the blur margin).
FACE_EVERY = 3
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

    def __init__(self, settings: PrivacySettings, faces: FaceFinder | None, *,
                 face_width: int = FACE_WIDTH) -> None:
        self.settings = settings
        self._faces = faces if settings.faces else None
        self._face_width = face_width
        if settings.faces and faces is None:
            log.warning("no face detector: stored pictures get heads and persons blurred only")

    def faces(self, image: ImageArray) -> list[Box]:
        """Face boxes in ``image`` pixels (none without a face detector)."""
        if self._faces is None:
            return []
        scale = min(1.0, self._face_width / image.shape[1])
        small: ImageArray = image if scale == 1.0 else cv2.resize(
            image, (round(image.shape[1] * scale), round(image.shape[0] * scale)),
            interpolation=cv2.INTER_AREA).astype(np.uint8, copy=False)
        return [(float(x1) / scale, float(y1) / scale, float(x2) / scale, float(y2) / scale)
                for x1, y1, x2, y2 in self._faces.detect(small).xyxy]

    def regions(self, image: ImageArray, tracks: Sequence[Track],
                faces: list[Box] | None = None) -> list[Box]:
        """The pixel boxes that must be blurred in ``image`` (``faces``: already found)."""
        boxes = list(self.faces(image) if faces is None else faces)
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

    def sequence(self, face_every: int = FACE_EVERY) -> SequenceAnonymiser:
        """A blurrer for consecutive frames of one clip, looking for faces on one in
        ``face_every`` frames."""
        return SequenceAnonymiser(self, face_every)


class SequenceAnonymiser:
    """Blurs the frames of one clip in order, reusing face boxes between face searches.

    Args:
        anonymiser: The site's anonymiser.
        face_every: Frames per face search.
    """

    def __init__(self, anonymiser: Anonymiser, face_every: int) -> None:
        self._anonymiser = anonymiser
        self._every = max(1, face_every)
        self._seen = 0
        self._faces: list[Box] = []

    def __call__(self, image: ImageArray, tracks: Sequence[Track]) -> ImageArray:
        """A blurred copy of the next frame of the clip."""
        if not self._anonymiser.settings.active:
            return image
        if self._seen % self._every == 0:
            self._faces = self._anonymiser.faces(image)
        self._seen += 1
        return blur_regions(image, self._anonymiser.regions(image, tracks, self._faces))


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
