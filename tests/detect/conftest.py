"""Fixtures for detector tests: one registered model file, the bundled check images.

The seeded models folder (``models_dir``) comes from ``tests/conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from vigie.models import MANIFESTS
from vigie.models.check import load_asset


@pytest.fixture
def model_file(models_dir: Path, request: pytest.FixtureRequest) -> Path:
    """The file of the registered model named by ``@pytest.mark.parametrize(indirect=True)``."""
    path = models_dir / MANIFESTS[request.param].file
    if not path.is_file():
        pytest.skip(f"{path.name} not available")
    return path


@pytest.fixture(scope="session")
def vtest_frame() -> npt.NDArray[np.uint8]:
    """Frame 200 of vtest.avi (7 pedestrians), bundled with Vigie."""
    return load_asset("vtest_frame200.jpg")


@pytest.fixture(scope="session")
def astronaut_head() -> npt.NDArray[np.uint8]:
    """Head and shoulders of the NASA astronaut portrait (one face), bundled with Vigie."""
    return load_asset("astronaut_head.jpg")
