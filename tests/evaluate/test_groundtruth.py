"""Ground-truth files: valid clips and pointers load; every malformation names file and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigie.evaluate.groundtruth import (
    ClipTruth,
    DatasetRef,
    GroundTruthError,
    NotGroundTruth,
    TruthEvent,
    load_ground_truth,
)


@pytest.fixture
def clip_dir(tmp_path: Path) -> Path:
    """eval/<folder>/ with a video two levels up, as in the repository."""
    (tmp_path / "footage").mkdir()
    (tmp_path / "footage" / "clip.mp4").write_bytes(b"not decoded here")
    folder = tmp_path / "eval" / "fire"
    folder.mkdir(parents=True)
    return folder


def write(folder: Path, text: str, name: str = "gt.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_clip_with_relative_video_and_events(clip_dir: Path) -> None:
    path = write(clip_dir, "video: ../../footage/clip.mp4\nevents:\n"
                           "  - {type: fire, start: 0.0, end: 25.8}\n"
                           "  - {type: person_down, start: 30, end: 30}\n")
    truth = load_ground_truth(path)
    assert isinstance(truth, ClipTruth)
    assert truth.video == (clip_dir.parent.parent / "footage" / "clip.mp4").resolve()
    assert truth.events == (TruthEvent("fire", 0.0, 25.8), TruthEvent("person_down", 30.0, 30.0))
    assert truth.site is None


def test_absolute_video_path_and_empty_events(clip_dir: Path) -> None:
    video = (clip_dir.parent.parent / "footage" / "clip.mp4").resolve()
    truth = load_ground_truth(write(clip_dir, f"video: {video}\nevents: []\n"))
    assert isinstance(truth, ClipTruth)
    assert truth.video == video
    assert truth.events == ()


def test_site_and_camera(clip_dir: Path) -> None:
    write(clip_dir, "site: {name: x}\ncameras: []\n", "site.yaml")
    truth = load_ground_truth(write(clip_dir, "video: ../../footage/clip.mp4\nsite: site.yaml\n"
                                              "camera: cam-2\nevents: []\n"))
    assert isinstance(truth, ClipTruth)
    assert truth.site == clip_dir / "site.yaml"
    assert truth.camera == "cam-2"


@pytest.mark.parametrize(("text", "problem"), [
    ("video: ../../footage/missing.mp4\nevents: []\n", "gt.yaml:1: video: file not found"),
    ("events: []\n", "video: missing"),
    ("video: ../../footage/clip.mp4\nevents:\n  - {type: fires, start: 1, end: 2}\n",
     "gt.yaml:3: events[0].type: unknown event type 'fires'; valid: abandoned_object"),
    ("video: ../../footage/clip.mp4\nevents:\n  - {type: fire, start: 9, end: 2}\n",
     "events[0]: end 2.0 s is before start 9.0 s"),
    ("video: ../../footage/clip.mp4\nevents:\n  - {type: fire, start: -1, end: 2}\n",
     "events[0].start: -1 s is negative"),
    ("video: ../../footage/clip.mp4\nevents:\n  - {type: fire, start: '0:10', end: 20}\n",
     "events[0].start: must be a number of seconds"),
    ("video: ../../footage/clip.mp4\nevents:\n  - {type: fire, start: 1}\n",
     "events[0].end: must be a number of seconds from the clip's start, got None"),
    ("video: ../../footage/clip.mp4\nevents: {type: fire}\n", "events: must be a list"),
    ("video: ../../footage/clip.mp4\nevents:\n  - fire\n", "events[0]: must be a mapping"),
    ("video: ../../footage/clip.mp4\nevent: []\n", "unknown key 'event' (did you mean 'events'?)"),
    ("video: ../../footage/clip.mp4\nsite: nowhere.yaml\nevents: []\n",
     "site: file not found"),
    ("video: [a, b]\nevents: []\n", "video: must be a path (text)"),
    ("video: ../../footage/clip.mp4\nevents: [\n", "gt.yaml:3: bad YAML"),
    ("video: a.mp4\nvideo: b.mp4\n", "bad YAML"),
], ids=["missing-video-file", "no-video-key", "unknown-type", "end-before-start",
        "negative-start", "time-as-text", "missing-end", "events-not-list", "event-not-mapping",
        "typo-key", "missing-site", "video-not-text", "broken-yaml", "duplicate-key"])
def test_malformed_clip_names_file_and_problem(clip_dir: Path, text: str, problem: str) -> None:
    path = write(clip_dir, text)
    with pytest.raises(GroundTruthError) as err:
        load_ground_truth(path)
    assert str(path) in str(err.value)
    assert problem in str(err.value)
    assert err.value.path == path


def test_every_problem_of_a_file_is_listed(clip_dir: Path) -> None:
    path = write(clip_dir, "video: ../../footage/clip.mp4\nevents:\n"
                           "  - {type: fire, start: 5, end: 1}\n"
                           "  - {type: smoke, start: 0, end: 1}\n")
    with pytest.raises(GroundTruthError) as err:
        load_ground_truth(path)
    assert len(err.value.problems) == 2
    assert "gt.yaml:3: events[0]" in err.value.problems[0]
    assert "gt.yaml:4: events[1].type" in err.value.problems[1]


def test_unrelated_extra_keys_are_noted_not_fatal(clip_dir: Path) -> None:
    truth = load_ground_truth(write(clip_dir, "video: ../../footage/clip.mp4\n"
                                              "annotator: someone\nevents: []\n"))
    assert isinstance(truth, ClipTruth)
    assert any("annotator" in n for n in truth.notes)


def test_dataset_pointer(tmp_path: Path) -> None:
    (tmp_path / "data" / "TUD").mkdir(parents=True)
    path = write(tmp_path, "dataset: data/TUD\nkind: tracking\n", "tud.yaml")
    ref = load_ground_truth(path)
    assert ref == DatasetRef((tmp_path / "data" / "TUD").resolve(), "tracking", path.resolve())


@pytest.mark.parametrize(("text", "problem"), [
    ("dataset: data/none\n", "dataset: folder not found"),
    ("dataset: data\nkind: crowd\n", "kind: unknown dataset kind 'crowd'; valid: counting"),
], ids=["missing-folder", "unknown-kind"])
def test_malformed_pointer(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / "data").mkdir()
    path = write(tmp_path, text, "p.yaml")
    with pytest.raises(GroundTruthError, match=problem):
        load_ground_truth(path)


@pytest.mark.parametrize("text", ["site: {name: x}\ncameras: []\n", "names: [person, weapon]\n",
                                  "- a\n- b\n"], ids=["site-config", "data-yaml", "list"])
def test_other_yaml_is_not_ground_truth(tmp_path: Path, text: str) -> None:
    with pytest.raises(NotGroundTruth) as err:
        load_ground_truth(write(tmp_path, text, "other.yaml"))
    assert err.value.site_config == text.startswith("site:")
