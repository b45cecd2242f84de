"""Footage for the scene editor: a still of the camera to draw on, recordings to test a draft on.

:class:`TrialRunner` plays a draft scene over a recording (``vigie.runtime.replay``) in a
background thread, one at a time, and keeps what it would have raised. Recordings are chosen
from a fixed list (the camera's own file, files under the site's ``media`` folder), never
from a path given by a browser.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from vigie.config.site import CameraConfig, SiteConfig
from vigie.core.types import ImageArray
from vigie.detect.base import Detector
from vigie.errors import SourceError

__all__ = ["VIDEO_SUFFIXES", "Recording", "TrialBusyError", "TrialJob", "TrialRunner",
           "choose_recording", "placeholder_jpeg", "recordings", "still_jpeg"]

VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mkv", ".mov", ".m4v", ".webm", ".ts", ".mpg",
                            ".mpeg"})
#: Recordings listed from the media folder at most.
MAX_RECORDINGS = 200
#: Jobs remembered (finished ones are dropped oldest first).
KEEP_JOBS = 20


@dataclass(frozen=True)
class Recording:
    """A recording the editor may test a draft on.

    Attributes:
        key: What the browser sends back to choose it (``source``, ``media/<file>``).
        label: What the list shows.
        path: The file.
    """

    key: str
    label: str
    path: Path


def recordings(camera: CameraConfig, site_dir: Path | None) -> list[Recording]:
    """The camera's own file (when it is one), then the video files under ``<site_dir>/media``.

    Links leading out of the media folder are left out, and so is the camera's file when it
    lies in the media folder (it is listed first already).
    """
    out = []
    own = None
    if not camera.source.is_live and Path(camera.source.url).is_file():
        own = Path(camera.source.url).resolve()
        out.append(Recording("source", f"camera source ({own.name})", own))
    media = (site_dir / "media").resolve() if site_dir is not None else None
    if media is None or not media.is_dir():
        return out
    for path in sorted(p for p in media.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES):
        real = path.resolve()
        if real.is_file() and real.is_relative_to(media) and real != own:
            key = f"media/{path.relative_to(media).as_posix()}"
            out.append(Recording(key, key, real))
            if len(out) >= MAX_RECORDINGS:
                break
    return out


def choose_recording(choices: list[Recording], key: str | None) -> Recording:
    """The recording named ``key`` (default: the first).

    Raises:
        KeyError: No recording at all, or ``key`` is not among them (the message lists them).
    """
    if not choices:
        raise KeyError("no recording to test on: the camera is not a file and the site's media "
                       "folder holds no video")
    if key is None:
        return choices[0]
    for choice in choices:
        if choice.key == key:
            return choice
    raise KeyError(f"{key!r} is not among the recordings: {[c.key for c in choices]}")


def still_jpeg(url: str, at_s: float = 2.0, quality: int = 85) -> bytes:
    """A JPEG of a video file's picture ``at_s`` seconds in (or its last, if shorter).

    Raises:
        SourceError: The file cannot be opened or holds no picture.
    """
    try:
        with av.open(url) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            last, start = None, None
            for frame in container.decode(stream):
                last = frame
                start = frame.time if start is None else start
                if frame.time is not None and start is not None and frame.time - start >= at_s:
                    break
    except (av.FFmpegError, OSError, IndexError) as exc:
        raise SourceError(f"cannot read a picture from {Path(url).name}: {exc}") from None
    if last is None:
        raise SourceError(f"{Path(url).name} holds no picture")
    return encode_jpeg(np.asarray(last.to_ndarray(format="bgr24"), dtype=np.uint8), quality)


def encode_jpeg(image: ImageArray, quality: int = 85) -> bytes:
    """JPEG bytes of a BGR picture."""
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise SourceError("the picture could not be encoded as JPEG")
    return bytes(data.tobytes())


def placeholder_jpeg(message: str, size: tuple[int, int] = (1280, 720)) -> bytes:
    """A grey picture of ``size`` (width, height) saying why there is no camera picture."""
    width, height = size
    image = np.full((height, width, 3), 70, np.uint8)
    for x in range(0, width, 80):
        cv2.line(image, (x, 0), (x, height), (80, 80, 80), 1)
    for y in range(0, height, 80):
        cv2.line(image, (0, y), (width, y), (80, 80, 80), 1)
    font = cv2.FONT_HERSHEY_SIMPLEX
    (w, h), _ = cv2.getTextSize(message, font, 0.9, 2)
    cv2.putText(image, message, ((width - w) // 2, (height + h) // 2), font, 0.9,
                (220, 220, 220), 2, cv2.LINE_AA)
    return encode_jpeg(image)


class TrialBusyError(RuntimeError):
    """A test is already running; ``job_id`` names it."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"a test on footage is already running (job {job_id}); wait for it")
        self.job_id = job_id


