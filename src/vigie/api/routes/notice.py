"""The public notice (no sign-in): cameras analysed, events, legal basis, retention, contact."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse

from vigie.api.deps import ContextDep
from vigie.api.pages import TEMPLATES
from vigie.compliance import Notice, build_notice, processing_register
from vigie.store import CameraRepository

__all__ = ["router"]

router = APIRouter()


def _notice(ctx: ContextDep) -> Notice:
    stopped = {c.id for c in CameraRepository(ctx.db).list() if c.analysis_stopped}
    return build_notice(ctx.site, stopped)


@router.get("/api/notice")
def notice_json(ctx: ContextDep) -> Notice:
    """The public notice as JSON (no sign-in)."""
    return _notice(ctx)


@router.get("/notice", response_class=HTMLResponse, include_in_schema=False)
def notice_page(request: Request, ctx: ContextDep) -> HTMLResponse:
    """The public notice page (no sign-in)."""
    return TEMPLATES.TemplateResponse(request, "notice.html", {
        "title": "Public notice", "notice": _notice(ctx)})


@router.get("/notice/processing-register.md", response_class=PlainTextResponse)
def processing_register_md(ctx: ContextDep) -> PlainTextResponse:
    """The register of processing (GDPR art. 30) of the site, as Markdown (no sign-in)."""
    return PlainTextResponse(
        processing_register(_notice(ctx)), media_type="text/markdown; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="processing-register.md"'})
