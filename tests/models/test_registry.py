"""Manifests, the models folder, resolve_model and its errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from vigie.errors import ModelError
from vigie.models import (
    MANIFESTS,
    ModelManifest,
    default_models_dir,
    fetch_command,
    get_manifest,
    install_model,
    model_statuses,
    resolve_model,
)


def test_manifests_cover_the_five_models() -> None:
    assert set(MANIFESTS) == {"nanodet", "centernet", "movenet-multipose", "centerface",
                              "mask_clf"}
    assert len(MANIFESTS["nanodet"].labels) == 80
    assert MANIFESTS["centerface"].labels == ("face",)
    assert MANIFESTS["mask_clf"].labels == ("mask", "no_mask")
    assert len(MANIFESTS["movenet-multipose"].keypoints) == 17
    assert MANIFESTS["nanodet"].check.describe() == (
        ">= 5 'person' with score >= 0.35 on vtest_frame200.jpg")


def test_manifest_is_frozen_and_strict() -> None:
    m = get_manifest("nanodet")
    with pytest.raises(ValidationError):
        m.name = "other"
    with pytest.raises(ValidationError, match="extra"):
        ModelManifest.model_validate({**m.model_dump(), "colour": "red"})


def test_unknown_model_lists_the_registered_ones() -> None:
    with pytest.raises(ModelError, match="registered models: nanodet, centernet"):
        get_manifest("yolox")


def test_models_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("VIGIE_MODELS_DIR", raising=False)
    assert default_models_dir() == Path.home() / ".cache" / "vigie" / "models"
    monkeypatch.setenv("VIGIE_MODELS_DIR", str(tmp_path / "env"))
    assert default_models_dir() == tmp_path / "env"
    assert default_models_dir(tmp_path / "cfg") == tmp_path / "cfg"


def test_fetch_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("VIGIE_MODELS_DIR", raising=False)
    assert fetch_command("nanodet") == "vigie models fetch --only nanodet"
    assert fetch_command("nanodet", tmp_path, force=True) == (
        f"vigie models fetch --models-dir {tmp_path} --only nanodet --force")


def test_missing_model_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as err:
        resolve_model("nanodet", tmp_path)
    message = str(err.value)
    assert "'nanodet'" in message
    assert f"vigie models fetch --models-dir {tmp_path} --only nanodet" in message
    assert "--from DIR" in message


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        resolve_model(tmp_path / "mine.onnx")
    (tmp_path / "mine.onnx").write_bytes(b"x")
    assert resolve_model(str(tmp_path / "mine.onnx")) == tmp_path / "mine.onnx"


def test_corrupt_model_file(tmp_path: Path) -> None:
    (tmp_path / "nanodet.onnx").write_bytes(b"not an onnx model" * 100)
    with pytest.raises(ModelError) as err:
        resolve_model("nanodet", tmp_path)
    assert "corrupt" in str(err.value)
    assert "vigie models fetch" in str(err.value)
    assert "--force" in str(err.value)


def test_truncated_model_file(shared_models: Path, tmp_path: Path) -> None:
    data = (shared_models / "centerface.onnx").read_bytes()
    (tmp_path / "centerface.onnx").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="vigie models fetch"):
        resolve_model("centerface", tmp_path)


def test_wrong_model_under_the_name(shared_models: Path, tmp_path: Path) -> None:
    shutil.copyfile(shared_models / "centerface.onnx", tmp_path / "nanodet.onnx")
    with pytest.raises(ModelError, match="vigie models fetch"):
        resolve_model("nanodet", tmp_path)


def test_install_refuses_a_bad_file(shared_models: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not a sound nanodet model|cannot load"):
        install_model("nanodet", shared_models / "centerface.onnx", tmp_path)
    assert not (tmp_path / "nanodet.onnx").exists()
    assert not list(tmp_path.glob(".*.partial"))


def test_resolve_and_status_after_seeding(seeded_dir: Path) -> None:
    assert resolve_model("nanodet", seeded_dir) == seeded_dir / "nanodet.onnx"
    statuses = {s.manifest.name: s for s in model_statuses(seeded_dir)}
    assert statuses["nanodet"].verified
    assert statuses["nanodet"].size > 1_000_000
    assert not statuses["centernet"].present


def test_changed_file_is_checked_again(seeded_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    shutil.copytree(seeded_dir, folder)
    assert resolve_model("centerface", folder)
    (folder / "centerface.onnx").write_bytes(b"\0" * 1000)
    assert not {s.manifest.name: s for s in model_statuses(folder)}["centerface"].verified
    with pytest.raises(ModelError, match="corrupt"):
        resolve_model("centerface", folder)


def test_read_only_folder_still_resolves(shared_models: Path) -> None:
    if not (shared_models / "centerface.onnx").is_file():
        pytest.skip("centerface not in shared models")
    assert resolve_model("centerface", shared_models) == shared_models / "centerface.onnx"


def test_unknown_model_on_the_command_line_exits_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from vigie.models.cli import app

    result = CliRunner().invoke(app, ["verify", "--models-dir", str(tmp_path), "--only", "x"])
    assert result.exit_code == 2
