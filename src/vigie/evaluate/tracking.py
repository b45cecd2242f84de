"""Tracking quality on MOT Challenge sequences: the product's detector and tracker, MOTA/IDF1/HOTA.

Two runs per sequence, both through ``CameraPipeline`` with the product's default detector and
tracker settings (people only are scored):

* ``every frame``: every frame of the sequence analysed, the detector on each (motion gating
  off), as the MOT benchmarks do. Its figures are the headline ``mota``, ``idf1``, ``hota``.
* ``product``: the product's default operating point, 5 analysed frames per second with motion
  gating and region detection on; the tracks rules see (coasting between detector runs) are
  scored on the analysed frames only (``mota_5fps``...).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt

from vigie.config.site import CameraConfig, MotionConfig, SiteConfig, SiteInfo, SourceConfig
from vigie.core.types import Frame
from vigie.evaluate.mot import MotRow, read_mot_truth, read_seqinfo, score_tracks
from vigie.evaluate.types import DatasetScore, EvalContext
from vigie.ingest.sampling import FrameSampler
from vigie.runtime.detectors import SharedDetector
from vigie.runtime.pipeline import CameraPipeline

__all__ = ["PRODUCT_FPS", "TrackingRun", "evaluate_tracking", "track_sequence"]

#: The product's default analysis rate (``cameras[].analysis_fps``).
PRODUCT_FPS = 5.0
_VIDEO_SUFFIXES = (".mp4", ".avi", ".mkv", ".mov", ".webm", ".mpg", ".mpeg", ".m4v", ".ts")
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_DEFAULT_FPS = 25.0


@dataclass(frozen=True)
class TrackingRun:
    """How to run the pipeline on a sequence."""

    name: str
    analysis_fps: float | None  # None: every frame
    gated: bool


RUNS = (TrackingRun("every frame", None, gated=False),
        TrackingRun("product", PRODUCT_FPS, gated=True))


def evaluate_tracking(folder: Path, ctx: EvalContext) -> DatasetScore:
    """Score the product's person tracks on one MOT sequence folder.

    Raises:
        ValueError: no ground truth, no video or frames, unreadable files.
    """
    info = read_seqinfo(folder)
    truth = read_mot_truth(folder / "gt" / "gt.txt")
    source = find_source(folder, info.name)
    fps = info.fps or _video_fps(source) or _DEFAULT_FPS
    metrics: dict[str, float] = {}
    rows: list[dict[str, object]] = []
    for run in RUNS:
        tracks, frames = track_sequence(source, fps, run, ctx)
        scores = score_tracks(truth, tracks, frames)
        suffix = "" if run.analysis_fps is None else f"_{run.analysis_fps:g}fps"
        metrics.update({f"{k}{suffix}": round(scores[k], 4) for k in ("mota", "idf1", "hota")})
        rate = f"{fps:g}" if run.analysis_fps is None else f"{run.analysis_fps:g}"
        rows.append({"run": run.name, "analysis_fps": float(rate), "gated": run.gated,
                     **{k: round(v, 4) for k, v in scores.items()}})
    return DatasetScore(name=info.name, path=folder, kind="tracking", metrics=metrics, rows=rows)


def find_source(folder: Path, name: str) -> Path:
    """The sequence's video (one named like the sequence first), else its ``img1/`` folder."""
    videos = sorted(p for p in folder.iterdir() if p.suffix.lower() in _VIDEO_SUFFIXES)
    videos.sort(key=lambda p: p.stem != name)
    if videos:
        return videos[0]
    if (folder / "img1").is_dir():
        return folder / "img1"
    raise ValueError(f"{folder}: no video ({', '.join(_VIDEO_SUFFIXES)}) and no img1/ folder")


def track_sequence(source: Path, fps: float, run: TrackingRun,
                   ctx: EvalContext) -> tuple[list[MotRow], list[int]]:
    """Run detector and tracker over a sequence.

    Returns:
        The person boxes with their track ids, and the (1-based) frames analysed.
    """
    camera = CameraConfig(id="sequence", source=SourceConfig(url=str(source), realtime=False),
                          analysis_fps=min(run.analysis_fps or fps, 60.0))
    site = SiteConfig(site=SiteInfo(name="tracking"), cameras=[camera],
                      motion=MotionConfig(enabled=run.gated))
    pipeline = CameraPipeline(camera, site, SharedDetector(ctx.detector), ctx.models)
    sampler = FrameSampler(run.analysis_fps)
    tracks: list[MotRow] = []
    frames: list[int] = []
    for index, image in _images(source):
        ts = (index - 1) / fps
        if not sampler.keep(ts):
            continue
        frame = Frame("sequence", index - 1, ts, _EPOCH + timedelta(seconds=ts), image)
        result, _ = pipeline.process(frame)
        frames.append(index)
        tracks.extend((index, t.track_id, t.box[0], t.box[1], t.box[2] - t.box[0],
                       t.box[3] - t.box[1]) for t in result.tracks if t.label == "person")
    if not frames:
        raise ValueError(f"{source}: no frame could be read")
    return tracks, frames


def _images(source: Path) -> Iterator[tuple[int, npt.NDArray[np.uint8]]]:
    """(1-based frame number, BGR image) of a video file or a folder of numbered images."""
    if source.is_dir():
        files = sorted(p for p in source.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)
        for i, path in enumerate(files, start=1):
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                raise ValueError(f"{path}: unreadable image")
            yield i, np.asarray(image, dtype=np.uint8)
        return
    with av.open(str(source)) as container:
        for i, vf in enumerate(container.decode(video=0), start=1):
            yield i, np.ascontiguousarray(vf.to_ndarray(format="bgr24"), dtype=np.uint8)


def _video_fps(source: Path) -> float | None:
    if source.is_dir():
        return None
    with av.open(str(source)) as container:
        rate = container.streams.video[0].average_rate
    return float(rate) if rate else None
