"""Region detection: NanoDet on square crops around motion instead of on the whole frame.

Frigate's idea, with crops at native resolution: each region gets the smallest square of a
size ladder (256/320/416 px of the frame) that holds it. The crop goes to the model at that
size, with no resize. A region bigger than the largest step gets a square of its own size,
downscaled to the largest step. Regions are merged while one crop around the pair costs less
than two, and the caller falls back to the full frame when the crops cost more than it (see
:meth:`RegionDetector.prefers_regions`).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from vigie.core import COCO_CLASSES, Detections
from vigie.detect.base import DEFAULT_OPTIONS, DetectorOptions, ImageArray, check_image
from vigie.detect.nanodet import NanoDetDetector
from vigie.detect.postprocess import nms

__all__ = [
    "DEFAULT_COST",
    "DEFAULT_LADDER",
    "CostModel",
    "Crop",
    "RegionDetector",
    "crop_for",
    "cut_by_crop",
    "merge_crop_detections",
    "plan_regions",
]

Boxes = npt.NDArray[np.float32]

#: Square crop sides (frame pixels, multiples of 32), fed to the model at the same size.
DEFAULT_LADDER = (256, 320, 416)
#: A box edge this close (frame pixels) to an inner crop edge counts as cut by the crop.
CUT_TOLERANCE = 4.0


@dataclass(frozen=True, slots=True)
class Crop:
    """A window of the frame and the model input size it is fed at.

    Attributes:
        x1: Left edge (frame pixels, inclusive).
        y1: Top edge.
        x2: Right edge (exclusive).
        y2: Bottom edge (exclusive).
        input_size: Model input (width, height); never larger than the window, except for
            the full frame of a small camera.
    """

    x1: int
    y1: int
    x2: int
    y2: int
    input_size: tuple[int, int]

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the window."""
        return self.x2 - self.x1, self.y2 - self.y1

    @property
    def xyxy(self) -> Boxes:
        """(4,) float32 window box."""
        return np.asarray([self.x1, self.y1, self.x2, self.y2], np.float32)

    def is_full_frame(self, frame_size: tuple[int, int]) -> bool:
        """Whether the window is the whole frame."""
        return (self.x1, self.y1, self.x2, self.y2) == (0, 0, *frame_size)


@dataclass(frozen=True, slots=True)
class CostModel:
    """Detector milliseconds for one call: ``fixed_ms + ms_per_kpixel * w * h / 1000``.

    The defaults were measured for NanoDet on one core of the development machine: 22.5 /
    13.1 / 8.9 / 7.0 ms at 416 / 320 / 256 / 224 square. Only ratios matter to the choice
    between crops and the full frame, so they carry over to other machines and thread counts
    well. :meth:`measure` fits the model on the machine at hand.

    Attributes:
        fixed_ms: Per-call cost (session call, decode, NMS).
        ms_per_kpixel: Cost per thousand input pixels.
    """

    fixed_ms: float = 0.6
    ms_per_kpixel: float = 0.127

    def ms(self, input_size: tuple[int, int]) -> float:
        """Estimated milliseconds of one call at ``input_size`` = (width, height)."""
        return self.fixed_ms + self.ms_per_kpixel * input_size[0] * input_size[1] / 1000

    @classmethod
    def measure(cls, detector: NanoDetDetector, sides: tuple[int, int] = (224, 416),
                repeat: int = 7) -> CostModel:
        """Fit the model from median timings of ``detector`` at two square sizes.

        Args:
            detector: A flexible NanoDet.
            sides: Two square input sides to time.
            repeat: Timed calls per size (after one warm-up).
        """
        points = []
        for side in sides:
            image = np.full((side, side, 3), 127, np.uint8)
            detector.detect_at(image, (side, side))
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                detector.detect_at(image, (side, side))
                times.append((time.perf_counter() - start) * 1000)
            points.append((side * side / 1000, statistics.median(times)))
        (k1, t1), (k2, t2) = points
        slope = max((t2 - t1) / (k2 - k1), 1e-6)
        return cls(fixed_ms=max(t1 - slope * k1, 0.0), ms_per_kpixel=slope)


#: Cost model used when none is given (NanoDet, one core).
DEFAULT_COST = CostModel()


def _as_boxes(boxes: npt.ArrayLike) -> Boxes:
    out = np.asarray(boxes, np.float32).reshape(-1, 4)
    return out[(out[:, 2] > out[:, 0]) & (out[:, 3] > out[:, 1])]


