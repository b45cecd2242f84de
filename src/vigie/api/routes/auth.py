"""Sign in, sign out, who am I; the root redirects each role to its first page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from vigie.api.deps import COOKIE, ContextDep, NotSignedInError, SessionDep, client_address
from vigie.api.pages import TEMPLATES, landing_page
from vigie.api.permissions import ROLE_PERMISSIONS
from vigie.store.users import LoginOutcome

router = APIRouter()


class LoginRequest(BaseModel):
    """Credentials typed on the sign-in page."""

    login: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class Me(BaseModel):
    """The signed-in user."""

    login: str
    role: str
    display_name: str
    permissions: list[str]
    csrf_token: str


_REFUSALS = {
    LoginOutcome.BAD_CREDENTIALS: "wrong login or password",
    LoginOutcome.LOCKED: "this account is locked after repeated failures; try again later "
                         "or ask a supervisor",
    LoginOutcome.DISABLED: "this account is disabled",
}


@router.get("/", include_in_schema=False)
def root(request: Request, ctx: ContextDep) -> RedirectResponse:
    """Send a signed-in user to their first page, anyone else to the sign-in page."""
    token = request.cookies.get(COOKIE)
    record = ctx.sessions.lookup(token) if token else None
    target = landing_page(record.user.role) if record else "/login"
    return RedirectResponse(target, status_code=303)


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, ctx: ContextDep,
               next: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
    """The sign-in page."""
    return TEMPLATES.TemplateResponse(request, "login.html", {
        "title": "Sign in", "site_name": ctx.site.site.name, "next": _local_path(next)})


@router.post("/api/login")
async def login(body: LoginRequest, request: Request, response: Response,
                ctx: ContextDep) -> Me:
    """Check the credentials, open a session, set its cookie (HttpOnly, SameSite=Strict)."""
    _check_same_origin(request)
    client = client_address(request)
    wait = ctx.throttle.retry_after(client)
    if wait > 0:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                            f"too many failed sign-ins from this address; wait {wait:.0f} s",
                            headers={"Retry-After": str(int(wait) + 1)})
    result = await run_in_threadpool(ctx.users.authenticate, body.login, body.password,
                                     source=client)
    if result.user is None:
        ctx.throttle.fail(client)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, _REFUSALS[result.outcome])
    ctx.throttle.succeed(client)
    token, record = await run_in_threadpool(ctx.sessions.open, result.user)
    secure = ctx.secure_cookies or request.url.scheme == "https"
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure,
                        path="/", max_age=int(ctx.sessions.lifetime.total_seconds()))
    return _me(record.user.login, record.user.role, record.user.display_name,
               record.csrf_token)


@router.post("/api/logout")
def logout(request: Request, response: Response, session: SessionDep,
           ctx: ContextDep) -> dict[str, bool]:
    """Close the session and clear its cookie."""
    token = request.cookies.get(COOKIE, "")
    ctx.sessions.close(token)
    ctx.audit(session.user.login, "logout", f"user:{session.user.login}")
    response.delete_cookie(COOKIE, path="/")
    return {"signed_out": True}


@router.get("/api/me")
def me(session: SessionDep) -> Me:
    """Who is signed in, with their role's permissions and the CSRF token to send."""
    return _me(session.user.login, session.user.role, session.user.display_name,
               session.csrf_token)


def _me(login: str, role: str, display_name: str, csrf: str) -> Me:
    from vigie.store.users import Role

    perms = sorted(p.value for p in ROLE_PERMISSIONS[Role(role)])
    return Me(login=login, role=role, display_name=display_name, permissions=perms,
              csrf_token=csrf)


def _check_same_origin(request: Request) -> None:
    """Refuse a cross-site sign-in (login CSRF): Origin, when sent, must be this host."""
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "cross-site sign-in refused")


def _local_path(target: str) -> str:
    """Only a path on this site (no scheme, no host, no '//') may be a redirect target."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return ""


__all__ = ["NotSignedInError", "router"]
