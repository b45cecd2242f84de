"""Real stream servers for the ingest tests: a live MPEG-TS over HTTP server and its broken twins.

Each server listens on 127.0.0.1, runs in daemon threads of the test process, counts the
connections it accepted, and can be stopped (every connection closed, as a crashed camera
would) and started again on the same port.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

import av
import numpy as np

__all__ = ["LiveHTTPServer", "Mode", "free_port", "serving"]

#: ``ts``: live H.264 in MPEG-TS; ``garbage``: random bytes; ``silent``: accepts and never
#: answers; ``freeze``: sends ``freeze_after`` frames then nothing, connection kept open.
Mode = Literal["ts", "garbage", "silent", "freeze"]


class _SocketWriter:
    """The file-like object PyAV muxes into: writes go straight to the client socket."""

    def __init__(self, handler: _Handler) -> None:
        self._handler = handler

    def write(self, data: bytes) -> int:
        if self._handler.server.stopping.is_set():
            raise BrokenPipeError("server stopping")
        self._handler.wfile.write(data)
        return len(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, mode: Mode, fps: int, freeze_after: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.mode, self.fps, self.freeze_after = mode, fps, freeze_after
        self.stopping = threading.Event()
        self.connections = 0

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that went away is not an error of the test server."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib name)
        """Keep the test output quiet."""

    def do_GET(self) -> None:  # noqa: N802 (stdlib name)
        """Serve one client according to the server's mode until it leaves or we stop."""
        self.server.connections += 1
        mode = self.server.mode
        if mode == "silent":
            self.server.stopping.wait()
            return
        self.send_response(200)
        self.send_header("Content-Type", "video/mp2t" if mode != "garbage" else
                         "application/octet-stream")
        self.end_headers()
        try:
            if mode == "garbage":
                self._garbage()
            else:
                self._live_ts()
        except (OSError, av.FFmpegError):  # the client left, or we stop
            return

    def _garbage(self) -> None:
        rng = np.random.default_rng(0)
        while not self.server.stopping.is_set():
            self.wfile.write(rng.integers(0, 256, 1 << 16, dtype=np.uint8).tobytes())
            time.sleep(0.005)

    def _live_ts(self) -> None:
        server, fps = self.server, self.server.fps
        limit = server.freeze_after if server.mode == "freeze" else None
        out = av.open(_SocketWriter(self), "w", format="mpegts", buffer_size=1024,
                      options={"flush_packets": "1"})
        try:
            stream = out.add_stream("libx264", rate=fps, options={
                "preset": "ultrafast", "tune": "zerolatency", "g": str(fps)})
            stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
            start = time.monotonic()
            for i in _count():
                if server.stopping.is_set() or (limit is not None and i >= limit):
                    server.stopping.wait()
                    return
                for packet in stream.encode(_pattern(i)):
                    out.mux(packet)
                delay = start + (i + 1) / fps - time.monotonic()
                if delay > 0:
                    server.stopping.wait(delay)
        finally:
            with contextlib.suppress(OSError, av.FFmpegError):  # the client may have left
                out.close()


def _count() -> Iterator[int]:
    i = 0
    while True:
        yield i
        i += 1


def _pattern(i: int) -> av.VideoFrame:
    image = np.full((120, 160, 3), 40, np.uint8)
    x = (i * 7) % 150
    image[40:80, x:x + 10] = (0, 200, 255)
    return av.VideoFrame.from_ndarray(image, format="bgr24")


class LiveHTTPServer:
    """A stream server on 127.0.0.1 that can be stopped and restarted on the same port.

    Args:
        mode: What it serves (see :data:`Mode`).
        fps: Frame rate of the live video.
        freeze_after: Frames sent before a ``freeze`` server goes quiet.
    """

    def __init__(self, mode: Mode = "ts", fps: int = 10, freeze_after: int = 20) -> None:
        self.mode, self.fps, self.freeze_after = mode, fps, freeze_after
        self.port = 0
        self.connections = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The stream's URL."""
        return f"http://127.0.0.1:{self.port}/live.ts"

    def start(self) -> None:
        """Listen (on the previous port after a stop) and serve in a daemon thread."""
        server = _Server(self.port, self.mode, self.fps, self.freeze_after)
        server.connections = self.connections
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True, name=f"test-http-{self.port}")
        self._thread.start()

    def stop(self) -> None:
        """Stop listening and drop every client connection."""
        server, self._server = self._server, None
        if server is None:
            return
        server.stopping.set()
        server.shutdown()
        server.server_close()
        self.connections = server.connections
        if self._thread is not None:
            self._thread.join(5)

    def accepted(self) -> int:
        """Connections accepted so far (all starts together)."""
        return self._server.connections if self._server is not None else self.connections


@contextmanager
def serving(server: LiveHTTPServer) -> Iterator[LiveHTTPServer]:
    """Run ``server`` for the duration of a ``with`` block."""
    server.start()
    try:
        yield server
    finally:
        server.stop()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

