"""Statistics API: the page, the day's figures as JSON and CSV, refusals and bad input."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import add_alert
from vigie.api import ConsoleContext
from vigie.store import AlertRepository, CountRepository

Client = Callable[[str | None], TestClient]
DAY = "2026-03-14"
MIDNIGHT = datetime(2026, 3, 13, 23, 0, tzinfo=UTC)  # local midnight in Paris (UTC+1)


def at(hour: float) -> datetime:
    return MIDNIGHT + timedelta(hours=hour)


def seed(ctx: ConsoleContext) -> None:
    """Crossings at 08:xx and 09:xx, occupancy and masks at 10:xx, three alerts."""
    counts = CountRepository(ctx.db)
    counts.increment("cam-a", "gate-count", "gate", "in", at(8.2), 5)
    counts.increment("cam-a", "gate-count", "gate", "out", at(8.4), 2)
    counts.increment("cam-a", "gate-count", "gate", "in", at(9.5), 3)
    counts.increment("cam-a", "gate-count", "gate", "in", at(30), 50)  # another day
    counts.increment("cam-b", "crowd", "square", "persons", at(10), 12)
    counts.increment("cam-b", "crowd", "square", "samples", at(10), 3)
    counts.increment("cam-b", "masks", "square", "mask", at(10.5), 1)
    counts.increment("cam-b", "masks", "square", "no_mask", at(10.5), 3)
    repo = AlertRepository(ctx.db)
    validated = add_alert(ctx, raised_at=at(8.3), snapshot=False)
    repo.transition(validated.id, "validate", "operator", 1, at=at(8.3) + timedelta(seconds=60))
    dismissed = add_alert(ctx, raised_at=at(9.1), snapshot=False)
    repo.transition(dismissed.id, "dismiss", "operator", 1, reason="false_positive",
                    at=at(9.1) + timedelta(seconds=20))
    add_alert(ctx, camera_id="cam-b", kind="crowd_density", zone=None, raised_at=at(10.2),
              snapshot=False)


@pytest.mark.parametrize("role", ["operator", "supervisor", "integrator", "auditor"])
def test_page_and_figures_are_served_to_every_role(client_as: Client, role: str) -> None:
    client = client_as(role)
    response = client.get("/stats")
    assert response.status_code == 200
    assert "/static/vendor/plotly.min.js" in response.text
    assert response.text.index("plotly.min.js") < response.text.index("/static/js/stats.js")
    assert client.get("/api/stats").status_code == 200
    assert client.get("/api/stats.csv").status_code == 200


def test_anonymous_is_refused(client_as: Client) -> None:
    anonymous = client_as(None)
    assert anonymous.get("/api/stats").status_code == 401
    assert anonymous.get("/api/stats.csv").status_code == 401
    page = anonymous.get("/stats", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/stats"


def test_empty_day(client_as: Client) -> None:
    data = client_as("operator").get("/api/stats", params={"day": DAY}).json()
    assert data["empty"] is True
    assert data["day"] == DAY
    assert data["timezone"] == "Europe/Paris"
    assert len(data["labels"]) == 24
    assert data["summary"] == {"alerts": 0, "open": 0, "validated": 0, "dismissed": 0,
                               "validated_share": None, "crossings_in": 0, "crossings_out": 0}
    assert data["crossings"] == data["alerts"] == data["occupancy"] == data["masks"] == []
    assert [c["id"] for c in data["cameras"]] == ["cam-a", "cam-b"]
    assert data["cameras"][0]["lines"] == ["gate"]


def test_day_figures(ctx: ConsoleContext, client_as: Client) -> None:
    seed(ctx)
    data = client_as("operator").get("/api/stats", params={"day": DAY}).json()
    assert data["empty"] is False
    assert data["summary"] == {"alerts": 3, "open": 1, "validated": 1, "dismissed": 1,
                               "validated_share": 0.5, "crossings_in": 8, "crossings_out": 2}
    assert data["attendance"]["entries"][8:10] == [5, 3]
    assert data["attendance"]["net_present"][8:10] == [3, 6]
    crossings = {(c["name"], c["direction"]): c for c in data["crossings"]}
    assert crossings[("gate", "in")]["total"] == 8
    assert crossings[("gate", "out")]["values"][8] == 2
    (occupancy,) = data["occupancy"]
    assert occupancy["mean"][10] == 4.0
    assert occupancy["peak_day"] == 4.0
    (mask,) = data["masks"]
    assert mask["share"][10] == 0.25
    assert mask["share_day"] == 0.25
    kinds = {k["kind"]: k for k in data["alerts"]}
    assert kinds["zone_intrusion"]["validated_share"] == 0.5
    assert kinds["zone_intrusion"]["mean_handling_s"] == 40.0
    assert kinds["crowd_density"]["open"] == 1
    assert {k["kind"]: sum(k["values"]) for k in data["alerts_per_bin"]} == {
        "crowd_density": 1, "zone_intrusion": 2}
    assert "track_ids" not in str(data)


def test_filters_by_camera_zone_and_bin(ctx: ConsoleContext, client_as: Client) -> None:
    seed(ctx)
    client = client_as("integrator")
    only_b = client.get("/api/stats", params={"day": DAY, "camera": "cam-b"}).json()
    assert only_b["camera_id"] == "cam-b"
    assert only_b["crossings"] == []
    assert only_b["summary"]["alerts"] == 1
    assert len(only_b["occupancy"]) == 1
    gate = client.get("/api/stats", params={"day": DAY, "zone": "gate"}).json()
    assert gate["occupancy"] == []
    assert gate["summary"]["crossings_in"] == 8
    quarters = client.get("/api/stats", params={"day": DAY, "bin": 15}).json()
    assert len(quarters["labels"]) == 96
    assert quarters["labels"][33] == "08:15"
    assert quarters["attendance"]["entries"][32] == 5


def test_default_day_is_today_in_the_site_time_zone(ctx: ConsoleContext,
                                                    client_as: Client) -> None:
    now = datetime.now(UTC)
    CountRepository(ctx.db).increment("cam-a", "gate-count", "gate", "in", now, 4)
    data = client_as("auditor").get("/api/stats").json()
    assert data["day"] == now.astimezone(ZoneInfo("Europe/Paris")).date().isoformat()
    assert data["summary"]["crossings_in"] == 4


def test_dst_day_has_23_hours(client_as: Client) -> None:
    data = client_as("operator").get("/api/stats", params={"day": "2026-03-29"}).json()
    assert len(data["labels"]) == 23
    assert data["labels"][2] == "03:00"


@pytest.mark.parametrize(("params", "field"), [
    ({"day": "2026-02-30"}, "day"),
    ({"day": "yesterday"}, "day"),
    ({"camera": "nope"}, "camera"),
    ({"bin": 20}, "bin"),
    ({"bin": "hour"}, "bin"),
], ids=["impossible-date", "not-a-date", "unknown-camera", "odd-bin", "bin-not-a-number"])
def test_bad_parameters_are_422_naming_the_field(client_as: Client, params: dict[str, object],
                                                 field: str) -> None:
    client = client_as("operator")
    for path in ("/api/stats", "/api/stats.csv"):
        response = client.get(path, params=params)
        assert response.status_code == 422, path
        detail = response.json()["detail"]
        assert field in detail
        assert detail.startswith((f"query.{field}", f"{field}:"))


def read_csv(response: object) -> list[dict[str, str]]:
    text = response.content.decode("utf-8")  # type: ignore[attr-defined]
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_csv_export(ctx: ConsoleContext, client_as: Client) -> None:
    seed(ctx)
    response = client_as("operator").get("/api/stats.csv", params={"day": DAY, "camera": "cam-a"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == \
        'attachment; filename="vigie-stats-2026-03-14-cam-a.csv"'
    rows = read_csv(response)
    assert list(rows[0]) == ["date", "bin", "bin_start_utc", "series", "camera_id", "rule_id",
                             "name", "direction", "value"]
    gate_in = [r for r in rows if r["series"] == "crossings" and r["direction"] == "in"]
    assert len(gate_in) == 24
    assert gate_in[8] == {"date": DAY, "bin": "08:00",
                          "bin_start_utc": "2026-03-14T07:00:00+00:00", "series": "crossings",
                          "camera_id": "cam-a", "rule_id": "gate-count", "name": "gate",
                          "direction": "in", "value": "5"}
    entries = [r for r in rows if r["series"] == "entries"]
    assert sum(int(r["value"]) for r in entries) == 8
    share = [r for r in rows if r["series"] == "alerts_validated_share"]
    assert [(r["name"], r["value"]) for r in share] == [("zone_intrusion", "0.5")]
    assert not [r for r in rows if r["camera_id"] == "cam-b"]
