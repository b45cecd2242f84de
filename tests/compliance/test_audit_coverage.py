"""Every kind of action the law and the notice care about lands in the hash-chained audit log.

One pass through the console as the roles use it: sign-ins (and a failure), an alert viewed
and decided, its evidence viewed, registers exported, a scene set-up saved and put live,
the analysis stopped and restarted, a purge, a role change. Then the chain must verify.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from tests.api.helpers import add_alert
from vigie.api import ConsoleContext
from vigie.store import AuditRepository
from vigie.store.retention import RetentionPolicy, purge
from vigie.store.users import Role

ClientAs = Callable[[Role | str | None], TestClient]

REQUIRED = {
    "login.failed", "login.ok", "logout", "alert.raise", "alert.view", "alert.validate",
    "evidence.view", "register.export", "audit.export", "scene.draft", "scene.publish",
    "camera.stop", "camera.resume", "retention.purge", "user.role",
}


def _scene(client: TestClient) -> dict[str, object]:
    current = client.get("/api/scene/cam-a").json()["scene"]
    current["zones"].append({"name": "steps",
                             "points": [[0.1, 0.1], [0.3, 0.1], [0.3, 0.3], [0.1, 0.3]]})
    return current


def test_every_audited_action_is_in_the_chain(client_as: ClientAs, ctx: ConsoleContext,
                                              tmp_path: Path) -> None:
    anonymous = client_as(None)
    assert anonymous.post("/api/login", json={"login": "operator",
                                              "password": "wrong-password"}).status_code == 401
    alert = add_alert(ctx)
    operator = client_as(Role.OPERATOR)
    assert operator.get(f"/api/alerts/{alert.id}").status_code == 200
    assert operator.get(f"/api/alerts/{alert.id}/snapshot").status_code == 200
    decided = operator.post(f"/api/alerts/{alert.id}/actions",
                            json={"action": "validate", "expected_version": alert.version})
    assert decided.status_code == 200, decided.text
    reason = {"reason": "maintenance of the mast"}
    assert operator.post("/api/cameras/cam-a/stop", json=reason).status_code == 200
    assert operator.post("/api/cameras/cam-a/start", json=reason).status_code == 200
    assert operator.post("/api/logout").status_code == 200

    supervisor = client_as(Role.SUPERVISOR)
    assert supervisor.get("/api/register.csv").status_code == 200
    assert supervisor.get("/api/audit.csv").status_code == 200

    integrator = client_as(Role.INTEGRATOR)
    draft = integrator.post("/api/scene/cam-a/drafts", json={"scene": _scene(integrator)})
    assert draft.status_code == 201, draft.text
    published = integrator.post(f"/api/scene/cam-a/drafts/{draft.json()['id']}/publish",
                                json={"comment": "steps watched"})
    assert published.status_code == 200, published.text

    purge(ctx.db, ctx.data_dir, RetentionPolicy(), now=datetime.now(UTC))
    ctx.users.set_role("auditor", Role.SUPERVISOR, actor="cli")

    audit = AuditRepository(ctx.db)
    actions = {entry.action for entry in audit.list(limit=1000)}
    assert actions >= REQUIRED, sorted(REQUIRED - actions)
    check = audit.verify()
    assert check.intact, check.problem
    actors = {(e.action, e.actor) for e in audit.list(limit=1000)}
    assert ("alert.validate", "operator") in actors
    assert ("scene.publish", "integrator") in actors
    assert ("register.export", "supervisor") in actors
