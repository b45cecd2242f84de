"""Alert register and audit log API: roles, filters, search, CSV exports (audited, safe)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.api.helpers import add_alert
from vigie.api import ConsoleContext
from vigie.store import AlertRecord, AlertRepository, AuditRepository

Client = Callable[[str | None], TestClient]
MIDNIGHT = datetime(2026, 3, 13, 23, 0, tzinfo=UTC)  # 2026-03-14 00:00 in Paris


def at(hour: float) -> datetime:
    return MIDNIGHT + timedelta(hours=hour)


def seed(ctx: ConsoleContext) -> list[AlertRecord]:
    """Four alerts on 2026-03-14 (08:00, 09:00, 10:00 and 23:30 local), decided in turn."""
    repo = AlertRepository(ctx.db)
    alerts = [
        add_alert(ctx, raised_at=at(8), snapshot=False,
                  explanation="=HYPERLINK(\"http://evil\") person in zone tracks"),
        add_alert(ctx, raised_at=at(9), snapshot=False, explanation="100% sure: a_person"),
        add_alert(ctx, camera_id="cam-b", kind="crowd_density", zone="square",
                  raised_at=at(10), snapshot=False, explanation="12 persons in square"),
        add_alert(ctx, raised_at=at(23.5), snapshot=False, explanation="late one"),
    ]
    repo.transition(alerts[0].id, "validate", "supervisor", 1, at=at(8) + timedelta(seconds=30),
                    comment="+33 6 call the guard")
    repo.transition(alerts[0].id, "follow_up", "supervisor", 2, follow_up="intervention",
                    comment="@team on site", at=at(8.2))
    repo.transition(alerts[1].id, "dismiss", "operator", 1, reason="false_positive",
                    comment="-shadow of a tree", at=at(9) + timedelta(seconds=90))
    repo.transition(alerts[2].id, "acknowledge", "operator", 1, at=at(10.1))
    return alerts


# --- access -------------------------------------------------------------------------------

ROUTES = ["/api/register", "/api/register.csv", "/api/register/facets", "/api/audit",
          "/api/audit.csv", "/api/audit/verify", "/api/audit/facets"]


@pytest.mark.parametrize("role", ["operator", "integrator"])
def test_operator_and_integrator_are_refused(client_as: Client, role: str) -> None:
    client = client_as(role)
    for path in [*ROUTES, "/registers", "/audit"]:
        response = client.get(path)
        assert response.status_code == 403, path
        assert f"the {role} role may not" in response.json()["detail"]


def test_anonymous_is_refused(client_as: Client) -> None:
    client = client_as(None)
    for path in ROUTES:
        assert client.get(path).status_code == 401, path
    for page in ("/registers", "/audit"):
        response = client.get(page, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={page}"


@pytest.mark.parametrize("role", ["supervisor", "auditor"])
def test_supervisor_and_auditor_see_both_registers(client_as: Client, role: str) -> None:
    client = client_as(role)
    register = client.get("/registers")
    assert register.status_code == 200
    assert "/static/js/registers.js" in register.text
    audit = client.get("/audit")
    assert audit.status_code == 200
    assert "/static/js/audit.js" in audit.text
    for path in ROUTES:
        assert client.get(path).status_code == 200, path


# --- the alert register -------------------------------------------------------------------

def test_register_rows(ctx: ConsoleContext, client_as: Client) -> None:
    alerts = seed(ctx)
    data = client_as("auditor").get("/api/register").json()
    assert data["total"] == 4
    assert [r["id"] for r in data["rows"]] == [a.id for a in reversed(alerts)]
    first = next(r for r in data["rows"] if r["id"] == alerts[0].id)
    assert first["type"] == "zone_intrusion"
    assert first["type_label"] == "Zone intrusion"
    assert first["camera"] == "Station forecourt"
    assert first["camera_id"] == "cam-a"
    assert first["zone"] == "tracks"
    assert first["status"] == "validated"
    assert first["operator"] == "supervisor"
    assert first["handling_s"] == 30.0
    assert first["follow_up"] == "intervention"
    assert first["follow_up_comment"] == "@team on site"
    assert first["decision_comment"] == "+33 6 call the guard"
    assert datetime.fromisoformat(first["raised_at"]) == at(8)
    second = next(r for r in data["rows"] if r["id"] == alerts[1].id)
    assert second["dismiss_reason"] == "false_positive"
    assert second["handling_s"] == 90.0
    assert "snapshot" not in str(data)
    assert "track_ids" not in str(data)


@pytest.mark.parametrize(("params", "expected"), [
    ({"status": "open"}, [2, 3]),
    ({"status": "validated"}, [0]),
    ({"kind": "crowd_density"}, [2]),
    ({"camera_id": "cam-b"}, [2]),
    ({"q": "GUARD"}, [0]),                     # decision comment, any case
    ({"q": "tree"}, [1]),
    ({"q": "square"}, [2]),                    # zone and explanation
    ({"q": "operator"}, [1, 2]),               # operator login
    ({"q": "100%"}, [1]),                      # a literal percent sign
    ({"q": "%"}, [1]),
    ({"q": "a_p"}, [1]),                       # a literal underscore
    ({"q": "_"}, [1]),
    ({"q": "nothing like this"}, []),
    ({"since": "2026-03-14T09:00", "until": "2026-03-14T10:00"}, [1]),  # site time
    ({"since": "2026-03-14", "until": "2026-03-15"}, [0, 1, 2, 3]),
    ({"since": "2026-03-14T22:00:00Z"}, [3]),  # with an offset: taken as given
], ids=["open", "validated", "kind", "camera", "q-comment", "q-dismiss-comment", "q-zone",
        "q-operator", "q-percent", "q-only-percent", "q-underscore", "q-only-underscore",
        "q-none", "local-hours", "local-day", "utc"])
def test_register_filters(ctx: ConsoleContext, client_as: Client, params: dict[str, str],
                          expected: list[int]) -> None:
    alerts = seed(ctx)
    data = client_as("supervisor").get("/api/register", params=params).json()
    assert sorted(r["id"] for r in data["rows"]) == [alerts[i].id for i in expected]
    assert data["total"] == len(expected)


def test_register_paging(ctx: ConsoleContext, client_as: Client) -> None:
    alerts = seed(ctx)
    client = client_as("auditor")
    page = client.get("/api/register", params={"limit": 2, "offset": 1}).json()
    assert (page["total"], page["limit"], page["offset"]) == (4, 2, 1)
    assert [r["id"] for r in page["rows"]] == [alerts[2].id, alerts[1].id]


def test_register_facets(ctx: ConsoleContext, client_as: Client) -> None:
    seed(ctx)
    facets = client_as("auditor").get("/api/register/facets").json()
    assert facets["kinds"] == ["crowd_density", "zone_intrusion"]
    assert facets["cameras"][1] == {"id": "cam-b", "name": "Market square"}
    assert facets["statuses"][0] == "open"


@pytest.mark.parametrize(("params", "field"), [
    ({"status": "closed"}, "query.status"),
    ({"since": "14/03/2026"}, "query.since"),
    ({"until": "soon"}, "query.until"),
    ({"limit": 0}, "query.limit"),
    ({"limit": 5000}, "query.limit"),
    ({"offset": -1}, "query.offset"),
    ({"q": "x" * 201}, "query.q"),
    ({"since": "2026-03-15", "until": "2026-03-14"}, "until:"),
], ids=["status", "since", "until", "limit-0", "limit-big", "offset", "q-long", "until-first"])
def test_register_bad_parameters(client_as: Client, params: dict[str, object],
                                 field: str) -> None:
    response = client_as("supervisor").get("/api/register", params=params)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(field)


def read_csv(response: object) -> list[dict[str, str]]:
    body = response.content.decode("utf-8")  # type: ignore[attr-defined]
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def test_register_csv_export_is_complete_safe_and_audited(ctx: ConsoleContext,
                                                          client_as: Client) -> None:
    alerts = seed(ctx)
    response = client_as("auditor").get("/api/register.csv",
                                        params={"camera_id": "cam-a", "q": "", "kind": ""})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="vigie-register-')
    assert disposition.endswith('.csv"')
    rows = read_csv(response)
    assert [int(r["id"]) for r in rows] == [alerts[3].id, alerts[1].id, alerts[0].id]
    first = rows[-1]
    # text that a spreadsheet would run as a formula is neutralised
    assert first["explanation"] == "'=HYPERLINK(\"http://evil\") person in zone tracks"
    assert first["decision_comment"] == "'+33 6 call the guard"
    assert first["follow_up_comment"] == "'@team on site"
    assert rows[1]["decision_comment"] == "'-shadow of a tree"
    assert first["raised_at"] == "2026-03-14T08:00:00+01:00"
    assert first["handling_s"] == "30.0"
    assert first["camera"] == "Station forecourt"
    assert first["status"] == "validated"
    assert first["follow_up"] == "intervention"
    (entry,) = [e for e in AuditRepository(ctx.db).list(action="register.export")]
    assert entry.actor == "auditor"
    assert entry.target == "alerts"
    assert entry.details == {"filters": {"camera_id": "cam-a"}, "rows": 3}


def test_register_csv_exports_more_rows_than_a_batch(ctx: ConsoleContext,
                                                     client_as: Client) -> None:
    repo_alerts = [add_alert(ctx, raised_at=at(0) + timedelta(seconds=i), snapshot=False)
                   for i in range(520)]
    rows = read_csv(client_as("supervisor").get("/api/register.csv"))
    assert len(rows) == 520
    assert int(rows[0]["id"]) == repo_alerts[-1].id
    assert int(rows[-1]["id"]) == repo_alerts[0].id


def test_register_csv_bad_filter_is_422_and_not_audited(ctx: ConsoleContext,
                                                        client_as: Client) -> None:
    response = client_as("supervisor").get("/api/register.csv", params={"status": "x"})
    assert response.status_code == 422
    assert AuditRepository(ctx.db).list(action="register.export") == []


# --- the audit log ------------------------------------------------------------------------

def test_audit_entries_and_filters(ctx: ConsoleContext, client_as: Client) -> None:
    seed(ctx)
    client = client_as("auditor")
    data = client.get("/api/audit").json()
    ids = [e["id"] for e in data["entries"]]
    assert ids == sorted(ids, reverse=True)
    assert data["total"] == len(ids)
    assert {"alert.raise", "alert.validate", "login.ok"} <= {e["action"] for e in
                                                               data["entries"]}
    alert_actions = client.get("/api/audit", params={"action": "alert."}).json()
    assert alert_actions["total"] == 8  # 4 raised, validate, follow_up, dismiss, acknowledge
    assert {e["action"].split(".")[0] for e in alert_actions["entries"]} == {"alert"}
    by_operator = client.get("/api/audit", params={"actor": "operator"}).json()
    assert {e["action"] for e in by_operator["entries"]} == {"alert.dismiss",
                                                             "alert.acknowledge"}
    dated = client.get("/api/audit", params={"since": "2026-03-14T09:00",
                                             "until": "2026-03-14T10:00"}).json()
    assert [e["action"] for e in dated["entries"]] == ["alert.dismiss"]
    page = client.get("/api/audit", params={"limit": 1, "offset": 1}).json()
    assert page["entries"][0]["id"] == ids[1]
    facets = client.get("/api/audit/facets").json()
    assert {"operator", "supervisor", "system"} <= set(facets["actors"])
    assert "alert.follow_up" in facets["actions"]


@pytest.mark.parametrize(("params", "field"), [
    ({"since": "never"}, "query.since"),
    ({"until": "2026-13-01"}, "query.until"),
    ({"actor": "x" * 201}, "query.actor"),
    ({"since": "2026-03-14T10:00", "until": "2026-03-14T09:00"}, "until:"),
], ids=["since", "until", "actor-long", "until-first"])
def test_audit_bad_parameters(client_as: Client, params: dict[str, object], field: str) -> None:
    client = client_as("auditor")
    for path in ("/api/audit", "/api/audit.csv"):
        response = client.get(path, params=params)
        assert response.status_code == 422, path
        assert response.json()["detail"].startswith(field)
    assert client.get("/api/audit", params={"limit": 0}).status_code == 422


def tamper(ctx: ConsoleContext, statement: str) -> None:
    """Edit the log as someone with the database owner's rights would (triggers dropped)."""
    with ctx.db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
        conn.execute(text(statement))


