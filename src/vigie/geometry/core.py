"""Polygons, directed lines and ground-plane homographies, on normalised or pixel coordinates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
import shapely
from shapely.validation import explain_validity

__all__ = ["Homography", "points_in_polygon", "polygon_problem", "prepared_polygon",
           "segments_intersect", "side_of_line"]

Point = tuple[float, float]
Points = npt.NDArray[np.float64]


def polygon_problem(points: Sequence[Point]) -> str | None:
    """Say what is wrong with a polygon, or None when it is usable as a zone.

    Example:
        >>> polygon_problem([(0, 0), (1, 1), (1, 0), (0, 1)])
        'polygon self-intersects'
    """
    if len(points) < 3:
        return f"a polygon needs at least 3 points, got {len(points)}"
    poly = shapely.Polygon(points)
    if not poly.is_valid:
        reason = explain_validity(poly)
        if "Self-intersection" in reason or "Ring Self-intersection" in reason:
            return "polygon self-intersects"
        return f"invalid polygon ({reason})"
    if poly.area <= 1e-9:
        return "polygon has no area"
    return None


def points_in_polygon(points: npt.ArrayLike,
                      polygon: Sequence[Point] | shapely.Polygon) -> npt.NDArray[np.bool_]:
    """(N,) whether each (x, y) point lies inside or on the border of the polygon.

    Pass a prepared ``shapely.Polygon`` (see :func:`prepared_polygon`) when testing the same
    polygon on every frame.
    """
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(pts) == 0:
        return np.zeros(0, dtype=bool)
    poly = polygon if isinstance(polygon, shapely.Polygon) else shapely.Polygon(polygon)
    return np.asarray(shapely.intersects_xy(poly, pts[:, 0], pts[:, 1]), dtype=bool)


def prepared_polygon(polygon: Sequence[Point]) -> shapely.Polygon:
    """A polygon built and prepared once, for fast repeated point tests."""
    poly = shapely.Polygon(polygon)
    shapely.prepare(poly)
    return poly


def side_of_line(points: npt.ArrayLike, start: Point, end: Point) -> npt.NDArray[np.float64]:
    """(N,) signed distance of each point to the infinite line start->end.

    Positive is the right-hand side when walking from start to end as seen on screen
    (image coordinates, y pointing down). The unit is the unit of the coordinates.

    Example:
        >>> side_of_line([(0.5, 1.0)], (0, 0), (1, 0)).tolist()  # below a left-to-right line
        [1.0]
    """
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    d = np.subtract(end, start, dtype=np.float64)
    length = float(np.hypot(*d))
    if length == 0:
        raise ValueError("a line needs two distinct points")
    rel = pts - np.asarray(start, dtype=np.float64)
    return np.asarray((d[0] * rel[:, 1] - d[1] * rel[:, 0]) / length)


def segments_intersect(a0: Point, a1: Point, b0: Point, b1: Point) -> bool:
    """Whether segment a0-a1 meets segment b0-b1 (touching counts)."""
    return bool(shapely.LineString([a0, a1]).intersects(shapely.LineString([b0, b1])))


@dataclass(frozen=True)
class Homography:
    """Maps image points to ground-plane metres with a 3x3 homography.

    Example:
        >>> h = Homography.from_points([(0, 0), (1, 0), (1, 1), (0, 1)],
        ...                            [(0, 0), (10, 0), (10, 10), (0, 10)])
        >>> h.to_ground([(0.5, 0.5)]).round(3).tolist()
        [[5.0, 5.0]]
    """

    matrix: npt.NDArray[np.float64]

    @classmethod
    def from_points(cls, image: Sequence[Point], ground: Sequence[Point]) -> Homography:
        """Fit from >= 4 image points and their ground coordinates in metres."""
        if len(image) != len(ground) or len(image) < 4:
            raise ValueError("calibration needs at least 4 image points and as many ground points")
        for pts in (image, ground):
            if shapely.MultiPoint(list(pts)).convex_hull.area <= 1e-9:
                raise ValueError("calibration points are degenerate (all in a line?)")
        matrix, _ = cv2.findHomography(np.asarray(image, np.float64),
                                       np.asarray(ground, np.float64), 0)
        if matrix is None or not np.isfinite(matrix).all():
            raise ValueError("calibration points are degenerate (three or more in a line?)")
        return cls(np.asarray(matrix, dtype=np.float64))

    def to_ground(self, points: npt.ArrayLike) -> Points:
        """(N, 2) ground coordinates in metres of (N, 2) image points."""
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 1, 2)
        if len(pts) == 0:
            return np.zeros((0, 2))
        return np.asarray(cv2.perspectiveTransform(pts, self.matrix).reshape(-1, 2))

    def area_m2(self, polygon: Sequence[Point]) -> float:
        """Ground area in square metres of an image polygon."""
        return float(shapely.Polygon(self.to_ground(polygon)).area)
