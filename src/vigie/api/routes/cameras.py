"""Console area: the camera wall (live views, health, stopping and resuming analysis).

Live views are pictures of people: only roles with ``cameras.view`` get them, and a stopped
camera shows no picture at all. An open live stream ends when its session does (checked every
``SESSION_CHECK_S``). Stopping and resuming need ``analysis.stop`` and a reason; the running
analysis obeys at once (readers paused), the switch is stored, audited and logged. A console
without the analysis in its process records the switch, which applies when the analysis
starts.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from vigie.api.context import ConsoleContext
from vigie.api.deps import COOKIE, ContextDep, require
from vigie.api.pages import render
from vigie.api.permissions import Permission, allowed
from vigie.api.schemas.cameras import (
    CameraHealthView,
    CameraRuntime,
    CameraTile,
    CameraWall,
    SwitchRequest,
    SwitchResult,
    TileStatus,
)
from vigie.config.site import CameraConfig
from vigie.runtime.camera import CameraStatus
from vigie.runtime.liveview import LiveViews, Placeholder, placeholder_for
from vigie.store import CameraRepository, HealthRepository
from vigie.store.types import CameraRecord, HealthRecord
from vigie.store.users import SessionRecord

__all__ = ["LIVE_FPS", "router"]

log = logging.getLogger(__name__)
router = APIRouter()

CanView = Annotated[SessionRecord, Depends(require(Permission.CAMERAS_VIEW))]
CanStop = Annotated[SessionRecord, Depends(require(Permission.ANALYSIS_STOP))]

LIVE_FPS = 3.0            # pictures per second of a live stream, at most
RESEND_S = 2.0            # an unchanged picture (a card) is sent again this often
SESSION_CHECK_S = 15.0    # an open stream re-checks its session this often
BOUNDARY = "vigie-live-frame"
NOT_RUNNING = ("analysis is not running in this process: the {what} is recorded and applies "
               "when it starts")

#: Reader states as a tile's pill shows them.
_TILE_STATE: dict[str, TileStatus] = {
    "up": "up", "down": "down", "paused": "stopped", "ended": "ended", "stopped": "ended",
    "error": "error", "starting": "starting"}


# -- pages ----------------------------------------------------------------------------------


@router.get("/cameras", response_class=HTMLResponse, include_in_schema=False)
def cameras_page(request: Request, session: CanView, ctx: ContextDep) -> HTMLResponse:
    """The camera wall."""
    return render(request, "cameras.html", session, title="Cameras", script="cameras.js",
                  can_stop=allowed(session.user.role, Permission.ANALYSIS_STOP),
                  control=ctx.control is not None, cameras=_visible(ctx, session))


# -- wall -----------------------------------------------------------------------------------


@router.get("/api/cameras")
def camera_wall(session: CanView, ctx: ContextDep) -> CameraWall:
    """Every camera of the site: switch, health, and live figures when the analysis runs here."""
    records = {c.id: c for c in CameraRepository(ctx.db).list()}
    health = HealthRepository(ctx.db).current()
    runtime = {s.camera_id: s for s in ctx.control.status()} if ctx.control else {}
    tiles = [_tile(camera, records.get(camera.id), health.get(camera.id),
                   runtime.get(camera.id), ctx.control is not None)
             for camera in _visible(ctx, session)]
    return CameraWall(control=ctx.control is not None,
                      all_stopped=all(t.analysis_stopped for t in tiles), cameras=tiles)


def _tile(camera: CameraConfig, record: CameraRecord | None, health: HealthRecord | None,
          runtime: CameraStatus | None, control: bool) -> CameraTile:
    stopped = record.analysis_stopped if record is not None else False
    state, reason = _tile_status(camera, stopped, health, runtime, control)
    return CameraTile(
        id=camera.id, name=camera.name or camera.id, enabled=camera.enabled,
        analysis_stopped=stopped, status=state, status_reason=reason,
        health=None if health is None else CameraHealthView(
            state=str(health.state), reason=health.reason, since=health.at),
        runtime=None if runtime is None else CameraRuntime(
            state=runtime.state, reason=runtime.reason, fps=round(runtime.fps, 2),
            lag_ms=round(runtime.lag_s * 1000, 1), dropped=runtime.dropped,
            analysed=runtime.analysed, alerts=runtime.alerts,
            detector_share=round(runtime.detector_runs / runtime.analysed, 3)
            if runtime.analysed else 0.0),
        zones=[z.name for z in camera.zones], lines=[ln.name for ln in camera.lines],
        analytics=[a.name for a in camera.analytics])


def _tile_status(camera: CameraConfig, stopped: bool, health: HealthRecord | None,
                 runtime: CameraStatus | None, control: bool) -> tuple[TileStatus, str]:
    """The operator's switch first, then the running analysis, then the last health event."""
    last_stop = health.reason if health is not None and str(health.state) == "stopped" else ""
    if stopped:
        return "stopped", last_stop or "analysis stopped by an operator"
    if runtime is not None:
        return _TILE_STATE.get(runtime.state, "unknown"), runtime.reason
    if not camera.enabled:
        return "stopped", "disabled in the site configuration"
    if control:
        return "unknown", "not running in this analysis"
    if health is not None:
        return _TILE_STATE.get(str(health.state), "unknown"), health.reason
    return "unknown", "no health recorded yet"


