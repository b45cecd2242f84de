"""The alert queue in chromium: live arrival, decisions by key and dialog, two operators."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any
from uuid import uuid4

import cv2
import pytest

from tests.api.helpers import add_alert
from vigie.api import ConsoleContext
from vigie.events.evidence import draw_overlay, encode_clip
from vigie.store import AlertRecord, AlertRepository, NewAlert

PageAs = Callable[[str], Any]
Shot = Callable[[Any, str], object]
LIVE_S = 6_000  # ms: the hub looks every 0.5 s; a loaded machine may be slower


@pytest.fixture
def ctx(console: tuple[ConsoleContext, str]) -> ConsoleContext:
    """The live console's context (to store alerts as the analysis would)."""
    return console[0]


def open_alerts(page: Any) -> None:
    """Go to the queue and wait for its live stream and first load."""
    if "/alerts" not in page.url:
        page.goto("/alerts")
    page.wait_for_selector("#live-dot.on")
    page.wait_for_selector("#f-kind option[value=fire]", state="attached")


def select_alert(page: Any, alert: AlertRecord) -> None:
    """Click the alert's row and wait for its detail."""
    page.click(f'tr[data-id="{alert.id}"]')
    page.wait_for_selector(f'#detail .alert-number:text("#{alert.id}")')


