"""The live stream: one server-sent-events connection per browser, fed by the ChangeHub."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent

from vigie.api.deps import SessionDep
from vigie.api.hub import Change, ChangeHub
from vigie.api.permissions import Permission, allowed

__all__ = ["router"]

router = APIRouter()

#: Which changes a role may receive.
_NEEDS = {"alert": Permission.ALERTS_VIEW, "counts": Permission.ALERTS_VIEW,
          "health": Permission.CAMERAS_VIEW, "camera": Permission.CAMERAS_VIEW}


@router.get("/api/stream", response_class=EventSourceResponse)
async def stream(request: Request, session: SessionDep) -> AsyncIterator[ServerSentEvent]:
    """Changes as they happen: ``alert``, ``counts``, ``health``, ``camera`` events (JSON).

    Each event carries only what the signed-in role may see.
    """
    hub: ChangeHub = request.app.state.hub  # one per served app (its own event loop)
    queue = hub.subscribe()
    role = session.user.role
    try:
        yield ServerSentEvent(event="hello", data={"login": session.user.login}, retry=2000)
        while True:
            try:
                change = await asyncio.wait_for(queue.get(), timeout=5.0)
            except TimeoutError:
                if await request.is_disconnected():
                    return
                continue
            if change is None:
                return
            if _may_see(role, change):
                yield ServerSentEvent(event=change.kind, data=change.data)
    finally:
        hub.unsubscribe(queue)


def _may_see(role: object, change: Change) -> bool:
    from vigie.store.users import Role

    needed = _NEEDS.get(change.kind)
    return needed is None or allowed(Role(str(role)), needed)
