"""Cameras from the configuration, the stop switch, and the health log."""

from __future__ import annotations

from datetime import timedelta

import pytest

from vigie.store import AuditRepository, CameraRepository, Database, HealthRepository, HealthState

from .helpers import T0, cameras


def test_upsert_adds_updates_and_disables(db: Database) -> None:
    repo = CameraRepository(db)
    repo.set_stopped("yard", True, actor="op1", reason="works")
    records = repo.upsert_from_config([*cameras("hall", "gate")])
    by_id = {r.id: r for r in records}
    assert sorted(by_id) == ["gate", "hall", "yard"]
    assert by_id["gate"].enabled
    assert by_id["hall"].enabled
    assert not by_id["yard"].enabled  # gone from the configuration, kept for its alerts
    assert by_id["yard"].analysis_stopped  # the operator's switch survives
    changes = AuditRepository(db).list(action="camera.config")[0].details["changes"]
    assert changes == {"gate": "added", "yard": "removed from configuration"}


def test_upsert_without_change_is_not_audited(db: Database) -> None:
    repo = CameraRepository(db)
    before = len(AuditRepository(db).list())
    repo.upsert_from_config(cameras("hall", "yard"))
    assert len(AuditRepository(db).list()) == before


def test_stop_and_resume_are_audited_and_logged(db: Database) -> None:
    repo, health = CameraRepository(db), HealthRepository(db)
    stopped = repo.set_stopped("hall", True, actor="op1", reason="privacy request")
    assert stopped.analysis_stopped
    assert health.current()["hall"].state is HealthState.STOPPED
    assert "op1" in health.current()["hall"].reason
    resumed = repo.set_stopped("hall", False, actor="op2", reason="done")
    assert not resumed.analysis_stopped
    actions = [(e.action, e.actor, e.target) for e in AuditRepository(db).list()[:2]]
    assert actions == [("camera.resume", "op2", "camera:hall"),
                       ("camera.stop", "op1", "camera:hall")]


def test_global_stop(db: Database) -> None:
    records = CameraRepository(db).set_all_stopped(True, actor="chief", reason="order 12")
    assert all(r.analysis_stopped for r in records)
    entry = AuditRepository(db).list()[0]
    assert (entry.action, entry.details["cameras"]) == ("camera.stop_all", ["hall", "yard"])
    assert {r.state for r in HealthRepository(db).current().values()} == {HealthState.STOPPED}


def test_unknown_camera(db: Database) -> None:
    with pytest.raises(KeyError, match="nope"):
        CameraRepository(db).set_stopped("nope", True, actor="op1", reason="x")


def test_current_health_is_the_latest_by_time(db: Database) -> None:
    health = HealthRepository(db)
    health.record("hall", HealthState.UP, T0)
    health.record("hall", "down", T0 + timedelta(minutes=5), reason="no frame for 10 s")
    health.record("hall", HealthState.UP, T0 + timedelta(minutes=1))  # arrives late
    health.record("yard", HealthState.UP, T0)
    current = health.current()
    assert (current["hall"].state, current["hall"].reason) == ("down", "no frame for 10 s")
    assert current["yard"].state is HealthState.UP
    assert [h.state for h in health.history("hall")] == ["down", "up", "up"]
