"""Find the largest number of cameras that keeps up in real time, gated and naive, in one run."""

from __future__ import annotations

import multiprocessing
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import onnxruntime

from vigie.bench.trial import TrialResult, TrialSpec, run_trial

__all__ = ["BenchReport", "machine_description", "run_bench"]

Say = Callable[[str], None]


@dataclass
class BenchReport:
    """Every trial of a benchmark run and the conclusion."""

    machine: str
    started: str
    duration_s: float
    trials: list[TrialResult] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def best(self, mode: str) -> TrialResult | None:
        """The trial with the most cameras that kept up, in a mode."""
        ok = [t for t in self.trials if t.mode == mode and t.keeps_up]
        return max(ok, key=lambda t: t.cameras, default=None)

    def max_cameras(self, mode: str) -> int:
        """Largest camera count that kept up in a mode (0 if none)."""
        best = self.best(mode)
        return best.cameras if best else 0

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"machine": self.machine, "started": self.started, "duration_s": self.duration_s,
                "max_cameras": {m: self.max_cameras(m) for m in ("naive", "gated", "regions")},
                "tripwire_counts": self.counts,
                "trials": [t.as_dict() for t in self.trials]}


def machine_description() -> str:
    """CPU model, cores, memory, Python and onnxruntime versions."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name"))
        with open("/proc/meminfo") as fh:
            mem_kb = int(next(ln.split()[1] for ln in fh if ln.startswith("MemTotal")))
    except (OSError, StopIteration):
        mem_kb = 0
    cores = multiprocessing.cpu_count()
    return (f"{cpu}, {cores} cores, {mem_kb / 2**20:.0f} GiB, {platform.system()} "
            f"{platform.machine()}, Python {platform.python_version()}, "
            f"onnxruntime {onnxruntime.__version__}")


def run_bench(template: str, video: str, counts: Sequence[int], duration_s: float,
              modes: Sequence[str] = ("naive", "gated", "regions"), say: Say = print,
              detector_workers: int = 1, threads: int = 2) -> BenchReport:
    """Run trials of increasing camera counts per mode until one fails to keep up.

    Each trial runs in a fresh process, so peak memory and CPU figures are its own.
    """
    report = BenchReport(machine_description(), datetime.now(UTC).isoformat(timespec="seconds"),
                         duration_s)
    ctx = multiprocessing.get_context("spawn")
    for mode in modes:
        for n in sorted(counts):
            spec = TrialSpec(mode, n, duration_s, video, template, detector_workers, threads)
            with ctx.Pool(1) as pool:
                result = pool.apply(run_trial, (spec,))
            report.trials.append(result)
            say(_line(result))
            if not result.keeps_up:
                break
    return report


def _line(t: TrialResult) -> str:
    verdict = "keeps up" if t.keeps_up else "FALLS BEHIND"
    share = t.detector_runs / t.analysed if t.analysed else 0
    return (f"{t.mode:>5} x{t.cameras:<3} {t.fps:6.1f} frames/s analysed "
            f"({t.analysed}/{t.expected} due), detector on {share:.0%} of frames, "
            f"frame latency p95 {t.latency_frame_ms.get('p95', float('nan')):.0f} ms, "
            f"CPU {t.cpu_percent:.0f}% -> {verdict}")
