"""The report: JSON keys, Markdown tables, self-contained HTML, small plots for every kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vigie.evaluate.clips import ClipAlert, ClipResult
from vigie.evaluate.groundtruth import ClipTruth, DatasetRef, TruthEvent
from vigie.evaluate.match import match_clip
from vigie.evaluate.report import write_report
from vigie.evaluate.run import DatasetResult, EvalReport
from vigie.evaluate.summary import jsonable, summary
from vigie.evaluate.types import DatasetScore

KEYS = ["tp", "fp", "fn", "duplicates", "precision", "recall", "f1", "mean_delay_s",
        "max_delay_s", "false_alarms_per_hour"]


def clip(tmp_path: Path, name: str, events: list[TruthEvent], alerts: list[ClipAlert],
         duration: float = 60.0) -> ClipResult:
    truth = ClipTruth(tmp_path / "eval" / name, tmp_path / "v.mp4", events=tuple(events))
    scores = match_clip([(e.type, e.start, e.end) for e in events],
                        [(a.type, a.t) for a in alerts], duration / 3600, ["fire"])
    return ClipResult(truth, "clip", duration, alerts, ("fire",), scores, 300, 2.0)


@pytest.fixture
def report(tmp_path: Path) -> EvalReport:
    """Two clips (one negative with a false alarm), four datasets (one failed)."""
    fire = clip(tmp_path, "fire.yaml", [TruthEvent("fire", 5.0, 20.0)],
                [ClipAlert("fire", 8.0, "fire", "flames 3 s"),
                 ClipAlert("fire", 9.0, "fire", "again")])
    montage = clip(tmp_path, "montage.yaml", [], [ClipAlert("person_down", 3.0, "pd", "x")],
                   duration=10.0)
    datasets = [
        DatasetResult(DatasetRef(tmp_path / "crowd", "counting"), DatasetScore(
            "crowd", tmp_path / "crowd", "counting", {"mae": 1.5, "rmse": 2.0},
            [{"image": "a.jpg", "truth": 5, "predicted": 6},
             {"image": "b.jpg", "truth": 9, "predicted": 7}])),
        DatasetResult(DatasetRef(tmp_path / "weapons", "weapon"), DatasetScore(
            "weapons", tmp_path / "weapons", "weapon",
            {"precision": 0.5, "recall": 1.0, "f1": 0.667, "accuracy": 0.75},
            [{"image": "a.jpg", "truth": True, "predicted": True},
             {"image": "b.jpg", "truth": False, "predicted": True},
             {"image": "c.jpg", "truth": False, "predicted": False},
             {"image": "d.jpg", "truth": False, "predicted": False}])),
        DatasetResult(DatasetRef(tmp_path / "TUD", "tracking"), DatasetScore(
            "TUD", tmp_path / "TUD", "tracking", {"mota": 0.55, "idf1": 0.6, "hota": 0.4},
            [{"run": "every frame", "mota": 0.55, "frames": 71}])),
        DatasetResult(DatasetRef(tmp_path / "masks", "mask"),
                      error="mask evaluator not available yet"),
    ]
    return EvalReport(tmp_path / "eval", clips=[fire, montage], datasets=datasets,
                      errors=[(tmp_path / "eval" / "bad.yaml", "bad.yaml:3: end before start")],
                      machine="test machine")


def test_summary_keys_and_figures(report: EvalReport) -> None:
    data = summary(report)
    # fire: alert 8 -> TP (delay 3), alert 9 -> duplicate. person_down: 1 FP on the montage.
    assert list(data["types"]) == ["fire", "person_down"]
    assert list(data["types"]["fire"]) == KEYS
    assert data["types"]["fire"]["tp"] == 1
    assert data["types"]["fire"]["duplicates"] == 1
    assert data["types"]["fire"]["mean_delay_s"] == 3.0
    # person_down is watched nowhere: its hours are those of the clip that alerted (10 s).
    assert data["types"]["person_down"]["false_alarms_per_hour"] == 360.0
    assert data["negative_clips"] == {"clips": 1, "alerts": 1, "hours": 0.0028}
    assert [d["error"] for d in data["datasets"]][3] == "mask evaluator not available yet"
    assert data["errors"][0]["problem"] == "bad.yaml:3: end before start"
    json.dumps(data)  # serialisable as is


def test_report_files_markdown_html_plots(report: EvalReport, tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_report(report, out, tmp_path / "docs" / "EVALUATION.md", "vigie evaluate eval/")
    md = (out / "report.md").read_text()
    assert "| fire | 1 | 0 | 0 | 1 | 1.00 | 1.00 | 1.00 | 3.00 | 3.00 | 0.00 |" in md
    assert "Total: 1 alert(s)." in md
    assert "MAE <= 2: met" in md
    assert "MOTA >= 0.6: missed" in md
    assert "mask evaluator not available yet" in md
    assert "bad.yaml:3: end before start" in md
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert pngs == ["clip-00-eval-fire-yaml.png", "clip-01-eval-montage-yaml.png",
                    "set-00-counting-crowd.png", "set-01-weapon-weapons.png"]
    assert all((out / p).stat().st_size < 40_000 for p in pngs)
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 4
    assert "http://" not in page
    assert "https://" not in page
    docs = (tmp_path / "docs" / "EVALUATION.md").read_text()
    assert "](../out/clip-00-eval-fire-yaml.png)" in docs
    assert json.loads((out / "summary.json").read_text())["types"]["fire"]["tp"] == 1


def test_markdown_only_has_no_images(report: EvalReport, tmp_path: Path) -> None:
    write_report(report, None, tmp_path / "E.md", "vigie evaluate eval/")
    text = (tmp_path / "E.md").read_text()
    assert "![" not in text
    assert "| fire |" in text


def test_jsonable_cleans_numpy_paths_and_nan() -> None:
    import numpy as np

    assert jsonable({"a": np.float32(0.5), "b": [np.int64(3)], "c": Path("x"),
                     "d": float("nan"), "e": np.arange(2)}) == \
        {"a": 0.5, "b": [3], "c": "x", "d": None, "e": [0, 1]}
