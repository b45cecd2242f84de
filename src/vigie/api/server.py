"""ConsoleServer: the console served by uvicorn in a background thread of `vigie run`."""

from __future__ import annotations

import logging
import socket
import threading
import time

import uvicorn

from vigie.api.app import create_app
from vigie.api.context import ConsoleContext
from vigie.errors import VigieError

__all__ = ["ConsoleServer"]

log = logging.getLogger(__name__)


class ConsoleServer:
    """Serve the console of ``ctx`` on ``host:port`` until :meth:`stop`.

    Args:
        ctx: The console context.
        host: Bind address (loopback by default: expose it on purpose, behind TLS).
        port: TCP port; 0 picks a free one (see :attr:`port` after :meth:`start`).

    Example:
        >>> server = ConsoleServer(ctx, "127.0.0.1", 8080)  # doctest: +SKIP
        >>> server.start(); print(server.url); server.stop()  # doctest: +SKIP
    """

    def __init__(self, ctx: ConsoleContext, host: str = "127.0.0.1", port: int = 8080) -> None:
        self.ctx = ctx
        self.host = host
        self.port = port
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The console's address."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout_s: float = 10.0) -> None:
        """Bind the port (a clear error if taken), then serve in a daemon thread.

        Raises:
            VigieError: The address cannot be bound, or the server did not start.
        """
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            raise VigieError(f"the console cannot listen on {self.host}:{self.port}: "
                             f"{exc.strerror}; choose another with --port") from None
        self.port = sock.getsockname()[1]
        self._socket = sock
        config = uvicorn.Config(create_app(self.ctx), log_level="warning", access_log=False,
                                timeout_graceful_shutdown=2, lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name="vigie-console", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise VigieError(f"the console did not start on {self.url}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Close open streams, stop serving, release the port."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
