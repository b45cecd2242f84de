"""Replay: run one camera's configuration on recorded footage, as fast as possible, no storage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import av

from vigie.config.site import SiteConfig, SourceConfig
from vigie.core.types import Event
from vigie.detect.base import Detector
from vigie.detect.provider import ModelProvider
from vigie.events.alerts import Admission, AlertPolicy
from vigie.ingest import PyAVSource
from vigie.rules.tripwire import Tripwire
from vigie.runtime.detectors import SharedDetector
from vigie.runtime.pipeline import CameraPipeline

__all__ = ["ReplayReport", "replay"]

Progress = Callable[[float, float], None]


@dataclass
class ReplayReport:
    """What a configuration would have raised on a recording."""

    camera_id: str
    video: str
    frames: int = 0
    duration_s: float = 0.0
    detector_runs: int = 0
    regional_runs: int = 0
    alerts: list[Event] = field(default_factory=list)
    suppressed: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "camera": self.camera_id, "video": self.video, "frames": self.frames,
            "duration_s": round(self.duration_s, 2), "detector_runs": self.detector_runs,
            "regional_runs": self.regional_runs,
            "suppressed": self.suppressed, "counts": self.counts,
            "alerts": [{"t": round(e.ts, 2), "kind": e.kind, "rule": e.rule_id, "zone": e.zone,
                        "confidence": e.confidence, "tracks": list(e.track_ids),
                        "explanation": e.explanation} for e in self.alerts],
        }


def replay(site: SiteConfig, camera_id: str, detector: Detector, video: Path | None = None,
           on_progress: Progress | None = None,
           models: ModelProvider | None = None) -> ReplayReport:
    """Play a recording through one camera's pipeline and alert policy.

    Args:
        site: The site (the draft under test).
        camera_id: Which camera's set-up to use.
        detector: The detector.
        video: The recording; default the camera's own source (which must be a file).
        on_progress: Called with (seconds done, total seconds) as the replay advances.
        models: Secondary models (pose, faces); default loaded from the site's models folder.
    """
    camera = site.camera(camera_id)
    url = str(video) if video is not None else camera.source.url
    source_cfg = SourceConfig(url=url, realtime=False, loop=False)
    camera = camera.model_copy(update={"source": source_cfg})
    source = PyAVSource.from_config(camera)
    shared = SharedDetector(detector)
    pipeline = CameraPipeline(camera, site, shared, models)
    policy = AlertPolicy.for_camera(camera, site.alerts)
    report = ReplayReport(camera_id, url)
    source.open()
    try:
        total = _duration_s(url)
        for frame in source:
            _, events = pipeline.process(frame)
            for event in events:
                admission = policy.admit(event)
                if admission is Admission.ALERT:
                    report.alerts.append(event)
                elif admission is not Admission.COUNT:
                    report.suppressed += 1
            report.duration_s = frame.ts
            if on_progress is not None:
                on_progress(frame.ts, total)
    finally:
        source.close()
    report.frames, report.detector_runs = pipeline.frames, pipeline.detector_runs
    report.regional_runs = shared.regional_runs
    report.counts = {r.rule_id: dict(r.counts) for r in pipeline.rules if isinstance(r, Tripwire)}
    return report


def _duration_s(url: str) -> float:
    """Declared duration of a recording, 0 when unknown."""
    try:
        with av.open(url) as container:
            return container.duration / 1e6 if container.duration else 0.0
    except (av.FFmpegError, OSError):
        return 0.0
