"""MOT files and scores: every MOT year's ground truth is read right; scores computed by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vigie.evaluate.mot import read_mot_truth, read_seqinfo, score_tracks

A, B = (0.0, 0.0, 10.0, 20.0), (50.0, 0.0, 10.0, 20.0)


def truth_file(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "gt.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def two_people(tmp_path: Path) -> np.ndarray:
    """MOT15 rows (world coordinates in columns 8-10): people 1 (at A) and 2 (at B), 3 frames."""
    lines = [f"{f},{i},{x},{y},{w},{h},1,4.4852,5.5016,0"
             for f in (1, 2, 3) for i, (x, y, w, h) in ((1, A), (2, B))]
    return read_mot_truth(truth_file(tmp_path, lines))


def test_mot15_world_coordinates_are_not_taken_for_classes(tmp_path: Path) -> None:
    rows = two_people(tmp_path)
    assert rows.shape == (6, 9)
    assert set(rows[:, 7]) == {1.0}  # all pedestrians, not class 4 from x = 4.4852


def test_mot17_classes_and_ignored_rows_are_kept(tmp_path: Path) -> None:
    rows = read_mot_truth(truth_file(tmp_path, ["1,1,0,0,10,20,1,1,0.9", "1,2,50,0,10,20,0,7,1"]))
    assert rows[:, 6].tolist() == [1.0, 0.0]
    assert rows[:, 7].tolist() == [1.0, 7.0]


def test_too_few_columns(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 6"):
        read_mot_truth(truth_file(tmp_path, ["1,1,0,0,10"]))


def test_seqinfo(tmp_path: Path) -> None:
    (tmp_path / "seqinfo.ini").write_text("[Sequence]\nname=TUD\nframeRate=25\nseqLength=71\n")
    info = read_seqinfo(tmp_path)
    assert (info.name, info.fps, info.length) == ("TUD", 25.0, 71)
    assert read_seqinfo(tmp_path / "nowhere").name == "nowhere"


def test_perfect_tracks(tmp_path: Path) -> None:
    tracks = [(f, 7 if i == 1 else 8, *box) for f in (1, 2, 3) for i, box in ((1, A), (2, B))]
    s = score_tracks(two_people(tmp_path), tracks)
    assert (s["mota"], s["idf1"], s["tp"], s["fp"], s["fn"]) == (1.0, 1.0, 6, 0, 0)
    assert s["hota"] == pytest.approx(1.0)


def test_a_miss_and_a_false_box(tmp_path: Path) -> None:
    # 6 ground-truth boxes. Track 7 follows person 1 on frames 1-3; track 8 follows person 2 on
    # frames 1-2 only (1 FN); a stray box on frame 1 far from anyone (1 FP). No switch.
    # MOTA = 1 - (FN + FP + IDSW) / GT = 1 - 2/6 = 0.6667.
    # IDF1 = 2 IDTP / (2 IDTP + IDFP + IDFN) = 10 / (10 + 1 + 1) = 0.8333.
    tracks = [(f, 7, *A) for f in (1, 2, 3)] + [(f, 8, *B) for f in (1, 2)]
    tracks.append((1, 9, 200.0, 200.0, 10.0, 10.0))
    s = score_tracks(two_people(tmp_path), tracks)
    assert (s["tp"], s["fn"], s["fp"], s["id_switches"]) == (5, 1, 1, 0)
    assert s["mota"] == pytest.approx(4 / 6)
    assert s["idf1"] == pytest.approx(10 / 12)


def test_an_identity_switch(tmp_path: Path) -> None:
    # Person 1 is track 7 on frames 1-2 then track 9 on frame 3; person 2 is track 8 throughout.
    # TP 6, FP 0, FN 0, IDSW 1: MOTA = 1 - 1/6 = 0.8333.
    # Best identity map 7->1, 8->2: IDTP 5, IDFN 1 (frame 3 of person 1), IDFP 1 (track 9):
    # IDF1 = 10/12 = 0.8333.
    tracks = [(1, 7, *A), (2, 7, *A), (3, 9, *A)] + [(f, 8, *B) for f in (1, 2, 3)]
    s = score_tracks(two_people(tmp_path), tracks)
    assert s["id_switches"] == 1
    assert s["mota"] == pytest.approx(5 / 6)
    assert s["idf1"] == pytest.approx(10 / 12)


def test_scoring_only_the_analysed_frames(tmp_path: Path) -> None:
    # Same tracks as the miss case, frames 1-2 only: 4 GT boxes, TP 4, FP 1 (the stray box),
    # FN 0: MOTA = 1 - 1/4 = 0.75.
    tracks = [(f, 7, *A) for f in (1, 2, 3)] + [(f, 8, *B) for f in (1, 2)]
    tracks.append((1, 9, 200.0, 200.0, 10.0, 10.0))
    s = score_tracks(two_people(tmp_path), [t for t in tracks if t[0] <= 2], frames=[1, 2])
    assert (s["tp"], s["fn"], s["fp"]) == (4, 0, 1)
    assert s["mota"] == pytest.approx(0.75)


def test_no_track_at_all(tmp_path: Path) -> None:
    s = score_tracks(two_people(tmp_path), [])
    assert (s["mota"], s["tp"], s["fn"]) == (0.0, 0, 6)
