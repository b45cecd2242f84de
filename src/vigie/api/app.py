"""The console web application (FastAPI): pages, JSON API, live stream, static assets.

Built per site by :func:`create_app` from a :class:`ConsoleContext`; no global state.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from vigie.api.context import ConsoleContext
from vigie.api.deps import NotSignedInError
from vigie.api.hub import ChangeHub
from vigie.api.routes import ROUTERS
from vigie.api.security import SecurityHeaders

__all__ = ["create_app"]

MAX_BODY_BYTES = 1_000_000


def create_app(ctx: ConsoleContext, *, openapi: bool = False) -> FastAPI:
    """The console for one site.

    Args:
        ctx: The site's console context.
        openapi: Serve the API description at /openapi.json (off in service: it would tell
            anyone the API's surface; the tests turn it on to fuzz the API).

    Example:
        >>> app = create_app(ctx)  # doctest: +SKIP
        >>> uvicorn.run(app, host="127.0.0.1", port=8080)  # doctest: +SKIP
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hub = ChangeHub(ctx.db)
        app.state.hub = hub
        await hub.start()
        try:
            yield
        finally:
            await hub.stop()

    app = FastAPI(title="Vigie console", version="1", lifespan=lifespan,
                  docs_url=None, redoc_url=None, max_body_size=MAX_BODY_BYTES,
                  openapi_url="/openapi.json" if openapi else None)
    app.state.ctx = ctx
    app.add_middleware(SecurityHeaders)
    _add_error_handlers(app)
    app.add_api_route("/static/vendor/plotly.min.js", _plotly_js, include_in_schema=False)
    for router in ROUTERS:
        app.include_router(router)
    static = Path(str(files("vigie.api") / "static"))
    app.mount("/static", StaticFiles(directory=static), name="static")
    return app


def _plotly_js() -> FileResponse:
    """Plotly's browser bundle, served from the ``plotly`` wheel (no CDN)."""
    path = Path(str(files("plotly") / "package_data" / "plotly.min.js"))
    return FileResponse(path, media_type="text/javascript",
                        headers={"cache-control": "public, max-age=86400"})


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotSignedInError)
    async def not_signed_in(request: Request, exc: NotSignedInError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return JSONResponse({"detail": "; ".join(problems), "problems": problems},
                            status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                            headers=exc.headers)
