"""`vigie evaluate` end to end: JSON on stdout, reports, clear errors, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vigie.cli import app

from ..conftest import shared_file
from .helpers import box_context, walk_in_and_out, write_box_video, write_yaml, zone_site

runner = CliRunner()
KEYS = ["tp", "fp", "fn", "duplicates", "precision", "recall", "f1", "mean_delay_s",
        "max_delay_s", "false_alarms_per_hour"]


@pytest.fixture
def fake_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI runs on the box detector: no model files, deterministic alerts."""
    monkeypatch.setattr("vigie.evaluate.cli.build_context", lambda *a, **k: box_context())


@pytest.fixture
def eval_dir(tmp_path: Path) -> Path:
    """eval/zone/walk.yaml on a synthetic clip (person in the zone 4-7 s), relative paths."""
    folder = tmp_path / "eval" / "zone"
    write_box_video(folder / "walk.mp4", walk_in_and_out())
    zone_site(folder)
    write_yaml(folder / "walk.yaml", {"video": "walk.mp4", "site": "site.yaml",
                                      "events": [{"type": "zone_intrusion", "start": 4.0,
                                                  "end": 7.0}]})
    return tmp_path / "eval"


def test_json_summary_and_report_files(eval_dir: Path, tmp_path: Path,
                                       fake_models: None) -> None:
    out = tmp_path / "report"
    result = runner.invoke(app, ["evaluate", str(eval_dir), "--json", "--report", str(out),
                                 "--markdown", str(tmp_path / "docs" / "EVALUATION.md")])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    zone = summary["types"]["zone_intrusion"]
    assert list(zone) == KEYS
    assert (zone["tp"], zone["fp"], zone["fn"], zone["f1"]) == (1, 0, 0, 1.0)
    assert 1.0 <= zone["mean_delay_s"] <= 1.6
    assert summary["clips"][0]["alerts"][0]["type"] == "zone_intrusion"
    assert summary["errors"] == []
    assert {p.name for p in out.iterdir()} >= {"report.md", "report.html", "summary.json"}
    assert json.loads((out / "summary.json").read_text())["types"] == summary["types"]
    markdown = (tmp_path / "docs" / "EVALUATION.md").read_text()
    assert "| zone_intrusion | 1 | 0 | 0 | 0 | 1.00 | 1.00 | 1.00 |" in markdown
    assert "](../report/clip-00-zone-walk-yaml.png)" in markdown


def test_malformed_file_alone_is_unusable_and_named(tmp_path: Path) -> None:
    bad = write_yaml(tmp_path / "bad.yaml", {"video": "gone.mp4", "events": []})
    result = runner.invoke(app, ["evaluate", str(bad)])
    assert result.exit_code == 2
    assert str(bad) in result.stderr
    assert "gone.mp4" in result.stderr
    assert "file not found" in result.stderr


def test_malformed_file_beside_good_ones_is_listed_and_the_run_completes(
        eval_dir: Path, fake_models: None) -> None:
    bad = write_yaml(eval_dir / "other" / "bad.yaml",
                     {"video": "../zone/walk.mp4",
                      "events": [{"type": "fire", "start": 5.0, "end": 1.0}]})
    result = runner.invoke(app, ["evaluate", str(eval_dir), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert len(summary["clips"]) == 1
    [error] = summary["errors"]
    assert error["file"].endswith("bad.yaml")
    assert "end 1.0 s is before start 5.0 s" in error["problem"]
    assert str(bad) in result.stderr
    strict = runner.invoke(app, ["evaluate", str(eval_dir), "--strict"])
    assert strict.exit_code == 1


def test_missing_path(tmp_path: Path) -> None:
    result = runner.invoke(app, ["evaluate", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "no such file or folder" in result.stderr


@pytest.mark.slow
def test_montage_with_the_product_models(tmp_path: Path, nanodet_models_dir: Path) -> None:
    """The real negative clip through every full-frame analytic: 10 s analysed at 5 fps."""
    video = shared_file("robustness/handheld_street_montage.mp4")
    gt = write_yaml(tmp_path / "montage.yaml", {"video": str(video), "events": []})
    result = runner.invoke(app, ["evaluate", str(gt), "--json", "--models-dir",
                                 str(nanodet_models_dir)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    [clip] = summary["clips"]
    assert clip["frames"] == 50
    assert clip["duration_s"] == pytest.approx(10.0, abs=0.1)
    assert clip["watched"] == ["abandoned_object", "crowd_movement", "fire", "person_down",
                               "weapon"]
    assert summary["negative_clips"]["clips"] == 1
    assert summary["negative_clips"]["alerts"] == len(clip["alerts"])
