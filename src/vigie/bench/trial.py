"""One benchmark trial: N cameras replaying a clip at real-time speed for a fixed duration."""

from __future__ import annotations

import os
import resource
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from vigie.config.site import CameraConfig, SiteConfig, ZoneConfig
from vigie.rules.configs import ZoneIntrusionConfig
from vigie.runtime.site import SiteRunner

__all__ = ["TrialResult", "TrialSpec", "bench_site", "run_trial"]

STAGES = ("decode", "motion", "detect", "track", "rules")


@dataclass(frozen=True)
class TrialSpec:
    """What to run: ``cameras`` copies of ``template``'s first camera on ``video``."""

    mode: str  # "naive", "gated" or "regions" (gated, detector on windows around motion)
    cameras: int
    duration_s: float
    video: str
    template: str  # site YAML text
    detector_workers: int = 3
    threads: int = 1


@dataclass
class TrialResult:
    """Figures of one trial."""

    mode: str
    cameras: int
    duration_s: float
    analysed: int = 0
    expected: int = 0
    decoded: int = 0
    dropped: int = 0
    detector_runs: int = 0
    alerts: int = 0
    model_ms: float = 0.0
    stage_ms: dict[str, float] = field(default_factory=dict)
    latency_frame_ms: dict[str, float] = field(default_factory=dict)
    latency_alert_ms: dict[str, float] = field(default_factory=dict)
    cpu_percent: float = 0.0
    peak_rss_mb: float = 0.0
    base_rss_mb: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def fps(self) -> float:
        """Frames analysed per second, all cameras."""
        return self.analysed / self.duration_s if self.duration_s else 0.0

    @property
    def keeps_up(self) -> bool:
        """>= 95% of the frames due were analysed and the p95 frame latency is under 1 s."""
        return (not self.errors and self.analysed >= 0.95 * self.expected
                and self.latency_frame_ms.get("p95", 1e9) < 1000)

    @property
    def memory_per_camera_mb(self) -> float:
        """Peak memory above the process's base (model loaded), per camera."""
        return max(0.0, self.peak_rss_mb - self.base_rss_mb) / max(1, self.cameras)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form, with the derived figures."""
        return {**asdict(self), "fps": round(self.fps, 1), "keeps_up": self.keeps_up,
                "memory_per_camera_mb": round(self.memory_per_camera_mb, 1)}


def bench_site(spec: TrialSpec, data_dir: Path) -> SiteConfig:
    """The site of a trial: the template's first camera copied ``spec.cameras`` times."""
    from vigie.config.loader import parse_config

    base = parse_config(spec.template)
    camera = _with_latency_probe(base.cameras[0])
    source = camera.source.model_copy(update={"url": spec.video, "realtime": True, "loop": True})
    cameras = [camera.model_copy(update={"id": f"cam-{i:02d}", "source": source})
               for i in range(spec.cameras)]
    return base.model_copy(update={
        "cameras": cameras,
        "motion": base.motion.model_copy(update={"enabled": spec.mode != "naive"}),
        "detector": base.detector.model_copy(update={"threads": spec.threads,
                                                     "regions": spec.mode == "regions"}),
        "storage": base.storage.model_copy(update={"data_dir": data_dir, "database_url": None}),
    })


def _with_latency_probe(camera: CameraConfig) -> CameraConfig:
    """Add a rule that alerts about once per camera and trial, to measure alert latency."""
    probe = ZoneConfig(name="latency-probe", points=[(0.3, 0.3), (0.7, 0.3), (0.7, 0.7),
                                                     (0.3, 0.7)])
    rule = ZoneIntrusionConfig(name="latency-probe", zone="latency-probe", min_dwell_s=0.5,
                               cooldown_s=30.0)
    return camera.model_copy(update={"zones": [*camera.zones, probe],
                                     "analytics": [*camera.analytics, rule]})


def run_trial(spec: TrialSpec) -> TrialResult:
    """Run one trial in this process and measure it (call it in a fresh process)."""
    with tempfile.TemporaryDirectory(prefix="vigie-bench-") as tmp:
        site = bench_site(spec, Path(tmp))
        runner = SiteRunner(site, detector_workers=spec.detector_workers)
        runner.start()
        base_rss = _rss_mb()
        cpu0, t0 = os.times(), time.monotonic()
        runner.wait(timeout=spec.duration_s)
        elapsed = time.monotonic() - t0
        cpu1 = os.times()
        statuses = runner.status()
        shared = runner.shared_detector
        runner.stop()
    result = TrialResult(spec.mode, spec.cameras, elapsed, base_rss_mb=base_rss,
                         peak_rss_mb=_peak_rss_mb())
    result.cpu_percent = 100 * ((cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)) / elapsed
    result.expected = int(spec.cameras * elapsed * site.cameras[0].analysis_fps)
    stage_samples: dict[str, list[float]] = {s: [] for s in STAGES}
    frame_latency: list[float] = []
    decode_s = 0.0
    for st in statuses:
        result.analysed += st.analysed
        result.dropped += st.dropped
        result.detector_runs += st.detector_runs
        result.alerts += st.alerts
        result.decoded += st.decoded
        for name, values in st.stages_ms.items():
            stage_samples.setdefault(name, []).extend(values)
        frame_latency += st.latency_ms
        decode_s += st.decode_s
        if st.state == "error":
            result.errors.append(f"{st.camera_id}: {st.reason}")
    result.stage_ms = {k: round(float(np.mean(v)), 2) for k, v in stage_samples.items() if v}
    if result.analysed:
        result.stage_ms["decode"] = round(1000 * decode_s / result.analysed, 2)
    if shared is not None and shared.runs:
        result.model_ms = round(1000 * shared.busy_s / shared.runs, 2)
    result.latency_frame_ms = _percentiles(frame_latency)
    result.latency_alert_ms = _percentiles([s * 1000 for s in runner.latency.samples])
    return result


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    arr = np.asarray(values)
    return {"p50": round(float(np.percentile(arr, 50)), 1),
            "p95": round(float(np.percentile(arr, 95)), 1),
            "max": round(float(arr.max()), 1), "n": len(values)}


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
