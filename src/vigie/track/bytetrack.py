"""ObjectTracker: ByteTrack (roboflow `trackers`) plus track history, velocity and ground speed."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import supervision as sv
from trackers import ByteTrackTracker

from vigie.config.site import TrackerConfig
from vigie.core.types import Detections, Track
from vigie.geometry import Homography

__all__ = ["ObjectTracker"]

_VELOCITY_WINDOW_S = 1.0
#: A track whose box height changes by more than this factor between two sightings is taken
#: to be another object (ByteTrack's motion-only matching can hand a lost person's id to a
#: nearby false detection): it gets a new id.
_MAX_HEIGHT_RATIO = 1.8
#: Below this anchor speed (fractions of the frame per second) an object counts as still.
_STILL_SPEED = 0.02


@dataclass
class _TrackState:
    first_seen: float
    last_seen: float = 0.0
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    confidence: float = 0.0
    votes: Counter[str] = field(default_factory=Counter)
    samples: deque[tuple[float, float, float]] = field(default_factory=deque)
    ground: deque[tuple[float, float, float]] = field(default_factory=deque)


class ObjectTracker:
    """Tracks detections over time on one camera; reasons in seconds, not frames.

    Args:
        config: ByteTrack settings.
        fps: Nominal analysis rate (ByteTrack scales its buffers with it).
        homography: Image (normalised) to ground (metres) mapping, if the camera is calibrated.

    Example:
        >>> t = ObjectTracker(TrackerConfig(min_hits=1), fps=5)
        >>> d = Detections.from_arrays([[10, 10, 30, 60]], [0.9], [0])
        >>> _ = t.update(d, ts=0.0, frame_size=(100, 100))  # a new track gets its id next frame
        >>> _, tracks = t.update(d, ts=0.2, frame_size=(100, 100))
        >>> tracks[0].label, tracks[0].anchor
        ('person', (0.2, 0.6))
    """

    def __init__(self, config: TrackerConfig, fps: float,
                 homography: Homography | None = None) -> None:
        self._config = config
        self._fps = fps
        self._homography = homography
        self._bytetrack = self._new_bytetrack()
        self._states: dict[int, _TrackState] = {}
        self._ids: dict[int, int] = {}  # ByteTrack id -> Vigie id
        self._next_id = 1
        self._last_tracks: tuple[Track, ...] = ()

    def _new_bytetrack(self) -> ByteTrackTracker:
        c = self._config
        return ByteTrackTracker(
            lost_track_buffer=max(1, round(c.lost_track_buffer_s * 30)),
            frame_rate=self._fps,
            track_activation_threshold=c.activation_threshold,
            minimum_consecutive_frames=c.min_hits,
            minimum_iou_threshold=c.min_iou,
            high_conf_det_threshold=c.high_threshold,
        )

    def reset(self) -> None:
        """Forget every track (the source restarted)."""
        self._bytetrack = self._new_bytetrack()
        self._states.clear()
        self._ids.clear()
        self._last_tracks = ()

    def update(self, detections: Detections, ts: float, frame_size: tuple[int, int],
               windows: npt.NDArray[np.float32] | None = None,
               ) -> tuple[Detections, tuple[Track, ...]]:
        """Associate this frame's detections with tracks.

        Args:
            detections: Boxes of the frame.
            ts: Stream time of the frame (s), strictly increasing.
            frame_size: (width, height) in pixels.
            windows: (K, 4) pixel windows the detector looked through when it did not see the
                whole frame: still objects outside them are held where they are (as Frigate
                does with stationary objects) instead of being counted as missed.

        Returns:
            The confirmed detections with ``tracker_id`` set, and their tracks.
        """
        if windows is not None:
            detections = Detections.merge([detections, self._still_outside(detections.labels,
                                                                          windows)])
        tracked = self._bytetrack.update(_to_supervision(detections), timestamp=ts)
        ids = np.asarray(tracked.tracker_id if tracked.tracker_id is not None else [], np.int64)
        keep = ids >= 0
        xyxy = np.asarray(tracked.xyxy, np.float32)[keep]
        class_id = np.asarray(tracked.class_id if tracked.class_id is not None
                              else np.zeros(len(ids)), np.int64)[keep]
        vigie_ids = [self._vigie_id(int(b), float(box[3] - box[1]))
                     for b, box in zip(ids[keep], xyxy, strict=True)]
        out = Detections(xyxy=xyxy, confidence=_confidences(tracked)[keep], class_id=class_id,
                         labels=detections.labels, tracker_id=np.asarray(vigie_ids, np.int64))
        tracks = tuple(self._observe(out[i], ts, frame_size) for i in range(len(out)))
        self._forget_expired(ts)
        self._last_tracks = tracks
        return out, tracks

    def known_boxes(self, ts: float, frame_size: tuple[int, int]) -> npt.NDArray[np.float32]:
        """(K, 4) pixel boxes of every object the tracker follows, where it should be at ``ts``.

        Confirmed tracks are moved along their velocity since they were last seen; tentative
        and lost ones are at the tracker's own estimate. Motion gating uses them to tell the
        motion of known objects from the motion of something new.
        """
        w, h = frame_size
        moved = [np.add(t.box, np.tile([t.velocity[0] * w, t.velocity[1] * h], 2)
                        * (ts - t.last_seen)) for t in self._last_tracks]
        estimated = [t.get_state_bbox() for t in self._bytetrack.tracks]
        return np.asarray(moved + estimated, np.float32).reshape(-1, 4)

    def _still_outside(self, labels: tuple[str, ...],
                       windows: npt.NDArray[np.float32]) -> Detections:
        """Still, confirmed objects whose centre no window covers, as detections where they are."""
        held = [t for t in self._last_tracks
                if float(np.hypot(*t.velocity)) < _STILL_SPEED and t.label in labels
                and not _inside_any(t.box, windows)]
        return Detections(np.asarray([t.box for t in held], np.float32).reshape(-1, 4),
                          np.asarray([max(t.confidence, self._config.high_threshold)
                                      for t in held], np.float32),
                          np.asarray([labels.index(t.label) for t in held], np.int64),
                          labels=labels)

    @property
    def tentative(self) -> int:
        """Tracklets seen but not yet confirmed: they need the next frame's detections."""
        return sum(1 for t in self._bytetrack.tracks if t.tracker_id == -1)

    def coast(self) -> tuple[Track, ...]:
        """Tracks of the last detector run, unchanged: used on frames the detector skipped."""
        return self._last_tracks

    def _vigie_id(self, bytetrack_id: int, height: float) -> int:
        """Our id for a ByteTrack id; a new one when the box changed size implausibly."""
        vid = self._ids.get(bytetrack_id)
        state = self._states.get(vid) if vid is not None else None
        if state is not None:
            old = state.box[3] - state.box[1]
            if old > 0 and height > 0 and max(old / height, height / old) > _MAX_HEIGHT_RATIO:
                vid = None
        if vid is None:
            vid, self._next_id = self._next_id, self._next_id + 1
            self._ids[bytetrack_id] = vid
        return vid

    def _observe(self, det: Detections, ts: float, frame_size: tuple[int, int]) -> Track:
        tid = int(det.tracker_id[0])  # type: ignore[index]
        state = self._states.setdefault(tid, _TrackState(first_seen=ts))
        x1, y1, x2, y2 = (float(v) for v in det.xyxy[0])
        w, h = frame_size
        anchor = ((x1 + x2) / 2 / w, y2 / h)
        state.last_seen, state.box = ts, (x1, y1, x2, y2)
        state.confidence = float(det.confidence[0])
        state.votes[str(det.class_names[0])] += 1
        _push(state.samples, (ts, *anchor), ts - self._config.history_s)
        ground = speed = None
        if self._homography is not None:
            gx, gy = (float(v) for v in self._homography.to_ground([anchor])[0])
            ground = (gx, gy)
            _push(state.ground, (ts, gx, gy), ts - self._config.history_s)
            speed = float(np.hypot(*_velocity(state.ground, ts)))
        return Track(
            track_id=tid, label=state.votes.most_common(1)[0][0], box=state.box,
            confidence=state.confidence, anchor=anchor, first_seen=state.first_seen,
            last_seen=ts, history=tuple(state.samples), velocity=_velocity(state.samples, ts),
            ground=ground, speed_mps=speed,
        )

    def _forget_expired(self, ts: float) -> None:
        horizon = ts - max(self._config.lost_track_buffer_s, 0.5) * 2
        for tid in [t for t, s in self._states.items() if s.last_seen < horizon]:
            del self._states[tid]
        alive = set(self._states)
        self._ids = {b: v for b, v in self._ids.items() if v in alive}


