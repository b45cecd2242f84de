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


def seed_models_dir(target: Path) -> Path:
    """Install every model found in ../shared/models into ``target`` (checked, as fetch does).

    Skips the test when ../shared/models holds none of the registered models.
    """
    from vigie.models import MANIFESTS
    from vigie.models.fetch import fetch_models

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


@pytest.fixture(scope="session")
def nanodet_models_dir(models_dir: Path) -> Path:
    """The seeded models folder, or skip when the default detector (nanodet) is not in it."""
    if not (models_dir / "nanodet.onnx").is_file():
        pytest.skip(f"nanodet.onnx not among the shared models in {SHARED / 'models'}")
    return models_dir


@pytest.fixture(scope="session")
def vtest_head(vtest_avi: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 20 s of vtest.avi (200 frames at 10 fps), remuxed without re-encoding."""
    import av

    target = tmp_path_factory.mktemp("media") / "vtest-head20.avi"
    with av.open(str(vtest_avi)) as source, av.open(str(target), "w", format="avi") as out:
        stream = source.streams.video[0]
        copy = out.add_stream_from_template(stream)
        for packet in source.demux(stream):
            if packet.dts is None:  # the demuxer's final flush packet
                continue
            if packet.pts is not None and packet.pts * packet.time_base >= 20:
                break
            packet.stream = copy
            out.mux(packet)
    return target