def test_audit_chain_state(ctx: ConsoleContext, client_as: Client) -> None:
    seed(ctx)
    client = client_as("supervisor")
    state = client.get("/api/audit/verify").json()
    head = AuditRepository(ctx.db).head()
    assert head is not None
    assert state == {"intact": True, "first_bad_id": None, "entries": head[0],
                     "head_id": head[0]}
    tamper(ctx, "UPDATE audit_log SET actor = 'mallory' WHERE id = 3")
    broken = client.get("/api/audit/verify").json()
    assert broken["intact"] is False
    assert broken["first_bad_id"] == 3


def test_audit_csv_export_is_audited(ctx: ConsoleContext, client_as: Client) -> None:
    seed(ctx)
    client = client_as("auditor")
    response = client.get("/api/audit.csv", params={"action": "alert."})
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="vigie-audit-')
    rows = read_csv(response)
    assert list(rows[0]) == ["id", "at", "actor", "action", "target", "details", "prev_hash",
                             "hash"]
    assert len(rows) == 8
    assert all(r["action"].startswith("alert.") for r in rows)
    stored = {e.id: e for e in AuditRepository(ctx.db).list(action="alert.validate")}
    validate = next(r for r in rows if r["action"] == "alert.validate")
    assert validate["hash"] == stored[int(validate["id"])].hash
    assert '"to":"validated"' in validate["details"]
    (entry,) = AuditRepository(ctx.db).list(action="audit.export")
    assert entry.actor == "auditor"
    assert entry.details == {"filters": {"action": "alert."}, "rows": 8}
    again = read_csv(client.get("/api/audit.csv"))
    assert any(r["action"] == "audit.export" for r in again)  # the first export is in it
