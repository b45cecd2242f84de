"""Alert evidence: annotated JPEG snapshots and short browser-playable clips around the alert.

Files go to ``data_dir/evidence/<camera_id>/<YYYY-MM-DD>/<alert_uuid>.jpg|.webm`` (UTC date,
so retention can drop whole days after 30 days) and are written atomically (temporary file,
fsync, rename): a reader never sees half a file.

Clips are WebM/VP9 (``libvpx-vp9``, realtime settings). VP9 is royalty-free and libvpx is
BSD-licensed, whereas H.264 needs a patent licence and, through FFmpeg, the GPL ``libx264``
encoder (which PyAV's bundled FFmpeg includes): choosing VP9 keeps Vigie deployable with an
LGPL FFmpeg build. Every current browser plays VP9 WebM.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

import av
import cv2
import numpy as np

from vigie.core.types import Event, Frame, ImageArray, Track
from vigie.events.anonymise import Anonymiser
from vigie.events.ringbuffer import BufferedFrame, FrameRingBuffers

if TYPE_CHECKING:
    from av.container import OutputContainer
    from av.packet import Packet
    from av.video.stream import VideoStream

__all__ = ["ALERT_COLOR", "ClipRecorder", "ClipRequest", "ClipResult", "ClipSettings",
           "EvidencePaths", "draw_overlay", "encode_clip", "evidence_paths", "write_snapshot"]

log = logging.getLogger(__name__)

Box = tuple[float, float, float, float]
#: Blurs a frame given its tracks (``vigie.events.anonymise.Anonymiser`` fits).
Anonymise = Callable[[ImageArray, Sequence[Track]], ImageArray]
Polygon = Sequence[tuple[float, float]]
BGR = tuple[int, int, int]

ALERT_COLOR: BGR = (0, 0, 255)    # red: the objects that raised the alert
ZONE_COLOR: BGR = (0, 191, 255)   # amber: the zone the rule watches
_TIME_BASE = Fraction(1, 1000)    # WebM counts in milliseconds
_TS_TOLERANCE = 1e-3              # stream times closer than this are the same frame


@dataclass(frozen=True, slots=True)
class EvidencePaths:
    """Where an alert's evidence goes; ``relative(...)`` is what the database stores."""

    data_dir: Path
    snapshot: Path
    clip: Path

    def relative(self, path: Path) -> str:
        """``path`` relative to the data folder, with forward slashes."""
        return path.relative_to(self.data_dir).as_posix()


