"""Shared fixtures: where the shared footage and models are, skipping cleanly when absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("VIGIE_SHARED_DIR", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or skip the test when it is absent."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip(f"shared footage not found at {path} (set VIGIE_SHARED_DIR)")
    return path


def shared_file(relative: str) -> Path:
    """A file under ../shared/data, or skip the test when it is absent."""
    path = SHARED / "data" / relative
    if not path.is_file():
        pytest.skip(f"shared footage {relative} not found under {SHARED / 'data'}")
    return path


@pytest.fixture(scope="session")
def vtest_avi() -> Path:
    """PETS 2009 S2.L1 view 1 (vtest.avi from Debian's opencv-doc)."""
    return shared_file("pets09_s2l1/vtest.avi")