# -- live views -----------------------------------------------------------------------------


def _views(request: Request, ctx: ConsoleContext, session: SessionRecord) -> LiveViews:
    """The app's renderer for this role: plain for cleared roles, anonymised for the others.

    One renderer per variant and console, made on first use.
    """
    cleared = session.user.role.value in ctx.site.privacy.live_cleared_roles
    anonymise = None if cleared else ctx.live_anonymiser()
    key = "live_views" if anonymise is None else "live_views_anonymised"
    views: LiveViews | None = getattr(request.app.state, key, None)
    if views is None:
        views = LiveViews(tz=ZoneInfo(ctx.site.site.timezone), anonymise=anonymise)
        setattr(request.app.state, key, views)
    return views


def _visible(ctx: ConsoleContext, session: SessionRecord) -> list[CameraConfig]:
    """The site's cameras that the account may see."""
    return [c for c in ctx.site.cameras if session.user.may_see(c.id)]


def _camera(ctx: ConsoleContext, camera_id: str, session: SessionRecord) -> CameraConfig:
    for camera in _visible(ctx, session):
        if camera.id == camera_id:
            return camera
    raise HTTPException(status.HTTP_404_NOT_FOUND,
                        f"no camera {camera_id!r} on this site; cameras: "
                        f"{', '.join(c.id for c in _visible(ctx, session))}")


@router.get("/api/cameras/{camera_id}/snapshot.jpg", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}})
def snapshot(camera_id: str, request: Request, session: CanView, ctx: ContextDep,
             overlay: bool = True, placeholder: bool = False) -> Response:
    """The camera's latest analysed frame as a JPEG (at most 960 px wide).

    Args:
        camera_id: The camera.
        request: The request.
        session: The signed-in session (``cameras.view``).
        ctx: The console context.
        overlay: Draw zones, lines and tracks (false: the bare picture, e.g. to draw a scene on).
        placeholder: Answer with the card a tile shows when there is no live picture,
            instead of 404.
    """
    camera = _camera(ctx, camera_id, session)
    live = ctx.control.live_frame(camera_id) if ctx.control else None
    views = _views(request, ctx, session)
    data = views.jpeg(live, overlay=overlay) if live is not None else None
    if data is None:
        card = placeholder_for(live) or Placeholder("WAITING", "no analysed frame yet")
        if not placeholder:
            raise HTTPException(status.HTTP_404_NOT_FOUND,
                                f"no live frame of {camera_id}: {card.title.lower()}"
                                f"{f' ({card.detail})' if card.detail else ''}")
        data = views.placeholder(camera_id, card, camera.name or camera.id)
    return Response(data, media_type="image/jpeg")


@router.get("/api/cameras/{camera_id}/live.mjpg", response_class=StreamingResponse,
            responses={200: {"content": {f"multipart/x-mixed-replace; boundary={BOUNDARY}": {}}}})
def live_stream(camera_id: str, request: Request, session: CanView,
                ctx: ContextDep) -> StreamingResponse:
    """The camera's live view as MJPEG (``multipart/x-mixed-replace``), about 3 pictures/s.

    While there is no picture to show (analysis stopped, camera down, no frame yet, analysis
    not running here) the stream carries a card saying why. It ends when the browser goes
    away or the session ends.
    """
    camera = _camera(ctx, camera_id, session)
    frames = _mjpeg(ctx, _views(request, ctx, session), camera, request.cookies.get(COOKIE, ""))
    return StreamingResponse(frames, media_type=f"multipart/x-mixed-replace; boundary={BOUNDARY}",
                             headers={"x-accel-buffering": "no"})


async def _mjpeg(ctx: ConsoleContext, views: LiveViews, camera: CameraConfig,
                 token: str) -> AsyncIterator[bytes]:
    """The body of a live stream: ``--boundary``, then each picture followed by the boundary.

    A browser shows a part only once the next one starts: a picture that will not change
    soon (a card) is sent twice in a row so that it appears at once, then every ``RESEND_S``.
    """
    name = camera.name or camera.id
    sent: bytes | None = None
    sent_at = checked_at = time.monotonic()
    yield f"--{BOUNDARY}\r\n".encode()
    while True:
        live = ctx.control.live_frame(camera.id) if ctx.control else None
        data = await run_in_threadpool(views.frame, camera.id, live, name)
        now = time.monotonic()
        if data is not sent:
            yield _part(data)
            sent, sent_at, again = data, now, True
        elif again or now - sent_at >= RESEND_S:
            yield _part(data)
            sent_at, again = now, False
        if now - checked_at >= SESSION_CHECK_S:
            if not await run_in_threadpool(_may_still_view, ctx, token):
                return
            checked_at = now
        await asyncio.sleep(1 / LIVE_FPS)


def _part(jpeg: bytes) -> bytes:
    head = f"Content-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n".encode()
    return head + jpeg + f"\r\n--{BOUNDARY}\r\n".encode()


