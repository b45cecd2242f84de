"""Moving regions from OpenCV's MOG2 background subtractor on a small grey copy of the frame."""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from vigie.config.site import MotionConfig


__all__ = ["Mog2Motion"]


class Mog2Motion:
    """Finds moving regions; one instance per camera (it learns that camera's background).

    Args:
        config: Threshold, smallest region and working width.

    Example:
        >>> from vigie.config.site import MotionConfig
        >>> m = Mog2Motion(MotionConfig())
        >>> still = np.zeros((240, 320, 3), np.uint8)
        >>> for _ in range(5):
        ...     boxes = m.detect(still)
        >>> moved = still.copy(); moved[100:160, 50:90] = 255
        >>> m.detect(moved).round().tolist()  # grown by the dilation
        [[40.0, 90.0, 100.0, 170.0]]
    """

    def __init__(self, config: MotionConfig) -> None:
        self._config = config
        self._subtractor = cv2.createBackgroundSubtractorMOG2(
            history=200, varThreshold=float(config.threshold) ** 2 / 4, detectShadows=False)
        self._kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))

    def detect(self, image: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
        """(M, 4) pixel boxes of the moving regions of a BGR image."""
        h, w = image.shape[:2]
        scale = min(1.0, self._config.width / w)
        small = cv2.resize(image, (round(w * scale), round(h * scale)),
                           interpolation=cv2.INTER_AREA) if scale < 1 else image
        grey = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (5, 5), 0)
        mask = self._subtractor.apply(grey)
        mask = cv2.dilate(cv2.morphologyEx(mask, cv2.MORPH_OPEN, self._kernel), self._kernel,
                          iterations=2)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        min_area = self._config.min_area * mask.shape[0] * mask.shape[1]
        boxes = [cv2.boundingRect(c) for c in contours if cv2.contourArea(c) >= min_area]
        if not boxes:
            return np.zeros((0, 4), np.float32)
        xywh = np.asarray(boxes, np.float32)
        xyxy = np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], axis=1)
        out: npt.NDArray[np.float32] = (xyxy / scale).astype(np.float32)
        return out

    def reset(self) -> None:
        """Forget the learnt background (after a cut or a reconnection)."""
        self.__init__(self._config)  # type: ignore[misc]
