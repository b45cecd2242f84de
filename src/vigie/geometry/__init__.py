"""Pure geometry helpers: polygons, directed lines, homographies (no state, no I/O)."""

from vigie.geometry.core import (
    Homography,
    points_in_polygon,
    polygon_problem,
    prepared_polygon,
    segments_intersect,
    side_of_line,
)

__all__ = ["Homography", "points_in_polygon", "polygon_problem", "prepared_polygon",
           "segments_intersect", "side_of_line"]
