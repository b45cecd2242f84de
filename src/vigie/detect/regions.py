"""Region detection: NanoDet on square crops around motion instead of on the whole frame.

This is Frigate's idea. Each region gets the smallest square window from a ladder of model
input sizes that holds it. The window is ``1 / scale`` times the model input, so it is always
downscaled and never upscaled. The defaults are scale 0.75 and inputs of 160 to 416 px, which
give windows of 213 to 555 px. A region bigger than the largest window gets a window of its
own size, downscaled further. Regions are merged while one window around the pair costs less
than two. The plan falls back to the full frame when the windows would cost as much, since
the full frame sees more for the same time. :meth:`RegionDetector.prefers_regions` tells the
caller whether the crops are worth it.

Measured on vtest.avi (``python -m tests.detect.bench_regions``, one core), with one crop per
person that CenterNet-512 sees. At scale 0.75 the crops found 99.6 % of those people in
4.3 ms per crop. At native resolution (scale 1) they found 97.6 % in 9.9 ms. The full frame
found 99.4 % in 24 ms. Native resolution makes people bigger than NanoDet's sweet spot.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
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
    "Ladder",
    "RegionDetector",
    "crop_for",
    "cut_by_crop",
    "merge_crop_detections",
    "plan_regions",
]

Boxes = npt.NDArray[np.float32]

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

    The defaults were measured for NanoDet's ``detect_at`` (pre-processing, model, decode) on
    one core of the development machine: 23.5 / 14.3 / 9.6 / 7.5 ms at 416 / 320 / 256 / 224
    square. Only ratios matter to the choice
    between crops and the full frame, so they carry over to other machines and thread counts
    well. :meth:`measure` fits the model on the machine at hand.

    Attributes:
        fixed_ms: Per-call cost (session call, decode, NMS).
        ms_per_kpixel: Cost per thousand input pixels.
    """

    fixed_ms: float = 0.9
    ms_per_kpixel: float = 0.13

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


@dataclass(frozen=True, slots=True)
class Ladder:
    """The square windows region detection may use.

    Attributes:
        inputs: Increasing model input sides, multiples of 32.
        scale: Model pixels per frame pixel in a window (0 < scale <= 1); a window is
            ``input / scale`` frame pixels wide.
        full_input: Model input (width, height) for the full frame.

    Raises:
        ValueError: Inputs not increasing multiples of 32, or scale outside (0, 1].

    Example:
        >>> Ladder((192, 256), 0.75).windows
        (256, 341)
    """

    inputs: tuple[int, ...] = (160, 192, 224, 256, 320, 416)
    scale: float = 0.75
    full_input: tuple[int, int] = (416, 416)

    def __post_init__(self) -> None:
        steps = list(self.inputs)
        if not steps or any(s % 32 or s < 32 for s in steps) or steps != sorted(set(steps)):
            raise ValueError(f"ladder inputs must be increasing multiples of 32, got "
                             f"{self.inputs}")
        if not 0 < self.scale <= 1:
            raise ValueError(f"ladder scale must be in (0, 1], got {self.scale}")

    @property
    def windows(self) -> tuple[int, ...]:
        """Window side (frame pixels) of each input side."""
        return tuple(round(m / self.scale) for m in self.inputs)


#: Inputs 160/192/224/256/320/416 at scale 0.75 (windows 213 to 555 px), full frame 416x416.
DEFAULT_LADDER = Ladder()


