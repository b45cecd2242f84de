"""Model-agnostic pre/post-processing: letterbox, box mapping, NMS, score and class filters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from vigie.core import Detections

__all__ = [
    "BoxTransform",
    "class_ids_for",
    "clip_boxes",
    "letterbox",
    "nms",
    "softmax",
    "to_detections",
    "unletterbox",
]

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
ImageArray = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class BoxTransform:
    """How an image was resized and padded into a model input, to map boxes back.

    Input coordinates relate to image coordinates by ``x_in = x_img * scale_x + pad_x``.

    Attributes:
        scale_x: Horizontal resize factor (input pixels per image pixel).
        scale_y: Vertical resize factor.
        pad_x: Pixels of padding on the left of the input.
        pad_y: Pixels of padding on the top of the input.
        image_size: (width, height) of the original image.
    """

    scale_x: float
    scale_y: float
    pad_x: float
    pad_y: float
    image_size: tuple[int, int]


def letterbox(
    image: ImageArray,
    size: tuple[int, int],
    *,
    keep_aspect: bool = True,
    pad_value: int = 114,
) -> tuple[ImageArray, BoxTransform]:
    """Resize an image into ``size``, keeping its aspect ratio and padding the rest.

    Args:
        image: (H, W, C) uint8 image.
        size: Target (width, height).
        keep_aspect: False stretches the image to fill ``size`` (no padding).
        pad_value: Grey level of the padding.

    Returns:
        The (height, width, C) resized image and the transform that maps boxes back.

    Example:
        >>> img = np.zeros((480, 640, 3), np.uint8)
        >>> out, t = letterbox(img, (320, 320))
        >>> out.shape, t.pad_y
        ((320, 320, 3), 40.0)
    """
    h, w = image.shape[:2]
    tw, th = size
    if not keep_aspect:
        resized = cv2.resize(image, (tw, th), interpolation=cv2.INTER_LINEAR)
        return np.asarray(resized, np.uint8), BoxTransform(tw / w, th / h, 0.0, 0.0, (w, h))
    scale = min(tw / w, th / h)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    resized = image if (nw, nh) == (w, h) else cv2.resize(image, (nw, nh),
                                                          interpolation=cv2.INTER_LINEAR)
    left, top = (tw - nw) // 2, (th - nh) // 2
    out = cv2.copyMakeBorder(resized, top, th - nh - top, left, tw - nw - left,
                             cv2.BORDER_CONSTANT, value=(pad_value,) * 3)
    transform = BoxTransform(nw / w, nh / h, float(left), float(top), (w, h))
    return np.ascontiguousarray(out, dtype=np.uint8), transform


def unletterbox(xyxy: FloatArray, transform: BoxTransform, *, clip: bool = True) -> FloatArray:
    """Map (N, 4) boxes from model-input pixels back to image pixels.

    Args:
        xyxy: (N, 4) boxes in input pixels.
        transform: What :func:`letterbox` returned.
        clip: Clip the boxes to the image.

    Returns:
        (N, 4) float32 boxes in image pixels.
    """
    out = np.asarray(xyxy, dtype=np.float32).reshape(-1, 4).copy()
    out[:, [0, 2]] = (out[:, [0, 2]] - transform.pad_x) / transform.scale_x
    out[:, [1, 3]] = (out[:, [1, 3]] - transform.pad_y) / transform.scale_y
    return clip_boxes(out, transform.image_size) if clip else out


def clip_boxes(xyxy: FloatArray, size: tuple[int, int]) -> FloatArray:
    """Clip (N, 4) boxes to an image of ``size`` = (width, height); idempotent."""
    w, h = size
    out = np.asarray(xyxy, dtype=np.float32).reshape(-1, 4).copy()
    out[:, [0, 2]] = np.clip(out[:, [0, 2]], 0, w)
    out[:, [1, 3]] = np.clip(out[:, [1, 3]], 0, h)
    return out


def softmax(x: FloatArray, axis: int = -1) -> FloatArray:
    """Numerically stable softmax along ``axis``."""
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    out: FloatArray = (e / e.sum(axis=axis, keepdims=True)).astype(np.float32)
    return out


def nms(
    xyxy: FloatArray,
    scores: FloatArray,
    iou_threshold: float,
    class_id: IntArray | None = None,
) -> IntArray:
    """Greedy non-maximum suppression, per class when ``class_id`` is given.

    Args:
        xyxy: (N, 4) boxes.
        scores: (N,) scores.
        iou_threshold: A box whose IoU with a kept, higher-scoring box exceeds this is dropped.
        class_id: (N,) classes; boxes of different classes never suppress each other.

    Returns:
        Indexes of the kept boxes, highest score first.
    """
    boxes = np.asarray(xyxy, dtype=np.float32).reshape(-1, 4)
    if len(boxes) == 0:
        return np.zeros(0, np.int64)
    if class_id is not None:  # shift each class to its own region of the plane
        span = float(boxes.max() - boxes.min()) + 1.0
        boxes = boxes + (np.asarray(class_id, np.float32) * span)[:, None]
    areas = np.clip(boxes[:, 2] - boxes[:, 0], 0, None) * np.clip(boxes[:, 3] - boxes[:, 1], 0,
                                                                  None)
    order = np.argsort(-np.asarray(scores), kind="stable")
    keep: list[int] = []
    while len(order):
        i, rest = int(order[0]), order[1:]
        keep.append(i)
        lt = np.maximum(boxes[i, :2], boxes[rest, :2])
        rb = np.minimum(boxes[i, 2:], boxes[rest, 2:])
        inter = np.prod(np.clip(rb - lt, 0, None), axis=1)
        iou = inter / np.maximum(areas[i] + areas[rest] - inter, 1e-9)
        order = rest[iou <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def class_ids_for(labels: Sequence[str], names: Sequence[str] | None) -> IntArray | None:
    """Indexes of ``names`` in ``labels``; None when ``names`` is None (keep every class).

    Raises:
        ValueError: A name is not among the model's labels; the message lists them.
    """
    if names is None:
        return None
    unknown = [n for n in names if n not in labels]
    if unknown:
        raise ValueError(f"unknown class name(s) {unknown} for this model; known classes: "
                         f"{', '.join(labels)}")
    return np.asarray(sorted({labels.index(n) for n in names}), dtype=np.int64)


def to_detections(
    xyxy: FloatArray,
    scores: FloatArray,
    class_id: IntArray,
    *,
    labels: tuple[str, ...],
    transform: BoxTransform,
    confidence: float,
    nms_iou: float,
    keep_classes: IntArray | None = None,
    max_detections: int = 300,
) -> Detections:
    """Filter candidate boxes in input pixels and return them as image-pixel Detections.

    Applies, in order: score threshold, class filter, class-aware NMS, the ``max_detections``
    cap, then maps boxes back to the image and clips them.
    """
    scores = np.asarray(scores, np.float32).reshape(-1)
    class_id = np.asarray(class_id, np.int64).reshape(-1)
    keep = scores >= confidence
    if keep_classes is not None:
        keep &= np.isin(class_id, keep_classes)
    xyxy, scores, class_id = np.asarray(xyxy, np.float32)[keep], scores[keep], class_id[keep]
    idx = nms(xyxy, scores, nms_iou, class_id)[:max_detections]
    boxes = unletterbox(xyxy[idx], transform)
    return Detections(boxes, scores[idx], class_id[idx], labels=labels)
