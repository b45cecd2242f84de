"""Request dependencies: the console context, the signed-in user, role checks, CSRF.

Routes declare what they need, e.g. ``user: Annotated[SessionRecord, Depends(require(P.X))]``;
the check happens on the server for every page and API call.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status

from vigie.api.context import ConsoleContext
from vigie.api.permissions import Permission, allowed
from vigie.store.users import SessionRecord

__all__ = [
    "COOKIE",
    "CSRF_HEADER",
    "MAX_ROW_ID",
    "ContextDep",
    "NotSignedInError",
    "RowId",
    "SessionDep",
    "check_camera",
    "client_address",
    "require",
    "visible_cameras",
]

COOKIE = "vigie_session"
#: Largest id a route accepts: row ids are 32-bit on every database Vigie supports.
MAX_ROW_ID = 2**31 - 1
#: A row id in a path (alert, version...): 1..MAX_ROW_ID, anything else is a 422.
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class NotSignedInError(Exception):
    """No valid session: pages redirect to the sign-in page, the API answers 401."""


def get_context(request: Request) -> ConsoleContext:
    """The console context the app was built with."""
    ctx: ConsoleContext = request.app.state.ctx
    return ctx


ContextDep = Annotated[ConsoleContext, Depends(get_context)]


def client_address(request: Request) -> str:
    """The peer address (no proxy headers are trusted)."""
    return request.client.host if request.client else "unknown"


def current_session(request: Request, ctx: ContextDep) -> SessionRecord:
    """The signed-in session; checks the CSRF token on state-changing requests.

    Raises:
        NotSignedInError: No cookie, or an unknown, expired or disabled session.
        HTTPException: 403 when a state-changing request lacks the session's CSRF token.
    """
    token = request.cookies.get(COOKIE)
    record = ctx.sessions.lookup(token) if token else None
    if record is None:
        raise NotSignedInError
    if request.method not in _SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), record.csrf_token.encode()):
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"missing or wrong {CSRF_HEADER} header (reload the page)")
    request.state.session = record
    return record


SessionDep = Annotated[SessionRecord, Depends(current_session)]


def require(*permissions: Permission) -> Callable[[SessionRecord], SessionRecord]:
    """A dependency that lets the request through only if the role has every permission.

    Example:
        >>> checker = require(Permission.AUDIT_VIEW)
        >>> callable(checker)
        True
    """

    def check(session: SessionDep) -> SessionRecord:
        missing = [p.value for p in permissions if not allowed(session.user.role, p)]
        if missing:
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"the {session.user.role} role may not do this "
                                f"({', '.join(missing)})")
        return session

    return check


def visible_cameras(session: SessionRecord) -> frozenset[str] | None:
    """The cameras the signed-in account is limited to; None when it sees every camera."""
    cameras = session.user.cameras
    return None if cameras is None else frozenset(cameras)


def check_camera(session: SessionRecord, camera_id: str, what: str = "camera") -> None:
    """404 when the account may not see ``camera_id``: to it, that camera does not exist.

    Raises:
        HTTPException: 404 naming the ``what`` asked for.
    """
    if not session.user.may_see(camera_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {what} {camera_id!r} among "
                            "the cameras of this account")