def wait_until(page: Any, condition: Callable[[], bool], timeout_ms: int = LIVE_S) -> None:
    """Poll ``condition`` (the page's CSP forbids Playwright's string predicates)."""
    for _ in range(timeout_ms // 100):
        if condition():
            return
        page.wait_for_timeout(100)
    assert condition()


def row(page: Any, alert: AlertRecord) -> Any:
    return page.locator(f'tr[data-id="{alert.id}"]')


def test_new_alert_appears_live_with_a_cue(page_as: PageAs, ctx: ConsoleContext) -> None:
    page = page_as("operator")
    open_alerts(page)
    page.wait_for_selector("#queue-empty", state="visible")
    older = add_alert(ctx, raised_at=datetime.now(UTC) - timedelta(minutes=3))
    alert = add_alert(ctx, kind="person_down", zone=None,
                      explanation="person on the ground for 12.0 s (alert after 10 s)")
    page.wait_for_selector(f'tr[data-id="{alert.id}"]', timeout=LIVE_S)
    page.wait_for_selector(f'tr[data-id="{older.id}"]', timeout=LIVE_S)
    ids = page.locator("#queue-body tr").evaluate_all("rows => rows.map(r => +r.dataset.id)")
    assert ids == [alert.id, older.id]  # newest first, without reloading
    assert "fresh" in (row(page, alert).get_attribute("class") or "")
    assert row(page, alert).locator(".kind").inner_text() == "Person on the ground"
    assert row(page, alert).locator(".camera").inner_text() == "Station forecourt"
    banner = page.locator("#new-banner")
    assert banner.is_visible()
    assert "Person on the ground" in banner.inner_text()
    wait_until(page, lambda: page.title().startswith("(2) "))
    assert page.locator("#count-new b").inner_text() == "2"
    page.keyboard.press("o")  # open the newest
    page.wait_for_selector(f'#detail .alert-number:text("#{alert.id}")')
    assert "fresh" not in (row(page, alert).get_attribute("class") or "")


def test_sound_is_off_by_default_and_remembered(page_as: PageAs) -> None:
    page = page_as("operator")
    open_alerts(page)
    toggle = page.locator("#sound-toggle")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    page.reload()
    open_alerts(page)
    assert page.locator("#sound-toggle").get_attribute("aria-pressed") == "true"
    assert page.evaluate("localStorage.getItem('vigie.alerts.sound')") == "on"


def test_validate_by_key_then_record_the_follow_up(page_as: PageAs, ctx: ConsoleContext,
                                                   screenshot: Shot, tmp_path: Path) -> None:
    alerts = realistic_alerts(ctx, tmp_path)
    target = alerts[0]
    page = page_as("operator")
    open_alerts(page)
    select_alert(page, target)
    page.wait_for_selector("#detail video")
    width = page.locator("#detail .snapshot img").evaluate(
        "img => img.decode().then(() => img.naturalWidth)")
    assert width == 768  # the stored snapshot, not a broken image
    assert "threshold" in page.locator("#detail table.kv").inner_text()
    screenshot(page, "alerts")
    page.keyboard.press("v")
    page.wait_for_selector(f'tr[data-id="{target.id}"] .pill.validated')
    assert page.locator(".detail-title .pill").inner_text() == "Validated"
    assert "operator validated (true alert)" in page.locator(".register").inner_text()
    assert page.locator('.actions button[data-action="validate"]').is_disabled()
    page.keyboard.press("f")
    dialog = page.locator("#follow-dialog")
    assert dialog.is_visible()
    dialog.get_by_label("Transmitted to field units").check()
    page.fill("#follow-comment", "patrol 12 on its way")
    dialog.locator('button[type="submit"]').click()
    dialog.wait_for(state="hidden")
    page.wait_for_selector('.decision:has-text("Follow-up: Transmitted to field units")')
    register = page.locator(".register").inner_text()
    assert "operator recorded the follow-up: Transmitted to field units" in register
    assert "patrol 12 on its way" in register
    stored = AlertRepository(ctx.db).get(target.id)
    assert (stored.status, stored.follow_up, stored.follow_up_by) == (
        "validated", "transmitted_to_field", "operator")


def test_dismiss_with_a_reason_from_the_dialog(page_as: PageAs, ctx: ConsoleContext,
                                               screenshot: Shot, tmp_path: Path) -> None:
    target = realistic_alerts(ctx, tmp_path)[1]
    page = page_as("operator")
    open_alerts(page)
    select_alert(page, target)
    page.keyboard.press("d")
    dialog = page.locator("#dismiss-dialog")
    assert dialog.is_visible()
    dialog.locator('button[type="submit"]').click()  # no reason yet: refused on the page
    assert page.locator("#dismiss-error").inner_text() == "Choose a reason."
    assert AlertRepository(ctx.db).get(target.id).status == "new"
    page.select_option("#dismiss-reason", "authorised_activity")
    page.fill("#dismiss-comment", "cleaning crew on the platform")
    screenshot(page, "alert-dismiss")
    dialog.locator('button[type="submit"]').click()
    dialog.wait_for(state="hidden")
    page.wait_for_selector(f'tr[data-id="{target.id}"] .pill.dismissed')
    assert "Authorised activity" in page.locator(".decision").inner_text()
    stored = AlertRepository(ctx.db).get(target.id)
    assert (stored.status, stored.dismiss_reason) == ("dismissed", "authorised_activity")
    assert stored.decision_comment == "cleaning crew on the platform"


def test_second_operator_is_refused_and_sees_the_first_decision(
        page_as: PageAs, ctx: ConsoleContext) -> None:
    alert = add_alert(ctx)
    first, second = page_as("operator"), page_as("supervisor")
    # The second console's live stream is cut (a network hiccup): it still shows "new" when
    # its operator decides, so only the server's lock can stop the overwrite.
    second.context.route("**/api/stream", lambda route: route.abort())
    second.reload()
    for page in (first, second):
        page.wait_for_selector("#f-kind option[value=fire]", state="attached")
        select_alert(page, alert)
    first.keyboard.press("v")
    first.wait_for_selector(".detail-title .pill.validated")
    assert second.locator(".detail-title .pill").inner_text() == "New"
    second.keyboard.press("d")
    second.select_option("#dismiss-reason", "false_positive")
    second.locator('#dismiss-dialog button[type="submit"]').click()
    notice = second.locator(".notice.conflict")
    notice.wait_for()
    assert re.match(r"operator already validated this alert at \d\d:\d\d:\d\d.*; your "
                    r"dismiss was not applied", notice.inner_text())
    assert second.locator(".detail-title .pill").inner_text() == "Validated"
    assert second.locator(f'tr[data-id="{alert.id}"] .pill').inner_text() == "Validated"
    stored = AlertRepository(ctx.db).get(alert.id)
    assert (stored.status, stored.operator, stored.dismiss_reason) == ("validated", "operator",
                                                                       None)


def test_other_operators_decision_updates_the_open_detail_live(
        page_as: PageAs, ctx: ConsoleContext) -> None:
    alert = add_alert(ctx)
    page = page_as("operator")
    open_alerts(page)
    select_alert(page, alert)
    AlertRepository(ctx.db).transition(alert.id, "acknowledge", "supervisor", alert.version)
    page.wait_for_selector(".detail-title .pill.acknowledged", timeout=LIVE_S)
    assert page.locator(".notice.info").inner_text().startswith(
        "supervisor acknowledged this alert at ")
    assert page.locator(f'tr[data-id="{alert.id}"] .operator').inner_text() == "supervisor"
    assert page.locator('.actions button[data-action="acknowledge"]').is_disabled()
    assert page.locator('.actions button[data-action="validate"]').is_enabled()


def test_filters_and_shortcut_help(page_as: PageAs, ctx: ConsoleContext) -> None:
    fire = add_alert(ctx, camera_id="cam-b", kind="fire", zone=None)
    intrusion = add_alert(ctx)
    page = page_as("operator")
    open_alerts(page)
    page.wait_for_selector(f'tr[data-id="{intrusion.id}"]')
    page.select_option("#f-kind", "fire")
    page.wait_for_selector(f'tr[data-id="{intrusion.id}"]', state="detached")
    assert page.locator("#queue-body tr").count() == 1
    page.select_option("#f-kind", "")
    page.select_option("#f-camera", "cam-a")
    page.wait_for_selector(f'tr[data-id="{fire.id}"]', state="detached")
    page.click("#f-clear")
    page.wait_for_selector(f'tr[data-id="{fire.id}"]')
    page.keyboard.press("j")
    page.wait_for_selector(f'#detail .alert-number:text("#{intrusion.id}")')
    page.keyboard.press("j")
    page.wait_for_selector(f'#detail .alert-number:text("#{fire.id}")')
    page.keyboard.press("k")
    page.wait_for_selector(f'#detail .alert-number:text("#{intrusion.id}")')
    page.keyboard.press("?")
    assert page.locator("#help-dialog").is_visible()
    assert "Validate" in page.locator("#help-dialog").inner_text()


# --- realistic alerts for the screenshots ---------------------------------------------------

def realistic_alerts(ctx: ConsoleContext, tmp_path: Path) -> list[AlertRecord]:
    """A few alerts of different types on a real street frame; the first has a clip."""
    now = datetime.now(UTC)
    specs: list[tuple[str, str, str | None, str, dict[str, object], float]] = [
        ("zone_intrusion", "cam-a", "tracks",
         "person in zone 'tracks' for 3.2 s (alert after 2 s)",
         {"label": "person", "dwell_s": 3.2, "threshold_s": 2.0, "score": 0.81}, 0.5),
        ("abandoned_object", "cam-a", "hall",
         "backpack still for 95 s, unattended for 62 s (nobody within 3 m)",
         {"label": "backpack", "static_s": 95.0, "unattended_s": 62.0, "nearest_m": -1.0,
          "owner_track": -1, "static_threshold_s": 60.0, "unattended_threshold_s": 30.0,
          "radius_m": 3.0}, 4),
        ("crowd_density", "cam-b", "square",
         "41 persons in zone 'square' (12 m2): 3.42 persons/m2 for 20 s, at or above 3 "
         "persons/m2 (alert after 15 s)",
         {"persons": 41.0, "density": 3.42, "area_m2": 12.0, "max_density": 3.0,
          "duration_s": 20.0, "source": "tracks"}, 11),
        ("running", "cam-b", None, "person running at 4.10 m/s for 2.4 s (threshold 3.5 m/s)",
         {"speed": 4.1, "unit": "m/s", "threshold": 3.5, "duration_s": 2.4,
          "straightness": 0.93, "calibrated": 1}, 27),
        ("tripwire", "cam-a", "gate", "person crossed line 'gate' going in (count in 14, out 9)",
         {"label": "person", "direction": "in", "count_in": 14, "count_out": 9}, 52),
    ]
    frame = cv2.imread(str(files("vigie.models") / "assets" / "vtest_frame200.jpg"))
    assert frame is not None
    stored = []
    for index, (kind, camera, zone, why, details, minutes) in enumerate(specs):
        uuid = uuid4()
        relative = f"evidence/{camera}/{uuid}.jpg"
        box = (300 + 40 * index, 160, 380 + 40 * index, 400)
        image = draw_overlay(frame, [box], [kind.replace("_", " ")])
        target = ctx.data_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        assert cv2.imwrite(str(target), image)
        raised = now - timedelta(minutes=minutes)
        stored.append(AlertRepository(ctx.db).create(NewAlert(
            kind=kind, rule_id=f"{zone or camera}-{kind}", camera_id=camera,
            started_at=raised - timedelta(seconds=5), raised_at=raised, score=0.86 - 0.04 * index,
            explanation=why, zone=zone, details=details, track_ids=(12 + index,),
            snapshot_path=relative, uuid=uuid)))
    stored[0] = street_clip(ctx, stored[0], frame)
    repo = AlertRepository(ctx.db)
    repo.transition(stored[3].id, "validate", "supervisor", 1)
    repo.transition(stored[4].id, "dismiss", "supervisor", 1, reason="test")
    return stored


def street_clip(ctx: ConsoleContext, alert: AlertRecord, frame: Any) -> AlertRecord:
    """A 3 s clip of the street frame with the outlined person walking (ready)."""
    relative = f"evidence/{alert.camera_id}/{alert.uuid}.webm"
    images = [(i / 5, draw_overlay(frame, [(300 + 4 * i, 160, 380 + 4 * i, 400)], ["person"]))
              for i in range(15)]
    encode_clip(images, ctx.data_dir / relative)
    return AlertRepository(ctx.db).set_clip(alert.id, relative, "ready")
