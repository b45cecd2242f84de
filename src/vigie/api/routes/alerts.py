"""Console area: the alert queue and alert detail (pages and JSON API)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from vigie.api.deps import ContextDep, require
from vigie.api.pages import render
from vigie.api.permissions import Permission
from vigie.store.models import Alert
from vigie.store.types import AlertStatus
from vigie.store.users import SessionRecord

__all__ = ["router"]

router = APIRouter()

CanView = Annotated[SessionRecord, Depends(require(Permission.ALERTS_VIEW))]


@router.get("/alerts", response_class=HTMLResponse, include_in_schema=False)
def alerts_page(request: Request, session: CanView) -> HTMLResponse:
    """The alert queue."""
    return render(request, "alerts.html", session, title="Alerts", script="alerts.js")


@router.get("/api/alerts/counts")
def open_counts(session: CanView, ctx: ContextDep) -> dict[str, int]:
    """Alerts waiting for a decision: ``new`` and ``acknowledged``."""
    with ctx.db.read() as db:
        rows = db.execute(select(Alert.status, func.count()).where(
            Alert.status.in_([AlertStatus.NEW, AlertStatus.ACKNOWLEDGED]))
            .group_by(Alert.status)).all()
    by_status = {str(status): int(n) for status, n in rows}
    return {"new": by_status.get("new", 0), "acknowledged": by_status.get("acknowledged", 0)}
