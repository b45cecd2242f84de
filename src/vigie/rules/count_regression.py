"""Count by regression on scene features, for crowds too dense for the detector (Chan et al.).

Chan, Liang and Vasconcelos, "Privacy preserving crowd monitoring: counting people without
people models or tracking", CVPR 2008: holistic features of the crowd's foreground (area,
perimeter, edges), weighted for perspective, map to a count through a regression fitted on a
few annotated frames of the camera itself. Nothing identifies anyone, and nothing learns in
production: :class:`CountRegression` is fitted once at set-up, saved as a JSON file of
coefficients, and only read afterwards.

Features of one zone, per frame (:class:`SceneFeatures`):
    detected: people counted from detections (tracks and faces), given by the rule.
    foreground: moving-or-new surface (own slow MOG2 background) in the zone.
    foreground_perimeter: length of the foreground's outline.
    foreground_edges: Canny edge length inside the foreground.
    edges: Canny edge length in the whole zone (texture of a standing crowd).

With a calibration each pixel weighs its ground area (m2) for surfaces and its square root
for lengths, so that a person counts as much far away as close by; without one, surfaces are
fractions of the zone and lengths are in zone-normalised pixels.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt
from pydantic import Field, model_validator

from vigie.config.base import VigieModel
from vigie.core.types import ImageArray
from vigie.geometry import Homography

__all__ = ["FEATURES", "CountRegression", "FeatureName", "SceneFeatures", "pixel_weights"]

FeatureName = Literal["detected", "foreground", "foreground_perimeter", "foreground_edges",
                      "edges"]
FEATURES: tuple[FeatureName, ...] = ("detected", "foreground", "foreground_perimeter",
                                     "foreground_edges", "edges")
Point = tuple[float, float]
Weights = npt.NDArray[np.float64]


class CountRegression(VigieModel):
    """A frozen ridge regression from zone features to a person count.

    Example:
        >>> rows = [{"detected": d, "edges": 2.0 * d} for d in (1, 2, 3, 4)]
        >>> model = CountRegression.fit(rows, [2, 4, 6, 8], ["detected", "edges"], alpha=0.0)
        >>> round(model.predict({"detected": 5, "edges": 10}), 3)
        10.0
    """

    features: list[FeatureName] = Field(min_length=1, description="Feature names, in order.")
    mean: list[float] = Field(description="Feature means of the fitting samples.")
    scale: list[float] = Field(description="Feature standard deviations (1 where constant).")
    coefficients: list[float] = Field(description="Weights of the standardised features.")
    intercept: float = Field(description="Count predicted for mean features.")
    calibrated: bool = Field(False, description="Whether features were weighted by ground "
                             "area (camera calibration) when fitted.")
    samples: int = Field(0, ge=0, description="Annotated frames the model was fitted on.")
    alpha: float = Field(1.0, ge=0, description="Ridge penalty used.")

    @model_validator(mode="after")
    def _same_lengths(self) -> CountRegression:
        n = len(self.features)
        if not len(self.mean) == len(self.scale) == len(self.coefficients) == n:
            raise ValueError(f"mean, scale and coefficients need {n} values each (one per "
                             "feature)")
        if any(s <= 0 for s in self.scale):
            raise ValueError("scale values must be positive")
        return self

    def predict(self, values: Mapping[str, float]) -> float:
        """Predicted count (>= 0) for one frame's features."""
        x = np.asarray([values[f] for f in self.features], np.float64)
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return max(0.0, float(z @ np.asarray(self.coefficients) + self.intercept))

    @classmethod
    def fit(cls, rows: Sequence[Mapping[str, float]], counts: Sequence[float],
            features: Sequence[FeatureName] = FEATURES, alpha: float = 1.0,
            calibrated: bool = False) -> CountRegression:
        """Ridge regression on standardised features (the intercept is not penalised).

        Args:
            rows: Features of each annotated frame.
            counts: The true count of each frame.
            features: Which features to use.
            alpha: Ridge penalty; 0 is ordinary least squares.
            calibrated: Whether the rows were computed with a calibration.

        Raises:
            ValueError: No rows, or rows and counts of different lengths.
        """
        if not rows or len(rows) != len(counts):
            raise ValueError(f"need as many counts as feature rows, got {len(counts)} counts "
                             f"for {len(rows)} rows")
        x = np.asarray([[r[f] for f in features] for r in rows], np.float64)
        y = np.asarray(counts, np.float64)
        mean, std = x.mean(axis=0), x.std(axis=0)
        scale = np.where(std > 1e-12, std, 1.0)
        z = (x - mean) / scale
        coef = np.linalg.lstsq(z.T @ z + alpha * np.eye(len(features)), z.T @ (y - y.mean()),
                               rcond=None)[0]
        return cls(features=list(features), mean=mean.tolist(), scale=scale.tolist(),
                   coefficients=coef.tolist(), intercept=float(y.mean()),
                   calibrated=calibrated, samples=len(rows), alpha=alpha)

    @classmethod
    def load(cls, path: Path) -> CountRegression:
        """Read a model saved by :meth:`save`."""
        return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))

    def save(self, path: Path) -> None:
        """Write the model as JSON."""
        path.write_text(json.dumps(self.model_dump(), indent=2) + "\n", encoding="utf-8")


