"""Statistics, alert register and audit log pages in chromium, on seeded figures of today."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.api.helpers import add_alert
from vigie.api import ConsoleContext
from vigie.store import AlertRecord, AlertRepository, CountRepository

PageAs = Callable[[str], Any]
Shot = Callable[[Any, str], object]


def today_at(hour: float) -> datetime:
    """``hour`` hours after today's midnight in the test site's time zone, in UTC."""
    zone = ZoneInfo("Europe/Paris")
    midnight = datetime.combine(datetime.now(zone).date(), time(0), tzinfo=zone)
    return midnight.astimezone(UTC) + timedelta(hours=hour)


def seed(ctx: ConsoleContext) -> list[AlertRecord]:
    """Crossings from 07:00 to 12:00, density and masks, six alerts (3 validated, 1 dismissed)."""
    counts = CountRepository(ctx.db)
    for hour, (n_in, n_out) in zip(range(7, 13), [(4, 1), (12, 3), (9, 6), (5, 7), (8, 2),
                                                  (3, 5)], strict=True):
        counts.increment("cam-a", "gate-count", "gate", "in", today_at(hour + 0.25), n_in)
        counts.increment("cam-a", "gate-count", "gate", "out", today_at(hour + 0.5), n_out)
    for hour, persons in [(8, 9), (9, 21), (10, 14), (11, 6)]:
        counts.increment("cam-b", "crowd", "square", "persons", today_at(hour), persons)
        counts.increment("cam-b", "crowd", "square", "samples", today_at(hour), 3)
        counts.increment("cam-b", "masks", "square", "mask", today_at(hour + 0.1), hour - 6)
        counts.increment("cam-b", "masks", "square", "no_mask", today_at(hour + 0.1), 4)
    repo = AlertRepository(ctx.db)
    alerts = [add_alert(ctx, raised_at=today_at(h), snapshot=False,
                        explanation=f"person in zone tracks ({i})")
              for i, h in enumerate([7.5, 8.2, 9.1, 10.4])]
    alerts.append(add_alert(ctx, camera_id="cam-b", kind="crowd_density", zone="square",
                            raised_at=today_at(9.6), snapshot=False,
                            explanation="21 persons in square: 3.1 persons/m2"))
    alerts.append(add_alert(ctx, kind="tripwire", zone="gate", raised_at=today_at(11.2),
                            snapshot=False, explanation="person crossed line 'gate' going in"))
    for alert, minutes in [(alerts[0], 1.5), (alerts[1], 0.7), (alerts[4], 3)]:
        repo.transition(alert.id, "validate", "supervisor", 1, follow_up="intervention",
                        at=alert.raised_at + timedelta(minutes=minutes))
    repo.transition(alerts[2].id, "dismiss", "operator", 1, reason="false_positive",
                    comment="reflection on the glass", at=alerts[2].raised_at
                    + timedelta(seconds=40))
    return alerts


def test_statistics_page_shows_the_days_figures(
        page_as: PageAs, console: tuple[ConsoleContext, str], screenshot: Shot) -> None:
    ctx, _ = console
    seed(ctx)
    page = page_as("supervisor")
    page.goto("/stats")
    page.wait_for_selector("#stats-page[data-loaded]")
    page.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 6")
    traces = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
        '.js-plotly-plot')].map((d) => [d.id, d.data.length]))""")
    assert traces == {"chart-attendance": 3, "chart-crossings": 2, "chart-alerts-time": 3,
                      "chart-alerts-kind": 3, "chart-occupancy": 2, "chart-masks": 1}
    attendance = page.evaluate("() => document.getElementById('chart-attendance').data[0].y")
    assert attendance[7:13] == [4, 12, 9, 5, 8, 3]
    assert page.locator("#card-alerts").inner_text() == "6"
    assert page.locator("#card-share").inner_text() == "75%"
    assert page.locator("#card-share-sub").inner_text() == "3 of 4 decided"
    assert page.locator("#card-open").inner_text() == "2"
    assert page.locator("#card-in").inner_text() == "41"
    assert page.locator("#card-out").inner_text() == "24"
    assert page.locator("#stats-empty").is_hidden()
    row = page.locator("#alerts-table tr[data-kind='zone_intrusion'] td")
    assert row.all_inner_texts()[:6] == ["Zone intrusion", "4", "2", "1", "1", "67%"]
    screenshot(page, "stats")

    # one camera only: its own figures
    page.select_option("#f-camera", "cam-b")
    page.wait_for_function("() => document.getElementById('card-alerts').textContent === '1'")
    assert "camera=cam-b" in page.url
    assert page.locator("#chart-crossings .chart-none").inner_text() == \
        "No tripwire counted this day."

    # the day before: nothing, said plainly
    page.click("#day-prev")
    page.locator("#stats-empty").wait_for(state="visible")
    assert page.locator("#card-alerts").inner_text() == "0"
    assert page.locator("#card-share").inner_text() == "–"

    # the CSV of what is shown
    page.click("#day-today")
    page.wait_for_function("() => document.getElementById('card-alerts').textContent === '1'")
    with page.expect_download() as info:
        page.click("#stats-csv")
    download = info.value
    assert download.suggested_filename.startswith("vigie-stats-")
    rows = list(csv.DictReader(io.StringIO(
        Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert {r["camera_id"] for r in rows if r["series"] == "occupancy_mean"} == {"cam-b"}


def test_register_search_and_csv_export(
        page_as: PageAs, console: tuple[ConsoleContext, str], screenshot: Shot) -> None:
    ctx, _ = console
    alerts = seed(ctx)
    page = page_as("auditor")
    page.goto("/registers")
    page.wait_for_selector("#reg-page[data-loaded]")
    assert page.locator("#reg-table tbody tr").count() == 6
    assert page.locator("#reg-count").inner_text() == "1–6 of 6 alerts"
    screenshot(page, "registers")

    before = page.locator("#reg-page").get_attribute("data-loaded")
    page.fill("#f-q", "glass")
    page.wait_for_function("(b) => document.getElementById('reg-page').dataset.loaded !== b",
                           arg=before)
    rows = page.locator("#reg-table tbody tr")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-id") == str(alerts[2].id)
    cells = rows.first.locator("td").all_inner_texts()
    assert "dismissed" in cells[3]
    assert "false positive" in cells[3]
    assert cells[4] == "operator"
    assert cells[6] == "40 s"
    assert "reflection on the glass" in cells[8]
    assert "q=glass" in page.url

    with page.expect_download() as info:
        page.click("#reg-csv")
    download = info.value
    assert download.suggested_filename.startswith("vigie-register-")
    exported = list(csv.DictReader(io.StringIO(
        Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert len(exported) == 1
    assert exported[0]["id"] == str(alerts[2].id)
    assert exported[0]["dismiss_reason"] == "false_positive"
    assert exported[0]["camera"] == "Station forecourt"

    page.select_option("#f-status", "validated")
    page.fill("#f-q", "")
    page.wait_for_function(
        "() => document.getElementById('reg-count').textContent.endsWith('of 3 alerts')")
    assert page.locator("#reg-table .pill.validated").count() == 3


def test_audit_log_shows_an_intact_chain(
        page_as: PageAs, console: tuple[ConsoleContext, str], screenshot: Shot) -> None:
    ctx, _ = console
    seed(ctx)
    page = page_as("supervisor")
    page.goto("/audit")
    badge = page.locator("#audit-chain.intact")
    badge.wait_for()
    assert badge.inner_text().startswith("✔ Chain intact, ")
    assert badge.inner_text().endswith(" entries")
    page.wait_for_selector("#audit-page[data-loaded]")
    assert page.locator("#audit-table tbody tr").count() > 10
    screenshot(page, "audit")
    page.select_option("#f-action", "alert.dismiss")
    page.wait_for_function(
        "() => document.getElementById('audit-count').textContent === '1–1 of 1 entry'")
    assert page.locator("#audit-table tbody td").nth(2).inner_text() == "operator"


def test_operator_sees_statistics_but_not_the_registers(
        page_as: PageAs, console: tuple[ConsoleContext, str]) -> None:
    page = page_as("operator")
    page.goto("/stats")
    page.wait_for_selector("#stats-page[data-loaded]")
    assert page.locator("#stats-empty").is_visible()
    nav = page.locator(".topbar nav a").all_inner_texts()
    assert "Statistics" in nav
    assert "Registers" not in nav
    assert "Audit log" not in nav
    response = page.goto("/registers")
    assert response.status == 403