def crop_for(box: npt.ArrayLike, frame_size: tuple[int, int],
             ladder: Ladder = DEFAULT_LADDER) -> Crop:
    """The window the detector looks through to see one region.

    Args:
        box: (4,) region x1, y1, x2, y2 in frame pixels.
        frame_size: (width, height) of the frame.
        ladder: Allowed windows.

    Returns:
        The smallest ladder window that holds the box. A box bigger than the largest window
        gets a square of its own side, fed at the largest input. The square is centred on the
        box and shifted inside the frame. A square taller or wider than the frame becomes the
        full frame.

    Example:
        >>> crop_for([10, 10, 60, 150], (768, 576))
        Crop(x1=0, y1=0, x2=213, y2=213, input_size=(160, 160))
    """
    x1, y1, x2, y2 = np.asarray(box, np.float64).reshape(4)
    width, height = frame_size
    need = max(x2 - x1, y2 - y1)
    fits = [(w, m) for w, m in zip(ladder.windows, ladder.inputs, strict=True) if w >= need]
    side, model_side = fits[0] if fits else (math.ceil(need), ladder.inputs[-1])
    if side > min(width, height):
        return Crop(0, 0, width, height, ladder.full_input)
    left = int(np.clip(round((x1 + x2 - side) / 2), 0, width - side))
    top = int(np.clip(round((y1 + y2 - side) / 2), 0, height - side))
    return Crop(left, top, left + side, top + side, (model_side, model_side))


def _crop_costs(boxes: Boxes, frame_size: tuple[int, int], ladder: Ladder,
                cost: CostModel) -> npt.NDArray[np.float64]:
    """Estimated ms of the window of each box, vectorised over any leading shape."""
    need = np.maximum(boxes[..., 2] - boxes[..., 0], boxes[..., 3] - boxes[..., 1])
    windows = np.asarray(ladder.windows, np.float64)
    step = np.minimum(np.searchsorted(windows, need), len(windows) - 1)
    model_side = np.asarray(ladder.inputs, np.float64)[step]
    out = cost.fixed_ms + cost.ms_per_kpixel * model_side**2 / 1000
    side = np.where(need <= windows[-1], windows[step], np.ceil(need))
    return np.where(side > min(frame_size), cost.ms(ladder.full_input), out)


def plan_regions(
    regions: npt.ArrayLike,
    frame_size: tuple[int, int],
    *,
    ladder: Ladder = DEFAULT_LADDER,
    cost: CostModel = DEFAULT_COST,
    allow_full_frame: bool = True,
) -> list[Crop]:
    """The crops that cover every region, merged while merging is cheaper.

    Starting from one group per region, the pair of groups whose common window saves the most
    time over two windows is merged, until no merge saves anything (ties merge). Then, when
    one window around all the groups costs no more than their windows, it replaces them. A
    group that needs a square larger than the frame turns the plan into the full frame alone,
    and so do crops that together cost at least as much as the full frame (it sees more for
    the same time) unless ``allow_full_frame`` is False.

    Args:
        regions: (R, 4) pixel boxes to look at; empty boxes are ignored.
        frame_size: (width, height) of the frame.
        ladder: Allowed windows.
        cost: Cost model used to compare merges.
        allow_full_frame: Replace crops that cost as much as the full frame by the full frame.

    Returns:
        The windows, at most one per region; none when there is no region.

    Example:
        >>> plan_regions([[100, 100, 150, 200], [160, 110, 200, 210]], (768, 576))
        [Crop(x1=44, y1=48, x2=257, y2=261, input_size=(160, 160))]
    """
    groups = _as_boxes(regions)
    costs = _crop_costs(groups, frame_size, ladder, cost)
    while len(groups) > 1:
        union = np.concatenate([np.minimum(groups[:, None, :2], groups[None, :, :2]),
                                np.maximum(groups[:, None, 2:], groups[None, :, 2:])], axis=2)
        saving = costs[:, None] + costs[None, :] - _crop_costs(union, frame_size, ladder, cost)
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
        one = _crop_costs(everything, frame_size, ladder, cost)
        if one <= costs.sum():
            groups, costs = everything[None], np.atleast_1d(one)
    crops = [crop_for(b, frame_size, ladder) for b in groups]
    whole = Crop(0, 0, *frame_size, ladder.full_input)
    if any(c.is_full_frame(frame_size) for c in crops) or (
            allow_full_frame and len(crops) and costs.sum() >= cost.ms(ladder.full_input)):
        return [whole]
    return crops