def _may_still_view(ctx: ConsoleContext, token: str) -> bool:
    """Whether the stream's session is still open with a role that may see live views."""
    record = ctx.sessions.lookup(token) if token else None
    return record is not None and allowed(record.user.role, Permission.CAMERAS_VIEW)


# -- switches -------------------------------------------------------------------------------


@router.post("/api/cameras/{camera_id}/stop")
def stop_camera(camera_id: str, body: SwitchRequest, session: CanStop,
                ctx: ContextDep) -> SwitchResult:
    """Stop the analysis of one camera at once (reason required); stored, audited, logged."""
    _camera(ctx, camera_id, session)
    return _switch_camera(ctx, camera_id, True, session.user.login, body.reason)


@router.post("/api/cameras/{camera_id}/start")
def start_camera(camera_id: str, body: SwitchRequest, session: CanStop,
                 ctx: ContextDep) -> SwitchResult:
    """Resume the analysis of one camera (reason required); stored, audited, logged."""
    _camera(ctx, camera_id, session)
    return _switch_camera(ctx, camera_id, False, session.user.login, body.reason)


@router.post("/api/analysis/stop")
def stop_all(body: SwitchRequest, session: CanStop, ctx: ContextDep) -> SwitchResult:
    """Stop the analysis of every camera at once (reason required); stored, audited, logged."""
    _every_camera(session)
    return _switch_all(ctx, True, session.user.login, body.reason)


@router.post("/api/analysis/start")
def start_all(body: SwitchRequest, session: CanStop, ctx: ContextDep) -> SwitchResult:
    """Resume the analysis of every camera (reason required); stored, audited, logged."""
    _every_camera(session)
    return _switch_all(ctx, False, session.user.login, body.reason)


def _every_camera(session: SessionRecord) -> None:
    if session.user.cameras is not None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this account is limited to some "
                            "cameras: it stops them one by one, not the whole site")


def _records(ctx: ConsoleContext, actor: str) -> dict[str, CameraRecord]:
    """The database's cameras; the site's cameras are registered first if some are missing."""
    repo = CameraRepository(ctx.db)
    records = {c.id: c for c in repo.list()}
    if any(c.id not in records for c in ctx.site.cameras):
        records = {c.id: c for c in repo.upsert_from_config(ctx.site.cameras, actor=actor)}
    return records


def _switch_camera(ctx: ConsoleContext, camera_id: str, stopped: bool, actor: str,
                   reason: str) -> SwitchResult:
    word = "stop" if stopped else "resume"
    record = _records(ctx, actor)[camera_id]
    live = ctx.control.live_frame(camera_id) if ctx.control else None
    obeys = live is None or (live.state == "paused") == stopped
    if record.analysis_stopped == stopped and obeys:
        return SwitchResult(analysis_stopped=stopped, cameras=[], applied=live is not None,
                            message=f"the analysis of {camera_id} was already "
                                    f"{'stopped' if stopped else 'running'}: nothing changed")
    if ctx.control is not None and live is not None:
        ctx.control.set_camera_stopped(camera_id, stopped, actor, reason)
        message = f"analysis of {camera_id} {'stopped' if stopped else 'resumed'}"
    else:
        CameraRepository(ctx.db).set_stopped(camera_id, stopped, actor, reason)
        message = NOT_RUNNING.format(what=word) if ctx.control is None else \
            f"{camera_id} is not analysed in this run: the {word} is recorded"
    _log(stopped, actor, reason, camera_id)
    return SwitchResult(analysis_stopped=stopped, cameras=[camera_id], applied=live is not None,
                        message=message)


def _switch_all(ctx: ConsoleContext, stopped: bool, actor: str, reason: str) -> SwitchResult:
    records = _records(ctx, actor)
    changed = sorted(cid for cid, r in records.items() if r.analysis_stopped != stopped)
    lives = [ctx.control.live_frame(c.id) for c in ctx.site.cameras] if ctx.control else []
    pending = sorted(live.camera_id for live in lives
                     if live is not None and (live.state == "paused") != stopped)
    if not changed and not pending:
        return SwitchResult(analysis_stopped=stopped, cameras=[], applied=ctx.control is not None,
                            message=f"every camera was already "
                                    f"{'stopped' if stopped else 'running'}: nothing changed")
    if ctx.control is not None:
        ctx.control.set_all_stopped(stopped, actor, reason)
        message = f"analysis {'stopped' if stopped else 'resumed'} on every camera"
    else:
        CameraRepository(ctx.db).set_all_stopped(stopped, actor, reason)
        message = NOT_RUNNING.format(what="stop" if stopped else "resume")
    _log(stopped, actor, reason, "every camera")
    return SwitchResult(analysis_stopped=stopped, cameras=sorted({*changed, *pending}),
                        applied=ctx.control is not None, message=message)


def _log(stopped: bool, actor: str, reason: str, target: str) -> None:
    if stopped:
        log.warning("analysis of %s stopped by %s: %s", target, actor, reason)
    else:
        log.warning("analysis of %s resumed by %s: %s", target, actor, reason)
