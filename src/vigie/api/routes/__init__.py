"""The console's routers, one module per area."""

from __future__ import annotations

from fastapi import APIRouter

from vigie.api.routes import (
    alerts,
    auth,
    cameras,
    notice,
    registers,
    scene,
    stats,
    stream,
)

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (auth.router, notice.router, stream.router, alerts.router,
                                  cameras.router, scene.router, stats.router, registers.router)
