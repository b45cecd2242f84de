"""Sign-in, sessions, CSRF, throttling, security headers, role-based landing pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import password
from vigie.api import ConsoleContext
from vigie.api.deps import COOKIE
from vigie.store import AuditRepository
from vigie.store.users import MAX_FAILED_LOGINS, Role

ClientAs = Callable[[Role | str | None], TestClient]


def test_sign_in_sets_a_strict_http_only_cookie_and_returns_the_role(client_as: ClientAs
                                                                      ) -> None:
    client = client_as(None)
    response = client.post("/api/login", json={"login": "operator",
                                               "password": password("operator")})
    assert response.status_code == 200
    body = response.json()
    assert body["role"] == "operator"
    assert "alerts.decide" in body["permissions"]
    assert "audit.view" not in body["permissions"]
    cookie = response.headers["set-cookie"].lower()
    assert f"{COOKIE}=" in cookie
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "secure" not in cookie  # plain http on loopback
    me = client.get("/api/me")
    assert me.status_code == 200
    assert me.json()["login"] == "operator"


def test_wrong_password_is_refused_and_audited(client_as: ClientAs, ctx: ConsoleContext) -> None:
    client = client_as(None)
    response = client.post("/api/login", json={"login": "operator", "password": "nope-nope-1"})
    assert response.status_code == 401
    assert response.json()["detail"] == "wrong login or password"
    assert client.get("/api/me").status_code == 401
    entries = AuditRepository(ctx.db).list(action="login.failed")
    assert entries
    assert entries[0].actor == "operator"
    assert "nope" not in str(entries[0].details)  # never the password


def test_unknown_login_gets_the_same_answer_as_a_wrong_password(client_as: ClientAs) -> None:
    client = client_as(None)
    unknown = client.post("/api/login", json={"login": "nobody", "password": "whatever-123"})
    wrong = client.post("/api/login", json={"login": "operator", "password": "whatever-123"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


def test_account_locks_after_repeated_failures(client_as: ClientAs) -> None:
    client = client_as(None)
    for _ in range(MAX_FAILED_LOGINS):
        client.post("/api/login", json={"login": "auditor", "password": "bad-password-x"})
    response = client.post("/api/login", json={"login": "auditor",
                                               "password": password("auditor")})
    assert response.status_code == 401
    assert "locked" in response.json()["detail"]


def test_an_address_that_keeps_failing_is_throttled(client_as: ClientAs,
                                                    ctx: ConsoleContext) -> None:
    client = client_as(None)
    for i in range(ctx.throttle.max_failures):
        client.post("/api/login", json={"login": f"guess{i}", "password": "bad-password-x"})
    response = client.post("/api/login", json={"login": "operator",
                                               "password": password("operator")})
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0


def test_state_changing_requests_need_the_csrf_token(client_as: ClientAs) -> None:
    client = client_as(Role.OPERATOR)
    token = client.headers.pop("X-CSRF-Token")
    refused = client.post("/api/logout")
    assert refused.status_code == 403
    assert "X-CSRF-Token" in refused.json()["detail"]
    assert client.get("/api/me").status_code == 200  # still signed in
    done = client.post("/api/logout", headers={"X-CSRF-Token": token})
    assert done.status_code == 200
    assert client.get("/api/me").status_code == 401


def test_cross_site_sign_in_is_refused(client_as: ClientAs) -> None:
    client = client_as(None)
    response = client.post("/api/login", headers={"Origin": "http://evil.example"},
                           json={"login": "operator", "password": password("operator")})
    assert response.status_code == 403


def test_every_response_carries_the_security_headers(client_as: ClientAs) -> None:
    response = client_as(None).get("/login")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    script_src = csp.split("script-src")[1].split(";")[0]
    assert script_src.strip() == "'self'"
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in response.text  # no inline script anywhere


@pytest.mark.parametrize(("role", "landing"), [
    (Role.OPERATOR, "/alerts"), (Role.SUPERVISOR, "/alerts"), (Role.INTEGRATOR, "/cameras"),
    (Role.AUDITOR, "/stats"),
])
def test_root_sends_each_role_to_its_first_page(client_as: ClientAs, role: Role,
                                                landing: str) -> None:
    response = client_as(role).get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == landing


def test_pages_redirect_to_sign_in_and_api_answers_401(client_as: ClientAs) -> None:
    client = client_as(None)
    page = client.get("/alerts", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/alerts"
    assert client.get("/api/me").status_code == 401


def test_sign_in_page_ignores_a_foreign_redirect_target(client_as: ClientAs) -> None:
    page = client_as(None).get("/login", params={"next": "//evil.example/x"})
    assert 'data-next=""' in page.text


def test_plotly_is_served_by_the_console_itself(client_as: ClientAs) -> None:
    response = client_as(None).get("/static/vendor/plotly.min.js")
    assert response.status_code == 200
    assert len(response.content) > 1_000_000
    assert response.headers["content-type"].startswith("text/javascript")


def test_disabling_an_account_ends_its_sessions(client_as: ClientAs, ctx: ConsoleContext
                                                ) -> None:
    client = client_as(Role.OPERATOR)
    ctx.users.set_disabled("operator", True, actor="test")
    assert client.get("/api/me").status_code == 401
