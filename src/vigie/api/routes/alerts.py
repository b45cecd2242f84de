"""Console area: the alert queue and alert detail (pages and JSON API).

The queue is read newest first and kept live by the change stream (``alert`` and ``counts``
events); operators' actions go through :meth:`AlertRepository.transition`, whose optimistic
lock makes a late second decision fail with 409 and the first decision in the answer.
Evidence (snapshot, clip) is served only from the path stored on the alert, inside the data
folder, never cached (the security middleware marks every ``/api/`` answer ``no-store``), and
every look at an alert or its evidence is written to the audit log.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from pydantic import AwareDatetime
from sqlalchemy import and_, or_, select

from vigie.api.context import ConsoleContext
from vigie.api.deps import MAX_ROW_ID, ContextDep, RowId, require, visible_cameras
from vigie.api.pages import render
from vigie.api.permissions import Permission, allowed
from vigie.api.schemas.alerts import (
    ACTION_LABELS,
    ActionRequest,
    AlertChoices,
    AlertConflict,
    AlertDetail,
    AlertPage,
    AlertSummary,
)
from vigie.store import AlertQuery, AlertRecord, AlertRepository, CameraRepository
from vigie.store.alerts import alert_record
from vigie.store.errors import AlertConflictError, AlertNotFoundError, InvalidTransitionError
from vigie.store.models import Alert
from vigie.store.statemachine import TRANSITIONS
from vigie.store.types import AlertActionKind, AlertStatus, ClipStatus
from vigie.store.users import SessionRecord

__all__ = ["router"]

router = APIRouter()

CanView = Annotated[SessionRecord, Depends(require(Permission.ALERTS_VIEW))]
CanDecide = Annotated[SessionRecord, Depends(require(Permission.ALERTS_DECIDE))]
CanSeeEvidence = Annotated[SessionRecord, Depends(require(Permission.EVIDENCE_VIEW))]

MAX_PAGE = 500
#: Actions that change an alert (a comment changes nothing but the register).
_DECISIONS = (AlertActionKind.ACKNOWLEDGE, AlertActionKind.VALIDATE, AlertActionKind.DISMISS,
              AlertActionKind.FOLLOW_UP)
_SNAPSHOT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
_CLIP_TYPES = {".webm": "video/webm", ".mp4": "video/mp4"}
_CLIP_MISSING = {
    ClipStatus.NONE: "this alert has no clip",
    ClipStatus.PENDING: "the clip is still being recorded",
    ClipStatus.FAILED: "the clip could not be recorded",
    ClipStatus.PURGED: "the clip was deleted by retention",
}
_FIRST_BYTES = re.compile(r"^\s*bytes\s*=\s*0\s*-")


@router.get("/alerts", response_class=HTMLResponse, include_in_schema=False)
def alerts_page(request: Request, session: CanView) -> HTMLResponse:
    """The alert queue and the selected alert's detail."""
    role = session.user.role
    return render(request, "alerts.html", session, title="Alerts", script="alerts.js",
                  can_decide=allowed(role, Permission.ALERTS_DECIDE),
                  can_evidence=allowed(role, Permission.EVIDENCE_VIEW))


@router.get("/api/alerts/counts")
def open_counts(session: CanView, ctx: ContextDep) -> dict[str, int]:
    """Alerts waiting for a decision: ``new`` and ``acknowledged``."""
    return AlertRepository(ctx.db).open_counts(visible_cameras(session))


@router.get("/api/alerts/choices")
def choices(session: CanView, ctx: ContextDep) -> AlertChoices:
    """What the page offers: event types, cameras, statuses, dismiss reasons, follow-ups."""
    cameras = [(i, name) for i, name in _camera_names(ctx).items() if session.user.may_see(i)]
    return AlertChoices.for_cameras(cameras)


