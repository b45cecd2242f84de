"""One clip through the product: replay its video with its site (or the defaults), score alerts."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import av

from vigie.config import load_config
from vigie.config.site import CameraConfig, DetectorConfig, SiteConfig, SiteInfo, SourceConfig
from vigie.errors import ConfigError
from vigie.evaluate.groundtruth import ClipTruth, GroundTruthError
from vigie.evaluate.match import match_clip
from vigie.evaluate.types import EvalContext, TypeScore
from vigie.rules import EVENT_TYPES, rule_class
from vigie.runtime.replay import replay

__all__ = ["FULL_FRAME_KINDS", "ClipAlert", "ClipResult", "default_site", "evaluate_clip"]

#: Analytics that need no zone: a clip without a site runs each of them with its defaults.
FULL_FRAME_KINDS = ("fire", "person_down", "crowd_movement", "weapon", "abandoned_object")
_DEFAULT_CAMERA = "clip"

Progress = Callable[[float, float], None]


@dataclass(frozen=True)
class ClipAlert:
    """One alert the product raised on a clip (stream seconds from the clip's start)."""

    type: str
    t: float
    rule_id: str
    explanation: str


@dataclass
class ClipResult:
    """What the product did on one clip, and its score per event type."""

    truth: ClipTruth
    camera_id: str
    duration_s: float
    alerts: list[ClipAlert]
    watched: tuple[str, ...]
    scores: dict[str, TypeScore] = field(default_factory=dict)
    frames: int = 0
    elapsed_s: float = 0.0


def default_site(video: str, models_dir: Path | None = None) -> SiteConfig:
    """One camera on ``video`` running every full-frame analytic with its defaults, 5 fps."""
    analytics = [rule_class(kind).config_model.model_validate({"kind": kind})
                 for kind in FULL_FRAME_KINDS]
    camera = CameraConfig(id=_DEFAULT_CAMERA, source=SourceConfig(url=video, realtime=False),
                          analytics=analytics)
    return SiteConfig(site=SiteInfo(name="evaluation"), cameras=[camera],
                      detector=DetectorConfig(models_dir=models_dir))


def _site_and_camera(truth: ClipTruth, ctx: EvalContext) -> tuple[SiteConfig, CameraConfig]:
    """The site and camera the clip plays through; site problems are ground-truth problems."""
    if truth.site is None:
        site = default_site(str(truth.video), ctx.models_dir)
        return site, site.cameras[0]
    try:
        site = load_config(truth.site)
    except ConfigError as exc:
        raise GroundTruthError(truth.path, [f"{truth.path}: site {truth.site}: {p}"
                                            for p in exc.problems or [str(exc)]]) from None
    if truth.camera is None:
        return site, site.cameras[0]
    try:
        return site, site.camera(truth.camera)
    except KeyError:
        raise GroundTruthError(truth.path, [
            f"{truth.path}: camera: no camera {truth.camera!r} in {truth.site}; cameras: "
            f"{', '.join(c.id for c in site.cameras)}"]) from None


def evaluate_clip(truth: ClipTruth, ctx: EvalContext,
                  on_progress: Progress | None = None) -> ClipResult:
    """Replay the clip as fast as possible (lossless), then match its alerts to its events.

    Alerts are those the camera's alert policy lets through (cooldown and deduplication
    included: that is what an operator would see).

    Raises:
        GroundTruthError: the clip's site file is invalid or lacks the named camera.
        SourceError: the video cannot be decoded.
    """
    site, camera = _site_and_camera(truth, ctx)
    started = time.perf_counter()
    report = replay(site, camera.id, ctx.detector_for(site.detector), truth.video,
                    on_progress=on_progress, models=ctx.models)
    alerts = [ClipAlert(e.kind, e.ts, e.rule_id, e.explanation) for e in report.alerts]
    watched = tuple(sorted({a.kind for a in camera.analytics if a.enabled} & set(EVENT_TYPES)))
    duration = max(report.duration_s, _declared_duration_s(truth.video))
    scores = match_clip([(e.type, e.start, e.end) for e in truth.events],
                        [(a.type, a.t) for a in alerts], duration / 3600, watched)
    return ClipResult(truth, camera.id, duration, alerts, watched, scores,
                      report.frames, time.perf_counter() - started)


def _declared_duration_s(video: Path) -> float:
    """The container's duration (the last analysed frame comes up to one period earlier)."""
    try:
        with av.open(str(video)) as container:
            if container.duration:
                return float(container.duration / 1e6)
            stream = container.streams.video[0]
            if stream.duration and stream.time_base:
                return float(stream.duration * stream.time_base)
    except (av.FFmpegError, OSError, IndexError):
        pass
    return 0.0
