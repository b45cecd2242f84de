"""The live stream: one server-sent-events connection per browser, fed by the ChangeHub."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from vigie.api.deps import ContextDep, SessionDep
from vigie.api.hub import Change, ChangeHub
from vigie.api.permissions import Permission, allowed
from vigie.store import AlertRepository
from vigie.store.users import UserRecord

__all__ = ["router"]

router = APIRouter()

#: Which changes a role may receive.
_NEEDS = {"alert": Permission.ALERTS_VIEW, "counts": Permission.ALERTS_VIEW,
          "health": Permission.CAMERAS_VIEW, "camera": Permission.CAMERAS_VIEW}


@router.get("/api/stream", response_class=EventSourceResponse)
async def stream(request: Request, session: SessionDep,
                 ctx: ContextDep) -> AsyncIterator[ServerSentEvent]:
    """Changes as they happen: ``alert``, ``counts``, ``health``, ``camera`` events (JSON).

    Each event carries only what the signed-in role may see, about the account's cameras.
    """
    hub: ChangeHub = request.app.state.hub  # one per served app (its own event loop)
    queue = hub.subscribe()
    user = session.user
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
            if not _may_see(user, change):
                continue
            data = change.data
            if change.kind == "counts" and user.cameras is not None:  # the account's own
                data = await run_in_threadpool(AlertRepository(ctx.db).open_counts,
                                               frozenset(user.cameras))
            yield ServerSentEvent(event=change.kind, data=data)
    finally:
        hub.unsubscribe(queue)


def _may_see(user: UserRecord, change: Change) -> bool:
    needed = _NEEDS.get(change.kind)
    if needed is not None and not allowed(user.role, needed):
        return False
    camera_id = change.data.get("camera_id")
    return camera_id is None or user.may_see(str(camera_id))