def pixel_weights(size: tuple[int, int], homography: Homography | None) -> Weights:
    """(H, W) ground area (m2) of each pixel of a ``size`` = (w, h) grid; ones uncalibrated.

    Pixels whose corners do not all lie below the calibration's horizon weigh 0. The bottom
    centre of the frame is taken to be on the ground.
    """
    w, h = size
    if homography is None:
        return np.ones((h, w))
    xs, ys = np.meshgrid(np.arange(w + 1) / w, np.arange(h + 1) / h)
    pts = np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)], axis=1)
    proj = pts @ homography.matrix.T
    ref = homography.matrix @ np.asarray([0.5, 1.0, 1.0])
    ahead = (proj[:, 2] * ref[2] > 0).reshape(h + 1, w + 1)
    g = (proj[:, :2] / np.where(np.abs(proj[:, 2:]) > 1e-12, proj[:, 2:], 1e-12))
    gx, gy = g[:, 0].reshape(h + 1, w + 1), g[:, 1].reshape(h + 1, w + 1)
    corners = [(gx[:-1, :-1], gy[:-1, :-1]), (gx[:-1, 1:], gy[:-1, 1:]),
               (gx[1:, 1:], gy[1:, 1:]), (gx[1:, :-1], gy[1:, :-1])]
    area = 0.5 * np.abs(sum(corners[i][0] * corners[(i + 1) % 4][1]
                            - corners[(i + 1) % 4][0] * corners[i][1] for i in range(4)))
    valid = ahead[:-1, :-1] & ahead[:-1, 1:] & ahead[1:, 1:] & ahead[1:, :-1]
    return np.where(valid, area, 0.0)


class SceneFeatures:
    """Foreground, outline and edge features of one zone, frame after frame.

    Keeps its own background (MOG2 on a small grey copy) that adapts over ``background_s``
    seconds, so that a crowd standing still stays foreground for minutes; :meth:`reset`
    relearns it.

    Args:
        polygon: The zone, normalised vertices.
        frame_size: (width, height) of the frames.
        homography: Calibration, or None.
        work_width: Width of the grey copy the features are computed on.
        background_s: Seconds over which the background adapts.
    """

    def __init__(self, polygon: Sequence[Point], frame_size: tuple[int, int],
                 homography: Homography | None, work_width: int = 320,
                 background_s: float = 300.0) -> None:
        w = min(work_width, frame_size[0])
        h = max(1, round(frame_size[1] * w / frame_size[0]))
        self.size = (w, h)
        zone = np.zeros((h, w), np.uint8)
        pts = np.round(np.asarray(polygon, np.float64) * [w, h]).astype(np.int32)
        cv2.fillPoly(zone, [pts], 1)
        weights = pixel_weights(self.size, homography) * zone
        if homography is None:
            weights = weights / max(1.0, float(zone.sum()))
        self._area = weights
        self._length = np.sqrt(weights)
        self._background_s = background_s
        self._last_ts: float | None = None
        self._mog = self._new_background()

    def _new_background(self) -> cv2.BackgroundSubtractorMOG2:
        return cv2.createBackgroundSubtractorMOG2(history=500, varThreshold=16,
                                                  detectShadows=False)

    def reset(self) -> None:
        """Forget the background."""
        self._mog = self._new_background()
        self._last_ts = None

    def update(self, image: ImageArray, ts: float, detected: float) -> dict[str, float]:
        """Features of this frame (``detected`` is passed through as a feature)."""
        grey = cv2.cvtColor(cv2.resize(image, self.size, interpolation=cv2.INTER_AREA),
                            cv2.COLOR_BGR2GRAY)
        dt = 1.0 if self._last_ts is None else max(ts - self._last_ts, 1e-3)
        self._last_ts = ts
        rate = 1.0 if dt >= self._background_s else dt / self._background_s
        fg = self._mog.apply(grey, learningRate=rate) > 0
        fg = cv2.morphologyEx(fg.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)) > 0
        outline = fg & ~(cv2.erode(fg.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0)
        edges = cv2.Canny(grey, 50, 150) > 0
        return {
            "detected": float(detected),
            "foreground": float(self._area[fg].sum()),
            "foreground_perimeter": float(self._length[outline].sum()),
            "foreground_edges": float(self._length[edges & fg].sum()),
            "edges": float(self._length[edges].sum()),
        }
