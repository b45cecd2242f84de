"""Finding what to evaluate: dataset layouts, pointers, clips, skipped and broken files."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigie.evaluate.datasets import (
    EvaluatorUnavailable,
    detect_kind,
    evaluator_for,
    find_datasets,
)
from vigie.evaluate.discover import InputError, discover


def make_tracking(folder: Path) -> Path:
    (folder / "gt").mkdir(parents=True)
    (folder / "gt" / "gt.txt").write_text("1,1,10,10,20,40,1,-1,-1,-1\n")
    (folder / "seqinfo.ini").write_text("[Sequence]\nname=seq\nframeRate=25\n")
    return folder


def make_counting(folder: Path) -> Path:
    (folder / "images").mkdir(parents=True)
    (folder / "ground-truth").mkdir()
    return folder


def make_weapons(folder: Path, names: str = "[person, weapon]") -> Path:
    (folder / "images").mkdir(parents=True)
    (folder / "labels").mkdir()
    (folder / "data.yaml").write_text(f"names: {names}\n")
    return folder


def make_masks(folder: Path) -> Path:
    (folder / "with_mask").mkdir(parents=True)
    (folder / "without_mask").mkdir()
    return folder


@pytest.mark.parametrize(("make", "kind"), [
    (make_tracking, "tracking"), (make_counting, "counting"), (make_weapons, "weapon"),
    (make_masks, "mask")], ids=["tracking", "counting", "weapon", "mask"])
def test_layouts_are_recognised(tmp_path: Path, make: object, kind: str) -> None:
    assert detect_kind(make(tmp_path / "set")) == kind  # type: ignore[operator]


def test_weapon_names_as_a_mapping_and_sets_without_weapon(tmp_path: Path) -> None:
    assert detect_kind(make_weapons(tmp_path / "a", "{0: person, 1: weapon}")) == "weapon"
    assert detect_kind(make_weapons(tmp_path / "b", "[person, car]")) is None


def test_nested_sequences_are_found_once_each(tmp_path: Path) -> None:
    make_tracking(tmp_path / "tracking" / "A")
    make_tracking(tmp_path / "tracking" / "B")
    make_counting(tmp_path / "crowd")
    found = find_datasets(tmp_path)
    assert [(p.name, k) for p, k in found] == [("crowd", "counting"), ("A", "tracking"),
                                              ("B", "tracking")]
    assert [p.name for p, _ in find_datasets(tmp_path, "tracking")] == ["A", "B"]


def test_folder_walk_sorts_clips_pointers_sites_and_broken_files(tmp_path: Path) -> None:
    video = tmp_path / "v.mp4"
    video.write_bytes(b"x")
    make_tracking(tmp_path / "data" / "TUD")
    ev = tmp_path / "eval"
    (ev / "fire").mkdir(parents=True)
    (ev / "fire" / "a.yaml").write_text(f"video: {video}\nevents: []\n")
    (ev / "fire" / "broken.yaml").write_text("video: missing.mp4\nevents: []\n")
    (ev / "fire" / "site.yaml").write_text("site: {name: s}\ncameras: []\n")
    (ev / "tracking").mkdir()
    (ev / "tracking" / "tud.yml").write_text("dataset: ../../data/TUD\n")
    (ev / "tracking" / "same.yaml").write_text("dataset: ../../data\nkind: tracking\n")
    found = discover(ev)
    assert [c.path.name for c in found.clips] == ["a.yaml"]
    assert [(d.folder.name, d.kind) for d in found.datasets] == [("TUD", "tracking")]
    assert [p.name for p, _ in found.errors] == ["broken.yaml"]
    assert "missing.mp4" in found.errors[0][1]
    (ev / "fire" / "notes.yaml").write_text("author: me\n")
    found = discover(ev)
    assert found.skipped == [f"{ev / 'fire' / 'notes.yaml'}: not a ground-truth file (no "
                             "'video', 'events' or 'dataset' key)"]  # site.yaml: silently


def test_a_dataset_folder_given_directly(tmp_path: Path) -> None:
    found = discover(make_masks(tmp_path / "masks"))
    assert [(d.folder.name, d.kind) for d in found.datasets] == [("masks", "mask")]


def test_pointer_to_a_folder_without_layout_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "p.yaml").write_text("dataset: empty\n")
    found = discover(tmp_path / "p.yaml")
    assert "no known dataset layout" in found.errors[0][1]
    assert "p.yaml" in found.errors[0][1]


def test_pointer_kind_is_trusted_when_the_layout_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "odd").mkdir()
    (tmp_path / "p.yaml").write_text("dataset: odd\nkind: counting\n")
    assert [d.kind for d in discover(tmp_path / "p.yaml").datasets] == ["counting"]


@pytest.mark.parametrize("setup", ["missing", "empty-folder", "site-file"])
def test_unusable_paths(tmp_path: Path, setup: str) -> None:
    target = tmp_path / "x.yaml"
    if setup == "empty-folder":
        target = tmp_path
    elif setup == "site-file":
        target.write_text("site: {name: s}\ncameras: []\n")
    with pytest.raises(InputError, match=str(target)):
        discover(target)


def test_missing_evaluator_is_reported_not_raised_as_import_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from vigie.evaluate import datasets

    monkeypatch.setitem(datasets.EVALUATORS, "counting", "vigie.evaluate.nothing_here:f")
    with pytest.raises(EvaluatorUnavailable, match="counting evaluator not available yet"):
        evaluator_for("counting")
    monkeypatch.setitem(datasets.EVALUATORS, "counting", "vigie.evaluate.match:no_such_function")
    with pytest.raises(EvaluatorUnavailable, match="no_such_function"):
        evaluator_for("counting")
    monkeypatch.setitem(datasets.EVALUATORS, "counting", "vigie.evaluate.match:match_type")
    assert evaluator_for("counting").__name__ == "match_type"
