"""Geometry properties: point-in-polygon invariance, line sides, homography round trips."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigie.geometry import Homography, points_in_polygon, polygon_problem, side_of_line

coord = st.floats(-100, 100, allow_nan=False)
# Quarter steps keep translations exact, so border points stay on the border.
grid = st.integers(-400, 400).map(lambda v: v / 4)


@settings(max_examples=200, deadline=None)
@given(px=grid, py=grid, dx=grid, dy=grid)
def test_point_in_polygon_is_invariant_under_translation(px: float, py: float, dx: float,
                                                         dy: float) -> None:
    poly = [(0.0, 0.0), (10.0, 0.0), (10.0, 5.0), (3.0, 8.0), (0.0, 5.0)]
    moved = [(x + dx, y + dy) for x, y in poly]
    assert points_in_polygon([(px, py)], poly)[0] == points_in_polygon([(px + dx, py + dy)],
                                                                       moved)[0]


@settings(max_examples=200, deadline=None)
@given(x=coord, y=coord)
def test_side_of_line_flips_with_the_line_direction(x: float, y: float) -> None:
    a, b = (1.0, 2.0), (7.0, -3.0)
    assert side_of_line([(x, y)], a, b)[0] == pytest.approx(-side_of_line([(x, y)], b, a)[0])


@pytest.mark.parametrize(("points", "problem"), [
    ([(0, 0), (1, 1), (1, 0), (0, 1)], "polygon self-intersects"),
    ([(0, 0), (1, 1)], "a polygon needs at least 3 points, got 2"),
    ([(0, 0), (0.5, 0.5), (1, 1)], "polygon has no area"),
    ([(0, 0), (1, 0), (1, 1), (0, 1)], None),
], ids=["bow-tie", "two-points", "collinear", "square"])
def test_polygon_problem(points: list, problem: str | None) -> None:
    found = polygon_problem(points)
    assert found == problem or (problem == "polygon has no area" and found is not None)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(0.05, 0.95), st.floats(0.05, 0.95)), min_size=1,
                max_size=10))
def test_homography_maps_calibration_points_and_is_consistent(pts: list) -> None:
    image = [(0.1, 0.6), (0.9, 0.6), (0.95, 0.95), (0.05, 0.95)]
    ground = [(0.0, 20.0), (10.0, 20.0), (10.0, 0.0), (0.0, 0.0)]
    h = Homography.from_points(image, ground)
    assert np.allclose(h.to_ground(image), ground, atol=1e-6)
    assert np.isfinite(h.to_ground(pts)).all()


def test_degenerate_calibration_is_refused() -> None:
    with pytest.raises(ValueError, match="degenerate|at least 4"):
        Homography.from_points([(0, 0), (1, 1), (2, 2), (3, 3)], [(0, 0), (1, 1), (2, 2), (3, 3)])