def _push(samples: deque[tuple[float, float, float]], sample: tuple[float, float, float],
          oldest: float) -> None:
    samples.append(sample)
    while samples and samples[0][0] < oldest:
        samples.popleft()


def _velocity(samples: deque[tuple[float, float, float]], ts: float) -> tuple[float, float]:
    """Least-squares velocity (units per second) over the last second of samples."""
    recent = [s for s in samples if s[0] >= ts - _VELOCITY_WINDOW_S]
    if len(recent) < 2:
        return (0.0, 0.0)
    arr = np.asarray(recent, dtype=np.float64)
    t = arr[:, 0] - arr[:, 0].mean()
    denom = float((t * t).sum())
    if denom <= 0:
        return (0.0, 0.0)
    vx = float((t * (arr[:, 1] - arr[:, 1].mean())).sum() / denom)
    vy = float((t * (arr[:, 2] - arr[:, 2].mean())).sum() / denom)
    return (vx, vy)


def _to_supervision(det: Detections) -> sv.Detections:
    if not len(det):
        return sv.Detections.empty()
    return sv.Detections(xyxy=det.xyxy.astype(np.float32), confidence=det.confidence,
                         class_id=det.class_id.astype(int))


def _confidences(det: sv.Detections) -> npt.NDArray[np.float32]:
    if det.confidence is None:
        return np.ones(len(det), np.float32)
    return np.asarray(det.confidence, np.float32)


def _inside_any(box: tuple[float, float, float, float], windows: npt.NDArray[np.float32]) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return bool(((windows[:, 0] <= cx) & (cx < windows[:, 2])
                 & (windows[:, 1] <= cy) & (cy < windows[:, 3])).any())
