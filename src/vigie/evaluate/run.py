"""A whole evaluation run: every clip and dataset found under a path, errors kept per item."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from vigie.evaluate.clips import ClipResult, evaluate_clip
from vigie.evaluate.datasets import EvaluatorUnavailable, evaluator_for
from vigie.evaluate.discover import Discovery
from vigie.evaluate.groundtruth import DatasetRef
from vigie.evaluate.match import merge_scores
from vigie.evaluate.types import DatasetScore, EvalContext, TypeScore

__all__ = ["DatasetResult", "EvalReport", "build_context", "machine_description",
           "run_evaluation"]

#: Called when an item starts: (label, index from 0, item count).
OnItem = Callable[[str, int, int], None]
#: Called as a clip plays: (seconds done, total seconds).
OnProgress = Callable[[float, float], None]


@dataclass
class DatasetResult:
    """One dataset's score, or why it could not be scored."""

    ref: DatasetRef
    score: DatasetScore | None = None
    error: str | None = None
    elapsed_s: float = 0.0

    @property
    def name(self) -> str:
        """The dataset's name in the report."""
        return self.score.name if self.score else self.ref.folder.name


@dataclass
class EvalReport:
    """Everything a run found, measured and failed on."""

    path: Path
    clips: list[ClipResult] = field(default_factory=list)
    datasets: list[DatasetResult] = field(default_factory=list)
    errors: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    elapsed_s: float = 0.0
    machine: str = ""
    detector: str = ""

    def types(self) -> dict[str, TypeScore]:
        """Scores per event type over every clip: the types annotated or alerted somewhere.

        A type's hours are those of the clips that watched it (ran its analytic) or annotate it.
        """
        kinds = sorted({k for c in self.clips for k, s in c.scores.items()
                        if s.tp + s.fn + s.fp + s.duplicates})
        return {k: merge_scores(c.scores[k] for c in self.clips if k in c.scores)
                for k in kinds}

    def negative_clips(self) -> list[ClipResult]:
        """Clips annotated without any event: every alert on them is a false alarm."""
        return [c for c in self.clips if not c.truth.events]

    @property
    def failed(self) -> bool:
        """Whether some ground truth was unusable or some item could not be evaluated."""
        return bool(self.errors) or any(d.error for d in self.datasets)


def build_context(models_dir: Path | None = None, threads: int = 1,
                  detector: str | None = None) -> EvalContext:
    """The product's default detector and secondary models, shared by the whole run.

    Args:
        models_dir: The model cache (None: the default).
        threads: onnxruntime threads per model run.
        detector: Another object detector than the product's default (``detector.model``:
            a registered name or a YOLO export), for every clip whose site does not choose one.

    Raises:
        ModelError: a model is missing from the cache (the message says how to fetch it).
    """
    from vigie.config.site import DetectorConfig
    from vigie.detect.factory import build_detector
    from vigie.detect.provider import ModelProvider
    from vigie.detect.session import RuntimeOptions

    config = DetectorConfig(models_dir=models_dir, threads=threads)
    if detector is not None:
        config = config.model_copy(update={"model": detector})
    models = ModelProvider(models_dir, RuntimeOptions(threads=threads))
    return EvalContext(build_detector(config), models, models_dir, threads, config.model)


def run_evaluation(found: Discovery, ctx: EvalContext, path: Path,
                   on_item: OnItem | None = None,
                   on_progress: OnProgress | None = None) -> EvalReport:
    """Evaluate every item found; a failing item is recorded and the run goes on."""
    report = EvalReport(path, errors=list(found.errors), skipped=list(found.skipped),
                        machine=machine_description(), detector=ctx.detector_model)
    started = time.perf_counter()
    total = len(found.clips) + len(found.datasets)
    for i, truth in enumerate(found.clips):
        if on_item:
            on_item(_label(truth.path, path), i, total)
        try:
            report.clips.append(evaluate_clip(truth, ctx, on_progress))
        except Exception as exc:  # one broken clip must not stop the run
            report.errors.append((truth.path, _describe(exc, truth.path)))
    for j, ref in enumerate(found.datasets, start=len(found.clips)):
        if on_item:
            on_item(_label(ref.pointer or ref.folder, path), j, total)
        report.datasets.append(_evaluate_dataset(ref, ctx))
    report.elapsed_s = time.perf_counter() - started
    return report


def _evaluate_dataset(ref: DatasetRef, ctx: EvalContext) -> DatasetResult:
    started = time.perf_counter()
    assert ref.kind is not None  # discovery always settles the kind
    try:
        score = evaluator_for(ref.kind)(ref.folder, ctx)
        return DatasetResult(ref, score, elapsed_s=time.perf_counter() - started)
    except EvaluatorUnavailable as exc:
        return DatasetResult(ref, error=str(exc))
    except Exception as exc:  # one broken dataset must not stop the run
        return DatasetResult(ref, error=_describe(exc, ref.pointer or ref.folder),
                             elapsed_s=time.perf_counter() - started)


def _describe(exc: Exception, where: Path) -> str:
    """A one-paragraph message that names the file, whatever the exception says."""
    text = str(exc) or type(exc).__name__
    return text if str(where) in text else f"{where}: {text}"


def _label(item: Path, root: Path) -> str:
    try:
        return str(item.resolve().relative_to(root.resolve()))
    except ValueError:
        return item.name


def machine_description() -> str:
    """CPU model, core count, operating system and Python, for the report."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            names = [ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} logical cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")
