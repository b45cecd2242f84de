"""Counting sets (ShanghaiTech layout): people per image by the estimator crowd_density uses.

A folder holds ``images/IMG_N.jpg`` and ``ground-truth/GT_IMG_N.mat``, whose
``image_info[0,0][0,0]`` holds the head points (x, y) and then the count. Each image is
counted as the crowd_density rule counts a zone with its default settings
(:func:`vigie.rules.crowdcount.count_image`): the product's detector at its own threshold on
the whole image, joined with CenterFace faces. No count regression runs: it is fitted per
camera, and the images of a set come from unrelated scenes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import scipy.io

from vigie.evaluate.types import DatasetScore, EvalContext
from vigie.rules.crowdcount import count_image
from vigie.rules.density import CrowdDensityConfig

__all__ = ["counting_metrics", "evaluate_counting", "read_count"]

_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")


def read_count(path: Path) -> int:
    """The annotated count of a ShanghaiTech ``GT_*.mat`` file (its head points if no count).

    Raises:
        ValueError: the file is not in that layout.
    """
    try:
        info = scipy.io.loadmat(str(path))["image_info"][0, 0][0, 0]
        points = np.asarray(info[0], np.float64).reshape(-1, 2)
        if len(info) > 1:
            return int(np.asarray(info[1]).ravel()[0])
        return len(points)
    except (KeyError, IndexError, TypeError, ValueError, OSError) as exc:
        raise ValueError(f"{path}: not a ShanghaiTech ground-truth file ({exc})") from None


def counting_metrics(truth: Sequence[float], predicted: Sequence[float]) -> dict[str, float]:
    """MAE, RMSE, bias (mean predicted - true) and mean counts over the images.

    Example:
        >>> counting_metrics([10, 4], [7, 4])["mae"], counting_metrics([10, 4], [7, 4])["rmse"]
        (1.5, 2.1213)
    """
    t, p = np.asarray(truth, np.float64), np.asarray(predicted, np.float64)
    if not len(t):
        return {"images": 0.0}
    err = p - t
    return {"mae": round(float(np.abs(err).mean()), 4),
            "rmse": round(math.sqrt(float((err ** 2).mean())), 4),
            "bias": round(float(err.mean()), 4),
            "mean_count": round(float(t.mean()), 4),
            "mean_predicted": round(float(p.mean()), 4),
            "images": float(len(t))}


def _pairs(folder: Path) -> list[tuple[Path, Path]]:
    """(image, ground truth) pairs: ``GT_<stem>.mat`` with ``images/<stem>.<ext>``."""
    images = {p.stem: p for p in (folder / "images").iterdir()
              if p.suffix.lower() in _IMAGE_SUFFIXES}
    out = []
    for gt in (folder / "ground-truth").glob("GT_*.mat"):
        image = images.get(gt.stem[3:])
        if image is not None:
            out.append((image, gt))
    return sorted(out, key=lambda pair: _natural(pair[0].stem))


def _natural(name: str) -> tuple[str, int]:
    head = name.rstrip("0123456789")
    tail = name[len(head):]
    return head, int(tail) if tail else -1


def evaluate_counting(folder: Path, ctx: EvalContext) -> DatasetScore:
    """Count the people of every annotated image; MAE and RMSE against the annotations.

    Raises:
        ValueError: no image has a ground-truth file, or an image cannot be read.
    """
    pairs = _pairs(folder)
    if not pairs:
        raise ValueError(f"{folder}: no image of images/ has a ground-truth/GT_<name>.mat")
    rule = CrowdDensityConfig()
    faces = ctx.models.faces() if rule.faces else None
    rows: list[dict[str, object]] = []
    truths, counts = [], []
    for image_path, gt_path in pairs:
        image = cv2.imread(str(image_path))
        if image is None:
            raise ValueError(f"{image_path}: unreadable image")
        est = count_image(np.asarray(image, np.uint8), ctx.detector, faces,
                          face_confidence=rule.face_confidence)
        truth = read_count(gt_path)
        truths.append(truth)
        counts.append(est.count)
        rows.append({"image": image_path.name, "truth": truth, "predicted": est.count,
                     "persons": est.persons, "faces": est.faces, "error": est.count - truth})
    return DatasetScore(name=folder.name, path=folder, kind="counting",
                        metrics=counting_metrics(truths, counts), rows=rows)
