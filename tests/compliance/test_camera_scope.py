"""Accounts limited to some cameras (a sector): another camera's alerts, evidence, live view,
switch and scene do not exist for them, whatever the role."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.api.helpers import add_alert
from vigie.api import ConsoleContext
from vigie.api.hub import Change
from vigie.api.routes.stream import _may_see
from vigie.cli import app
from vigie.store import AlertRepository, AuditRepository, CameraRepository
from vigie.store.users import Role

ClientAs = Callable[[Role | str | None], TestClient]


@pytest.fixture
def sector(ctx: ConsoleContext) -> ConsoleContext:
    """Every test account limited to cam-a; one alert on each camera."""
    for role in Role:
        ctx.users.set_cameras(role.value, ["cam-a"], actor="test")
    add_alert(ctx, camera_id="cam-a")
    add_alert(ctx, camera_id="cam-b", zone=None)
    return ctx


def _alert_of(ctx: ConsoleContext, camera_id: str) -> int:
    return next(a.id for a in AlertRepository(ctx.db).list() if a.camera_id == camera_id)


def test_the_queue_and_its_counts_hold_only_the_sector(sector: ConsoleContext,
                                                       client_as: ClientAs) -> None:
    operator = client_as(Role.OPERATOR)
    items = operator.get("/api/alerts").json()["items"]
    assert [a["camera_id"] for a in items] == ["cam-a"]
    assert operator.get("/api/alerts/counts").json() == {"new": 1, "acknowledged": 0}
    cameras = [c["value"] for c in operator.get("/api/alerts/choices").json()["cameras"]]
    assert cameras == ["cam-a"]


@pytest.mark.parametrize("path", ["", "/snapshot", "/clip"])
def test_another_cameras_alert_and_evidence_do_not_exist(sector: ConsoleContext,
                                                         client_as: ClientAs, path: str) -> None:
    operator = client_as(Role.OPERATOR)
    other = _alert_of(sector, "cam-b")
    response = operator.get(f"/api/alerts/{other}{path}")
    assert response.status_code == 404
    missing = operator.get(f"/api/alerts/999999{path}")
    assert missing.status_code == 404
    if not path:
        assert response.json()["detail"] == f"no alert {other}"  # same words as a missing one


def test_another_cameras_alert_cannot_be_decided(sector: ConsoleContext,
                                                 client_as: ClientAs) -> None:
    other = _alert_of(sector, "cam-b")
    response = client_as(Role.OPERATOR).post(f"/api/alerts/{other}/actions",
                                             json={"action": "validate", "expected_version": 1})
    assert response.status_code == 404
    assert AlertRepository(sector.db).get(other).status == "new"


def test_the_wall_live_views_and_switches_hold_only_the_sector(sector: ConsoleContext,
                                                               client_as: ClientAs) -> None:
    operator = client_as(Role.OPERATOR)
    assert [c["id"] for c in operator.get("/api/cameras").json()["cameras"]] == ["cam-a"]
    assert operator.get("/api/cameras/cam-b/snapshot.jpg?placeholder=true").status_code == 404
    assert operator.get("/api/cameras/cam-b/live.mjpg").status_code == 404
    reason = {"reason": "not my sector"}
    assert operator.post("/api/cameras/cam-b/stop", json=reason).status_code == 404
    refused = operator.post("/api/analysis/stop", json=reason)
    assert refused.status_code == 403
    assert "one by one" in refused.json()["detail"]
    assert not any(c.analysis_stopped for c in CameraRepository(sector.db).list())
    assert operator.post("/api/cameras/cam-a/stop", json=reason).status_code == 200


def test_the_register_and_the_scene_editor_hold_only_the_sector(sector: ConsoleContext,
                                                                client_as: ClientAs) -> None:
    rows = client_as(Role.SUPERVISOR).get("/api/register").json()["rows"]
    assert {r["camera_id"] for r in rows} == {"cam-a"}
    integrator = client_as(Role.INTEGRATOR)
    assert integrator.get("/api/scene/cam-b").status_code == 404
    assert integrator.get("/api/scene/cam-a").status_code == 200


def test_live_changes_of_other_cameras_are_not_sent(sector: ConsoleContext) -> None:
    operator = sector.users.get("operator")
    assert _may_see(operator, Change("alert", {"camera_id": "cam-a", "action": "raised"}))
    assert not _may_see(operator, Change("alert", {"camera_id": "cam-b", "action": "raised"}))
    assert not _may_see(operator, Change("health", {"camera_id": "cam-b", "state": "down"}))


def test_the_command_line_sets_the_sector_and_audits_it(ctx: ConsoleContext,
                                                        site_path: object) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["users", "set-cameras", str(site_path), "operator",
                                 "--camera", "cam-b"])
    assert result.exit_code == 0, result.output
    assert ctx.users.get("operator").cameras == ("cam-b",)
    unknown = runner.invoke(app, ["users", "set-cameras", str(site_path), "operator",
                                  "--camera", "cam-z"])
    assert unknown.exit_code == 2
    assert "no camera cam-z" in unknown.output
    assert runner.invoke(app, ["users", "set-cameras", str(site_path), "operator",
                               "--all"]).exit_code == 0
    assert ctx.users.get("operator").cameras is None
    entries = AuditRepository(ctx.db).list(action="user.cameras")
    assert [e.details["to"] for e in entries] == [None, ["cam-b"]]