class RegionDetector:
    """Runs a flexible NanoDet on crops around regions of interest, or on the whole frame.

    It also satisfies the :class:`~vigie.detect.base.Detector` protocol, where ``detect`` is
    the full frame.

    Args:
        detector: NanoDet opened with ``flexible=True``.
        ladder: Allowed windows; its ``full_input`` is replaced by the detector's input size.
        cost: Cost model; None for :data:`DEFAULT_COST`.

    Raises:
        ValueError: The detector is not flexible.

    Example:
        >>> det = RegionDetector.from_path(resolve_model("nanodet", None))  # doctest: +SKIP
        >>> if det.prefers_regions(motion, frame.size):  # doctest: +SKIP
        ...     dets = det.detect_regions(frame.image, motion)
        ... else:
        ...     dets = det.detect(frame.image)
    """

    def __init__(self, detector: NanoDetDetector, *, ladder: Ladder = DEFAULT_LADDER,
                 cost: CostModel | None = None) -> None:
        if not detector.flexible:
            raise ValueError("RegionDetector needs a NanoDet opened with flexible=True")
        self.detector = detector
        self.ladder = replace(ladder, full_input=detector.input_size)
        self.cost = cost or DEFAULT_COST

    @classmethod
    def from_path(cls, model_path: Path, options: DetectorOptions = DEFAULT_OPTIONS, *,
                  ladder: Ladder = DEFAULT_LADDER,
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

    def plan(self, regions: npt.ArrayLike, frame_size: tuple[int, int], *,
             allow_full_frame: bool = True) -> list[Crop]:
        """The crops :meth:`detect_regions` would run (see :func:`plan_regions`)."""
        return plan_regions(regions, frame_size, ladder=self.ladder, cost=self.cost,
                            allow_full_frame=allow_full_frame)

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
                       allow_full_frame: bool = True) -> Detections:
        """Boxes found in the crops planned around ``regions``, in frame pixels.

        Args:
            image: (H, W, 3) uint8 BGR frame.
            regions: (R, 4) pixel boxes to look at (motion not explained by tracks).
            allow_full_frame: Run on the full frame when the crops would cost as much.

        Returns:
            Every whole box the crops see (also outside the regions themselves). A box cut
            by a crop border is dropped when another crop sees the object whole or when its
            centre lies in no region; class-aware NMS runs over the union. Empty when there
            is no region.
        """
        image = check_image(image)
        frame_size = (image.shape[1], image.shape[0])
        crops = self.plan(regions, frame_size, allow_full_frame=allow_full_frame)
        return self.detect_crops(image, crops, regions)

    def detect_crops(self, image: ImageArray, crops: Sequence[Crop],
                     regions: npt.ArrayLike | None = None) -> Detections:
        """Run the model on each crop and merge the boxes in frame pixels.

        Args:
            image: (H, W, 3) uint8 BGR frame.
            crops: Windows to look through, e.g. from :meth:`plan`.
            regions: (R, 4) regions the crops were planned for; when given, a box cut by a
                crop border whose centre lies in no region is dropped (a partial view of
                something outside the regions).
        """
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
                                     options.max_detections, labels=self.labels,
                                     regions=None if regions is None else _as_boxes(regions))


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
                          labels: tuple[str, ...] = COCO_CLASSES,
                          regions: Boxes | None = None) -> Detections:
    """One set of frame-pixel detections from the detections of overlapping crops.

    A box cut by a crop border is dropped when a box of the same class from another crop,
    not cut, covers at least half of it, or when ``regions`` are given and its centre lies
    in none of them. Class-aware NMS then runs over what is left.

    Args:
        per_crop: Detections of each crop, already in frame pixels.
        crops: The crops, in the same order.
        frame_size: (width, height) of the frame.
        nms_iou: NMS IoU threshold.
        max_detections: Most boxes kept, highest scores first.
        labels: Class names of the model.
        regions: (R, 4) regions the crops were planned for, or None.
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
    in_region = np.ones(len(xyxy), bool)
    if regions is not None:
        centres = (xyxy[:, None, :2] + xyxy[:, None, 2:]) / 2
        inside = (centres >= regions[None, :, :2]) & (centres <= regions[None, :, 2:])
        in_region = np.asarray(np.all(inside, axis=2).any(axis=1))
    for k in np.flatnonzero(cut & in_region):  # cut boxes outside every region stay dropped
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
