"""Console area: the alert register and the audit log viewer (pages, JSON, CSV exports).

Both are for supervisors and auditors only. The register lists alerts (type, time, camera,
decision, follow-up) without pictures; the audit log shows who did what, and whether its
hash chain is intact. Every export is itself written to the audit log.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import status as http
from fastapi.responses import HTMLResponse, StreamingResponse

from vigie.api.csvexport import Cell, csv_filename, csv_response, local_iso
from vigie.api.deps import MAX_ROW_ID, ContextDep, require, visible_cameras
from vigie.api.pages import render
from vigie.api.permissions import Permission
from vigie.api.schemas.registers import (
    AuditEntryOut,
    AuditFacets,
    AuditPage,
    CameraName,
    ChainState,
    RegisterFacets,
    RegisterPage,
    RegisterRowOut,
    RegisterStatus,
)
from vigie.store import AuditRepository
from vigie.store.audit import canonical_json
from vigie.store.registers import (
    AuditQuery,
    RegisterQuery,
    audit_extent,
    audit_facets,
    audit_page,
    iter_audit,
    iter_register,
    register_extent,
    register_kinds,
    register_page,
)
from vigie.store.types import AlertStatus
from vigie.store.users import SessionRecord

__all__ = ["router"]

router = APIRouter()

CanRegister = Annotated[SessionRecord, Depends(require(Permission.REGISTER_VIEW))]
CanAudit = Annotated[SessionRecord, Depends(require(Permission.AUDIT_VIEW))]
Since = Annotated[datetime | None, Query(description="At or after; ISO date or date-time "
                                        "(without offset: the site's time zone).")]
Until = Annotated[datetime | None, Query(description="Before (exclusive), as ``since``.")]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=MAX_ROW_ID)]
Text = Annotated[str | None, Query(max_length=200)]

REGISTER_HEADER = ("id", "type", "raised_at", "camera_id", "camera", "zone", "status",
                   "operator", "decided_at", "handling_s", "dismiss_reason", "decision_comment",
                   "follow_up", "follow_up_at", "follow_up_comment", "explanation")
AUDIT_HEADER = ("id", "at", "actor", "action", "target", "details", "prev_hash", "hash")


def _aware(at: datetime | None, timezone: str) -> datetime | None:
    """A naive time is a time of the site's time zone."""
    if at is None or at.tzinfo is not None:
        return at
    return at.replace(tzinfo=ZoneInfo(timezone))


def _period(ctx: ContextDep, since: datetime | None,
            until: datetime | None) -> tuple[datetime | None, datetime | None]:
    timezone = ctx.site.site.timezone
    since, until = _aware(since, timezone), _aware(until, timezone)
    if since is not None and until is not None and until <= since:
        raise HTTPException(http.HTTP_422_UNPROCESSABLE_CONTENT,
                            "until: must be later than since")
    return since, until


def _filters(**values: Any) -> dict[str, Any]:
    """The filters given, JSON-ready, for the audit entry of an export."""
    return {k: v.isoformat() if isinstance(v, datetime) else str(v)
            for k, v in values.items() if v not in (None, "")}


# --- the alert register -------------------------------------------------------------------

@router.get("/registers", response_class=HTMLResponse, include_in_schema=False)
def registers_page(request: Request, session: CanRegister, ctx: ContextDep) -> HTMLResponse:
    """The alert register: search, filters, CSV export."""
    return render(request, "registers.html", session, title="Alert register",
                  script="registers.js", timezone=ctx.site.site.timezone)


def _register_query(ctx: ContextDep, session: SessionRecord, q: str | None, kind: str | None,
                    camera_id: str | None, state: RegisterStatus | None,
                    since: datetime | None, until: datetime | None) -> RegisterQuery:
    since, until = _period(ctx, since, until)
    status_filter: AlertStatus | Literal["open"] | None = None
    if state is RegisterStatus.OPEN:
        status_filter = "open"
    elif state is not None:
        status_filter = AlertStatus(state.value)
    return RegisterQuery(q=(q or "").strip() or None, kind=kind or None,
                         camera_id=camera_id or None, camera_ids=visible_cameras(session),
                         status=status_filter, since=since, until=until)


@router.get("/api/register")
def register(session: CanRegister, ctx: ContextDep, q: Text = None, kind: Text = None,
             camera_id: Text = None, status: RegisterStatus | None = None,
             since: Since = None, until: Until = None, limit: Limit = 100,
             offset: Offset = 0) -> RegisterPage:
    """Alerts matching the filters, newest first, one page."""
    query = _register_query(ctx, session, q, kind, camera_id, status, since, until)
    total, rows = register_page(ctx.db, query, limit=limit, offset=offset)
    return RegisterPage(total=total, limit=limit, offset=offset,
                        rows=[RegisterRowOut.of(r) for r in rows])