@router.get("/api/alerts")
def list_alerts(
    session: CanView,
    ctx: ContextDep,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    camera_id: Annotated[str | None, Query(max_length=64)] = None,
    status_: Annotated[list[AlertStatus] | None, Query(alias="status")] = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> AlertPage:
    """Alerts, newest first, filtered; page on with ``before_id`` (``next_before_id``).

    ``status`` may be repeated (``?status=new&status=acknowledged``); ``since`` and ``until``
    are ISO 8601 times with a time zone (``until`` excluded).
    """
    query = AlertQuery(kind=kind or None, camera_id=camera_id or None,
                       camera_ids=visible_cameras(session),
                       status=frozenset(status_) if status_ else None, since=since, until=until)
    rows = _page(ctx, query, before_id, limit + 1)
    names = _camera_names(ctx)
    items = [AlertSummary.from_record(a, names.get(a.camera_id, a.camera_id))
             for a in rows[:limit]]
    return AlertPage(items=items, next_before_id=items[-1].id if len(rows) > limit else None)


@router.get("/api/alerts/{alert_id}")
def get_alert(alert_id: RowId, session: CanView, ctx: ContextDep,
              refresh: bool = False) -> AlertDetail:
    """One alert with its measurements and its follow-up register.

    Opening an alert is audited (``alert.view``); ``refresh=true`` is the open page catching
    up with a live change, not a new look, and is not.
    """
    detail = _detail(ctx, _get(ctx, alert_id, session))
    if not refresh:
        ctx.audit(session.user.login, "alert.view", f"alert:{detail.uuid}",
                  {"alert_id": detail.id})
    return detail


@router.post("/api/alerts/{alert_id}/actions", response_model=AlertDetail,
             responses={409: {"model": AlertConflict, "description": "someone acted first, or "
                              "the action is not allowed in the alert's status"}})
def act(alert_id: RowId, body: ActionRequest, session: CanDecide,
        ctx: ContextDep) -> AlertDetail | JSONResponse:
    """Acknowledge, validate, dismiss (with a reason), record the follow-up, or comment.

    The action applies only to ``expected_version``; if another operator acted first the
    answer is 409 with the alert as it is now and who decided, and nothing is changed.
    """
    _get(ctx, alert_id, session)  # another sector's alert does not exist for this account
    repo = AlertRepository(ctx.db)
    comment = (body.comment or "").strip() or None
    try:
        alert = repo.transition(alert_id, body.action, session.user.login,
                                body.expected_version, comment=comment, reason=body.reason,
                                follow_up=body.follow_up)
    except AlertNotFoundError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    except AlertConflictError as error:
        return _conflict(ctx, error.current, body.action, None)
    except InvalidTransitionError as error:
        if (error.status, error.action) in TRANSITIONS:  # allowed now, but a field is wrong
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error
        return _conflict(ctx, repo.get(alert_id), body.action, str(error))
    return _detail(ctx, alert)


@router.get("/api/alerts/{alert_id}/snapshot", response_class=FileResponse,
            responses={200: {"content": {"image/jpeg": {}}}})
def snapshot(alert_id: RowId, session: CanSeeEvidence, ctx: ContextDep) -> FileResponse:
    """The alert's snapshot (JPEG, the object outlined); 404 once purged."""
    alert = _get(ctx, alert_id, session)
    path, media_type = _evidence_file(ctx.data_dir, alert.snapshot_path, _SNAPSHOT_TYPES,
                                      "this alert has no snapshot (purged or never taken)")
    ctx.audit(session.user.login, "evidence.view", f"alert:{alert.uuid}",
              {"alert_id": alert.id, "file": "snapshot"})
    return FileResponse(path, media_type=media_type)


@router.get("/api/alerts/{alert_id}/clip", response_class=FileResponse,
            responses={200: {"content": {"video/webm": {}}}, 206: {"description": "a range"}})
def clip(alert_id: RowId, request: Request, session: CanSeeEvidence,
         ctx: ContextDep) -> FileResponse:
    """The alert's clip, with byte ranges for the player; 404 while recording or once purged.

    The first request of a viewing (no ``Range``, or one from byte 0) is audited, not each
    range the player asks for while seeking.
    """
    alert = _get(ctx, alert_id, session)
    if alert.clip_status is not ClipStatus.READY:
        raise HTTPException(status.HTTP_404_NOT_FOUND, _CLIP_MISSING.get(
            alert.clip_status, f"no clip ({alert.clip_status})"))
    path, media_type = _evidence_file(ctx.data_dir, alert.clip_path, _CLIP_TYPES,
                                      "the clip file is missing (purged?)")
    byte_range = request.headers.get("range")
    if byte_range is None or _FIRST_BYTES.match(byte_range):
        ctx.audit(session.user.login, "evidence.view", f"alert:{alert.uuid}",
                  {"alert_id": alert.id, "file": "clip"})
    return FileResponse(path, media_type=media_type)


def _get(ctx: ConsoleContext, alert_id: int, session: SessionRecord) -> AlertRecord:
    """The alert, if it exists and is on a camera of the account (404 otherwise, alike)."""
    try:
        alert = AlertRepository(ctx.db).get(alert_id)
    except AlertNotFoundError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    if not session.user.may_see(alert.camera_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no alert {alert_id}")
    return alert


def _camera_names(ctx: ConsoleContext) -> dict[str, str]:
    """Camera id -> display name (the database's, which the site file keeps up to date)."""
    return {camera.id: camera.name for camera in CameraRepository(ctx.db).list()}


def _detail(ctx: ConsoleContext, alert: AlertRecord) -> AlertDetail:
    names = _camera_names(ctx)
    register = AlertRepository(ctx.db).history(alert.id)
    return AlertDetail.build(alert, names.get(alert.camera_id, alert.camera_id), register)


def _page(ctx: ConsoleContext, query: AlertQuery, before_id: int | None,
          limit: int) -> list[AlertRecord]:
    """Up to ``limit`` alerts older than ``before_id`` in the queue's order (keyset paging)."""
    statement = query.apply(select(Alert))
    with ctx.db.read() as session:
        if before_id is not None:
            anchor = session.get(Alert, before_id)
            if anchor is None:
                raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                    f"before_id: no alert {before_id} to page from")
            statement = statement.where(or_(
                Alert.raised_at < anchor.raised_at,
                and_(Alert.raised_at == anchor.raised_at, Alert.id < anchor.id)))
        statement = statement.order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(limit)
        return [alert_record(row) for row in session.scalars(statement)]


def _conflict(ctx: ConsoleContext, current: AlertRecord, action: str,
              refusal: str | None) -> JSONResponse:
    """409 with the alert as it is now and the last decision on it, in words."""
    detail = _detail(ctx, current)
    last = next((row for row in reversed(detail.history) if row.action in _DECISIONS), None)
    zone = ZoneInfo(ctx.site.site.timezone)
    if refusal is not None:
        message = f"{refusal}. The alert is shown as it is now."
    elif last is not None:
        message = (f"{last.actor} already {ACTION_LABELS[last.action]} this alert at "
                   f"{_clock(last.at, zone)}; your {action.replace('_', '-')} was not applied. "
                   f"The alert is shown as it is now.")
    else:
        message = "The alert changed since you opened it; it is shown as it is now."
    body = AlertConflict(detail=message, current=detail,
                         decided_by=last.actor if last else current.operator,
                         decided_at=last.at if last else current.decided_at,
                         last_action=last)
    return JSONResponse(body.model_dump(mode="json"), status_code=status.HTTP_409_CONFLICT)


def _clock(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%H:%M:%S")


def _evidence_file(data_dir: Path, stored: str | None, types: dict[str, str],
                   missing: str) -> tuple[Path, str]:
    """The evidence file named on the alert, if it lies inside the data folder.

    Anything else (no path, a deleted file, a path escaping the folder, an unexpected type)
    is a 404, never a file from elsewhere on the disk.
    """
    if not stored:
        raise HTTPException(status.HTTP_404_NOT_FOUND, missing)
    root = data_dir.resolve()
    path = (root / stored).resolve()
    media_type = types.get(path.suffix.lower())
    if not path.is_relative_to(root) or media_type is None or not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, missing)
    return path, media_type
