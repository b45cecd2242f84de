"""Shared machinery of the onnxruntime detector backends: session, batching, class filter."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from vigie.core import Detections
from vigie.detect.base import DetectorOptions, ImageArray, check_image
from vigie.detect.postprocess import BoxTransform, class_ids_for
from vigie.detect.session import create_session

__all__ = ["OnnxDetector"]

Tensor = npt.NDArray[Any]


class OnnxDetector(ABC):
    """Base of the detectors: subclasses give ``_preprocess`` and ``_decode``.

    A model whose first input dimension is symbolic gets one call per batch; a model with a
    fixed batch of 1 gets one call per image.

    Args:
        model_path: The .onnx file.
        labels: The model's class names.
        input_size: (width, height) fed to the model.
        options: Thresholds, class filter, runtime.

    Raises:
        ModelError: onnxruntime cannot load the model.
        ValueError: ``options.classes`` names a class the model does not have.
    """

    def __init__(
        self,
        model_path: Path,
        labels: tuple[str, ...],
        input_size: tuple[int, int],
        options: DetectorOptions,
    ) -> None:
        self.labels = labels
        self.input_size = input_size
        self.options = options
        self.keep_classes = class_ids_for(labels, options.classes)
        self.session = create_session(model_path, options.runtime)
        self.input_name = self.session.get_inputs()[0].name
        self.output_names = [o.name for o in self.session.get_outputs()]

    @property
    def batchable(self) -> bool:
        """Whether the model's batch dimension is dynamic."""
        dim = self.session.get_inputs()[0].shape[0]
        return not isinstance(dim, int) or dim < 1

    def detect(self, image: ImageArray) -> Detections:
        """Boxes in one (H, W, 3) uint8 BGR image, in its pixel coordinates."""
        return self.detect_batch([image])[0]

    def detect_batch(self, images: Sequence[ImageArray]) -> list[Detections]:
        """Boxes in several images; one model call when the model takes a batch."""
        prepared = [self._preprocess(check_image(im)) for im in images]
        if not prepared:
            return []
        same_shape = len({t.shape for t, _ in prepared}) == 1
        if self.batchable and same_shape and len(prepared) > 1:
            batch = np.concatenate([t for t, _ in prepared])
            outs = self._run(batch)
            per_image = [[o[i:i + 1] for o in outs] for i in range(len(prepared))]
        else:
            per_image = [self._run(t) for t, _ in prepared]
        return [self._decode(o, tr) for o, (_, tr) in zip(per_image, prepared, strict=True)]

    def _run(self, tensor: Tensor) -> list[Tensor]:
        return [np.asarray(o) for o in self.session.run(self.output_names,
                                                        {self.input_name: tensor})]

    @abstractmethod
    def _preprocess(self, image: ImageArray) -> tuple[Tensor, BoxTransform]:
        """Turn one BGR image into a batch-of-one input tensor and its box transform."""

    @abstractmethod
    def _decode(self, outputs: list[Tensor], transform: BoxTransform) -> Detections:
        """Turn one image's outputs (in ``output_names`` order) into Detections."""
