"""Mask image sets: ``with_mask/`` and ``without_mask/`` folders, scored as the mask_share rule
classifies faces.

Per image, CenterFace finds the faces (score >= the rule's ``face_confidence``) and the
largest is cropped with the rule's margin and classified (p(mask) >= ``mask_threshold`` is a
mask). Many images are tight close-ups in which CenterFace finds no face, the face filling
the picture; the whole image is then classified as the face crop (a fallback the rule never
uses; rows say which images took it and ``fallbacks`` counts them). The rule's smallest face
size is not applied: some images are whole faces of 30 px. Positive class: with mask.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from vigie.detect.base import ImageArray
from vigie.detect.mask import detect_faces
from vigie.evaluate.types import DatasetScore, EvalContext
from vigie.rules.mask_share import MaskShareConfig

__all__ = ["binary_metrics", "classify_image", "evaluate_masks"]

_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
_FOLDERS = (("with_mask", True), ("without_mask", False))


def binary_metrics(truth: Sequence[bool], predicted: Sequence[bool]) -> dict[str, float]:
    """Confusion counts, precision, recall, F1 and accuracy (positive = True).

    Precision (recall) is 1.0 when nothing was predicted (nothing was to find) positive.

    Example:
        >>> m = binary_metrics([True, True, False, False], [True, False, True, False])
        >>> m["tp"], m["fp"], m["fn"], m["tn"], m["precision"], m["accuracy"]
        (1.0, 1.0, 1.0, 1.0, 0.5, 0.5)
    """
    t, p = np.asarray(truth, bool), np.asarray(predicted, bool)
    tp, fp = int((t & p).sum()), int((~t & p).sum())
    fn, tn = int((t & ~p).sum()), int((~t & ~p).sum())
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "accuracy": round((tp + tn) / len(t), 4) if len(t) else 0.0,
            "tp": float(tp), "fp": float(fp), "fn": float(fn), "tn": float(tn)}


def classify_image(image: ImageArray, ctx: EvalContext,
                   rule: MaskShareConfig) -> tuple[float, bool]:
    """(p(mask) of the largest face, whether a face was found; else of the whole image)."""
    found = detect_faces(ctx.models.faces(), image)
    boxes = found.xyxy[found.confidence >= rule.face_confidence]
    classifier = ctx.models.mask_classifier()
    if not len(boxes):
        return float(classifier.classify([image])[0, 0]), False
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    largest = boxes[int(np.argmax(areas))][None]
    return float(classifier.mask_probability(image, largest, rule.margin)[0]), True


def evaluate_masks(folder: Path, ctx: EvalContext) -> DatasetScore:
    """Classify every image of ``with_mask/`` and ``without_mask/``; precision, recall, F1.

    Raises:
        ValueError: the folders hold no image, or an image cannot be read.
    """
    rule = MaskShareConfig()
    rows: list[dict[str, object]] = []
    truths, preds = [], []
    for name, truth in _FOLDERS:
        for path in sorted(p for p in (folder / name).iterdir()
                           if p.suffix.lower() in _IMAGE_SUFFIXES):
            image = cv2.imread(str(path))
            if image is None:
                raise ValueError(f"{path}: unreadable image")
            p_mask, face = classify_image(np.asarray(image, np.uint8), ctx, rule)
            predicted = p_mask >= rule.mask_threshold
            truths.append(truth)
            preds.append(predicted)
            rows.append({"image": f"{name}/{path.name}", "truth": truth,
                         "predicted": predicted, "p_mask": round(p_mask, 4), "face": face})
    if not rows:
        raise ValueError(f"{folder}: no image in with_mask/ or without_mask/")
    metrics = binary_metrics(truths, preds)
    metrics["fallbacks"] = float(sum(not r["face"] for r in rows))
    metrics["images"] = float(len(rows))
    return DatasetScore(name=folder.name, path=folder, kind="mask", metrics=metrics, rows=rows)
