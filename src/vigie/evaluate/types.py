"""What every evaluator returns: scores per event type for clips, metrics for datasets."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from vigie.config.site import DetectorConfig
from vigie.detect.base import Detector
from vigie.detect.provider import ModelProvider

__all__ = ["DatasetKind", "DatasetScore", "EvalContext", "TypeScore"]

DatasetKind = Literal["counting", "tracking", "weapon", "mask"]


@dataclass(frozen=True)
class EvalContext:
    """What evaluators share: one detector and one set of secondary models for the whole run.

    Attributes:
        detector: The object detector (the site's default unless told otherwise).
        models: Pose, faces and the other secondary models.
        models_dir: The model cache (None: the default).
        threads: onnxruntime threads per model run.
        detector_model: What ``detector`` is (``detector.model``), for the report.
    """

    detector: Detector
    models: ModelProvider
    models_dir: Path | None = None
    threads: int = 1
    detector_model: str = "nanodet"
    _detectors: dict[str, Detector] = field(default_factory=dict, repr=False, compare=False)

    def detector_for(self, config: DetectorConfig) -> Detector:
        """The detector a clip's site asks for: the shared one unless its settings differ.

        Settings that change no output (threads, workers, providers, models folder) are
        ignored; a detector built for other settings is kept for the next clip that wants it.
        """
        ignored = {"threads", "workers", "providers", "models_dir"}
        if config.model_dump(exclude=ignored) == DetectorConfig().model_dump(exclude=ignored):
            return self.detector
        key = config.model_dump_json(exclude=ignored)
        if key not in self._detectors:
            from vigie.detect.factory import build_detector

            self._detectors[key] = build_detector(config.model_copy(update={
                "models_dir": config.models_dir or self.models_dir, "threads": self.threads}))
        return self._detectors[key]


@dataclass
class TypeScore:
    """Alerts of one event type matched against the ground truth of the clips.

    Delays are ``alert time - event start`` of the matched alerts.
    """

    tp: int = 0
    fp: int = 0
    fn: int = 0
    duplicates: int = 0
    delays_s: list[float] = field(default_factory=list)
    hours: float = 0.0

    @property
    def precision(self) -> float:
        """TP / (TP + FP); 1.0 when nothing was raised (no false alarm)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """TP / (TP + FN); 1.0 when there was nothing to find."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int | None]:
        """The JSON summary of a type: exactly the keys the report format fixes."""
        return {
            "tp": self.tp, "fp": self.fp, "fn": self.fn, "duplicates": self.duplicates,
            "precision": round(self.precision, 4), "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "mean_delay_s": round(sum(self.delays_s) / len(self.delays_s), 2)
            if self.delays_s else None,
            "max_delay_s": round(max(self.delays_s), 2) if self.delays_s else None,
            "false_alarms_per_hour": round(self.fp / self.hours, 2) if self.hours else 0.0,
        }


@dataclass
class DatasetScore:
    """Result of one dataset (a counting, tracking, weapon-image or mask-image set).

    Attributes:
        name: Short name shown in the report (the folder's name).
        path: The folder evaluated.
        kind: Which kind of set.
        metrics: Headline figures (mae, rmse; mota, idf1; precision, recall, f1, accuracy).
        rows: One dict per item (image or sequence) for the report's tables and plots.
    """

    name: str
    path: Path
    kind: DatasetKind
    metrics: dict[str, float]
    rows: list[dict[str, object]] = field(default_factory=list)
