"""What `vigie bench` does: trials, the lossless tripwire check, and the written report."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from rich.console import Console

from vigie.bench.report import render_markdown, write_plot
from vigie.bench.search import BenchReport, run_bench
from vigie.config.loader import parse_config
from vigie.demo.media import obtain_vtest
from vigie.demo.run import shared_data_dirs
from vigie.detect.factory import build_detector
from vigie.rules.tripwire import Tripwire
from vigie.runtime.detectors import SharedDetector
from vigie.runtime.pipeline import CameraPipeline

__all__ = ["run_benchmark"]


def run_benchmark(counts: list[int], duration_s: float, video: Path | None, workers: int,
                  threads: int, output: Path | None, console: Console,
                  modes: tuple[str, ...] = ("naive", "gated", "regions")) -> BenchReport:
    """Run every trial, compare tripwire counts gated/naive, write the report if asked."""
    if video is None:
        video = obtain_vtest(Path.home() / ".cache" / "vigie" / "media", shared_data_dirs())
    template = files("vigie.demo").joinpath("site.yaml").read_text(encoding="utf-8")
    console.print(f"benchmark on {video}: {duration_s:.0f} s per trial")
    report = run_bench(template, str(video), counts, duration_s, modes=modes,
                       say=console.print, detector_workers=workers, threads=threads)
    report.counts = {mode: tripwire_counts(template, video, mode) for mode in modes}
    console.print(f"max cameras in real time: gated {report.max_cameras('gated')}, naive "
                  f"{report.max_cameras('naive')}; tripwire counts {report.counts}")
    if output is not None:
        plot = output.with_suffix(".png")
        write_plot(report, plot)
        output.write_text(render_markdown(report, plot.name), encoding="utf-8")
        console.print(f"report written to {output} and {plot}")
    return report


def tripwire_counts(template: str, video: Path, mode: str) -> dict[str, int]:
    """Main-path crossings of the whole clip, every frame analysed (no real-time drops)."""
    from vigie.ingest import PyAVSource

    site = parse_config(template)
    camera = site.cameras[0].model_copy(update={"source": site.cameras[0].source.model_copy(
        update={"url": str(video), "realtime": False})})
    site = site.model_copy(update={
        "motion": site.motion.model_copy(update={"enabled": mode != "naive"}),
        "detector": site.detector.model_copy(update={"regions": mode == "regions"})})
    pipeline = CameraPipeline(camera, site, SharedDetector(build_detector(site.detector)))
    source = PyAVSource.from_config(camera)
    source.open()
    try:
        for frame in source:
            pipeline.process(frame)
    finally:
        source.close()
    totals = {"in": 0, "out": 0}
    for rule in pipeline.rules:
        if isinstance(rule, Tripwire):
            for direction, n in rule.counts.items():
                totals[direction] += n
    return totals