def crop_for(box: npt.ArrayLike, frame_size: tuple[int, int],
             ladder: Sequence[int] = DEFAULT_LADDER,
             full_input: tuple[int, int] = (416, 416)) -> Crop:
    """The window the detector looks through to see one region.

    Args:
        box: (4,) region x1, y1, x2, y2 in frame pixels.
        frame_size: (width, height) of the frame.
        ladder: Increasing square sides, multiples of 32.
        full_input: Model input for the full frame, used when no square fits in the frame.

    Returns:
        The smallest ladder square that holds the box, fed at its own size. A box bigger than
        the largest step gets a square of its own side, downscaled to the largest step.
        The square is centred on the box and shifted inside the frame; a square taller or
        wider than the frame becomes the full frame.

    Example:
        >>> crop_for([10, 10, 60, 150], (768, 576))
        Crop(x1=0, y1=0, x2=256, y2=256, input_size=(256, 256))
    """
    x1, y1, x2, y2 = np.asarray(box, np.float64).reshape(4)
    width, height = frame_size
    need = max(x2 - x1, y2 - y1)
    fits = [s for s in ladder if s >= need]
    side = fits[0] if fits else math.ceil(need)
    if side > min(width, height):
        return Crop(0, 0, width, height, full_input)
    left = int(np.clip(round((x1 + x2 - side) / 2), 0, width - side))
    top = int(np.clip(round((y1 + y2 - side) / 2), 0, height - side))
    model_side = min(side, ladder[-1])
    return Crop(left, top, left + side, top + side, (model_side, model_side))


def _crop_costs(boxes: Boxes, frame_size: tuple[int, int], ladder: Sequence[int],
                full_input: tuple[int, int], cost: CostModel) -> npt.NDArray[np.float64]:
    """Estimated ms of the window of each box, vectorised over any leading shape."""
    need = np.maximum(boxes[..., 2] - boxes[..., 0], boxes[..., 3] - boxes[..., 1])
    steps = np.asarray(ladder, np.float64)
    model_side = steps[np.minimum(np.searchsorted(steps, need), len(steps) - 1)]
    out = cost.fixed_ms + cost.ms_per_kpixel * model_side**2 / 1000
    side = np.where(need <= steps[-1], model_side, np.ceil(need))
    return np.where(side > min(frame_size), cost.ms(full_input), out)


def plan_regions(
    regions: npt.ArrayLike,
    frame_size: tuple[int, int],
    *,
    ladder: Sequence[int] = DEFAULT_LADDER,
    full_input: tuple[int, int] = (416, 416),
    cost: CostModel = DEFAULT_COST,
) -> list[Crop]:
    """The crops that cover every region, merged while merging is cheaper.

    Starting from one group per region, the pair of groups whose common window saves the most
    time over two windows is merged, until no merge saves anything (ties merge). Then, when
    one window around all the groups costs no more than their windows, it replaces them. A
    group that needs a square larger than the frame turns the plan into the full frame alone.

    Args:
        regions: (R, 4) pixel boxes to look at; empty boxes are ignored.
        frame_size: (width, height) of the frame.
        ladder: Increasing square sides, multiples of 32.
        full_input: Model input for the full frame.
        cost: Cost model used to compare merges.

    Returns:
        The windows, at most one per region; none when there is no region.

    Example:
        >>> plan_regions([[100, 100, 150, 200], [160, 110, 200, 210]], (768, 576))
        [Crop(x1=22, y1=27, x2=278, y2=283, input_size=(256, 256))]
    """
    groups = _as_boxes(regions)
    costs = _crop_costs(groups, frame_size, ladder, full_input, cost)
    while len(groups) > 1:
        union = np.concatenate([np.minimum(groups[:, None, :2], groups[None, :, :2]),
                                np.maximum(groups[:, None, 2:], groups[None, :, 2:])], axis=2)
        saving = costs[:, None] + costs[None, :] - _crop_costs(union, frame_size, ladder,
                                                                full_input, cost)
        np.fill_diagonal(saving, -np.inf)
        i, j = np.unravel_index(int(np.argmax(saving)), saving.shape)
        if saving[i, j] < 0:
            break
        keep = np.ones(len(groups), bool)
        keep[[i, j]] = False
        groups = np.concatenate([groups[keep], union[i, j][None]])
        costs = np.concatenate([costs[keep], [costs[i] + costs[j] - saving[i, j]]])
    if len(groups) > 2:  # pairs may all be dearer than two crops while one crop for all wins
        everything = np.concatenate([groups[:, :2].min(axis=0), groups[:, 2:].max(axis=0)])
        if _crop_costs(everything, frame_size, ladder, full_input, cost) <= costs.sum():
            groups = everything[None]
    crops = [crop_for(b, frame_size, ladder, full_input) for b in groups]
    full = [c for c in crops if c.is_full_frame(frame_size)]
    return full[:1] or crops


