"""Fixtures of the ingest tests: synthetic clips, stream servers and a health recorder."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from vigie.ingest import Health

from .media import make_clip
from .servers import free_port

RTSP_SCRIPT = Path(__file__).with_name("rtsp_server.py")
SYSTEM_PYTHON = "/usr/bin/python3"


@dataclass
class HealthLog:
    """Records ``on_health`` calls and lets a test wait for one."""

    events: list[tuple[str, Health, datetime, str]] = field(default_factory=list)
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def __call__(self, camera_id: str, state: Health, at: datetime, reason: str) -> None:
        with self._cond:
            self.events.append((camera_id, state, at, reason))
            self._cond.notify_all()

    def states(self) -> list[Health]:
        """The reported states, in order."""
        return [e[1] for e in self.events]

    def wait_for(self, state: Health, count: int = 1, timeout: float = 10.0) -> str:
        """Wait until ``state`` was reported ``count`` times; return the last one's reason."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.states().count(state) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {count}x {state} within {timeout} s: {self.events}")
                self._cond.wait(left)
            return [e[3] for e in self.events if e[1] is state][-1]


@pytest.fixture
def health() -> HealthLog:
    """A fresh ``on_health`` recorder."""
    return HealthLog()


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the session's synthetic clips."""
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def clip10(clip_dir: Path) -> Path:
    """20 frames at 10 fps (2 s), 160x120 MPEG-4 in MP4."""
    return make_clip(clip_dir / "clip10.mp4", frames=20, fps=10)


@dataclass
class RtspServer:
    """The GStreamer test RTSP server, run as a child process; restartable on its port."""

    port: int
    process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        """The stream's URL."""
        return f"rtsp://127.0.0.1:{self.port}/cam"

    def start(self, timeout: float = 10.0) -> None:
        """Start the server and wait until it listens."""
        self.process = subprocess.Popen(
            [SYSTEM_PYTHON, str(RTSP_SCRIPT), "--port", str(self.port), "--fps", "10"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.process.stdout is not None
        line = _readline(self.process.stdout.readline, timeout)
        if not line.startswith("READY"):
            self.stop()
            raise RuntimeError(f"RTSP test server did not start: {line!r}")

    def stop(self) -> None:
        """Kill the server (as a crash would) and reap it."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.kill()
        if process is not None:
            process.wait(5)
            if process.stdout is not None:
                process.stdout.close()


def _readline(readline: Callable[[], str], timeout: float) -> str:
    result: list[str] = []
    thread = threading.Thread(target=lambda: result.append(readline()), daemon=True)
    thread.start()
    thread.join(timeout)
    return result[0].strip() if result else f"<nothing within {timeout} s>"


def _rtsp_missing() -> str:
    """Why the RTSP server cannot run here, or ''."""
    if not Path(SYSTEM_PYTHON).exists() or shutil.which(SYSTEM_PYTHON) is None:
        return f"{SYSTEM_PYTHON} not found"
    check = subprocess.run([SYSTEM_PYTHON, str(RTSP_SCRIPT), "--check"], capture_output=True,
                           text=True, timeout=30, check=False)
    if check.returncode != 0:
        return (check.stdout.strip() or check.stderr.strip()) + \
            " (run scripts/install-system-deps.sh)"
    return ""


@pytest.fixture
def rtsp_server() -> Iterator[RtspServer]:
    """A running GStreamer RTSP server on a free port, or skip saying what is missing."""
    missing = _rtsp_missing()
    if missing:
        pytest.skip(f"no RTSP test server: {missing}")
    server = RtspServer(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
