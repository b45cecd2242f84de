"""Frame, Detections, Track, FrameResult and Event: the few types every stage passes along."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "COCO_CLASSES",
    "Detections",
    "Event",
    "Frame",
    "FrameResult",
    "STEADY",
    "Track",
    "VEHICLE_CLASSES",
    "ViewState",
]

COCO_CLASSES: tuple[str, ...] = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog",
    "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella",
    "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
    "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
    "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
    "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant",
    "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
    "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
    "teddy bear", "hair drier", "toothbrush",
)  # fmt: skip

#: Labels that the "vehicle" class group stands for in rule configurations.
VEHICLE_CLASSES: frozenset[str] = frozenset({"bicycle", "car", "motorcycle", "bus", "truck"})

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
ImageArray = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True, eq=False)
class Frame:
    """One decoded picture from one camera, with read-only pixels.

    Attributes:
        camera_id: The camera's id in the site configuration.
        seq: Index of the frame in its source (0-based, decoding order).
        ts: Seconds on the stream's clock (PTS for files, monotonic for live sources).
            Every rule reasons on this clock, never on the frame count.
        wall: Wall-clock time of the capture, timezone-aware UTC.
        image: Pixels, shape (H, W, 3), BGR, uint8, not writeable.
        decoded_at: ``time.monotonic()`` when the frame left the decoder (latency figures).
    """

    camera_id: str
    seq: int
    ts: float
    wall: datetime
    image: ImageArray
    decoded_at: float = 0.0

    def __post_init__(self) -> None:
        if self.image.ndim != 3 or self.image.shape[2] != 3:
            raise ValueError(f"Frame.image must be (H, W, 3), got {self.image.shape}")
        if self.wall.tzinfo is None:
            raise ValueError("Frame.wall must be timezone-aware")
        self.image.flags.writeable = False

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return int(self.image.shape[1]), int(self.image.shape[0])


@dataclass(slots=True, eq=False)
class Detections:
    """Boxes found in one frame, as a structure of arrays.

    Attributes:
        xyxy: (N, 4) float32 pixel boxes ``x1, y1, x2, y2``.
        confidence: (N,) float32 scores in 0..1.
        class_id: (N,) int64 indexes into ``labels``.
        labels: Class names of the model that produced the boxes.
        tracker_id: (N,) int64 track ids once tracked, else None.
        data: Extra per-box arrays (N, ...), e.g. keypoints.

    Example:
        >>> d = Detections.from_arrays([[0, 0, 10, 20]], [0.9], [0], labels=("person",))
        >>> len(d[d.class_names == "person"])
        1
    """

    xyxy: FloatArray
    confidence: FloatArray
    class_id: IntArray
    labels: tuple[str, ...] = COCO_CLASSES
    tracker_id: IntArray | None = None
    data: dict[str, npt.NDArray[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.xyxy = np.asarray(self.xyxy, dtype=np.float32).reshape(-1, 4)
        n = len(self.xyxy)
        self.confidence = np.asarray(self.confidence, dtype=np.float32).reshape(-1)
        self.class_id = np.asarray(self.class_id, dtype=np.int64).reshape(-1)
        if self.tracker_id is not None:
            self.tracker_id = np.asarray(self.tracker_id, dtype=np.int64).reshape(-1)
        for name, arr in self._per_box_arrays().items():
            if len(arr) != n:
                raise ValueError(f"Detections.{name} has {len(arr)} rows, xyxy has {n}")
        if n and (self.class_id.min() < 0 or self.class_id.max() >= len(self.labels)):
            raise ValueError(f"Detections.class_id outside 0..{len(self.labels) - 1}")

    def _per_box_arrays(self) -> dict[str, npt.NDArray[Any]]:
        arrays: dict[str, npt.NDArray[Any]] = {
            "confidence": self.confidence,
            "class_id": self.class_id,
        }
        if self.tracker_id is not None:
            arrays["tracker_id"] = self.tracker_id
        arrays.update({f"data[{k!r}]": v for k, v in self.data.items()})
        return arrays

    @classmethod
    def empty(cls, labels: tuple[str, ...] = COCO_CLASSES) -> Detections:
        """No boxes."""
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64),
                   labels=labels)

    @classmethod
    def from_arrays(
        cls,
        xyxy: Sequence[Sequence[float]] | FloatArray,
        confidence: Sequence[float] | FloatArray,
        class_id: Sequence[int] | IntArray,
        labels: tuple[str, ...] = COCO_CLASSES,
    ) -> Detections:
        """Build from plain sequences (tests, adapters)."""
        return cls(np.asarray(xyxy, np.float32), np.asarray(confidence, np.float32),
                   np.asarray(class_id, np.int64), labels=labels)

    def __len__(self) -> int:
        return len(self.xyxy)

    def __getitem__(self, index: npt.NDArray[Any] | slice | int) -> Detections:
        """Select boxes with a boolean mask, an index array, a slice or one int."""
        if isinstance(index, int):
            index = np.array([index])
        return Detections(
            xyxy=self.xyxy[index],
            confidence=self.confidence[index],
            class_id=self.class_id[index],
            labels=self.labels,
            tracker_id=None if self.tracker_id is None else self.tracker_id[index],
            data={k: v[index] for k, v in self.data.items()},
        )

    @property
    def class_names(self) -> npt.NDArray[np.str_]:
        """(N,) the label of each box."""
        return np.asarray(self.labels, dtype=np.str_)[self.class_id] if len(self) else \
            np.zeros(0, dtype=np.str_)

    @property
    def anchors(self) -> FloatArray:
        """(N, 2) bottom-centre points, where a standing person or a vehicle meets the ground."""
        x = (self.xyxy[:, 0] + self.xyxy[:, 2]) / 2
        anchors: FloatArray = np.stack([x, self.xyxy[:, 3]], axis=1).astype(np.float32)
        return anchors

    @property
    def area(self) -> FloatArray:
        """(N,) box areas in square pixels."""
        wh = np.clip(self.xyxy[:, 2:] - self.xyxy[:, :2], 0, None)
        areas: FloatArray = (wh[:, 0] * wh[:, 1]).astype(np.float32)
        return areas

    @classmethod
    def merge(cls, parts: Sequence[Detections]) -> Detections:
        """Concatenate detections that share one label table."""
        if not parts:
            return cls.empty()
        labels = parts[0].labels
        if any(p.labels != labels for p in parts):
            raise ValueError("cannot merge detections from models with different labels")
        tracked = all(p.tracker_id is not None for p in parts)
        keys = set.intersection(*(set(p.data) for p in parts))
        return cls(
            xyxy=np.concatenate([p.xyxy for p in parts]),
            confidence=np.concatenate([p.confidence for p in parts]),
            class_id=np.concatenate([p.class_id for p in parts]),
            labels=labels,
            tracker_id=np.concatenate([p.tracker_id for p in parts if p.tracker_id is not None])
            if tracked else None,
            data={k: np.concatenate([p.data[k] for p in parts]) for k in keys},
        )


@dataclass(frozen=True, slots=True)
class Track:
    """One tracked object as the rules see it in one frame.

    Attributes:
        track_id: Id given by the tracker, unique per camera while the pipeline runs.
        label: Class name (``person``, ``car``...).
        box: Pixel box ``x1, y1, x2, y2``.
        confidence: Score of the last matched detection.
        anchor: Bottom-centre point, normalised to 0..1 of the frame width and height.
        first_seen: Stream time (s) the track was created.
        last_seen: Stream time (s) of the last matched detection.
        history: Recent ``(ts, x, y)`` anchor samples, normalised, oldest first.
        velocity: Anchor velocity in normalised units per second (vx, vy).
        ground: Position on the ground plane in metres, when the camera is calibrated.
        speed_mps: Ground speed in metres per second, when the camera is calibrated.
    """

    track_id: int
    label: str
    box: tuple[float, float, float, float]
    confidence: float
    anchor: tuple[float, float]
    first_seen: float
    last_seen: float
    history: tuple[tuple[float, float, float], ...] = ()
    velocity: tuple[float, float] = (0.0, 0.0)
    ground: tuple[float, float] | None = None
    speed_mps: float | None = None

    @property
    def age(self) -> float:
        """Seconds since the track was created, on the stream clock."""
        return self.last_seen - self.first_seen


@dataclass(frozen=True, slots=True)
class ViewState:
    """The camera's view at one analysed frame.

    Attributes:
        moving: The whole view moves (pan, shake, hand-held: two frames in a row), or has
            not been steady for ``steady_s`` since it last did.
        cut: The picture changed entirely since the previous frame (scene cut, camera
            switched, lens covered).
    """

    moving: bool = False
    cut: bool = False


#: A fixed camera's view, as most frames are.
STEADY = ViewState()


@dataclass(frozen=True, slots=True, eq=False)
class FrameResult:
    """What tracking emits and rules consume for one analysed frame.

    Attributes:
        frame: The frame (pixels are read-only).
        detections: Boxes of this frame with ``tracker_id`` set.
        tracks: Tracks matched in this frame.
        motion_boxes: (M, 4) pixel boxes of moving regions.
        detected: Whether the detector ran on this frame (False when motion gating held tracks).
        view: Whether the camera's view moves or just cut (rules that need a fixed view are
            not run while it moves).
        stages_ms: Time spent per stage for this frame, for the benchmark.
    """

    frame: Frame
    detections: Detections
    tracks: tuple[Track, ...]
    motion_boxes: FloatArray = field(default_factory=lambda: np.zeros((0, 4), np.float32))
    detected: bool = True
    stages_ms: Mapping[str, float] = field(default_factory=dict)
    view: ViewState = STEADY

    @property
    def ts(self) -> float:
        """Stream time of the frame, in seconds."""
        return self.frame.ts

    @property
    def camera_id(self) -> str:
        """The camera the frame came from."""
        return self.frame.camera_id


@dataclass(frozen=True, slots=True)
class Event:
    """Immutable output of a rule: something happened, and why the rule thinks so.

    Attributes:
        kind: Event type id (``zone_intrusion``, ``tripwire``, ``loitering``...).
        rule_id: Name of the rule instance in the camera's configuration.
        camera_id: The camera.
        ts: Stream time (s) at which the rule fired.
        wall: Wall-clock time at which the rule fired (UTC).
        started_at: Stream time (s) the incident began (e.g. entry into the zone).
        confidence: 0..1, how sure the rule is.
        explanation: One sentence for the operator: why it fired, with the thresholds.
        incident_key: Same key for every event of one incident (one track in one zone);
            the alert stage turns one incident into one alert.
        zone: Zone or line name, if the rule is tied to one.
        track_ids: Tracks involved.
        boxes: Pixel boxes to outline on the snapshot.
        details: Measured values and thresholds (dwell_s, direction, speed...).
        alert: False for events that are only counted (statistics), never shown as alerts;
            ``details["direction"]`` names the counted series and ``details["n"]`` the amount
            (default 1).
    """

    kind: str
    rule_id: str
    camera_id: str
    ts: float
    wall: datetime
    started_at: float
    confidence: float
    explanation: str
    incident_key: str
    zone: str | None = None
    track_ids: tuple[int, ...] = ()
    boxes: tuple[tuple[float, float, float, float], ...] = ()
    details: Mapping[str, float | int | str] = field(default_factory=dict)
    alert: bool = True