class RegionDetector:
    """Runs a flexible NanoDet on crops around regions of interest, or on the whole frame.

    It also satisfies the :class:`~vigie.detect.base.Detector` protocol, where ``detect`` is
    the full frame.

    Args:
        detector: NanoDet opened with ``flexible=True``.
        ladder: Increasing square crop sides, multiples of 32.
        cost: Cost model; None for :data:`DEFAULT_COST`.

    Raises:
        ValueError: The detector is not flexible, or the ladder is not increasing multiples
            of 32.

    Example:
        >>> det = RegionDetector.from_path(resolve_model("nanodet", None))  # doctest: +SKIP
        >>> if det.prefers_regions(motion, frame.size):  # doctest: +SKIP
        ...     dets = det.detect_regions(frame.image, motion)
        ... else:
        ...     dets = det.detect(frame.image)
    """

    def __init__(self, detector: NanoDetDetector, *,
                 ladder: Sequence[int] = DEFAULT_LADDER, cost: CostModel | None = None) -> None:
        if not detector.flexible:
            raise ValueError("RegionDetector needs a NanoDet opened with flexible=True")
        steps = tuple(int(s) for s in ladder)
        if not steps or any(s % 32 or s < 32 for s in steps) or list(steps) != sorted(
                set(steps)):
            raise ValueError(f"ladder must be increasing multiples of 32, got {ladder}")
        self.detector = detector
        self.ladder = steps
        self.cost = cost or DEFAULT_COST

    @classmethod
    def from_path(cls, model_path: Path, options: DetectorOptions = DEFAULT_OPTIONS, *,
                  ladder: Sequence[int] = DEFAULT_LADDER,
                  cost: CostModel | None = None) -> RegionDetector:
        """Open nanodet.onnx (fixed or dynamic size) for region detection."""
        return cls(NanoDetDetector(model_path, options, flexible=True), ladder=ladder,
                   cost=cost)

    @property
    def labels(self) -> tuple[str, ...]:
        """Class names of the model."""
        return self.detector.labels

    @property
    def input_size(self) -> tuple[int, int]:
        """(width, height) of the model input for the full frame."""
        return self.detector.input_size

    def detect(self, image: ImageArray) -> Detections:
        """Boxes in the whole frame (the model at its full-frame input size)."""
        return self.detector.detect(image)

    def detect_batch(self, images: Sequence[ImageArray]) -> list[Detections]:
        """Boxes in several whole frames."""
        return self.detector.detect_batch(images)

    def plan(self, regions: npt.ArrayLike, frame_size: tuple[int, int]) -> list[Crop]:
        """The crops :meth:`detect_regions` would run (see :func:`plan_regions`)."""
        return plan_regions(regions, frame_size, ladder=self.ladder,
                            full_input=self.input_size, cost=self.cost)

    def full_frame_ms(self) -> float:
        """Estimated ms of one full-frame detection."""
        return self.cost.ms(self.input_size)

    def estimated_ms(self, regions: npt.ArrayLike, frame_size: tuple[int, int]) -> float:
        """Estimated ms of region detection on ``regions`` (0 when there is none)."""
        return sum(self.cost.ms(c.input_size) for c in self.plan(regions, frame_size))

    def prefers_regions(self, regions: npt.ArrayLike, frame_size: tuple[int, int],
                        margin: float = 0.9) -> bool:
        """Whether the crops cost less than ``margin`` x the full frame."""
        return self.estimated_ms(regions, frame_size) < margin * self.full_frame_ms()

    def detect_regions(self, image: ImageArray, regions: npt.ArrayLike, *,
                       fallback: bool = False) -> Detections:
        """Boxes found in the crops planned around ``regions``, in frame pixels.

        Args:
            image: (H, W, 3) uint8 BGR frame.
            regions: (R, 4) pixel boxes to look at (motion not explained by tracks).
            fallback: Run on the full frame instead when the crops would cost more.

        Returns:
            Every box the crops see (also outside the regions themselves). A box cut by a
            crop border is dropped when another crop sees the object whole, and class-aware
            NMS runs over the union. Empty when there is no region.
        """
        image = check_image(image)
        frame_size = (image.shape[1], image.shape[0])
        crops = self.plan(regions, frame_size)
        if fallback and sum(self.cost.ms(c.input_size) for c in crops) >= self.full_frame_ms():
            return self.detect(image)
        return self.detect_crops(image, crops)

    def detect_crops(self, image: ImageArray, crops: Sequence[Crop]) -> Detections:
        """Run the model on each crop and merge the boxes in frame pixels."""
        image = check_image(image)
        frame_size = (image.shape[1], image.shape[0])
        found = []
        for crop in crops:
            if crop.is_full_frame(frame_size) and crop.input_size == self.input_size:
                dets = self.detector.detect(image)
            else:
                window = image[crop.y1:crop.y2, crop.x1:crop.x2]
                dets = self.detector.detect_at(window, crop.input_size)
            found.append(_shift(dets, crop.x1, crop.y1))
        options = self.detector.options
        return merge_crop_detections(found, crops, frame_size, options.nms_iou,
                                     options.max_detections, labels=self.labels)


