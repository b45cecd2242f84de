"""CameraReader: runs one camera's source in its own thread, with health, reconnection and stats."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime

from vigie.config.site import CameraConfig
from vigie.core import Frame
from vigie.errors import SourceError
from vigie.ingest.base import FrameSource, Health, HealthCallback, ReaderState
from vigie.ingest.buffer import DropOldestBuffer
from vigie.ingest.pyav import PyAVSource
from vigie.ingest.stats import RateMeter, ReaderStats, ReconnectPolicy

__all__ = ["CameraReader"]

log = logging.getLogger(__name__)


class CameraReader:
    """Decodes one camera in a background thread and hands its freshest frames to a consumer.

    Frames kept by the source's sampler go into a small drop-oldest buffer; the consumer takes
    them with :meth:`get`. A live stream that fails to open, breaks, ends or stalls makes the
    camera DOWN (reported through ``on_health`` with the reason) and is reconnected with
    exponential back-off; it is UP again, and reported, once frames flow. A file is not
    retried: a missing, unreadable or truncated file is DOWN with the reason (after its
    readable frames were delivered); a file that ends without looping is reported DOWN with
    "end of file" and the reader ends.

    Pause: a paused reader publishes nothing and decodes nothing. A file keeps its position
    (pacing restarts from the resume); a live stream is disconnected and reconnected on resume,
    so the first frame after resume is fresh rather than a backlog. Pausing is not a health
    change: ``on_health`` is not called, ``stats().state`` is ``paused``.

    Each reader owns its thread, buffer and locks; one camera's failure or slowness never
    blocks another. ``on_health`` runs in the reader's thread and must return quickly.

    Args:
        source: The camera's frame source.
        policy: Reconnection back-off of live sources.
        on_health: ``on_health(camera_id, state, at, reason)``, called on each up/down change.
        buffer_size: Frames kept for a slow consumer before the oldest is dropped.
        rng: Random generator of the back-off jitter (seed it in tests).
        lossless: Wait for the consumer instead of dropping frames (a file replayed as fast as
            possible); live cameras drop the oldest frame so that analysis stays current.

    Example:
        >>> reader = CameraReader.from_config(camera, on_health=print)  # doctest: +SKIP
        >>> reader.start()  # doctest: +SKIP
        >>> frame = reader.get(timeout=1.0)  # doctest: +SKIP
        >>> reader.stop()  # doctest: +SKIP
    """

    def __init__(self, source: FrameSource, *, policy: ReconnectPolicy | None = None,
                 on_health: HealthCallback | None = None, buffer_size: int = 3,
                 rng: random.Random | None = None, lossless: bool = False) -> None:
        self._source = source
        self._policy = policy or ReconnectPolicy()
        self._on_health = on_health
        self._rng = rng or random.Random()
        self._buffer: DropOldestBuffer[Frame] = DropOldestBuffer(buffer_size)
        self._lossless = lossless
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._paused = False
        self._thread: threading.Thread | None = None
        self._state, self._since, self._reason = ReaderState.STARTING, datetime.now(UTC), ""
        self._health: Health | None = None
        self._published = self._consumed = self._failures = 0
        self._lag = 0.0
        self._decoded_meter, self._consumed_meter = RateMeter(), RateMeter()

    @classmethod
    def from_config(cls, camera: CameraConfig, *, on_health: HealthCallback | None = None,
                    buffer_size: int = 3, start_wall: datetime | None = None,
                    ffmpeg_options: Mapping[str, str] | None = None) -> CameraReader:
        """Build the reader of a configured camera (not started; paused if not ``enabled``).

        Args:
            camera: The camera's configuration (URL already absolute, as the loader makes it).
            on_health: Called on each up/down change.
            buffer_size: Frames kept for a slow consumer.
            start_wall: Files: wall-clock time of the first frame; default the first open.
            ffmpeg_options: Extra FFmpeg options for the source.
        """
        src = camera.source
        source = PyAVSource.from_config(camera, start_wall=start_wall,
                                        ffmpeg_options=ffmpeg_options)
        policy = ReconnectPolicy(src.reconnect_min_s, max(src.reconnect_min_s,
                                                          src.reconnect_max_s))
        reader = cls(source, policy=policy, on_health=on_health, buffer_size=buffer_size,
                     lossless=not source.is_live and not src.realtime)
        if not camera.enabled:
            reader.pause()
        return reader

    @property
    def camera_id(self) -> str:
        """The camera this reader decodes."""
        return self._source.camera_id

    @property
    def state(self) -> ReaderState:
        """Current state."""
        return self._state

    @property
    def running(self) -> bool:
        """True while the reader thread is alive (it may outlive ``stop()`` by a read timeout)."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    @property
    def done(self) -> bool:
        """True once the reader thread has ended and every published frame was taken."""
        thread = self._thread
        return thread is not None and not thread.is_alive() and not len(self._buffer)

    def start(self) -> None:
        """Start the reader thread; a second call does nothing.

        Raises:
            RuntimeError: The reader was stopped (build a new one).
        """
        if self._thread is not None:
            return
        if self._stop.is_set():
            raise RuntimeError(f"reader of camera {self.camera_id!r} was stopped")
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"vigie-ingest-{self.camera_id}")
        self._thread.start()

    def get(self, timeout: float | None = None) -> Frame | None:
        """Take the oldest buffered frame, waiting up to ``timeout`` seconds.

        Returns:
            A frame, or None on timeout, or at once when the reader is finished and drained.
        """
        frame = self._buffer.get(timeout)
        if frame is not None:
            now = time.monotonic()
            self._consumed += 1
            self._lag = now - frame.decoded_at
            self._consumed_meter.sample(now, self._consumed)
        return frame

    def pause(self) -> None:
        """Stop decoding and publishing until :meth:`resume`; buffered frames are dropped."""
        self._paused = True
        if self._source.is_live:
            self._source.interrupt()
        self._buffer.clear()

    def resume(self) -> None:
        """Resume after :meth:`pause`; a live stream reconnects."""
        self._paused = False
        self._wake.set()

    def stop(self, timeout: float = 1.0) -> bool:
        """Stop the reader; idempotent, safe from any thread.

        A reader still running becomes ``stopped``; one that had already finished (a file
        ended or broken) keeps its final state and reason.

        Returns within ``timeout`` seconds even while the thread is blocked on a network read:
        the thread then ends on its own at the read's timeout (``stall_timeout_s``) without
        publishing anything more.

        Returns:
            True when the reader thread has ended.
        """
        thread = self._thread
        running = thread is None or thread.is_alive()
        self._stop.set()
        self._wake.set()
        self._source.interrupt()
        self._buffer.close()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        if running and self._state is not ReaderState.STOPPED:
            self._set_state(ReaderState.STOPPED, "stopped")
        return thread is None or not thread.is_alive()

    def stats(self) -> ReaderStats:
        """A snapshot of the reader's counters, rates and state."""
        now = time.monotonic()
        counters = self._source.counters
        return ReaderStats(
            camera_id=self.camera_id, state=self._state, since=self._since, reason=self._reason,
            frames_decoded=counters.decoded, frames_sampled_out=counters.sampled_out,
            frames_published=self._published, frames_dropped_backlog=self._buffer.dropped,
            frames_consumed=self._consumed, bad_packets=counters.bad_packets,
            connections=counters.connections, failed_attempts=self._failures,
            decoded_fps=self._decoded_meter.rate(now),
            analysed_fps=self._consumed_meter.rate(now), lag_s=self._lag,
            buffered=len(self._buffer), decode_s=counters.decode_s)

    def __enter__(self) -> CameraReader:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- reader thread ---------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._loop()
        except Exception as err:  # a bug must not pass silently nor kill other cameras
            log.exception("camera %s: reader failed", self.camera_id)
            self._down(f"{self._source.name}: internal error: {err!r}")
        finally:
            self._source.close()
            self._buffer.close()

    def _loop(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            if self._paused:
                self._wait_while_paused()
                continue
            failure = self._connection()
            if failure is None and (self._paused or self._stop.is_set()):
                attempt = 0
                continue
            if not self._source.is_live:
                self._end(failure)
                return
            if self._state is ReaderState.UP or self._health is Health.UP:
                attempt = 0
            self._down(failure or f"{self._source.name}: stream ended")
            self._failures += 1
            self._stop.wait(self._policy.delay(attempt, self._rng))
            attempt += 1

    def _connection(self) -> str | None:
        """Open the source and pump its frames; return why it failed, or None at its end."""
        try:
            self._source.open()
            self._pump()
        except SourceError as err:
            return str(err)
        except Exception as err:  # an unforeseen decoder error: retry rather than die
            log.exception("camera %s: unexpected error from the source", self.camera_id)
            return f"{self._source.name}: unexpected error: {err!r}"
        finally:
            self._source.close()
        return None

    def _pump(self) -> None:
        first = True
        for frame in self._source:
            if self._stop.is_set():
                return
            if self._paused:
                if self._source.is_live:
                    return
                self._wait_while_paused()
                if self._stop.is_set():
                    return
            if first:
                self._up()
                first = False
            self._buffer.put(frame, block=self._lossless)
            self._published += 1
            self._decoded_meter.sample(time.monotonic(), self._source.counters.decoded)

    def _wait_while_paused(self) -> None:
        if self._state is not ReaderState.PAUSED:
            self._set_state(ReaderState.PAUSED, "paused by operator")
        while self._paused and not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
        if not self._stop.is_set() and not self._source.is_live:  # a file resumes in place
            self._set_state(ReaderState.UP if self._health is Health.UP
                            else ReaderState.STARTING, "")

    def _end(self, failure: str | None) -> None:
        """A file is finished: cleanly (end of file) or not (the failure)."""
        if self._stop.is_set():
            return
        if failure is None:
            decoded = self._source.counters.decoded
            self._down(f"{self._source.name}: end of file ({decoded} frames decoded)")
            self._set_state(ReaderState.ENDED, self._reason)
        else:
            self._down(failure)

    def _up(self) -> None:
        self._set_state(ReaderState.UP, "")
        self._report(Health.UP, "frames flowing")

    def _down(self, reason: str) -> None:
        self._set_state(ReaderState.DOWN, reason)
        self._report(Health.DOWN, reason)

    def _set_state(self, state: ReaderState, reason: str) -> None:
        if state is not self._state:
            self._since = datetime.now(UTC)
        self._state, self._reason = state, reason

    def _report(self, health: Health, reason: str) -> None:
        if health is self._health:
            return
        self._health = health
        log.info("camera %s %s: %s", self.camera_id, health.value, reason)
        if self._on_health is None:
            return
        try:
            self._on_health(self.camera_id, health, self._since, reason)
        except Exception:  # the callback's failure must not stop the camera
            log.exception("camera %s: on_health callback failed", self.camera_id)
