"""MOT Challenge files and scores: read ground truth of any MOT year, score tracks with `trackers`.

Scoring uses roboflow ``trackers.eval`` (Apache-2.0, a TrackEval port with parity tests): CLEAR
(MOTA), Identity (IDF1) and HOTA, IoU 0.5. Its reader takes column 8 as the object class, which
holds MOT16+ classes but the world x coordinate in MOT15 files; ground truth is therefore
rewritten in the MOT17 layout first (MOT15: every row a pedestrian).
"""

from __future__ import annotations

import configparser
import tempfile
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = ["MotRow", "SeqInfo", "read_mot_truth", "read_seqinfo", "score_tracks"]

#: One box: (frame 1-based, id, left, top, width, height).
MotRow = tuple[int, int, float, float, float, float]
_PEDESTRIAN = 1


@dataclass(frozen=True)
class SeqInfo:
    """A sequence's ``seqinfo.ini`` (every field optional there)."""

    name: str
    fps: float | None = None
    length: int | None = None


def read_seqinfo(folder: Path) -> SeqInfo:
    """Name, frame rate and length from ``seqinfo.ini``; the folder's name when absent."""
    parser = configparser.ConfigParser()
    path = folder / "seqinfo.ini"
    try:
        parser.read(path, encoding="utf-8")
        seq = parser["Sequence"] if parser.has_section("Sequence") else {}
        fps = float(seq["frameRate"]) if "frameRate" in seq else None
        length = int(seq["seqLength"]) if "seqLength" in seq else None
        return SeqInfo(seq.get("name", folder.name), fps, length)
    except (configparser.Error, ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: unreadable seqinfo.ini: {exc}") from None


def read_mot_truth(path: Path) -> npt.NDArray[np.float64]:
    """Ground truth as (N, 9) MOT17 rows: frame, id, x, y, w, h, conf, class, visibility.

    MOT15 files (10 columns: the last three are world coordinates) are all pedestrians; MOT16+
    files (9 columns) keep their class and visibility; shorter files are pedestrians.

    Raises:
        ValueError: the file cannot be parsed or has fewer than 6 columns.
    """
    try:
        rows = np.loadtxt(path, delimiter=",", ndmin=2, dtype=np.float64)
    except ValueError:
        rows = np.loadtxt(path, ndmin=2, dtype=np.float64)  # whitespace-separated
    if rows.size == 0:
        return np.zeros((0, 9), np.float64)
    if rows.shape[1] < 6:
        raise ValueError(f"{path}: {rows.shape[1]} columns; MOT rows have at least 6 "
                         "(frame, id, left, top, width, height)")
    out = np.ones((len(rows), 9), np.float64)
    out[:, :6] = rows[:, :6]
    if rows.shape[1] >= 7:
        out[:, 6] = rows[:, 6]
    if rows.shape[1] == 9:
        out[:, 7:9] = rows[:, 7:9]
    else:
        out[:, 7] = _PEDESTRIAN
    return out


def _write(path: Path, rows: npt.NDArray[np.float64]) -> None:
    """A MOT file; a file without boxes gets one ignored row (id -1), as readers reject empty
    files."""
    if not len(rows):
        rows = np.asarray([[1, -1, 0, 0, 1, 1, 1, _PEDESTRIAN, 1]], np.float64)
    np.savetxt(path, rows, delimiter=",", fmt="%.6g")


def score_tracks(truth: npt.NDArray[np.float64], tracks: Iterable[MotRow],
                 frames: Collection[int] | None = None) -> dict[str, float]:
    """MOTA, IDF1, HOTA and their parts for tracks against MOT17-layout ground truth.

    Args:
        truth: (N, 9) rows from :func:`read_mot_truth`.
        tracks: The tracker's boxes.
        frames: Frames that were analysed; ground truth elsewhere is left out (None: all).

    Returns:
        mota, motp, idf1, hota, precision, recall, id_switches, tp, fp, fn, mostly_tracked,
        mostly_lost, gt_tracks, frames.

    Raises:
        ValueError: no ground-truth box is left to score.
    """
    from trackers.eval import evaluate_mot_sequence

    if frames is not None:
        truth = truth[np.isin(truth[:, 0].astype(int), sorted(frames))]
    if not (truth[:, 6] != 0).any():
        raise ValueError("no ground-truth box to score (all rows ignored or out of range)")
    track_rows = np.asarray([[*r, 1, -1, -1, -1] for r in tracks], np.float64).reshape(-1, 10)
    with tempfile.TemporaryDirectory(prefix="vigie-mot-") as tmp:
        gt_path, tr_path = Path(tmp) / "gt.txt", Path(tmp) / "tracks.txt"
        _write(gt_path, truth)
        _write(tr_path, track_rows)
        result = evaluate_mot_sequence(gt_path, tr_path, metrics=["CLEAR", "HOTA", "Identity"])
    clear, hota, ident = result.CLEAR, result.HOTA, result.Identity
    assert clear is not None
    assert hota is not None
    assert ident is not None
    return {
        "mota": clear.MOTA, "motp": clear.MOTP, "idf1": ident.IDF1, "hota": hota.HOTA,
        "precision": clear.CLR_Pr, "recall": clear.CLR_Re, "id_switches": clear.IDSW,
        "tp": clear.CLR_TP, "fp": clear.CLR_FP, "fn": clear.CLR_FN,
        "mostly_tracked": clear.MT, "mostly_lost": clear.ML,
        "gt_tracks": clear.MT + clear.PT + clear.ML,
        "frames": len(frames) if frames is not None else int(truth[:, 0].max()),
    }
