"""The operator console: a FastAPI web application served by `vigie run` and the demo.

Pages (alert queue, camera wall, scene editor, statistics, registers, audit log) are server-
rendered shells whose scripts read the JSON API; changes reach browsers over one
server-sent-events stream each. Every route checks the signed-in role on the server.
"""

from vigie.api.app import create_app
from vigie.api.context import ConsoleContext
from vigie.api.server import ConsoleServer

__all__ = ["ConsoleContext", "ConsoleServer", "create_app"]
