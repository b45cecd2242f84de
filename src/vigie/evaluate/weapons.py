"""Weapon image sets: does the product's weapon decision find the images that show a weapon?

Layout: ``images/``, YOLO ``labels/`` (same stem, ``.txt``, lines ``class xc yc w h``) and a
``data.yaml`` whose ``names`` include ``weapon``. An image is positive when one of its boxes
has the weapon class.

Prediction per image: the detector on the whole image, then the weapon rule's decision for one
frame: some box of a weapon label (``WeaponConfig().classes``) scores at least its
``min_score``. Persistence (``k`` of ``n`` detector runs) cannot apply to a single image, so
this measures the per-frame detector decision, an upper bound on what the rule sees.

Each image's best weapon score is also measured with a low detection floor, to show how far the
model is from the decision (``best_f1`` and its threshold: a diagnostic, not the product's
setting).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from ruamel.yaml import YAML

from vigie.config.site import DetectorConfig
from vigie.core.types import COCO_CLASSES, Detections
from vigie.detect.base import Detector
from vigie.evaluate.types import DatasetScore, EvalContext
from vigie.rules.weapon import WeaponConfig

__all__ = ["ImageVerdict", "binary_metrics", "best_threshold", "evaluate_weapons",
           "weapon_class_ids", "weapon_images"]

_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
#: Detection floor of the diagnostic run (scores below the product's threshold).
DIAGNOSTIC_FLOOR = 0.05


@dataclass(frozen=True, slots=True)
class ImageVerdict:
    """Truth and prediction for one image.

    Attributes:
        name: File name.
        truth: The image shows a weapon (per its labels).
        predicted: The weapon decision fired.
        score: Best weapon score the decision saw (0: none).
        label: Label of that box ('' when none).
        best_score: Best weapon score with the low diagnostic floor.
    """

    name: str
    truth: bool
    predicted: bool
    score: float
    label: str
    best_score: float


def weapon_class_ids(folder: Path) -> set[int]:
    """Ids of the classes named ``weapon`` in the folder's data.yaml (a list or a dict)."""
    for name in ("data.yaml", "data.yml"):
        path = folder / name
        if path.is_file():
            data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
            names = data.get("names", []) if isinstance(data, dict) else []
            pairs = names.items() if isinstance(names, dict) else enumerate(names)
            return {int(k) for k, v in pairs if str(v).strip().lower() == "weapon"}
    return set()


def weapon_images(folder: Path) -> list[tuple[Path, bool]]:
    """Every image of ``images/`` with whether its label file has a weapon box, sorted."""
    ids = weapon_class_ids(folder)
    out = []
    for image in sorted((folder / "images").iterdir()):
        if image.suffix.lower() not in _IMAGE_SUFFIXES:
            continue
        labels = folder / "labels" / f"{image.stem}.txt"
        lines = labels.read_text(encoding="utf-8").splitlines() if labels.is_file() else []
        classes = {int(float(line.split()[0])) for line in lines if line.strip()}
        out.append((image, bool(classes & ids)))
    return out


def binary_metrics(truth: Sequence[bool], predicted: Sequence[bool]) -> dict[str, float]:
    """Precision, recall, F1, accuracy and the confusion counts of a yes/no decision.

    Precision is 1.0 when nothing was predicted (no false alarm), recall 1.0 when there was
    nothing to find.

    Example:
        >>> binary_metrics([True, True, False, False], [True, False, True, False])["f1"]
        0.5
    """
    tp = sum(t and p for t, p in zip(truth, predicted, strict=True))
    fp = sum(p and not t for t, p in zip(truth, predicted, strict=True))
    fn = sum(t and not p for t, p in zip(truth, predicted, strict=True))
    tn = len(truth) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "accuracy": round((tp + tn) / len(truth), 4) if truth else 0.0,
            "tp": tp, "fp": fp, "fn": fn, "tn": tn}


def best_threshold(truth: Sequence[bool], scores: Sequence[float]) -> tuple[float, float]:
    """(F1, threshold) of the score threshold that maximises F1 (ties: the higher threshold)."""
    best = (0.0, 1.0)
    for threshold in sorted({s for s in scores if s > 0}, reverse=True):
        f1 = binary_metrics(truth, [s >= threshold for s in scores])["f1"]
        if f1 > best[0]:
            best = (f1, threshold)
    return best


def evaluate_weapons(folder: Path, ctx: EvalContext) -> DatasetScore:
    """Score the weapon decision on an image set (kind ``weapon``)."""
    config = WeaponConfig()
    labels = frozenset(config.classes)
    diagnostic = _diagnostic_detector(ctx, labels)
    verdicts = []
    for path, positive in weapon_images(folder):
        read = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if read is None:
            continue
        image = np.asarray(read, np.uint8)
        score, label = _best(ctx.detector.detect(image), labels)
        low = _best(diagnostic.detect(image), labels)[0] if diagnostic else score
        verdicts.append(ImageVerdict(path.name, positive, score >= config.min_score, score,
                                     label, max(low, score)))
    truth = [v.truth for v in verdicts]
    metrics = binary_metrics(truth, [v.predicted for v in verdicts])
    best_f1, threshold = best_threshold(truth, [v.best_score for v in verdicts])
    metrics.update({"min_score": config.min_score, "images": len(verdicts),
                    "positives": sum(truth), "best_f1": best_f1,
                    "best_f1_threshold": round(threshold, 3)})
    rows: list[dict[str, object]] = [
        {"name": v.name, "truth": v.truth, "predicted": v.predicted,
         "score": round(v.score, 3), "label": v.label, "best_score": round(v.best_score, 3)}
        for v in verdicts]
    return DatasetScore(folder.name, folder, "weapon", metrics, rows)


def _best(found: Detections, labels: frozenset[str]) -> tuple[float, str]:
    """Best score among boxes of weapon labels, and that box's label."""
    if not len(found):
        return 0.0, ""
    keep = np.isin(found.class_names, list(labels))
    if not keep.any():
        return 0.0, ""
    i = int(np.argmax(np.where(keep, found.confidence, -1.0)))
    return float(found.confidence[i]), str(found.class_names[i])


def _diagnostic_detector(ctx: EvalContext, labels: frozenset[str]) -> Detector | None:
    """The default detector with a low floor, when the context's is the default (COCO) one."""
    if tuple(ctx.detector.labels) != COCO_CLASSES:
        return None
    kept = [c for c in COCO_CLASSES if c in labels]
    if not kept:
        return None
    return ctx.detector_for(DetectorConfig(confidence=DIAGNOSTIC_FLOOR, classes=kept))