@dataclass
class TrialJob:
    """A draft played over a recording: progress, then what it would have raised."""

    id: str
    camera_id: str
    version: int
    video: str
    state: str = "running"  # running | done | failed
    progress: float = 0.0
    message: str = ""
    result: dict[str, Any] | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None


class TrialRunner:
    """Runs one test of a draft at a time, in a thread; the detector is built once and kept.

    Args:
        make_detector: Builds the detector (first test only), e.g.
            ``lambda: build_detector(site.detector)``.

    Example:
        >>> runner = TrialRunner(lambda: build_detector(site.detector))  # doctest: +SKIP
        >>> job = runner.start(draft_site, "hall", 3, recording)  # doctest: +SKIP
        >>> runner.get(job.id).progress  # doctest: +SKIP
        0.42
    """

    def __init__(self, make_detector: Callable[[], Detector]) -> None:
        self._make_detector = make_detector
        self._detector: Detector | None = None
        self._jobs: dict[str, TrialJob] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._thread: threading.Thread | None = None

    def start(self, site: SiteConfig, camera_id: str, version: int,
              recording: Recording) -> TrialJob:
        """Start replaying ``recording`` through ``site``'s camera ``camera_id``.

        Raises:
            TrialBusyError: Another test is running.
        """
        with self._lock:
            running = next((j for j in self._jobs.values() if j.state == "running"), None)
            if running is not None:
                raise TrialBusyError(running.id)
            job = TrialJob(f"t{next(self._ids)}-{camera_id}-v{version}", camera_id, version,
                           recording.key)
            self._jobs[job.id] = job
            for old in [j for j in self._jobs.values() if j.state != "running"][:-KEEP_JOBS]:
                del self._jobs[old.id]
            snapshot = dataclasses.replace(job)
        self._thread = threading.Thread(target=self._run, args=(job, site, recording.path),
                                        name=f"vigie-trial-{job.id}", daemon=True)
        self._thread.start()
        return snapshot

    def get(self, job_id: str) -> TrialJob:
        """A copy of the job as it stands.

        Raises:
            KeyError: Unknown (or forgotten) job.
        """
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise KeyError(f"no test job {job_id!r}")
            return dataclasses.replace(job)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the running test ends; True if none is running any more."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return thread is None or not thread.is_alive()

    def _run(self, job: TrialJob, site: SiteConfig, video: Path) -> None:
        from vigie.runtime.replay import replay

        def progress(done: float, total: float) -> None:
            if total > 0:
                with self._lock:
                    job.progress = min(0.99, max(0.0, done / total))

        try:
            if self._detector is None:
                self._detector = self._make_detector()
            report = replay(site, job.camera_id, self._detector, video, on_progress=progress)
            result: dict[str, Any] | None = {**report.as_dict(), "video": job.video}
            state, message = "done", ""
        except Exception as exc:  # reported to the editor, which shows the message
            result, state, message = None, "failed", f"{type(exc).__name__}: {exc}"
        with self._lock:
            job.result, job.state, job.message = result, state, message
            job.progress = 1.0 if state == "done" else job.progress
            job.finished_at = datetime.now(UTC)