def _shift(dets: Detections, dx: int, dy: int) -> Detections:
    offset = np.asarray([dx, dy, dx, dy], np.float32)
    return Detections(dets.xyxy + offset, dets.confidence, dets.class_id, labels=dets.labels)


def cut_by_crop(xyxy: Boxes, crop: Crop, frame_size: tuple[int, int],
                tolerance: float = CUT_TOLERANCE) -> npt.NDArray[np.bool_]:
    """(N,) whether each frame-pixel box touches an edge of ``crop`` inside the frame."""
    width, height = frame_size
    edges = ((0, crop.x1, crop.x1 > 0, 1), (1, crop.y1, crop.y1 > 0, 1),
             (2, crop.x2, crop.x2 < width, -1), (3, crop.y2, crop.y2 < height, -1))
    cut = np.zeros(len(xyxy), bool)
    for col, edge, inner, sign in edges:
        if inner:
            cut |= (xyxy[:, col] - edge) * sign <= tolerance
    return cut


def merge_crop_detections(per_crop: Sequence[Detections], crops: Sequence[Crop],
                          frame_size: tuple[int, int], nms_iou: float,
                          max_detections: int = 300, *,
                          labels: tuple[str, ...] = COCO_CLASSES) -> Detections:
    """One set of frame-pixel detections from the detections of overlapping crops.

    A box cut by a crop border is dropped when a box of the same class from another crop,
    not cut, covers at least half of it; class-aware NMS then runs over what is left.

    Args:
        per_crop: Detections of each crop, already in frame pixels.
        crops: The crops, in the same order.
        frame_size: (width, height) of the frame.
        nms_iou: NMS IoU threshold.
        max_detections: Most boxes kept, highest scores first.
        labels: Class names of the model.
    """
    if not sum(len(d) for d in per_crop):
        return Detections.empty(labels)
    xyxy = np.concatenate([d.xyxy for d in per_crop]).astype(np.float32)
    conf = np.concatenate([d.confidence for d in per_crop]).astype(np.float32)
    cls = np.concatenate([d.class_id for d in per_crop]).astype(np.int64)
    source = np.concatenate([np.full(len(d), i) for i, d in enumerate(per_crop)])
    cut = np.concatenate([cut_by_crop(d.xyxy, c, frame_size)
                          for d, c in zip(per_crop, crops, strict=True)])
    keep = ~cut
    for k in np.flatnonzero(cut):
        whole = ~cut & (source != source[k]) & (cls == cls[k])
        keep[k] = not (_covered_share(xyxy[k], xyxy[whole]) >= 0.5).any()
    xyxy, conf, cls = xyxy[keep], conf[keep], cls[keep]
    idx = nms(xyxy, conf, nms_iou, cls)[:max_detections]
    return Detections(xyxy[idx], conf[idx], cls[idx], labels=labels)


def _covered_share(box: Boxes, others: Boxes) -> npt.NDArray[np.float32]:
    """(M,) share of ``box``'s area that each of ``others`` covers."""
    lt = np.maximum(box[:2], others[:, :2])
    rb = np.minimum(box[2:], others[:, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=1)
    area = max(float((box[2] - box[0]) * (box[3] - box[1])), 1e-9)
    return np.asarray(inter / area, np.float32)
