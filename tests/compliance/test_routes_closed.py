"""Every route needs a signed-in user, except signing in and the public notice; the session
cookie is Secure when the console is served over TLS."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.api.helpers import FAST_HASHER, password
from vigie.api import ConsoleContext, create_app
from vigie.api.routes import ROUTERS
from vigie.store.users import Role

ClientAs = Callable[[Role | str | None], TestClient]

PUBLIC = {"/", "/login", "/api/login", "/notice", "/api/notice",
          "/notice/processing-register.md", "/static/vendor/plotly.min.js"}


def _concrete(path: str) -> str:
    """A path with every {parameter} filled with a plausible value."""
    return re.sub(r"\{[^}]+\}", lambda m: "1" if m.group(0).endswith("id}") else "cam-a", path)


def test_every_route_but_the_public_ones_needs_a_session(ctx: ConsoleContext,
                                                         client_as: ClientAs) -> None:
    client = client_as(None)
    routes = [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)]
    assert len(routes) >= 40
    checked = 0
    for route in routes:
        if route.path in PUBLIC:
            continue
        for method in sorted(route.methods - {"HEAD"}):
            response = client.request(method, _concrete(route.path), json={},
                                      follow_redirects=False)
            if route.path.startswith("/api/"):
                assert response.status_code == 401, f"{method} {route.path}: {response.status_code}"
            else:
                assert response.status_code == 303, f"{method} {route.path}"
                assert response.headers["location"].startswith("/login")
            checked += 1
    assert checked >= 35


def test_the_public_routes_answer_without_a_session(client_as: ClientAs) -> None:
    client = client_as(None)
    for path in ("/login", "/notice", "/api/notice", "/notice/processing-register.md"):
        assert client.get(path).status_code == 200, path


def test_the_session_cookie_is_secure_over_tls(ctx: ConsoleContext) -> None:
    assert ctx.password_hasher is FAST_HASHER
    with TestClient(create_app(ctx), base_url="https://console.example") as client:
        response = client.post("/api/login", json={"login": "operator",
                                                   "password": password("operator")})
    assert response.status_code == 200
    assert "secure" in response.headers["set-cookie"].lower()
