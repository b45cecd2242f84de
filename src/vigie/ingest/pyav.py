"""PyAV (FFmpeg) frame source for video files and live streams (RTSP, HTTP, other FFmpeg URLs)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import av
import av.container
import av.error
import numpy as np
from av.video.frame import VideoFrame
from av.video.stream import VideoStream

from vigie.config.site import CameraConfig
from vigie.core import Frame
from vigie.core.types import ImageArray
from vigie.errors import SourceError
from vigie.ingest.base import SourceCounters
from vigie.ingest.clock import StreamClock
from vigie.ingest.sampling import FrameSampler, Pacer

__all__ = ["PyAVSource", "SourceOptions", "is_live_url", "redact_url"]

_LIVE_SCHEMES = frozenset({"rtsp", "rtsps", "rtmp", "rtmps", "http", "https", "udp", "tcp",
                           "srt", "rtp", "mms", "mmsh"})
#: Seeks past damaged regions tried per pass over a file.
_MAX_SKIPS = 5
_CREDENTIALS = re.compile(r"(?<=://)[^/@]*@")


def is_live_url(url: str) -> bool:
    """Whether ``url`` names a network stream (by its scheme) rather than a file."""
    return url.split("://", 1)[0].lower() in _LIVE_SCHEMES if "://" in url else False


def redact_url(url: str) -> str:
    """``url`` without its user and password, for messages and logs."""
    return _CREDENTIALS.sub("***@", url)


@dataclass(frozen=True, slots=True)
class SourceOptions:
    """How a :class:`PyAVSource` reads its input.

    Attributes:
        analysis_fps: Frames kept per second of stream time; None keeps every frame.
        realtime: Files: deliver at the video's own speed, as a live camera would.
        loop: Files: start again at the end, stream time still increasing.
        open_timeout_s: Live: longest wait to connect and read the stream's header.
        read_timeout_s: Live: longest wait for data, or for a decoded frame, before the
            stream counts as stalled.
        start_wall: Files: wall-clock time of the first frame; default the first open.
        max_bad_packets: Corrupt packets in a row after which the input is given up.
        decoder_threads: Decoder threads; 0 lets FFmpeg choose.
        ffmpeg_options: Extra FFmpeg options (demuxer and protocol), override the defaults.
    """

    analysis_fps: float | None = None
    realtime: bool = False
    loop: bool = False
    open_timeout_s: float = 10.0
    read_timeout_s: float = 10.0
    start_wall: datetime | None = None
    max_bad_packets: int = 50
    decoder_threads: int = 0
    ffmpeg_options: Mapping[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class _Pass:
    """What one connection or one pass over a file has decoded."""

    frames: int = 0
    first_pts_s: float | None = None
    last_pts_s: float | None = None
    bad_in_row: int = 0
    last_error: str = ""
    skips: int = 0
    resume_after_s: float | None = None


class PyAVSource:
    """Decodes one camera's input with PyAV, stamps, samples, paces and converts to BGR.

    Only the frames kept by the sampler are converted to BGR (the costly step); the others are
    decoded (needed by the codec's references) and counted in ``counters.sampled_out``.
    Corrupt packets are skipped and counted; a file that ends early is reported as truncated
    after everything readable was delivered. Not thread-safe, except :meth:`interrupt`.

    Args:
        url: File path or FFmpeg URL (``rtsp://``, ``http(s)://``...).
        camera_id: Camera id stamped on frames.
        options: Reading options.

    Example:
        >>> source = PyAVSource("clip.mp4", "cam-1", SourceOptions(analysis_fps=5))
        >>> source.open()  # doctest: +SKIP
        >>> frames = list(source)  # doctest: +SKIP
    """

    def __init__(self, url: str, camera_id: str, options: SourceOptions | None = None) -> None:
        self._url = url
        self._camera_id = camera_id
        self._opts = options or SourceOptions()
        self._live = is_live_url(url)
        self._name = redact_url(url) if self._live else str(url)
        self._counters = SourceCounters()
        self._clock = StreamClock(live=self._live)
        self._sampler = FrameSampler(self._opts.analysis_fps)
        self._interrupted = threading.Event()
        self._pacer = Pacer(self._interrupted.wait)
        self._start_wall = self._opts.start_wall
        self._container: av.container.InputContainer | None = None
        self._stream: VideoStream | None = None
        self._seq = 0
        self._opened_mono = 0.0

    @classmethod
    def from_config(cls, camera: CameraConfig, *, start_wall: datetime | None = None,
                    ffmpeg_options: Mapping[str, str] | None = None) -> PyAVSource:
        """Build the source of a configured camera (its URL is already absolute).

        Args:
            camera: The camera's configuration.
            start_wall: Files: wall-clock time of the first frame; default the first open.
            ffmpeg_options: Extra FFmpeg options.
        """
        src = camera.source
        options = SourceOptions(
            analysis_fps=camera.analysis_fps, realtime=src.realtime, loop=src.loop,
            open_timeout_s=src.stall_timeout_s, read_timeout_s=src.stall_timeout_s,
            start_wall=start_wall, ffmpeg_options=dict(ffmpeg_options or {}))
        return cls(src.url, camera.id, options)

    @property
    def camera_id(self) -> str:
        """The camera the frames belong to."""
        return self._camera_id

    @property
    def is_live(self) -> bool:
        """True for network streams."""
        return self._live

    @property
    def name(self) -> str:
        """The input as shown in messages: the file path, or the URL without credentials."""
        return self._name

    @property
    def counters(self) -> SourceCounters:
        """Running totals."""
        return self._counters

    def open(self) -> None:
        """Open the file or connect to the stream.

        Raises:
            SourceError: The input cannot be opened, or has no video stream.
        """
        self.close()
        self._interrupted.clear()
        timeout = (self._opts.open_timeout_s, self._opts.read_timeout_s) if self._live else None
        try:
            container = av.open(self._url, "r", options=self._av_options(), timeout=timeout)
        except (av.error.FFmpegError, OSError) as err:
            raise SourceError(f"{self._name}: {self._describe(err, opening=True)}") from err
        if not container.streams.video:
            kinds = ", ".join(sorted({str(s.type) for s in container.streams})) or "none"
            container.close()
            raise SourceError(f"{self._name}: no video stream (streams: {kinds})")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        stream.codec_context.thread_count = self._opts.decoder_threads
        self._container, self._stream = container, stream
        rate = stream.average_rate or stream.guessed_rate
        self._clock.start_segment(float(1 / rate) if rate else None)
        self._pacer.reset()
        if self._start_wall is None:
            self._start_wall = datetime.now(UTC)
        self._counters.connections += 1
        self._opened_mono = time.monotonic()

    def close(self) -> None:
        """Release the input; idempotent."""
        container, self._container, self._stream = self._container, None, None
        if container is not None:
            container.close()

    def interrupt(self) -> None:
        """Make the iteration return at the next frame or pacing wait; thread-safe."""
        self._interrupted.set()

    def __iter__(self) -> Iterator[Frame]:
        """Yield sampled frames until the input ends (files: the last loop).

        Raises:
            SourceError: The source is not open; a live stream ended, stalled or broke; a file
                turned out truncated or corrupt (after its readable frames were delivered).
        """
        while True:
            yield from self._one_pass()
            if self._live or not self._opts.loop or self._interrupted.is_set():
                return
            self.open()

    def _one_pass(self) -> Iterator[Frame]:
        if self._container is None or self._stream is None:
            raise SourceError(f"{self._name}: not open")
        container, stream, run = self._container, self._stream, _Pass()
        while True:
            for packet in self._packets(container, stream, run):
                for vf in self._decode(packet, run):
                    frame = self._accept(vf, run)
                    if frame is not None:
                        yield frame
                if self._interrupted.is_set():
                    return
                self._check_stall()
            if not self._skip_damage(container, stream, run):
                break
        self._check_end(stream, container, run)

    def _skip_damage(self, container: av.container.InputContainer, stream: VideoStream,
                     run: _Pass) -> bool:
        """A file that ended early: seek past the damage to a later keyframe and go on.

        Demuxers often stop at a damaged region; the file's index usually still leads to the
        intact part after it. Each retry aims one second further, up to ``_MAX_SKIPS``.
        """
        if (self._live or self._interrupted.is_set() or run.last_pts_s is None
                or run.skips >= _MAX_SKIPS or not _truncation(stream, container, run)
                or not stream.time_base):
            return False
        run.skips += 1
        run.resume_after_s = run.last_pts_s
        target = run.last_pts_s + run.skips
        try:
            container.seek(int(target / stream.time_base), stream=stream, backward=False)
            stream.codec_context.flush_buffers()
        except (av.error.FFmpegError, OSError) as err:
            run.last_error = self._describe(err)
            return False
        return True

    def _packets(self, container: av.container.InputContainer,
                 stream: VideoStream, run: _Pass) -> Iterator[av.Packet[VideoStream]]:
        """Demux the video packets; files resume after a demuxer error, live streams fail."""
        while True:
            try:
                yield from container.demux(stream)
                return
            except (av.error.FFmpegError, OSError) as err:
                if self._live or self._interrupted.is_set():
                    raise SourceError(f"{self._name}: {self._describe(err)}") from err
                self._bad_packet(run, err)

    def _decode(self, packet: av.Packet[VideoStream], run: _Pass) -> list[VideoFrame]:
        started = time.perf_counter()
        try:
            frames = packet.decode()
        except (av.error.FFmpegError, ValueError) as err:
            self._bad_packet(run, err)
            return []
        finally:
            self._counters.decode_s += time.perf_counter() - started
        if frames:
            run.bad_in_row = 0
        return frames

    def _bad_packet(self, run: _Pass, err: Exception) -> None:
        self._counters.bad_packets += 1
        run.bad_in_row += 1
        run.last_error = self._describe(err)
        if run.bad_in_row >= self._opts.max_bad_packets:
            raise SourceError(f"{self._name}: invalid data: {run.bad_in_row} corrupt packets in "
                              f"a row after {run.frames} frames ({run.last_error})") from err

    def _accept(self, vf: VideoFrame, run: _Pass) -> Frame | None:
        """Stamp and count a decoded frame; convert and return it when the sampler keeps it."""
        pts_s = float(vf.pts * vf.time_base) if vf.pts is not None and vf.time_base else None
        if pts_s is not None and run.resume_after_s is not None and pts_s <= run.resume_after_s:
            return None  # already delivered before a seek past damage
        counters = self._counters
        counters.decoded += 1
        counters.last_frame_at = time.monotonic()
        seq, self._seq = self._seq, self._seq + 1
        run.frames += 1
        if pts_s is not None:
            run.last_pts_s = max(pts_s, run.last_pts_s or pts_s)
            run.first_pts_s = pts_s if run.first_pts_s is None else run.first_pts_s
        ts = self._clock.stamp(vf.pts, vf.time_base)
        if not self._sampler.keep(ts):
            counters.sampled_out += 1
            return None
        if self._opts.realtime and not self._live and not self._pacer.pace(ts):
            return None
        started = time.perf_counter()
        image: ImageArray = np.ascontiguousarray(vf.to_ndarray(format="bgr24"), dtype=np.uint8)
        counters.decode_s += time.perf_counter() - started
        return Frame(camera_id=self._camera_id, seq=seq, ts=ts, wall=self._wall(ts), image=image,
                     decoded_at=time.monotonic())

    def _wall(self, ts: float) -> datetime:
        """Live: now. File: its start plus ``ts`` when paced or given a start; else now."""
        paced = self._opts.realtime or self._opts.start_wall is not None
        if self._live or self._start_wall is None or not paced:
            return datetime.now(UTC)
        return self._start_wall + timedelta(seconds=ts)

    def _check_stall(self) -> None:
        """Live: fail when data flows but no frame was decoded for the read timeout."""
        if not self._live:
            return
        last = max(self._counters.last_frame_at, self._opened_mono)
        if time.monotonic() - last > self._opts.read_timeout_s:
            raise SourceError(f"{self._name}: stalled: no frame decoded for "
                              f"{self._opts.read_timeout_s:g} s")

    def _check_end(self, stream: VideoStream,
                   container: av.container.InputContainer, run: _Pass) -> None:
        """At the end of the data: a live stream is lost; a file may have ended early."""
        if self._interrupted.is_set():
            return
        if self._live:
            raise SourceError(f"{self._name}: stream ended (the server closed it) after "
                              f"{run.frames} frames")
        if run.frames == 0:
            detail = f" ({run.last_error})" if run.last_error else ""
            raise SourceError(f"{self._name}: invalid data: no decodable video frame{detail}")
        problem = _truncation(stream, container, run)
        if problem:
            raise SourceError(f"{self._name}: truncated or corrupt: {problem}")

    def _av_options(self) -> dict[str, str]:
        options: dict[str, str] = {}
        if self._live:
            micros = str(round(self._opts.read_timeout_s * 1e6))
            if self._url.lower().startswith(("rtsp://", "rtsps://")):
                options.update(rtsp_transport="tcp", timeout=micros)
            else:
                options["rw_timeout"] = micros
        options.update(self._opts.ffmpeg_options)
        return options

    def _describe(self, err: Exception, *, opening: bool = False) -> str:
        """One phrase for an FFmpeg error, without the URL (it may hold credentials)."""
        if isinstance(err, av.error.ExitError):
            if opening:
                return f"no answer within {self._opts.open_timeout_s:g} s (open timeout)"
            return f"stalled: no data for {self._opts.read_timeout_s:g} s (read timeout)"
        if isinstance(err, EOFError):
            if self._live:
                return "the stream ended before its first frames"
            return "truncated: the file ends before its header or index is complete"
        if isinstance(err, av.error.InvalidDataError):
            return "invalid data (corrupt, truncated, or not a video FFmpeg can read)"
        if isinstance(err, FileNotFoundError):
            return "no such file" if not self._live else "not found on the server"
        text = getattr(err, "strerror", None) or str(err) or type(err).__name__
        return redact_url(text[0].lower() + text[1:])


def _truncation(stream: VideoStream, container: av.container.InputContainer,
                run: _Pass) -> str:
    """Why a file pass looks cut short compared with what its header declares, or ''."""
    declared_frames = stream.frames or 0
    if declared_frames > 0 and run.frames < declared_frames - max(2, declared_frames // 50):
        return f"decoded {run.frames} of the {declared_frames} frames its header declares"
    if stream.duration and stream.time_base:
        duration = float(stream.duration * stream.time_base)
    else:  # the container's duration covers every stream, audio included
        duration = container.duration / 1e6 if container.duration else 0.0
    if duration > 0 and run.first_pts_s is not None and run.last_pts_s is not None:
        span = run.last_pts_s - run.first_pts_s
        if span < duration - max(1.0, duration * 0.05):
            return f"video ends at {span:.1f} s of the {duration:.1f} s its header declares"
    return ""

