"""Clips through the real pipeline on synthetic footage (a box detector stands in for NanoDet)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigie.evaluate.clips import FULL_FRAME_KINDS, default_site, evaluate_clip
from vigie.evaluate.discover import discover
from vigie.evaluate.groundtruth import ClipTruth, GroundTruthError, load_ground_truth
from vigie.evaluate.run import run_evaluation

from .helpers import box_context, walk_in_and_out, write_box_video, write_yaml, zone_site


@pytest.fixture(scope="module")
def clip_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """eval-like folder: a 12 s synthetic clip, its site, and its ground truth."""
    folder = tmp_path_factory.mktemp("eval")
    write_box_video(folder / "walk.mp4", walk_in_and_out())
    zone_site(folder)
    # The person stands in the zone from 4 s to 7 s; a second intrusion at 9-10 s is annotated
    # but never happens (a miss), and a fire no analytic watches here (another miss).
    write_yaml(folder / "walk.yaml", {
        "video": "walk.mp4", "site": "site.yaml", "camera": "cam-right",
        "events": [{"type": "zone_intrusion", "start": 4.0, "end": 7.0},
                   {"type": "zone_intrusion", "start": 9.0, "end": 10.0},
                   {"type": "fire", "start": 0.0, "end": 3.0}]})
    return folder


def test_default_site_runs_every_full_frame_analytic_with_defaults() -> None:
    site = default_site("clip.mp4")
    camera = site.cameras[0]
    assert [a.kind for a in camera.analytics] == list(FULL_FRAME_KINDS)
    assert camera.analysis_fps == 5.0
    assert camera.zones == []


def test_clip_alerts_are_matched_to_the_ground_truth(clip_folder: Path) -> None:
    truth = load_ground_truth(clip_folder / "walk.yaml")
    assert isinstance(truth, ClipTruth)
    result = evaluate_clip(truth, box_context())
    # The zone rule alerts once, after 1 s of dwell (plus the tracker's confirmation frame).
    assert [a.type for a in result.alerts] == ["zone_intrusion"]
    assert 5.0 <= result.alerts[0].t <= 5.6
    zone = result.scores["zone_intrusion"]
    assert (zone.tp, zone.fp, zone.fn, zone.duplicates) == (1, 0, 1, 0)
    assert zone.delays_s[0] == pytest.approx(result.alerts[0].t - 4.0)
    assert (result.scores["fire"].tp, result.scores["fire"].fn) == (0, 1)
    assert result.watched == ("zone_intrusion",)
    assert result.duration_s == pytest.approx(12.0, abs=0.05)
    assert result.frames == 60  # 12 s analysed at 5 fps


def test_unknown_camera_of_the_site_is_a_ground_truth_error(clip_folder: Path) -> None:
    truth = load_ground_truth(clip_folder / "walk.yaml")
    assert isinstance(truth, ClipTruth)
    wrong = ClipTruth(truth.path, truth.video, truth.site, "cam-9", truth.events)
    with pytest.raises(GroundTruthError, match="no camera 'cam-9'.*cameras: cam-right") as err:
        evaluate_clip(wrong, box_context())
    assert str(truth.path) in str(err.value)


def test_one_broken_item_does_not_stop_the_run(clip_folder: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "eval"
    (run_dir / "ok").mkdir(parents=True)
    write_yaml(run_dir / "ok" / "walk.yaml", {"video": str(clip_folder / "walk.mp4"),
                                              "site": str(clip_folder / "site.yaml"),
                                              "events": [{"type": "zone_intrusion",
                                                          "start": 4.0, "end": 7.0}]})
    (run_dir / "bad").mkdir()
    (run_dir / "bad" / "noise.mp4").write_bytes(b"\x00" * 4096)
    write_yaml(run_dir / "bad" / "noise.yaml", {"video": "noise.mp4", "events": []})
    write_yaml(run_dir / "bad" / "typo.yaml", {"video": "noise.mp4",
                                               "events": [{"type": "fyre", "start": 0,
                                                           "end": 1}]})
    found = discover(run_dir)
    report = run_evaluation(found, box_context(), run_dir)
    assert [c.truth.path.name for c in report.clips] == ["walk.yaml"]
    assert report.types()["zone_intrusion"].tp == 1
    problems = {p.name: msg for p, msg in report.errors}
    assert set(problems) == {"noise.yaml", "typo.yaml"}
    assert "noise.mp4" in problems["noise.yaml"]
    assert "unknown event type 'fyre'" in problems["typo.yaml"]
    assert report.failed


def test_detector_for_shares_the_default_and_caches_others(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from vigie.config.site import DetectorConfig

    built: list[DetectorConfig] = []
    monkeypatch.setattr("vigie.detect.factory.build_detector",
                        lambda cfg: built.append(cfg) or object())
    ctx = box_context()
    assert ctx.detector_for(DetectorConfig()) is ctx.detector
    assert ctx.detector_for(DetectorConfig(threads=4, models_dir=tmp_path)) is ctx.detector
    other = ctx.detector_for(DetectorConfig(confidence=0.6))
    assert other is not ctx.detector
    assert ctx.detector_for(DetectorConfig(confidence=0.6, workers=2)) is other
    assert [c.confidence for c in built] == [0.6]
