"""The alert queue and detail API: listing, filters, paging, decisions, conflicts, evidence."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import add_alert, add_clip, client_for
from vigie.api import ConsoleContext
from vigie.api.hub import ChangeHub
from vigie.store import AlertRepository, AuditRecord, AuditRepository, NewAlert
from vigie.store.users import Role

ClientAs = Callable[[Role | str | None], TestClient]
T0 = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)


def _act(client: TestClient, alert_id: int, action: str, version: int,
         **fields: object) -> Any:
    return client.post(f"/api/alerts/{alert_id}/actions",
                       json={"action": action, "expected_version": version, **fields})


def _audit(ctx: ConsoleContext, action: str) -> list[AuditRecord]:
    return list(AuditRepository(ctx.db).list(action=action))


# --- permissions ---------------------------------------------------------------------------

READS = ["/api/alerts", "/api/alerts/counts", "/api/alerts/choices", "/api/alerts/{id}",
         "/api/alerts/{id}/snapshot", "/api/alerts/{id}/clip"]


@pytest.mark.parametrize("role", ["integrator", "auditor"])
@pytest.mark.parametrize("path", READS)
def test_roles_without_alert_access_are_refused(client_as: ClientAs, ctx: ConsoleContext,
                                                role: str, path: str) -> None:
    alert = add_clip(ctx, add_alert(ctx))
    response = client_as(role).get(path.format(id=alert.id))
    assert response.status_code == 403
    assert role in response.json()["detail"]


@pytest.mark.parametrize("role", ["integrator", "auditor"])
def test_roles_without_decide_may_not_act(client_as: ClientAs, ctx: ConsoleContext,
                                          role: str) -> None:
    alert = add_alert(ctx)
    response = _act(client_as(role), alert.id, "validate", alert.version)
    assert response.status_code == 403
    assert AlertRepository(ctx.db).get(alert.id).status == "new"


@pytest.mark.parametrize("path", [*READS, "/alerts"])
def test_anonymous_is_asked_to_sign_in(client_as: ClientAs, ctx: ConsoleContext,
                                       path: str) -> None:
    alert = add_alert(ctx)
    response = client_as(None).get(path.format(id=alert.id), follow_redirects=False)
    if path == "/alerts":
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/alerts"
    else:
        assert response.status_code == 401
        assert response.json()["detail"] == "sign in first"


def test_anonymous_action_is_refused(client_as: ClientAs, ctx: ConsoleContext) -> None:
    alert = add_alert(ctx)
    assert _act(client_as(None), alert.id, "validate", 1).status_code == 401
    assert AlertRepository(ctx.db).get(alert.id).status == "new"


def test_action_without_csrf_header_is_refused(client_as: ClientAs, ctx: ConsoleContext) -> None:
    alert = add_alert(ctx)
    client = client_as("operator")
    del client.headers["X-CSRF-Token"]
    response = _act(client, alert.id, "validate", 1)
    assert response.status_code == 403
    assert AlertRepository(ctx.db).get(alert.id).status == "new"


@pytest.mark.parametrize("role", ["operator", "supervisor"])
def test_operators_and_supervisors_see_the_page(client_as: ClientAs, role: str) -> None:
    response = client_as(role).get("/alerts")
    assert response.status_code == 200
    assert 'src="/static/js/alerts.js"' in response.text
    assert "<script>" not in response.text  # no inline script (CSP)


# --- listing -------------------------------------------------------------------------------

def test_list_is_newest_first_with_camera_names_and_labels(client_as: ClientAs,
                                                           ctx: ConsoleContext) -> None:
    old = add_alert(ctx, raised_at=T0)
    new = add_alert(ctx, camera_id="cam-b", kind="tripwire", zone="gate",
                    raised_at=T0 + timedelta(minutes=5))
    body = client_as("operator").get("/api/alerts").json()
    assert [item["id"] for item in body["items"]] == [new.id, old.id]
    first = body["items"][0]
    assert first["camera_name"] == "Market square"
    assert first["kind_label"] == "Line crossing"
    assert first["zone"] == "gate"
    assert first["status"] == "new"
    assert first["version"] == 1
    assert first["has_snapshot"] is True
    assert first["clip_status"] == "none"
    assert first["uuid"] == str(new.uuid)
    assert body["next_before_id"] is None


def test_filters_by_kind_camera_status_and_time(client_as: ClientAs, ctx: ConsoleContext
                                                ) -> None:
    a = add_alert(ctx, raised_at=T0)
    b = add_alert(ctx, camera_id="cam-b", kind="fire", zone=None,
                  raised_at=T0 + timedelta(hours=1))
    c = add_alert(ctx, raised_at=T0 + timedelta(hours=2))
    AlertRepository(ctx.db).transition(c.id, "acknowledge", "op", 1)
    client = client_as("operator")

    def ids(**params: object) -> list[int]:
        response = client.get("/api/alerts", params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert ids(kind="fire") == [b.id]
    assert ids(camera_id="cam-a") == [c.id, a.id]
    assert ids(status="acknowledged") == [c.id]
    assert ids(status=["new", "acknowledged"]) == [c.id, b.id, a.id]
    assert ids(status="validated") == []
    since = (T0 + timedelta(minutes=30)).isoformat()
    until = (T0 + timedelta(hours=2)).isoformat()
    assert ids(since=since) == [c.id, b.id]
    assert ids(since=since, until=until) == [b.id]  # until is excluded
    assert ids(kind="zone_intrusion", camera_id="cam-a", status="new") == [a.id]


def test_paging_with_before_id_walks_the_whole_queue(client_as: ClientAs, ctx: ConsoleContext
                                                     ) -> None:
    # Two alerts share a timestamp: the keyset (raised_at, id) must still return each once.
    stored = [add_alert(ctx, raised_at=T0 + timedelta(seconds=i // 2)) for i in range(7)]
    client = client_as("operator")
    seen: list[int] = []
    before: int | None = None
    pages = 0
    while True:
        params: dict[str, object] = {"limit": 3}
        if before is not None:
            params["before_id"] = before
        body = client.get("/api/alerts", params=params).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        before = body["next_before_id"]
        if before is None:
            break
    expected = [a.id for a in sorted(stored, key=lambda a: (a.raised_at, a.id), reverse=True)]
    assert seen == expected
    assert pages == 3


@pytest.mark.parametrize(("params", "problem"), [
    ({"limit": 501}, "limit"),
    ({"limit": 0}, "limit"),
    ({"status": "maybe"}, "status"),
    ({"since": "2025-03-14T09:00:00"}, "since"),  # no time zone: ambiguous, refused
    ({"until": "yesterday"}, "until"),
    ({"before_id": 999}, "before_id"),
])
def test_bad_list_parameters_are_refused_clearly(client_as: ClientAs, ctx: ConsoleContext,
                                                 params: dict[str, object], problem: str) -> None:
    add_alert(ctx)
    response = client_as("operator").get("/api/alerts", params=params)
    assert response.status_code == 422
    assert problem in response.json()["detail"]


def test_counts_follow_decisions(client_as: ClientAs, ctx: ConsoleContext) -> None:
    a, b, _ = (add_alert(ctx) for _ in range(3))
    repo = AlertRepository(ctx.db)
    repo.transition(a.id, "acknowledge", "op", 1)
    repo.transition(b.id, "validate", "op", 1)
    assert client_as("operator").get("/api/alerts/counts").json() == {"new": 1,
                                                                      "acknowledged": 1}


def test_change_hub_sends_the_open_counts_after_alert_changes(ctx: ConsoleContext) -> None:
    async def watch() -> dict[str, dict[str, object]]:
        hub = ChangeHub(ctx.db, interval_s=0.05)
        await hub.start()
        queue = hub.subscribe()
        add_alert(ctx)
        seen: dict[str, dict[str, object]] = {}
        try:
            while "counts" not in seen:
                change = await asyncio.wait_for(queue.get(), 5)
                assert change is not None
                seen[change.kind] = change.data
        finally:
            await hub.stop()
        return seen

    seen = asyncio.run(watch())
    assert seen["alert"]["action"] == "raised"
    assert seen["counts"] == {"new": 1, "acknowledged": 0}


def test_choices_offer_labels_for_the_dialogs_and_filters(client_as: ClientAs) -> None:
    body = client_as("operator").get("/api/alerts/choices").json()
    kinds = {c["value"]: c["label"] for c in body["kinds"]}
    assert kinds["person_down"] == "Person on the ground"
    assert kinds["crowd_density"] == "Excessive crowd density"
    assert {c["value"] for c in body["cameras"]} == {"cam-a", "cam-b"}
    assert [c["value"] for c in body["dismiss_reasons"]] == [
        "false_positive", "duplicate", "authorised_activity", "test", "other"]
    assert [c["value"] for c in body["follow_ups"]] == [
        "transmitted_to_field", "intervention", "no_action"]
    assert [c["value"] for c in body["statuses"]] == ["new", "acknowledged", "validated",
                                                      "dismissed"]


# --- detail --------------------------------------------------------------------------------

def test_detail_has_measurements_and_register_and_is_audited_once(
        client_as: ClientAs, ctx: ConsoleContext) -> None:
    alert = add_alert(ctx)
    client = client_as("operator")
    body = client.get(f"/api/alerts/{alert.id}").json()
    assert body["details"]["dwell_s"] == 2.0
    assert body["rule_id"] == alert.rule_id
    assert body["camera_name"] == "Station forecourt"
    assert [(r["action"], r["label"], r["actor"]) for r in body["history"]] == [
        ("raised", "raised", "system")]
    views = _audit(ctx, "alert.view")
    assert len(views) == 1
    assert views[0].actor == "operator"
    assert views[0].target == f"alert:{alert.uuid}"
    # The open page catching up with a live change is not a new look.
    assert client.get(f"/api/alerts/{alert.id}", params={"refresh": "true"}).status_code == 200
    assert len(_audit(ctx, "alert.view")) == 1


def test_unknown_alert_is_404(client_as: ClientAs) -> None:
    client = client_as("operator")
    assert client.get("/api/alerts/4242").status_code == 404
    assert client.get("/api/alerts/4242/snapshot").status_code == 404
    assert _act(client, 4242, "acknowledge", 1).status_code == 404


# --- actions -------------------------------------------------------------------------------

def test_acknowledge_validate_follow_up_and_comment(client_as: ClientAs,
                                                    ctx: ConsoleContext) -> None:
    alert = add_alert(ctx)
    client = client_as("operator")
    body = _act(client, alert.id, "acknowledge", 1).json()
    assert (body["status"], body["version"], body["operator"]) == ("acknowledged", 2, "operator")
    body = _act(client, alert.id, "validate", 2, comment="  man on the tracks  ").json()
    assert (body["status"], body["version"]) == ("validated", 3)
    assert body["decision_comment"] == "man on the tracks"
    body = _act(client, alert.id, "follow_up", 3, follow_up="transmitted_to_field",
                comment="patrol 12").json()
    assert body["follow_up"] == "transmitted_to_field"
    assert body["follow_up_by"] == "operator"
    body = _act(client, alert.id, "comment", 4, comment="patrol on site").json()
    assert body["version"] == 4  # a note overwrites nothing
    assert [r["action"] for r in body["history"]] == [
        "raised", "acknowledge", "validate", "follow_up", "comment"]
    assert body["history"][3]["details"] == {"follow_up": "transmitted_to_field"}
    assert body["history"][3]["comment"] == "patrol 12"
    assert len(_audit(ctx, "alert.validate")) == 1


def test_dismiss_records_the_reason(client_as: ClientAs, ctx: ConsoleContext) -> None:
    alert = add_alert(ctx)
    response = _act(client_as("supervisor"), alert.id, "dismiss", 1, reason="authorised_activity",
                    comment="track maintenance crew")
    assert response.status_code == 200
    stored = AlertRepository(ctx.db).get(alert.id)
    assert stored.status == "dismissed"
    assert stored.dismiss_reason == "authorised_activity"
    assert stored.operator == "supervisor"


def test_second_operator_gets_409_naming_the_first(client_as: ClientAs, ctx: ConsoleContext,
                                                   request: pytest.FixtureRequest) -> None:
    alert = add_alert(ctx)
    first = client_as("operator")
    # The second operator works at another console on the same database (its own app).
    second = client_for(ConsoleContext(site=ctx.site, db=ctx.db), "supervisor")
    request.addfinalizer(lambda: second.__exit__(None, None, None))
    seen_by_second = second.get(f"/api/alerts/{alert.id}").json()["version"]
    assert _act(first, alert.id, "validate", alert.version).status_code == 200
    response = _act(second, alert.id, "dismiss", seen_by_second, reason="false_positive")
    assert response.status_code == 409
    body = response.json()
    assert body["decided_by"] == "operator"
    assert body["detail"].startswith("operator already validated this alert at ")
    assert "your dismiss was not applied" in body["detail"]
    assert body["current"]["status"] == "validated"
    assert body["current"]["version"] == 2
    assert body["last_action"]["action"] == "validate"
    stored = AlertRepository(ctx.db).get(alert.id)
    assert (stored.status, stored.operator, stored.dismiss_reason) == ("validated", "operator",
                                                                       None)
    assert [r.action for r in AlertRepository(ctx.db).history(alert.id)] == ["raised",
                                                                             "validate"]


def test_action_not_allowed_now_is_409_with_the_alert(client_as: ClientAs,
                                                      ctx: ConsoleContext) -> None:
    alert = add_alert(ctx)
    response = _act(client_as("operator"), alert.id, "follow_up", 1, follow_up="intervention")
    assert response.status_code == 409
    body = response.json()
    assert "cannot follow_up an alert that is new" in body["detail"]
    assert body["current"]["status"] == "new"
    assert AlertRepository(ctx.db).get(alert.id).version == 1


@pytest.mark.parametrize(("payload", "problem"), [
    ({"action": "approve", "expected_version": 1}, "body.action"),
    ({"action": "raised", "expected_version": 1}, "body.action"),
    ({"action": "validate"}, "body.expected_version"),
    ({"action": "validate", "expected_version": 0}, "body.expected_version"),
    ({"action": "dismiss", "expected_version": 1, "reason": "boredom"}, "body.reason"),
    ({"action": "validate", "expected_version": 1, "who": "x"}, "body.who"),
    ({"action": "comment", "expected_version": 1, "comment": "x" * 2001}, "body.comment"),
    ({"action": "dismiss", "expected_version": 1}, "a dismiss reason is required"),
    ({"action": "acknowledge", "expected_version": 1, "reason": "test"},
     "a reason is only given when dismissing"),
    ({"action": "comment", "expected_version": 1, "comment": "   "}, "the comment is empty"),
], ids=["unknown-action", "raised", "no-version", "version-0", "unknown-reason", "extra-field",
        "long-comment", "dismiss-without-reason", "reason-on-ack", "blank-comment"])
def test_bad_payloads_are_422_and_change_nothing(client_as: ClientAs, ctx: ConsoleContext,
                                                 payload: dict[str, object],
                                                 problem: str) -> None:
    alert = add_alert(ctx)
    response = client_as("operator").post(f"/api/alerts/{alert.id}/actions", json=payload)
    assert response.status_code == 422
    assert problem in response.json()["detail"]
    assert AlertRepository(ctx.db).get(alert.id) == alert
    assert len(AlertRepository(ctx.db).history(alert.id)) == 1


# --- evidence ------------------------------------------------------------------------------

def test_snapshot_is_the_stored_jpeg_and_is_audited(client_as: ClientAs,
                                                    ctx: ConsoleContext) -> None:
    alert = add_alert(ctx)
    response = client_as("operator").get(f"/api/alerts/{alert.id}/snapshot")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "no-store"  # personal data: never cached
    assert response.content == (ctx.data_dir / str(alert.snapshot_path)).read_bytes()
    views = _audit(ctx, "evidence.view")
    assert [v.details["file"] for v in views] == ["snapshot"]


def test_snapshot_missing_or_purged_is_404(client_as: ClientAs, ctx: ConsoleContext) -> None:
    none = add_alert(ctx, snapshot=False)
    gone = add_alert(ctx)
    (ctx.data_dir / str(gone.snapshot_path)).unlink()
    client = client_as("operator")
    assert client.get(f"/api/alerts/{none.id}/snapshot").status_code == 404
    assert client.get(f"/api/alerts/{gone.id}/snapshot").status_code == 404
    assert _audit(ctx, "evidence.view") == []


def _alert_with_paths(ctx: ConsoleContext, snapshot: str | None,
                      clip: str | None = None) -> int:
    new = NewAlert(kind="fire", rule_id="fire", camera_id="cam-a", started_at=T0, raised_at=T0,
                   score=0.9, explanation="flames", snapshot_path=snapshot, clip_path=clip)
    alert = AlertRepository(ctx.db).create(new)
    if clip is not None:
        AlertRepository(ctx.db).set_clip(alert.id, None, "ready")
    return alert.id


@pytest.mark.parametrize("stored", ["../../etc/passwd", "/etc/passwd", "../site.yaml",
                                    "evidence/../../site.yaml", "evidence/notes.txt"])
def test_snapshot_path_outside_the_data_folder_is_404(client_as: ClientAs, ctx: ConsoleContext,
                                                      stored: str) -> None:
    (ctx.data_dir / "evidence").mkdir(exist_ok=True)
    (ctx.data_dir / "evidence" / "notes.txt").write_text("not an image")
    alert_id = _alert_with_paths(ctx, stored, stored)
    client = client_as("operator")
    for part in ("snapshot", "clip"):
        response = client.get(f"/api/alerts/{alert_id}/{part}")
        assert response.status_code == 404
        assert "root:" not in response.text
        assert "version: 1" not in response.text


def test_symlink_leaving_the_data_folder_is_404(client_as: ClientAs, ctx: ConsoleContext,
                                                tmp_path: Path) -> None:
    outside = tmp_path / "secret.jpg"
    outside.write_bytes(b"\xff\xd8 secret")
    link = ctx.data_dir / "evidence" / "cam-a" / "link.jpg"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside)
    alert_id = _alert_with_paths(ctx, "evidence/cam-a/link.jpg")
    assert client_as("operator").get(f"/api/alerts/{alert_id}/snapshot").status_code == 404


def test_clip_supports_ranges_and_audits_only_the_first_request(client_as: ClientAs,
                                                                ctx: ConsoleContext) -> None:
    alert = add_clip(ctx, add_alert(ctx))
    data = (ctx.data_dir / str(alert.clip_path)).read_bytes()
    client = client_as("operator")
    first = client.get(f"/api/alerts/{alert.id}/clip", headers={"Range": "bytes=0-"})
    assert first.status_code == 206
    assert first.headers["content-type"] == "video/webm"
    assert first.content == data
    middle = client.get(f"/api/alerts/{alert.id}/clip", headers={"Range": "bytes=10-19"})
    assert middle.status_code == 206
    assert middle.headers["content-range"] == f"bytes 10-19/{len(data)}"
    assert middle.content == data[10:20]
    whole = client.get(f"/api/alerts/{alert.id}/clip")
    assert whole.status_code == 200
    assert whole.content == data
    clips = [v for v in _audit(ctx, "evidence.view")
             if v.details["file"] == "clip"]
    assert len(clips) == 2  # bytes=0- and the plain GET, not the range in the middle


@pytest.mark.parametrize(("clip_status", "message"), [
    ("pending", "still being recorded"), ("purged", "deleted by retention"),
    ("failed", "could not be recorded"), ("none", "no clip")])
def test_clip_not_ready_is_404_saying_why(client_as: ClientAs, ctx: ConsoleContext,
                                          clip_status: str, message: str) -> None:
    alert = add_clip(ctx, add_alert(ctx))
    AlertRepository(ctx.db).set_clip(alert.id, None, clip_status)
    response = client_as("operator").get(f"/api/alerts/{alert.id}/clip")
    assert response.status_code == 404
    assert message in response.json()["detail"]
