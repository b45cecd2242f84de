"""Run a model on its bundled check image and say whether it finds what its manifest promises."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from vigie.errors import ModelError
from vigie.models.manifest import CheckSpec, ModelManifest

__all__ = ["CheckResult", "load_asset", "run_check"]

ImageArray = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Outcome of a model check.

    Attributes:
        passed: Whether the model found enough.
        count: How many results of the label reached the score.
        best: Highest score of the label (0 when none).
        summary: One line for people, e.g. ``found 7 'person' (best 0.77); needs >= 5 ...``.
    """

    passed: bool
    count: int
    best: float
    summary: str


def load_asset(name: str) -> ImageArray:
    """A bundled check image, BGR.

    Raises:
        ModelError: The asset is missing from the installation.
    """
    try:
        data = (resources.files("vigie.models") / "assets" / name).read_bytes()
    except OSError as exc:
        raise ModelError(f"check image {name} is missing from this Vigie install") from exc
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ModelError(f"check image {name} cannot be decoded")
    return np.asarray(image, dtype=np.uint8)


def _scores(manifest: ModelManifest, path: Path, image: ImageArray) -> npt.NDArray[np.float32]:
    """Scores of everything the model reports with the check's label."""
    from vigie.detect.base import DetectorOptions
    from vigie.detect.factory import open_registered
    from vigie.detect.mask import MaskClassifier
    from vigie.detect.session import RuntimeOptions

    runtime = RuntimeOptions(threads=2, providers=("CPUExecutionProvider",))
    if manifest.task == "classifier":
        probs = MaskClassifier(path, runtime).classify([image])[0]
        return np.asarray([probs[manifest.labels.index(manifest.check.label)]], np.float32)
    options = DetectorOptions(confidence=manifest.check.min_score, runtime=runtime)
    dets = open_registered(manifest.name, path, options).detect(image)
    scores: npt.NDArray[np.float32] = dets.confidence[dets.class_names == manifest.check.label]
    return scores


def run_check(manifest: ModelManifest, path: Path) -> CheckResult:
    """Load the model and run it on its check image.

    Args:
        manifest: The model's manifest.
        path: The .onnx file to check.

    Returns:
        Whether it passed, and what it found.

    Raises:
        ModelError: onnxruntime cannot load or run the file.
    """
    spec: CheckSpec = manifest.check
    image = load_asset(spec.image)
    if spec.roi is not None:
        x1, y1, x2, y2 = spec.roi
        image = np.ascontiguousarray(image[y1:y2, x1:x2])
    try:
        scores = _scores(manifest, path, image)
    except ModelError:
        raise
    except Exception as exc:  # a file that loads but does not run as the manifest says
        raise ModelError(f"{path} loads but fails on its check image: "
                         f"{type(exc).__name__}: {exc}") from exc
    count = int((scores >= spec.min_score).sum())
    best = float(scores.max()) if len(scores) else 0.0
    passed = count >= spec.min_count
    summary = f"found {count} {spec.label!r} (best {best:.2f}); needs {spec.describe()}"
    return CheckResult(passed, count, best, summary)
