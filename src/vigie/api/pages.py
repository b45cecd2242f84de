"""Server-rendered page shells (Jinja2): layout, navigation by role, the CSRF meta tag.

Pages carry no inline script (the CSP forbids it): each loads its own file under /static/js,
which reads the data from the JSON API.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from vigie.api.permissions import Permission, allowed
from vigie.store.users import Role, SessionRecord

__all__ = ["NAV", "NavItem", "landing_page", "render"]

TEMPLATES = Jinja2Templates(directory=str(Path(str(files("vigie.api") / "templates"))))


@dataclass(frozen=True)
class NavItem:
    """A link of the top bar, shown only to roles that may open it."""

    path: str
    label: str
    permission: Permission
    shortcut: str = ""


NAV = (
    NavItem("/alerts", "Alerts", Permission.ALERTS_VIEW, "g a"),
    NavItem("/cameras", "Cameras", Permission.CAMERAS_VIEW, "g c"),
    NavItem("/scene", "Scene editor", Permission.SCENE_EDIT, "g e"),
    NavItem("/stats", "Statistics", Permission.STATS_VIEW, "g s"),
    NavItem("/registers", "Registers", Permission.REGISTER_VIEW, "g r"),
    NavItem("/audit", "Audit log", Permission.AUDIT_VIEW, "g l"),
)


def landing_page(role: Role) -> str:
    """Where a role arrives after signing in: its first page in the top bar."""
    for item in NAV:
        if allowed(role, item.permission):
            return item.path
    return "/stats"


def render(request: Request, template: str, session: SessionRecord, *, title: str,
           script: str | None = None, **context: Any) -> HTMLResponse:
    """A page in the console layout.

    Args:
        request: The request.
        template: Template under ``vigie/api/templates``.
        session: The signed-in session (user, role, CSRF token).
        title: Page title.
        script: The page's script under /static/js, if any.
        **context: Template variables.
    """
    ctx = request.app.state.ctx
    nav = [item for item in NAV if allowed(session.user.role, item.permission)]
    return TEMPLATES.TemplateResponse(request, template, {
        "title": title, "user": session.user, "csrf_token": session.csrf_token, "nav": nav,
        "script": script, "site_name": ctx.site.site.name, "path": request.url.path,
        **context,
    })
