"""The operator console: a FastAPI web application served by `vigie run` and the demo.

Pages (alert queue, camera wall, scene editor, statistics, registers, audit log) are server-
rendered shells whose scripts read the JSON API; changes reach browsers over one
server-sent-events stream each. Every route checks the signed-in role on the server.

Names are imported lazily, so that `vigie users ...` does not load the web stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vigie.api.app import create_app
    from vigie.api.context import ConsoleContext
    from vigie.api.server import ConsoleServer

__all__ = ["ConsoleContext", "ConsoleServer", "create_app"]

_HOME = {"ConsoleContext": "context", "ConsoleServer": "server", "create_app": "app"}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'vigie.api' has no attribute {name!r}")
    return getattr(importlib.import_module(f"vigie.api.{_HOME[name]}"), name)
