"""The public notice and the register of processing: public, true to the site, up to date."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from vigie.api import ConsoleContext
from vigie.store import CameraRepository
from vigie.store.users import Role

ClientAs = Callable[[Role | str | None], TestClient]


def test_the_notice_needs_no_sign_in_and_lists_cameras_and_events(client_as: ClientAs) -> None:
    client = client_as(None)
    body = client.get("/api/notice").json()
    assert body["site"] == "Test site"
    assert [c["id"] for c in body["cameras"]] == ["cam-a", "cam-b"]
    assert {e["kind"] for e in body["events"]} == {"zone_intrusion", "tripwire"}
    intrusion = next(e for e in body["events"] if e["kind"] == "zone_intrusion")
    assert intrusion["legal_event"] == 4
    assert body["images_days"] == 30
    assert body["alerts_days"] == 365
    assert any("face recognition" in g for g in body["guarantees"])
    page = client.get("/notice")
    assert page.status_code == 200
    assert "Station forecourt" in page.text
    assert "30 days" in page.text


def test_a_stopped_camera_shows_as_stopped(client_as: ClientAs, ctx: ConsoleContext) -> None:
    CameraRepository(ctx.db).set_stopped("cam-b", True, "sup", "maintenance")
    cameras = {c["id"]: c["analysis"] for c in client_as(None).get("/api/notice").json()
               ["cameras"]}
    assert cameras == {"cam-a": "active", "cam-b": "stopped"}


def test_the_register_of_processing_is_markdown_with_every_article_30_item(
        client_as: ClientAs) -> None:
    response = client_as(None).get("/notice/processing-register.md")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    text = response.text
    for item in ("| Controller |", "| Data-protection officer |", "| Purpose |",
                 "| Data subjects |", "| Personal data |", "| Recipients |",
                 "| Transfers outside the EU | None. |", "| Retention |",
                 "## Security measures", "| Station forecourt | cam-a | active |"):
        assert item in text, item
    assert "to be filled in" in text  # the test site has no controller: said, not invented


def test_the_notice_follows_the_site_configuration(client_as: ClientAs, ctx: ConsoleContext
                                                   ) -> None:
    notice = ctx.site.notice.model_copy(update={"controller": "Ville de Test",
                                                "dpo_contact": "dpo@ville-test.fr"})
    ctx.site = ctx.site.model_copy(update={"notice": notice})
    body = client_as(None).get("/api/notice").json()
    assert body["controller"] == "Ville de Test"
    assert body["dpo_contact"] == "dpo@ville-test.fr"
    assert "dpo@ville-test.fr" in client_as(None).get("/notice").text
