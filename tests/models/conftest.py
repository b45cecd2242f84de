"""Fixtures for registry tests: the shared models folder and a seeded temporary models folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED
from vigie.models import MANIFESTS
from vigie.models.fetch import fetch_models


@pytest.fixture(scope="session")
def shared_models() -> Path:
    """../shared/models, or skip when it holds none of the registered models."""
    path = SHARED / "models"
    if not any((path / m.file).is_file() for m in MANIFESTS.values()):
        pytest.skip(f"no pretrained models in {path} (set VIGIE_SHARED_DIR)")
    return path


@pytest.fixture(scope="session")
def seeded_dir(shared_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder with nanodet and centerface installed (and verified) from shared/."""
    folder = tmp_path_factory.mktemp("seeded")
    names = [n for n in ("nanodet", "centerface") if (shared_models / f"{n}.onnx").is_file()]
    results = fetch_models(names, folder, source_dir=shared_models)
    assert all(r.status == "installed" for r in results), results
    return folder