def evidence_paths(data_dir: Path, camera_id: str, at: datetime, alert_uuid: UUID) -> EvidencePaths:
    """The snapshot and clip paths of one alert (folders are created when writing)."""
    folder = data_dir / "evidence" / camera_id / at.astimezone(UTC).strftime("%Y-%m-%d")
    return EvidencePaths(data_dir, folder / f"{alert_uuid}.jpg", folder / f"{alert_uuid}.webm")


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with tmp.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def draw_overlay(image: ImageArray, boxes: Sequence[Box], labels: Sequence[str] = (),
                 zone_polygon: Polygon | None = None, *, color: BGR = ALERT_COLOR) -> ImageArray:
    """A copy of ``image`` with the zone shaded and each box outlined and labelled.

    Args:
        image: (H, W, 3) BGR pixels (not modified).
        boxes: Pixel boxes ``x1, y1, x2, y2``.
        labels: One text per box (missing or empty: no label).
        zone_polygon: Zone vertices in pixels, drawn semi-transparent.
        color: BGR colour of the boxes.

    Returns:
        The annotated copy.
    """
    out = np.ascontiguousarray(image).copy()
    height, width = out.shape[:2]
    thickness = max(2, round(min(height, width) / 160))
    if zone_polygon is not None and len(zone_polygon) >= 3:
        points = np.round(np.asarray(zone_polygon, np.float64)).astype(np.int32).reshape(-1, 1, 2)
        shaded = out.copy()
        cv2.fillPoly(shaded, [points], ZONE_COLOR)
        cv2.addWeighted(shaded, 0.25, out, 0.75, 0, dst=out)
        cv2.polylines(out, [points], True, ZONE_COLOR, max(1, thickness // 2), cv2.LINE_AA)
    for index, box in enumerate(boxes):
        x1, y1, x2, y2 = (int(round(v)) for v in box)
        x1, x2 = sorted((min(max(x1, 0), width - 1), min(max(x2, 0), width - 1)))
        y1, y2 = sorted((min(max(y1, 0), height - 1), min(max(y2, 0), height - 1)))
        cv2.rectangle(out, (x1, y1), (x2, y2), color, thickness)
        label = labels[index] if index < len(labels) else ""
        if label:
            _draw_label(out, label, (x1, y1), color, thickness)
    return out


def _draw_label(image: ImageArray, text: str, corner: tuple[int, int], color: BGR,
                thickness: int) -> None:
    scale = max(0.4, thickness / 4)
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    x = corner[0]
    y = corner[1] - th - base - 2 if corner[1] - th - base - 2 >= 0 else corner[1]
    cv2.rectangle(image, (x, y), (x + tw + 4, y + th + base + 2), color, cv2.FILLED)
    cv2.putText(image, text, (x + 2, y + th + 1), cv2.FONT_HERSHEY_SIMPLEX, scale,
                (255, 255, 255), 1, cv2.LINE_AA)


def write_snapshot(frame: Frame, boxes: Sequence[Box], labels: Sequence[str],
                   zone_polygon: Polygon | None, path: Path, quality: int = 85) -> Path:
    """Write the annotated frame as a JPEG, atomically.

    Args:
        frame: The alert frame.
        boxes: Pixel boxes of the objects that raised the alert.
        labels: One text per box.
        zone_polygon: Zone vertices in pixels, or None.
        path: Destination (parent folders are created).
        quality: JPEG quality, 10..100.

    Returns:
        ``path``.

    Raises:
        OSError: The file cannot be written (disk full, permissions).
    """
    image = draw_overlay(frame.image, boxes, labels, zone_polygon)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise OSError(f"JPEG encoding failed for {path}")
    _atomic_write(path, data.tobytes())
    return path


@dataclass(frozen=True, slots=True)
class ClipSettings:
    """VP9 encoder settings (realtime: a 10 s clip encodes in well under 10 s on one core).

    Attributes:
        crf: Constant quality, 0 (best) .. 63; 33 is fine for evidence review.
        cpu_used: libvpx speed, 5..8 in realtime mode; 8 is the fastest.
        max_width: Wider frames are scaled down (aspect kept); None keeps the size.
        threads: Encoder threads.
    """

    crf: int = 33
    cpu_used: int = 8
    max_width: int | None = 1280
    threads: int = 2


def _output_size(width: int, height: int, max_width: int | None) -> tuple[int, int]:
    if max_width is not None and width > max_width:
        height, width = round(height * max_width / width), max_width
    return width - width % 2, height - height % 2  # yuv420p needs even sizes


def encode_clip(frames: Sequence[tuple[float, ImageArray]], path: Path,
                settings: ClipSettings | None = None,
                annotate: Callable[[int, ImageArray], ImageArray] | None = None) -> float:
    """Encode ``(ts, BGR image)`` frames into a WebM/VP9 file, atomically.

    Timestamps follow ``ts`` (variable frame intervals kept, in milliseconds from the first
    frame); the last frame lasts as long as the median interval. ``annotate(index, image)``,
    if given, draws on each frame just before it is encoded (one annotated copy at a time).

    Returns:
        The clip duration in seconds.

    Raises:
        ValueError: No frames.
        av.error.FFmpegError, OSError: Encoding or writing failed.
    """
    if not frames:
        raise ValueError("a clip needs at least one frame")
    settings = settings or ClipSettings()
    t0 = frames[0][0]
    pts = _timestamps([ts - t0 for ts, _ in frames])
    last_ms = int(np.median(np.diff(pts))) if len(pts) > 1 else 100
    height, width = frames[0][1].shape[:2]
    out_w, out_h = _output_size(width, height, settings.max_width)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with av.open(str(tmp), mode="w", format="webm") as container:
            stream = container.add_stream("libvpx-vp9", rate=_rate(pts), options={
                "deadline": "realtime", "cpu-used": str(settings.cpu_used),
                "crf": str(settings.crf), "b": "0", "row-mt": "1", "lag-in-frames": "0"})
            stream.width, stream.height, stream.pix_fmt = out_w, out_h, "yuv420p"
            stream.time_base = stream.codec_context.time_base = _TIME_BASE
            stream.codec_context.thread_count = settings.threads
            held: list[Packet[VideoStream]] = []
            for index, ((_, image), stamp) in enumerate(zip(frames, pts, strict=True)):
                if annotate is not None:
                    image = annotate(index, image)
                video = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")
                video = video.reformat(width=out_w, height=out_h, format="yuv420p")
                video.pts, video.time_base = stamp, _TIME_BASE
                _mux_timed(container, held, stream.encode(video))
            _mux_timed(container, held, stream.encode(None))
            if held:
                held[0].duration = last_ms
                container.mux(held[0])
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return (pts[-1] + last_ms) / 1000


def _mux_timed(container: OutputContainer, held: list[Packet[VideoStream]],
               packets: Sequence[Packet[VideoStream]]) -> None:
    """Mux packets one behind, so each lasts until the next one starts (true VFR durations)."""
    for packet in packets:
        if packet.pts is None:  # never from libvpx; mux as is rather than drop
            container.mux(packet)
            continue
        if held:
            previous = held.pop()
            previous.duration = max(1, packet.pts - (previous.pts or 0))
            container.mux(previous)
        held.append(packet)


def _timestamps(offsets_s: Sequence[float]) -> list[int]:
    """Milliseconds, strictly increasing (two frames in one millisecond are nudged apart)."""
    out: list[int] = []
    for offset in offsets_s:
        stamp = int(round(offset * 1000))
        out.append(stamp if not out or stamp > out[-1] else out[-1] + 1)
    return out


def _rate(pts: Sequence[int]) -> Fraction:
    if len(pts) < 2 or pts[-1] <= 0:
        return Fraction(10)
    return Fraction(round(1000 * (len(pts) - 1) / pts[-1] * 100), 100)


@dataclass(frozen=True, slots=True)
class ClipRequest:
    """What to record for one alert.

    Attributes:
        alert_uuid: Public id of the alert (names the file and the result).
        camera_id: The camera.
        alert_ts: Stream time (s) at which the rule fired.
        highlight_from_ts: Stream time from which the alert's objects are outlined.
        path: Destination ``.webm``.
        track_ids: Tracks to outline wherever they appear from ``highlight_from_ts`` on.
        boxes: Pixel boxes outlined up to the alert frame when no track matches (fire...).
        label: Text of those boxes.
        zone_polygon: Zone vertices in pixels, shaded on every frame.
    """

    alert_uuid: UUID
    camera_id: str
    alert_ts: float
    highlight_from_ts: float
    path: Path
    track_ids: tuple[int, ...] = ()
    boxes: tuple[Box, ...] = ()
    label: str = ""
    zone_polygon: tuple[tuple[float, float], ...] | None = None

    @classmethod
    def from_event(cls, event: Event, alert_uuid: UUID, path: Path,
                   zone_polygon: Polygon | None = None) -> ClipRequest:
        """The request for an alert raised from ``event``."""
        return cls(alert_uuid=alert_uuid, camera_id=event.camera_id, alert_ts=event.ts,
                   highlight_from_ts=min(event.started_at, event.ts), path=path,
                   track_ids=tuple(event.track_ids), boxes=tuple(event.boxes),
                   label=event.kind, zone_polygon=None if zone_polygon is None
                   else tuple((float(x), float(y)) for x, y in zone_polygon))

    def overlay(self, item: BufferedFrame) -> tuple[list[Box], list[str]]:
        """Boxes and labels to draw on one frame."""
        ts = item.frame.ts
        if ts < self.highlight_from_ts - _TS_TOLERANCE:
            return [], []
        tracks = [t for t in item.tracks if t.track_id in self.track_ids]
        if tracks:
            return [t.box for t in tracks], [f"{t.label} #{t.track_id}" for t in tracks]
        if ts <= self.alert_ts + _TS_TOLERANCE:
            return list(self.boxes), [self.label] * len(self.boxes)
        return [], []


@dataclass(frozen=True, slots=True)
class ClipResult:
    """How a clip ended: ``ok`` means ``path`` holds a playable clip."""

    alert_uuid: UUID
    path: Path
    ok: bool
    frames: int
    duration_s: float = 0.0
    encode_s: float = 0.0
    error: str | None = None


@dataclass(slots=True)
class _Recording:
    request: ClipRequest
    end_ts: float
    deadline: float  # time.monotonic() after which a stalled camera ends the clip
    frames: list[BufferedFrame] = field(default_factory=list)


class ClipRecorder:
    """Keeps recent frames per camera and turns them into a clip around each alert.

    Feed every analysed frame to ``on_frame``; call ``start`` when an alert is raised. The
    clip holds ``before_s`` of buffered frames, then ``after_s`` of new ones, and is encoded
    on a worker thread, so the analysis loop never waits for the encoder. ``on_done`` gets
    each ``ClipResult`` (on the worker thread): hand it to the DB writer as ``SetClip``.

    Args:
        before_s: Seconds of video kept before the alert.
        after_s: Seconds of video kept after it.
        on_done: Called with every result, success or failure.
        settings: Encoder settings.
        workers: Encoding threads.
        max_bytes_per_camera: Memory bound of each camera's ring buffer.
        stall_s: A clip whose camera sends no frame for this long is finished as it is.
        anonymise: Blurs each frame (faces, heads, persons) before it is drawn on and encoded;
            faces are looked for on one frame in ``FACE_EVERY``.

    Example:
        >>> recorder = ClipRecorder(before_s=5, after_s=5, on_done=report)  # doctest: +SKIP
        >>> recorder.on_frame(result.frame, result.tracks)  # every analysed frame  # doctest: +SKIP
        >>> recorder.start(ClipRequest.from_event(event, uuid, paths.clip))  # doctest: +SKIP
    """

    def __init__(self, *, before_s: float = 5.0, after_s: float = 5.0,
                 on_done: Callable[[ClipResult], None] | None = None,
                 settings: ClipSettings | None = None, workers: int = 1,
                 max_bytes_per_camera: int = 256 * 1024 * 1024, stall_s: float = 10.0,
                 anonymise: Anonymiser | None = None) -> None:
        self.before_s, self.after_s, self.stall_s = before_s, after_s, stall_s
        self.buffers = FrameRingBuffers(before_s, max_bytes_per_camera)
        self._on_done = on_done
        self._settings = settings or ClipSettings()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vigie-clip")
        self._anonymise = anonymise
        self._active: list[_Recording] = []
        self._lock = threading.Lock()

    def on_frame(self, frame: Frame, tracks: Sequence[Track] = ()) -> None:
        """Buffer an analysed frame and add it to the clips being recorded on its camera."""
        self.buffers.append(frame, tracks)
        item = BufferedFrame(frame, tuple(tracks))
        now = time.monotonic()
        with self._lock:
            finished = []
            for rec in self._active:
                same_camera = rec.request.camera_id == frame.camera_id
                if same_camera and (not rec.frames or frame.ts > rec.frames[-1].frame.ts):
                    rec.frames.append(item)
                if (same_camera and frame.ts >= rec.end_ts) or now > rec.deadline:
                    finished.append(rec)
            for rec in finished:
                self._active.remove(rec)
        for rec in finished:
            self._encode_later(rec)

    def start(self, request: ClipRequest) -> None:
        """Begin a clip with the buffered frames from ``alert_ts - before_s`` on."""
        frames = self.buffers[request.camera_id].since(request.alert_ts - self.before_s)
        rec = _Recording(request, end_ts=request.alert_ts + self.after_s,
                         deadline=time.monotonic() + self.after_s + self.stall_s, frames=frames)
        if frames and frames[-1].frame.ts >= rec.end_ts:
            self._encode_later(rec)
            return
        with self._lock:
            self._active.append(rec)

    def close(self) -> None:
        """Finish every clip with the frames it has, wait for the encoder, stop the workers."""
        with self._lock:
            finished, self._active = self._active, []
        for rec in finished:
            self._encode_later(rec)
        self._pool.shutdown(wait=True)

    @property
    def recording(self) -> int:
        """Clips still collecting frames."""
        with self._lock:
            return len(self._active)

    def _encode_later(self, rec: _Recording) -> None:
        self._pool.submit(self._encode, rec).add_done_callback(self._finished)

    def _finished(self, future: Future[ClipResult]) -> None:
        if self._on_done is not None:
            try:
                self._on_done(future.result())
            except Exception:
                log.exception("clip callback failed")

    def _encode(self, rec: _Recording) -> ClipResult:
        req = rec.request
        started = time.perf_counter()
        try:
            blur = self._anonymise.sequence() if self._anonymise is not None else None

            def annotate(index: int, image: ImageArray) -> ImageArray:
                if blur is not None:
                    image = blur(image, rec.frames[index].tracks)
                return draw_overlay(image, *req.overlay(rec.frames[index]),
                                    zone_polygon=req.zone_polygon)

            frames = [(item.frame.ts, item.frame.image) for item in rec.frames]
            duration = encode_clip(frames, req.path, self._settings, annotate)
        except Exception as exc:
            log.error("clip %s failed: %s", req.path, exc)
            return ClipResult(req.alert_uuid, req.path, ok=False, frames=len(rec.frames),
                              error=f"{type(exc).__name__}: {exc}")
        elapsed = time.perf_counter() - started
        log.info("clip %s: %d frames, %.1f s, encoded in %.2f s", req.path.name, len(frames),
                 duration, elapsed)
        return ClipResult(req.alert_uuid, req.path, ok=True, frames=len(frames),
                          duration_s=duration, encode_s=elapsed)
