"""Fixtures for detector tests: a models folder seeded from ../shared/models, check images."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from vigie.models import MANIFESTS
from vigie.models.check import load_asset
from vigie.models.fetch import fetch_models

SHARED = Path(os.environ.get("VIGIE_SHARED_DIR", Path(__file__).resolve().parents[2].parent
                            / "shared"))


def seed_models_dir(target: Path) -> Path:
    """Install every model found in ../shared/models into ``target`` (checked, as fetch does)."""
    source = SHARED / "models"
    present = [m.name for m in MANIFESTS.values() if (source / m.file).is_file()]
    if not present:
        pytest.skip(f"no pretrained models in {source} (set VIGIE_SHARED_DIR)")
    results = fetch_models(present, target, source_dir=source)
    failed = [r for r in results if r.status == "failed"]
    assert not failed, failed
    return target


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary models folder holding the shared models that passed their checks."""
    return seed_models_dir(tmp_path_factory.mktemp("models"))


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