@router.get("/api/register/facets")
def register_facets(session: CanRegister, ctx: ContextDep) -> RegisterFacets:
    """Choices of the filters: types found, the site's cameras, statuses."""
    return RegisterFacets(kinds=register_kinds(ctx.db),
                          cameras=[CameraName(id=c.id, name=c.name or c.id)
                                   for c in ctx.site.cameras],
                          statuses=[s.value for s in RegisterStatus])


@router.get("/api/register.csv")
def register_csv(session: CanRegister, ctx: ContextDep, q: Text = None, kind: Text = None,
                 camera_id: Text = None, status: RegisterStatus | None = None,
                 since: Since = None, until: Until = None) -> StreamingResponse:
    """Every matching alert as CSV (streamed); the export is audited."""
    query = _register_query(ctx, session, q, kind, camera_id, status, since, until)
    total, top = register_extent(ctx.db, query)
    ctx.audit(session.user.login, "register.export", "alerts",
              {"filters": _filters(q=query.q, kind=query.kind, camera_id=query.camera_id,
                                   status=query.status, since=query.since,
                                   until=query.until), "rows": total})
    timezone = ctx.site.site.timezone

    def rows() -> Iterator[tuple[Cell, ...]]:
        for r in iter_register(ctx.db, query, up_to_id=top):
            yield (r.id, r.kind, local_iso(r.raised_at, timezone), r.camera_id,
                   r.camera_name, r.zone, r.status.value, r.operator,
                   local_iso(r.decided_at, timezone),
                   None if r.handling_s is None else round(r.handling_s, 1),
                   r.dismiss_reason.value if r.dismiss_reason else None, r.decision_comment,
                   r.follow_up.value, local_iso(r.follow_up_at, timezone),
                   r.follow_up_comment, r.explanation)

    name = csv_filename("vigie-register", datetime.now(ZoneInfo(timezone)).strftime("%Y%m%d-%H%M"))
    return csv_response(name, REGISTER_HEADER, rows())


# --- the audit log ------------------------------------------------------------------------

@router.get("/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_viewer_page(request: Request, session: CanAudit, ctx: ContextDep) -> HTMLResponse:
    """The audit log: filters, chain state, CSV export."""
    return render(request, "audit.html", session, title="Audit log", script="audit.js",
                  timezone=ctx.site.site.timezone)


def _audit_query(ctx: ContextDep, actor: str | None, action: str | None,
                 since: datetime | None, until: datetime | None) -> AuditQuery:
    since, until = _period(ctx, since, until)
    return AuditQuery(actor=actor or None, action=action or None, since=since, until=until)


@router.get("/api/audit")
def audit_entries(session: CanAudit, ctx: ContextDep, actor: Text = None, action: Text = None,
                  since: Since = None, until: Until = None, limit: Limit = 100,
                  offset: Offset = 0) -> AuditPage:
    """Entries matching the filters, newest first (``action`` ending with a dot: a prefix)."""
    total, entries = audit_page(ctx.db, _audit_query(ctx, actor, action, since, until),
                                limit=limit, offset=offset)
    return AuditPage(total=total, limit=limit, offset=offset,
                     entries=[AuditEntryOut.of(e) for e in entries])


@router.get("/api/audit/facets")
def audit_choices(session: CanAudit, ctx: ContextDep) -> AuditFacets:
    """Every actor and action found in the log."""
    actors, actions = audit_facets(ctx.db)
    return AuditFacets(actors=actors, actions=actions)


@router.get("/api/audit/verify")
def audit_verify(session: CanAudit, ctx: ContextDep) -> ChainState:
    """Walk the whole hash chain."""
    repo = AuditRepository(ctx.db)
    first_bad = repo.verify_chain()
    head = repo.head()
    entries, _ = audit_extent(ctx.db, AuditQuery())
    return ChainState(intact=first_bad is None, first_bad_id=first_bad, entries=entries,
                      head_id=head[0] if head else None)


@router.get("/api/audit.csv")
def audit_csv(session: CanAudit, ctx: ContextDep, actor: Text = None, action: Text = None,
              since: Since = None, until: Until = None) -> StreamingResponse:
    """Every matching entry as CSV, hashes included (streamed); the export is audited."""
    query = _audit_query(ctx, actor, action, since, until)
    total, top = audit_extent(ctx.db, query)
    ctx.audit(session.user.login, "audit.export", "audit_log",
              {"filters": _filters(actor=query.actor, action=query.action,
                                   since=query.since, until=query.until), "rows": total})

    def rows() -> Iterator[tuple[Cell, ...]]:
        for e in iter_audit(ctx.db, query, up_to_id=top):
            yield (e.id, e.at.isoformat(timespec="microseconds"), e.actor, e.action, e.target,
                   canonical_json(e.details), e.prev_hash, e.hash)

    timezone = ctx.site.site.timezone
    name = csv_filename("vigie-audit", datetime.now(ZoneInfo(timezone)).strftime("%Y%m%d-%H%M"))
    return csv_response(name, AUDIT_HEADER, rows())
